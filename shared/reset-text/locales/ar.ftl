# العربية الفصحى المعاصرة. The pages are laid out right to left (<html dir="rtl">).

## Durations

duration-hours = { $n ->
    [one] ساعة واحدة
    [two] ساعتين
    [few] { $n } ساعات
   *[other] { $n } ساعة
}
duration-minutes = { $n ->
    [one] دقيقة واحدة
    [two] دقيقتين
    [few] { $n } دقائق
    [many] { $n } دقيقةً
   *[other] { $n } دقيقة
}
duration-seconds = { $n ->
    [one] ثانية واحدة
    [two] ثانيتين
    [few] { $n } ثوانٍ
   *[other] { $n } ثانية
}

## Every page

footer-help = هل تحتاج إلى مساعدة؟ تواصل مع { $support }.
account-unnamed = حسابك
new-link = اطلب رابطًا جديدًا
continue = متابعة
sign-in = تسجيل الدخول
start-again = البدء من جديد

## The forgot-password page

forgot-title = هل نسيت كلمة المرور؟
forgot-intro = أدخل عنوان البريد الإلكتروني لحسابك. إذا كان لديه حساب، فسنرسل إليه رابطًا لاختيار كلمة مرور جديدة.
forgot-email-label = عنوان البريد الإلكتروني
forgot-submit = أرسل لي رابط إعادة التعيين

## The answer to every forgot-password form, whatever the account

inbox-title = تحقّق من بريدك الوارد
inbox-sent = إذا كان هناك حساب يستخدم العنوان الذي أدخلته، فقد أرسلنا إليه رابطًا لاختيار كلمة مرور جديدة. يعمل الرابط مرة واحدة وتنتهي صلاحيته خلال { $lifetime }.
inbox-nothing = لم يصلك شيء بعد بضع دقائق؟ ابحث في مجلد الرسائل غير المرغوب فيها، أو اطلب رابطًا جديدًا.

## The reset form

reset-title = اختر كلمة مرور جديدة
reset-account = للحساب { $account }. ليس حسابك؟ أغلق هذه الصفحة.
reset-not-changed = لم تُغيَّر كلمة المرور:
reset-password-label = كلمة المرور الجديدة
reset-password-hint = { $min } حرفًا على الأقل ({ $max } على الأكثر). المسافات وأي أحرف مقبولة؛ بضع كلمات لا رابط بينها تصنع كلمة مرور قوية.
reset-password-hint-bytes = { $min } حرفًا على الأقل و{ $max } بايت على الأكثر (الحرف اللاتيني بلا علامات يشغل بايتًا واحدًا، ومعظم الأحرف الأخرى من اثنين إلى أربعة). المسافات وأي أحرف مقبولة؛ بضع كلمات لا رابط بينها تصنع كلمة مرور قوية.
reset-confirm-label = اكتبها مرة أخرى
reset-show = إظهار كلمتي المرور
reset-hide = إخفاء كلمتي المرور
reset-submit = غيّر كلمة المرور

## The hop page a link clicked in webmail passes through

continue-title = تابع إلى كلمة المرور الجديدة
continue-text = رابطك صالح. تابع لاختيار كلمة مرور جديدة.

## Outcomes

invalid-title = هذا الرابط غير صالح أو انتهت صلاحيته
invalid-text = تعمل روابط إعادة التعيين مرة واحدة، لمدة { $lifetime }، وتتوقف عن العمل عند تغيير كلمة المرور. اطلب رابطًا جديدًا واستخدم أحدث رسالة.
changed-title = تم تغيير كلمة المرور
changed-text = تم تغيير كلمة المرور للحساب { $account }. يمكنك تسجيل الدخول بها الآن. أرسلنا تأكيدًا إلى ذلك العنوان.
switch-title = إعادة تعيين كلمة مرور حساب آخر؟
switch-current = هذا المتصفح يختار بالفعل كلمة مرور جديدة للحساب { $current }. أمّا الرابط الذي فتحته فهو للحساب { $new }.
switch-warning = لا تتابع إلا إذا كنت قد طلبت رابطًا للحساب { $new }. وإن لم تطلبه، فأغلق هذه الصفحة: ربما يحاول أحدهم دفعك إلى تغيير كلمة مروره بدلًا من كلمة مرورك.
other-link-title = كان هذا النموذج لرابط آخر
other-link-text = بعد عرض هذا النموذج فتح هذا المتصفح رابطًا آخر، وهو الآن يختار كلمة مرور جديدة للحساب { $account }. لم يتغيّر شيء. تابع لترى نموذج ذلك الحساب، أو أغلق هذه الصفحة إن لم يكن ذلك الرابط لك.
unavailable-title = تعذّر إتمام ذلك الآن
unavailable-text = لم يتغيّر شيء. يُرجى المحاولة مرة أخرى بعد دقيقة.
failed-title = لم تنجح العملية

## Answers of the JSON API (their "message"), and errors the pages show

request-accepted = إذا كان هناك حساب يستخدم هذا العنوان، فقد أرسلنا إليه رابطًا لإعادة تعيين كلمة المرور. تحقّق من بريدك الوارد.
password-changed = تم تغيير كلمة المرور. يمكنك تسجيل الدخول بها الآن.
error-invalid-token = رابط إعادة التعيين هذا غير صالح أو انتهت صلاحيته. اطلب رابطًا جديدًا.
error-unavailable = الخدمة غير متاحة لحظيًا. حاول مرة أخرى بعد بضع ثوانٍ.
error-internal = حدث خطأ من جهتنا. حاول مرة أخرى لاحقًا.
error-invalid-email = أدخل عنوان بريد إلكتروني صالحًا، مثل name@example.com.
error-weak-password = لا يمكن استخدام كلمة المرور هذه. اختر كلمة أخرى.
error-passwords-differ = كلمتا المرور غير متطابقتين. اكتب كلمة المرور الجديدة مرتين.
error-json-media-type = أرسل جسم الطلب بصيغة JSON، مع Content-Type: application/json.
error-form-media-type = تعذّرت قراءة هذا النموذج. ارجع إلى الصفحة وأرسله مرة أخرى.
error-too-large = يجب ألا يتجاوز جسم الطلب { $bytes } بايت.
error-malformed-json = جسم الطلب ليس JSON صالحًا.
error-request-shape = أرسل كائن JSON فيه حقل نصي واحد هو "email".
error-confirm-shape = أرسل كائن JSON فيه حقلان نصيان هما "token" و"password".
error-forgot-form-shape = أرسل النموذج بحقل واحد هو email.
error-reset-form-shape = أرسل النموذج بالحقلين password وconfirm.
error-dispute-form-shape = أرسل النموذج بحقل واحد هو token.
error-too-many-requests = { $seconds ->
    [one] طلبات كثيرة جدًا من شبكتك. حاول مرة أخرى بعد ثانية واحدة.
    [two] طلبات كثيرة جدًا من شبكتك. حاول مرة أخرى بعد ثانيتين.
    [few] طلبات كثيرة جدًا من شبكتك. حاول مرة أخرى بعد { $seconds } ثوانٍ.
   *[other] طلبات كثيرة جدًا من شبكتك. حاول مرة أخرى بعد { $seconds } ثانية.
}
error-forbidden = استخدم العنوان العام للخدمة.
error-cross-origin = أُرسل هذا النموذج من موقع آخر. افتح الصفحة مرة أخرى وأرسله منها.
error-not-found = لا يوجد شيء على هذا العنوان.
error-method-not-allowed = هذا العنوان لا يقبل إلا { $allow }.

## Why a new password was refused

password-too-short = استخدم { $min } حرفًا على الأقل؛ هذه فيها { $count }.
password-too-long = استخدم { $max } حرفًا على الأكثر؛ هذه فيها { $count }.
password-too-many-bytes = استخدم { $max } بايت على الأكثر: الحرف اللاتيني بلا علامات يشغل بايتًا واحدًا، ومعظم الأحرف الأخرى، ومنها العربية، من اثنين إلى أربعة؛ هذه تشغل { $count }.
password-contains-nul = أزل المحرف الصفري (U+0000) من كلمة المرور: بعض أنظمة تسجيل الدخول تتوقف عن القراءة عنده.
password-contains-email = لا تبنِ كلمة المرور من عنوان بريدك الإلكتروني.
password-too-guessable = من السهل جدًا تخمين كلمة المرور هذه.
password-breached = ظهرت كلمة المرور هذه في تسريب بيانات، لذا يجرّبها المهاجمون أولًا. اختر كلمة أخرى.

## What makes a password guessable (the strength check's findings)

warning-straight-rows = الصفوف المتتالية من المفاتيح سهلة التخمين.
warning-short-keyboard-patterns = أنماط لوحة المفاتيح القصيرة سهلة التخمين.
warning-repeats = التكرار مثل "aaa" سهل التخمين.
warning-repeated-patterns = التكرار مثل "abcabcabc" ليس أصعب تخمينًا من "abc" إلا بقليل.
warning-top-10 = هذه واحدة من أكثر 10 كلمات مرور شيوعًا.
warning-top-100 = هذه واحدة من أكثر 100 كلمة مرور شيوعًا.
warning-common = هذه كلمة مرور شائعة جدًا.
warning-similar-to-common = هذه تشبه كلمة مرور شائعة الاستخدام.
warning-sequences = التسلسلات مثل abc أو 6543 سهلة التخمين.
warning-recent-years = السنوات الأخيرة سهلة التخمين.
warning-single-word = الكلمة الواحدة وحدها سهلة التخمين.
warning-dates = التواريخ غالبًا سهلة التخمين.
warning-names = الأسماء وأسماء العائلات وحدها سهلة التخمين.
warning-common-names = الأسماء وأسماء العائلات الشائعة سهلة التخمين.
suggestion-few-words = استخدم بضع كلمات، وتجنّب العبارات الشائعة.
suggestion-no-symbols-needed = لا حاجة إلى رموز أو أرقام أو أحرف كبيرة.
suggestion-another-word = أضف كلمة أو كلمتين. الكلمات غير المألوفة أفضل.
suggestion-capitals = الأحرف الكبيرة لا تفيد كثيرًا.
suggestion-all-capitals = الكتابة بالأحرف الكبيرة كلها سهلة التخمين تقريبًا مثل الأحرف الصغيرة كلها.
suggestion-reversed = الكلمات المكتوبة بالمقلوب ليست أصعب تخمينًا بكثير.
suggestion-substitutions = الاستبدالات المتوقعة، مثل "@" بدل "a"، لا تفيد كثيرًا.
suggestion-longer-keyboard-pattern = استخدم نمطًا أطول على لوحة المفاتيح فيه انعطافات أكثر.
suggestion-avoid-repeats = تجنّب تكرار الكلمات والأحرف.
suggestion-avoid-sequences = تجنّب التسلسلات.
suggestion-avoid-recent-years = تجنّب السنوات الأخيرة.
suggestion-avoid-your-years = تجنّب السنوات المرتبطة بك.
suggestion-avoid-your-dates = تجنّب التواريخ والسنوات المرتبطة بك.

## The reset mail

mail-hello = مرحبًا،
reset-mail-subject = أعد تعيين كلمة مرورك في { $app }
reset-mail-heading = أعد تعيين كلمة مرورك في { $app }
reset-mail-intro = طلب أحدهم إعادة تعيين كلمة مرور حسابك في { $app }. إن كنت أنت، فاختر كلمة مرور جديدة من الزر أدناه. يعمل الرابط مرة واحدة وتنتهي صلاحيته خلال { $lifetime }.
reset-mail-intro-text = طلب أحدهم إعادة تعيين كلمة مرور حسابك في { $app }. إن كنت أنت، فافتح هذا الرابط لاختيار كلمة مرور جديدة. يعمل مرة واحدة وتنتهي صلاحيته خلال { $lifetime }:
reset-mail-button = اختر كلمة مرور جديدة
reset-mail-copy = إذا لم يعمل الزر، فانسخ هذا العنوان إلى متصفحك:
reset-mail-ignore = إذا لم تطلب ذلك، فيمكنك تجاهل هذه الرسالة: تبقى كلمة مرورك كما هي، ولا فائدة من الرابط لمن لا يصل إلى بريدك الوارد.
reset-mail-worried = إذا كان الأمر يقلقك، فتواصل مع { $support }.

## The mail after a password was changed

changed-mail-subject = تم تغيير كلمة مرورك في { $app }
changed-mail-when = تم تغيير كلمة مرور حسابك في { $app } في { $when }.
changed-mail-fine = إذا كنت أنت من غيّرها، فلا حاجة إلى فعل أي شيء آخر.
changed-mail-not-you = إذا لم تكن أنت، فهناك من يستطيع قراءة بريدك الإلكتروني أو كان يعرف رابط إعادة تعيين: أمّن حساب بريدك الإلكتروني، ثم اطلب إعادة تعيين كلمة المرور من جديد فورًا.
changed-mail-not-you-contact = إذا لم تكن أنت، فهناك من يستطيع قراءة بريدك الإلكتروني أو كان يعرف رابط إعادة تعيين: أمّن حساب بريدك الإلكتروني، ثم اطلب إعادة تعيين كلمة المرور من جديد فورًا وتواصل مع { $support }.

changed-mail-dispute = لم تكن أنت؟ أمّن حسابك:

## صفحة «لم أكن أنا» (الرابط الثاني في الإشعار)

dispute-title = ألم تغيّر كلمة المرور بنفسك؟
dispute-text = تم تغيير كلمة المرور للحساب { $account }. إذا لم تغيّرها أنت، فاقفل الحساب الآن: تنتهي كل روابط إعادة التعيين وكل الجلسات المفتوحة، ولن يستطيع أحد تسجيل الدخول حتى يفتح الدعم الحساب من جديد.
dispute-fine = إذا غيّرتها بنفسك، فأغلق هذه الصفحة: لن يحدث شيء ما لم تضغط على الزر.
dispute-submit = لم أكن أنا — اقفل حسابي
locked-title = تم قفل حسابك
locked-text = تم قفل الحساب { $account }. انتهت كل روابط إعادة التعيين وكل الجلسات المفتوحة، فلم يعد بإمكان من غيّر كلمة المرور استخدام الحساب.
locked-next = ما الذي يحدث الآن: أمّن أولًا حساب بريدك الإلكتروني (فقد يقرؤه أحد)، ثم تواصل مع الدعم ليتحقق من الحساب ويفتحه. وحتى ذلك الحين لا يستطيع أحد تسجيل الدخول أو إعادة تعيين كلمة المرور.
locked-next-contact = ما الذي يحدث الآن: أمّن أولًا حساب بريدك الإلكتروني (فقد يقرؤه أحد)، ثم تواصل مع { $support } ليتحقق من الحساب ويفتحه. وحتى ذلك الحين لا يستطيع أحد تسجيل الدخول أو إعادة تعيين كلمة المرور.
dispute-invalid-title = لم يعد هذا الرابط يعمل
dispute-invalid-text = لقد استُخدم من قبل، أو انتهت صلاحيته، أو تغيّر الحساب منذ إرسال البريد. لم يتغيّر شيء.

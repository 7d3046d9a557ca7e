# 日本語（です・ます調）。

## Durations

duration-hours = { $n }時間
duration-minutes = { $n }分
duration-seconds = { $n }秒

## Every page

footer-help = お困りの場合は { $support } までお問い合わせください。
account-unnamed = お客様のアカウント
new-link = 新しいリンクを請求する
continue = 続ける
sign-in = ログイン
start-again = 最初からやり直す

## The forgot-password page

forgot-title = パスワードをお忘れですか？
forgot-intro = アカウントのメールアドレスを入力してください。そのアドレスのアカウントがあれば、新しいパスワードを設定するためのリンクをお送りします。
forgot-email-label = メールアドレス
forgot-submit = 再設定用のリンクを送る

## The answer to every forgot-password form, whatever the account

inbox-title = 受信トレイをご確認ください
inbox-sent = 入力されたアドレスを使っているアカウントがあれば、新しいパスワードを設定するためのリンクをそのアドレスにお送りしました。リンクは 1 回だけ使え、{ $lifetime }後に無効になります。
inbox-nothing = 数分たっても届かない場合は、迷惑メールフォルダーを確認するか、新しいリンクを請求してください。

## The reset form

reset-title = 新しいパスワードを設定
reset-account = 対象のアカウント：{ $account }。心当たりがない場合は、このページを閉じてください。
reset-not-changed = パスワードは変更されていません：
reset-password-label = 新しいパスワード
reset-password-hint = { $min }文字以上（{ $max }文字まで）。スペースやどんな文字も使えます。関係のない単語をいくつか並べると強いパスワードになります。
reset-password-hint-bytes = { $min }文字以上、{ $max }バイトまで（半角英数字は1文字1バイト、日本語の文字はほとんどが3バイト）。スペースやどんな文字も使えます。関係のない単語をいくつか並べると強いパスワードになります。
reset-confirm-label = もう一度入力
reset-show = パスワードを表示
reset-hide = パスワードを隠す
reset-submit = パスワードを変更する

## 招待の設定フォーム（まだパスワードのないアカウント）：「再設定」とは言わない

invite-title = パスワードを設定してください
invite-password-label = パスワード
invite-submit = パスワードを保存する
invite-not-set = パスワードは設定されていません：

## The hop page a link clicked in webmail passes through

continue-title = 新しいパスワードの設定へ進む
continue-text = リンクは有効です。続けて新しいパスワードを設定してください。
invite-continue-title = パスワードの設定へ進む
invite-continue-text = リンクは有効です。続けてパスワードを設定してください。

## The code page: the code mailed beside a link, typed on another device or in an app

code-have-one = コードをお持ちの場合はこちらから入力
code-title = メールに記載されたコードを入力
code-intro = 別の端末でメールを開きましたか？リンクの横に記載されたコードを、メールの送信先アドレスとともに入力してください。
code-label = コード
code-hint = 8文字（例：{ $example }）
code-new-email = 新しいメールを請求する

## Outcomes

invalid-title = このリンクは無効か、有効期限が切れています
invalid-text = 再設定用のリンクは 1 回だけ、{ $lifetime }のあいだ使え、パスワードが変わると無効になります。新しいリンクを請求し、いちばん新しいメールのものをお使いください。
changed-title = パスワードを変更しました
changed-text = { $account } のパスワードを変更しました。新しいパスワードですぐにログインできます。確認のメールをこのアドレスにお送りしました。
invite-done-title = パスワードを設定しました
invite-done-text = { $account } のパスワードを設定しました。このパスワードですぐにログインできます。確認のメールをこのアドレスにお送りしました。
switch-title = 別のアカウントのパスワードを再設定しますか？
switch-current = このブラウザーでは、すでに { $current } の新しいパスワードを設定しようとしています。開いたリンクは { $new } のものです。
switch-warning = { $new } のリンクをご自身で請求した場合にだけ続けてください。そうでない場合はこのページを閉じてください。誰かが、あなたのパスワードではなくその人のパスワードを変更させようとしている可能性があります。
other-link-title = このフォームは別のリンクのものでした
other-link-text = このフォームを表示した後に、このブラウザーで別のリンクが開かれました。現在は { $account } の新しいパスワードを設定しようとしています。何も変更していません。そのアカウントのフォームを表示するには続けてください。そのリンクに心当たりがない場合は、このページを閉じてください。
unavailable-title = ただいま処理できませんでした
unavailable-text = 何も変更されていません。1 分ほどしてからもう一度お試しください。
failed-title = うまくいきませんでした

## Answers of the JSON API (their "message"), and errors the pages show

request-accepted = このアドレスを使っているアカウントがあれば、パスワード再設定用のリンクをお送りしました。受信トレイをご確認ください。
password-changed = パスワードを変更しました。新しいパスワードですぐにログインできます。
error-invalid-token = この再設定用リンクは無効か、有効期限が切れています。新しいリンクを請求してください。
error-invalid-code = コードが間違っているか、有効期限が切れています。コードを確認するか、新しいメールを請求してください。
error-malformed-code = コードは8文字で、数字と、I・L・O・Uを除くA～Zの英字でできています。
error-code-attempts = このアドレスで間違ったコードが多すぎます。{ $minutes }分後にもう一度お試しいただくか、メールのリンクをご利用ください。
error-unavailable = サービスが一時的に利用できません。数秒後にもう一度お試しください。
error-internal = こちら側で問題が発生しました。しばらくしてからもう一度お試しください。
error-invalid-email = 有効なメールアドレスを入力してください（例：name@example.com）。
error-weak-password = このパスワードは使用できません。別のパスワードを選んでください。
error-passwords-differ = 2 つのパスワードが一致しません。新しいパスワードを 2 回入力してください。
error-json-media-type = リクエスト本文は JSON で、Content-Type: application/json を付けて送信してください。
error-form-media-type = このフォームを読み取れませんでした。ページに戻って、もう一度送信してください。
error-too-large = リクエスト本文は { $bytes } バイト以内にしてください。
error-malformed-json = リクエスト本文が正しい JSON ではありません。
error-request-shape = 文字列フィールド「email」を 1 つだけ持つ JSON オブジェクトを送信してください。
error-confirm-shape = 文字列フィールド「token」と「password」、または「email」「code」「password」を持つ JSON オブジェクトを送信してください。
error-forgot-form-shape = フィールド email を 1 つだけ含むフォームを送信してください。
error-reset-form-shape = フィールド password と confirm を含むフォームを送信してください。
error-dispute-form-shape = フィールド token を含むフォームを送信してください。
error-code-form-shape = フィールド email と code を含むフォームを送信してください。
error-too-many-requests = お使いのネットワークからのリクエストが多すぎます。{ $seconds }秒後にもう一度お試しください。
error-forbidden = サービスの公開アドレスをご利用ください。
error-cross-origin = このフォームは別のサイトから送信されました。ページを開き直して、そこから送信してください。
error-not-found = このアドレスには何もありません。
error-method-not-allowed = このアドレスで使えるのは { $allow } だけです。

## Why a new password was refused

password-too-short = { $min }文字以上にしてください（現在 { $count }文字）。
password-too-long = { $max }文字以内にしてください（現在 { $count }文字）。
password-too-many-bytes = { $max }バイト以内にしてください（現在 { $count }バイト）。半角英数字は1文字1バイト、日本語の文字はほとんどが1文字3バイトです。
password-contains-nul = パスワードからヌル文字（U+0000）を取り除いてください。ログインによってはそこで読み取りが止まります。
password-contains-email = メールアドレスをもとにしたパスワードは避けてください。
password-too-guessable = このパスワードは推測されやすすぎます。
password-breached = このパスワードはデータ漏えいで流出しており、攻撃者が真っ先に試します。別のパスワードを選んでください。

## What makes a password guessable (the strength check's findings)

warning-straight-rows = キーボードの一列をそのままなぞったものは推測されやすいです。
warning-short-keyboard-patterns = 短いキーボードのパターンは推測されやすいです。
warning-repeats = 「aaa」のような繰り返しは推測されやすいです。
warning-repeated-patterns = 「abcabcabc」のような繰り返しは、「abc」と比べてもほとんど推測しにくくなりません。
warning-top-10 = よく使われるパスワードの上位 10 件に入っています。
warning-top-100 = よく使われるパスワードの上位 100 件に入っています。
warning-common = とてもよく使われているパスワードです。
warning-similar-to-common = よく使われるパスワードに似ています。
warning-sequences = abc や 6543 のような連続した並びは推測されやすいです。
warning-recent-years = 最近の年は推測されやすいです。
warning-single-word = 単語 1 つだけでは推測されやすいです。
warning-dates = 日付は推測されやすいことが多いです。
warning-names = 名前や名字だけでは推測されやすいです。
warning-common-names = よくある名前や名字は推測されやすいです。
suggestion-few-words = 単語をいくつか組み合わせ、よくある言い回しは避けてください。
suggestion-no-symbols-needed = 記号や数字、大文字を入れる必要はありません。
suggestion-another-word = 単語をもう 1 つか 2 つ加えてください。珍しい単語ほど効果的です。
suggestion-capitals = 大文字にしてもあまり強くなりません。
suggestion-all-capitals = すべて大文字にしても、すべて小文字の場合とほとんど変わらず推測されやすいです。
suggestion-reversed = 単語を逆さに綴っても、あまり推測しにくくなりません。
suggestion-substitutions = 「a」の代わりに「@」を使うような予想しやすい置き換えは、あまり効果がありません。
suggestion-longer-keyboard-pattern = 曲がる回数の多い、より長いキーボードのパターンにしてください。
suggestion-avoid-repeats = 単語や文字の繰り返しは避けてください。
suggestion-avoid-sequences = 連続した並びは避けてください。
suggestion-avoid-recent-years = 最近の年は避けてください。
suggestion-avoid-your-years = ご自身に関係のある年は避けてください。
suggestion-avoid-your-dates = ご自身に関係のある日付や年は避けてください。

## The reset mail

mail-hello = いつもご利用いただきありがとうございます。
reset-mail-subject = { $app } のパスワード再設定
reset-mail-heading = { $app } のパスワードを再設定してください
reset-mail-intro = { $app } のアカウントのパスワード再設定が請求されました。ご本人の場合は、下のボタンから新しいパスワードを設定してください。リンクは 1 回だけ使え、{ $lifetime }後に無効になります。
reset-mail-intro-text = { $app } のアカウントのパスワード再設定が請求されました。ご本人の場合は、次のリンクを開いて新しいパスワードを設定してください。リンクは 1 回だけ使え、{ $lifetime }後に無効になります。
reset-mail-button = 新しいパスワードを設定する
reset-mail-copy = ボタンが機能しない場合は、次のアドレスをブラウザーにコピーしてください：
mail-code-intro = 別の端末やアプリで手続きする場合は、このコードをメールアドレスとともに入力してください：
mail-code-note = このコードはリンクと同じ期間だけ有効です。誰にも教えないでください。
reset-mail-ignore = 心当たりがない場合は、このメールを無視してください。パスワードはそのままで、このリンクとコードは、あなたの受信トレイを見られない人には役に立ちません。
reset-mail-worried = ご不安な場合は { $support } までご連絡ください。

## 管理者が送るメール：パスワード変更の要請、招待

mail-link-only = パスワードを設定できるのは、このリンクとそのコードだけです。メールでパスワードをお送りしたり、お尋ねしたりすることはありません。このメールへの返信も不要です。
forced-mail-subject = { $app }：新しいパスワードの設定が必要です
forced-mail-heading = { $app } のアカウントに新しいパスワードが必要です
forced-mail-intro = { $app } の管理者が、あなたのアカウントに新しいパスワードを設定するよう求めています。これはあなたからの請求ではなく、管理者からの要請です。下のボタンから新しいパスワードを設定してください。リンクは 1 回だけ使え、{ $lifetime }後に無効になります。
forced-mail-intro-text = { $app } の管理者が、あなたのアカウントに新しいパスワードを設定するよう求めています。これはあなたからの請求ではなく、管理者からの要請です。次のリンクを開いて新しいパスワードを設定してください。リンクは 1 回だけ使え、{ $lifetime }後に無効になります。
forced-mail-unexpected = お心当たりがない場合は { $support } までご連絡ください。
invite-mail-subject = { $app }：パスワードを設定してください
invite-mail-heading = { $app } へのご招待
invite-mail-intro = { $app } にあなたのアカウントが作成されました。下のボタンからパスワードを設定してください。リンクは 1 回だけ、{ $lifetime }の間使えます。
invite-mail-intro-text = { $app } にあなたのアカウントが作成されました。次のリンクからパスワードを設定してください。リンクは 1 回だけ、{ $lifetime }の間使えます。
invite-mail-button = パスワードを設定する
invite-mail-ignore = 心当たりのない招待であれば、このメールは無視してください。パスワードを設定するまでアカウントにはパスワードがなく、このリンクとコードは、あなたの受信トレイを見られない人には役に立ちません。
mail-questions = ご不明な点は { $support } までお問い合わせください。

## The mail after a password was changed

changed-mail-subject = { $app } のパスワードが変更されました
changed-mail-when = { $app } のアカウントのパスワードが { $when } に変更されました。
changed-mail-fine = ご本人による変更であれば、これ以上の操作は必要ありません。
changed-mail-not-you = 心当たりがない場合、他の誰かがあなたのメールを読めるか、再設定用のリンクを知っていた可能性があります。メールアカウントの安全を確保してから、すぐにもう一度パスワードを再設定してください。
changed-mail-not-you-contact = 心当たりがない場合、他の誰かがあなたのメールを読めるか、再設定用のリンクを知っていた可能性があります。メールアカウントの安全を確保してから、すぐにもう一度パスワードを再設定し、{ $support } までご連絡ください。

changed-mail-dispute = 心当たりがない場合は、こちらからアカウントを保護してください：

## 「心当たりがない」ページ（通知の2つ目のリンク）

dispute-title = このパスワード変更に心当たりがありませんか？
dispute-text = { $account } のパスワードが変更されました。ご自身で変更していない場合は、今すぐアカウントをロックしてください。再設定用のリンクとログイン中のセッションはすべて無効になり、サポートがロックを解除するまで誰もログインできなくなります。
dispute-fine = ご自身で変更した場合は、このページを閉じてください。ボタンを押さない限り何も起こりません。
dispute-submit = 心当たりがない — アカウントをロックする
locked-title = アカウントをロックしました
locked-text = { $account } はロックされました。再設定用のリンクとログイン中のセッションはすべて無効になったため、パスワードを変更した人はこのアカウントを使えません。
locked-next = 今後の流れ：まずメールアカウントの安全を確保してください（誰かに読まれている可能性があります）。そのうえでサポートにご連絡ください。アカウントを確認してロックを解除します。それまでは誰もログインやパスワードの再設定ができません。
locked-next-contact = 今後の流れ：まずメールアカウントの安全を確保してください（誰かに読まれている可能性があります）。そのうえで { $support } までご連絡ください。アカウントを確認してロックを解除します。それまでは誰もログインやパスワードの再設定ができません。
dispute-invalid-title = このリンクはもう使えません
dispute-invalid-text = すでに使用されたか、有効期限が切れたか、メールの送信後にアカウントが変更されています。何も変更されていません。

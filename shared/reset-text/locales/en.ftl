# English: the source language, and the fallback for any message another catalog lacks.
# Placeables: $app (the product name), $support (the support contact), $account (a masked
# address, like d•••@example.com), $lifetime (a duration below, already in words).

## Durations

duration-hours = { $n ->
    [one] 1 hour
   *[other] { $n } hours
}
duration-minutes = { $n ->
    [one] 1 minute
   *[other] { $n } minutes
}
duration-seconds = { $n ->
    [one] 1 second
   *[other] { $n } seconds
}

## Every page

footer-help = Need help? Contact { $support }.
# Shown instead of a masked address when the account's stored address cannot be shown.
account-unnamed = your account
new-link = Ask for a new link
continue = Continue
sign-in = Sign in
start-again = Start again

## The forgot-password page

forgot-title = Forgot your password?
forgot-intro = Enter the email address of your account. If it has one, we will send it a link to choose a new password.
forgot-email-label = Email address
forgot-submit = Send me a reset link

## The answer to every forgot-password form, whatever the account

inbox-title = Check your inbox
inbox-sent = If an account uses the address you entered, we have sent it a link to choose a new password. The link works once and expires in { $lifetime }.
inbox-nothing = Nothing there after a few minutes? Look in your spam folder, or ask for a new link.

## The reset form

reset-title = Choose a new password
reset-account = For the account of { $account }. Not yours? Close this page.
reset-not-changed = Your password was not changed:
reset-password-label = New password
reset-password-hint = At least { $min } characters (at most { $max }). Spaces and any characters are fine; a few unrelated words make a strong one.
reset-password-hint-bytes = At least { $min } characters and at most { $max } bytes (letters without accents take one byte each, most other characters two to four). Spaces and any characters are fine; a few unrelated words make a strong one.
reset-confirm-label = Type it again
reset-show = Show passwords
reset-hide = Hide passwords
reset-submit = Change my password

## The reset form, for an invitation (an account with no password yet): never "reset"

invite-title = Choose your password
invite-password-label = Password
invite-submit = Set my password
invite-not-set = Your password was not set:

## The hop page a link clicked in webmail passes through

continue-title = Continue to your new password
continue-text = Your link is good. Continue to choose a new password.
invite-continue-title = Continue to choose your password
invite-continue-text = Your link is good. Continue to choose your password.

## The code page: the code mailed beside a link, typed on another device or in an app

code-have-one = Have a code? Enter it here
code-title = Enter the code from your email
code-intro = Opened the email on another device? Enter the code shown beside its link, with the address it was sent to.
code-label = Your code
# $example: a code as mailed (7KQ4-M2XD).
code-hint = 8 characters, like { $example }
code-new-email = Ask for a new email

## Outcomes

invalid-title = This link is invalid or has expired
invalid-text = Reset links work once, for { $lifetime }, and stop working when the password changes. Ask for a new one and use the newest email.
changed-title = Your password has been changed
changed-text = The password for { $account } is changed. You can sign in with it now. We have sent a confirmation to that address.
invite-done-title = Your password is set
invite-done-text = The password for { $account } is set. You can sign in with it now. We have sent a confirmation to that address.
switch-title = Reset another account's password?
switch-current = This browser is already choosing a new password for { $current }. The link you opened is for { $new }.
switch-warning = Continue only if you asked for a link for { $new }. If you did not, close this page: someone may be trying to make you change their password instead of yours.
other-link-title = This form was for another link
other-link-text = Since this form was shown, this browser opened another reset link: it is now choosing a new password for { $account }. Nothing was changed. Continue to see that account's form, or close this page if that link was not yours.
unavailable-title = We could not do that just now
unavailable-text = Nothing was changed. Please try again in a minute.
failed-title = That did not work

## Answers of the JSON API (their "message"), and errors the pages show

request-accepted = If an account uses this address, we have sent it a link to reset the password. Check your inbox.
password-changed = Your password has been changed. You can sign in with it now.
error-invalid-token = This reset link is invalid or has expired. Ask for a new one.
error-invalid-code = That code is wrong or has expired. Check it, or ask for a new email.
error-malformed-code = A code has 8 characters: digits and the letters A–Z except I, L, O and U.
error-code-attempts = { $minutes ->
    [one] Too many wrong codes for this address. Try again in 1 minute, or use the link in the email.
   *[other] Too many wrong codes for this address. Try again in { $minutes } minutes, or use the link in the email.
}
error-unavailable = The service is briefly unavailable. Try again in a few seconds.
error-internal = Something went wrong on our side. Try again later.
error-invalid-email = Enter a valid email address, like name@example.com.
error-weak-password = This password cannot be used. Choose another one.
error-passwords-differ = The two passwords are not the same. Type the new password twice.
error-json-media-type = Send the request body as JSON, with Content-Type: application/json.
error-form-media-type = This form could not be read. Go back to the page and send it again.
error-too-large = The request body must be at most { $bytes } bytes.
error-malformed-json = The request body is not valid JSON.
error-request-shape = Send a JSON object with one string field, "email".
error-confirm-shape = Send a JSON object with the string fields "token" and "password", or "email", "code" and "password".
error-forgot-form-shape = Send the form with one field, email.
error-reset-form-shape = Send the form with the fields password and confirm.
error-dispute-form-shape = Send the form with one field, token.
error-code-form-shape = Send the form with the fields email and code.
error-too-many-requests = { $seconds ->
    [one] Too many requests from your network. Try again in 1 second.
   *[other] Too many requests from your network. Try again in { $seconds } seconds.
}
error-forbidden = Use the service's public address.
error-cross-origin = This form was sent from another site. Open the page again and send it from there.
error-not-found = There is nothing at this address.
error-method-not-allowed = This address takes { $allow } only.

## Why a new password was refused

password-too-short = Use at least { $min } characters; this one has { $count }.
password-too-long = Use at most { $max } characters; this one has { $count }.
password-too-many-bytes = Use at most { $max } bytes: letters without accents take one each, most other characters two to four; this one takes { $count }.
password-contains-nul = Remove the null character (U+0000) from the password: some sign-ins stop reading there.
password-contains-email = Do not build your password from your email address.
password-too-guessable = This password is too easy to guess.
password-breached = This password has appeared in a data breach, so attackers try it first. Choose another one.

## What makes a password guessable (the strength check's findings)

warning-straight-rows = Straight rows of keys are easy to guess.
warning-short-keyboard-patterns = Short keyboard patterns are easy to guess.
warning-repeats = Repeats like "aaa" are easy to guess.
warning-repeated-patterns = Repeats like "abcabcabc" are only slightly harder to guess than "abc".
warning-top-10 = This is one of the 10 most common passwords.
warning-top-100 = This is one of the 100 most common passwords.
warning-common = This is a very common password.
warning-similar-to-common = This is similar to a commonly used password.
warning-sequences = Sequences like abc or 6543 are easy to guess.
warning-recent-years = Recent years are easy to guess.
warning-single-word = A word by itself is easy to guess.
warning-dates = Dates are often easy to guess.
warning-names = Names and surnames by themselves are easy to guess.
warning-common-names = Common names and surnames are easy to guess.
suggestion-few-words = Use a few words, and avoid common phrases.
suggestion-no-symbols-needed = No need for symbols, digits or capital letters.
suggestion-another-word = Add another word or two. Uncommon words are better.
suggestion-capitals = Capital letters do not help very much.
suggestion-all-capitals = All capitals are almost as easy to guess as all lowercase.
suggestion-reversed = Words spelled backwards are not much harder to guess.
suggestion-substitutions = Predictable substitutions, like "@" for "a", do not help very much.
suggestion-longer-keyboard-pattern = Use a longer keyboard pattern with more turns.
suggestion-avoid-repeats = Avoid repeated words and characters.
suggestion-avoid-sequences = Avoid sequences.
suggestion-avoid-recent-years = Avoid recent years.
suggestion-avoid-your-years = Avoid years that are associated with you.
suggestion-avoid-your-dates = Avoid dates and years that are associated with you.

## The reset mail

mail-hello = Hello,
reset-mail-subject = Reset your { $app } password
reset-mail-heading = Reset your { $app } password
reset-mail-intro = Someone asked to reset the password of your { $app } account. If it was you, choose a new password with the button below. The link works once and expires in { $lifetime }.
reset-mail-intro-text = Someone asked to reset the password of your { $app } account. If it was you, open this link to choose a new password. It works once and expires in { $lifetime }:
reset-mail-button = Choose a new password
reset-mail-copy = If the button does not work, copy this address into your browser:
# Beside the link of every link mail (a reset, a forced reset, an invitation): never "reset".
mail-code-intro = On another device, or in the app? Enter this code there with your email address:
mail-code-note = It works as long as the link does. Never give it to anyone.
reset-mail-ignore = If you did not ask for this, you can ignore this email: your password stays as it is, and the link and the code are of no use to anyone without access to your inbox.
reset-mail-worried = If you are worried, contact { $support }.

## The mails an operator starts: a forced reset, an invitation (never "reset")

# Below every operator's mail: nothing but the link sets the password.
mail-link-only = Only this link, or the code beside it, sets your password: we will never send you a password by email or ask you for one, and there is no need to reply.
forced-mail-subject = { $app }: a new password is required
forced-mail-heading = A new password is required for your { $app } account
forced-mail-intro = An administrator of { $app } requires you to choose a new password for your account. You did not ask for this: the request comes from the administrator. Choose a new password with the button below. The link works once and expires in { $lifetime }.
forced-mail-intro-text = An administrator of { $app } requires you to choose a new password for your account. You did not ask for this: the request comes from the administrator. Open this link to choose a new password. It works once and expires in { $lifetime }:
forced-mail-unexpected = If you did not expect this email, contact { $support }.
invite-mail-subject = { $app }: choose your password
invite-mail-heading = You're invited to { $app }
invite-mail-intro = An account was created for you at { $app }. Choose your password with the button below; the link works once, for { $lifetime }.
invite-mail-intro-text = An account was created for you at { $app }. Choose your password with this link; it works once, for { $lifetime }:
invite-mail-button = Choose my password
invite-mail-ignore = If you did not expect this invitation, you can ignore this email: the account has no password until you choose one, and the link and the code are of no use to anyone without access to your inbox.
mail-questions = Questions? Contact { $support }.

## The mail after a password was changed

changed-mail-subject = Your { $app } password was changed
changed-mail-when = The password of your { $app } account was changed on { $when }.
changed-mail-fine = If it was you, there is nothing more to do.
changed-mail-not-you = If it was not you, someone else can read your email or knew a reset link: secure your email account, then ask for a new password reset right away.
changed-mail-not-you-contact = If it was not you, someone else can read your email or knew a reset link: secure your email account, then ask for a new password reset right away and contact { $support }.

changed-mail-dispute = Wasn't you? Secure your account:

## The "this wasn't me" page (the notice's second link)

dispute-title = Was this password change not yours?
dispute-text = The password for { $account } was changed. If you did not change it, lock the account now: every reset link and every signed-in session ends, and nobody can sign in until support unlocks it.
dispute-fine = If you changed it yourself, close this page: nothing happens unless you press the button.
dispute-submit = This wasn't me — lock my account
locked-title = Your account is locked
locked-text = { $account } is locked. Every reset link and every signed-in session has ended, so whoever changed the password can no longer use the account.
locked-next = What happens next: first secure your email account (someone may be reading it), then contact support, who will check the account and unlock it. Until then nobody can sign in or reset the password.
locked-next-contact = What happens next: first secure your email account (someone may be reading it), then contact { $support }, who will check the account and unlock it. Until then nobody can sign in or reset the password.
dispute-invalid-title = This link no longer works
dispute-invalid-text = It was already used, has expired, or the account has changed since the email was sent. Nothing was changed.

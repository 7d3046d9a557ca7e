# Deutsch (Sie-Form).

## Durations

duration-hours = { $n ->
    [one] 1 Stunde
   *[other] { $n } Stunden
}
duration-minutes = { $n ->
    [one] 1 Minute
   *[other] { $n } Minuten
}
duration-seconds = { $n ->
    [one] 1 Sekunde
   *[other] { $n } Sekunden
}

## Every page

footer-help = Brauchen Sie Hilfe? Wenden Sie sich an { $support }.
account-unnamed = Ihr Konto
new-link = Neuen Link anfordern
continue = Weiter
sign-in = Anmelden
start-again = Von vorn beginnen

## The forgot-password page

forgot-title = Passwort vergessen?
forgot-intro = Geben Sie die E-Mail-Adresse Ihres Kontos ein. Gehört sie zu einem Konto, schicken wir ihr einen Link, mit dem Sie ein neues Passwort festlegen können.
forgot-email-label = E-Mail-Adresse
forgot-submit = Link zum Zurücksetzen senden

## The answer to every forgot-password form, whatever the account

inbox-title = Sehen Sie in Ihr Postfach
inbox-sent = Falls ein Konto die eingegebene Adresse verwendet, haben wir ihr einen Link geschickt, mit dem Sie ein neues Passwort festlegen können. Der Link funktioniert einmal und läuft in { $lifetime } ab.
inbox-nothing = Nach ein paar Minuten noch nichts da? Sehen Sie im Spam-Ordner nach oder fordern Sie einen neuen Link an.

## The reset form

reset-title = Neues Passwort festlegen
reset-account = Für das Konto { $account }. Nicht Ihres? Schließen Sie diese Seite.
reset-not-changed = Ihr Passwort wurde nicht geändert:
reset-password-label = Neues Passwort
reset-password-hint = Mindestens { $min } Zeichen (höchstens { $max }). Leerzeichen und alle anderen Zeichen sind erlaubt; ein paar Wörter, die nichts miteinander zu tun haben, ergeben ein starkes Passwort.
reset-password-hint-bytes = Mindestens { $min } Zeichen und höchstens { $max } Bytes (Buchstaben ohne Akzent belegen je ein Byte, die meisten anderen Zeichen zwei bis vier). Leerzeichen und alle anderen Zeichen sind erlaubt; ein paar Wörter, die nichts miteinander zu tun haben, ergeben ein starkes Passwort.
reset-confirm-label = Noch einmal eingeben
reset-show = Passwörter anzeigen
reset-hide = Passwörter verbergen
reset-submit = Passwort ändern

## Das Formular für eine Einladung (ein Konto noch ohne Passwort): nie „zurücksetzen“

invite-title = Ihr Passwort festlegen
invite-password-label = Passwort
invite-submit = Passwort festlegen
invite-not-set = Ihr Passwort wurde nicht festgelegt:

## The hop page a link clicked in webmail passes through

continue-title = Weiter zu Ihrem neuen Passwort
continue-text = Ihr Link ist gültig. Fahren Sie fort, um ein neues Passwort festzulegen.
invite-continue-title = Weiter zu Ihrem Passwort
invite-continue-text = Ihr Link ist gültig. Fahren Sie fort, um Ihr Passwort festzulegen.

## The code page: the code mailed beside a link, typed on another device or in an app

code-have-one = Haben Sie einen Code? Hier eingeben
code-title = Code aus der E-Mail eingeben
code-intro = E-Mail auf einem anderen Gerät geöffnet? Geben Sie den Code neben dem Link ein, zusammen mit der Adresse, an die die E-Mail ging.
code-label = Ihr Code
code-hint = 8 Zeichen, zum Beispiel { $example }
code-new-email = Neue E-Mail anfordern

## Outcomes

invalid-title = Dieser Link ist ungültig oder abgelaufen
invalid-text = Links zum Zurücksetzen funktionieren einmal, { $lifetime } lang, und werden ungültig, sobald sich das Passwort ändert. Fordern Sie einen neuen an und verwenden Sie die neueste E-Mail.
changed-title = Ihr Passwort wurde geändert
changed-text = Das Passwort für { $account } ist geändert. Sie können sich jetzt damit anmelden. Wir haben eine Bestätigung an diese Adresse geschickt.
invite-done-title = Ihr Passwort ist festgelegt
invite-done-text = Das Passwort für { $account } ist festgelegt. Sie können sich jetzt damit anmelden. Wir haben eine Bestätigung an diese Adresse geschickt.
switch-title = Passwort eines anderen Kontos zurücksetzen?
switch-current = In diesem Browser wird gerade ein neues Passwort für { $current } festgelegt. Der geöffnete Link gehört zu { $new }.
switch-warning = Fahren Sie nur fort, wenn Sie einen Link für { $new } angefordert haben. Andernfalls schließen Sie diese Seite: Vielleicht versucht jemand, Sie dazu zu bringen, sein Passwort statt Ihres zu ändern.
other-link-title = Dieses Formular gehörte zu einem anderen Link
other-link-text = Seit dieses Formular angezeigt wurde, hat dieser Browser einen anderen Link geöffnet: Er legt jetzt ein neues Passwort für { $account } fest. Es wurde nichts geändert. Fahren Sie fort, um das Formular dieses Kontos zu sehen, oder schließen Sie diese Seite, wenn der Link nicht Ihrer war.
unavailable-title = Das hat gerade nicht geklappt
unavailable-text = Es wurde nichts geändert. Bitte versuchen Sie es in einer Minute noch einmal.
failed-title = Das hat nicht funktioniert

## Answers of the JSON API (their "message"), and errors the pages show

request-accepted = Falls ein Konto diese Adresse verwendet, haben wir ihr einen Link zum Zurücksetzen des Passworts geschickt. Sehen Sie in Ihr Postfach.
password-changed = Ihr Passwort wurde geändert. Sie können sich jetzt damit anmelden.
error-invalid-token = Dieser Link zum Zurücksetzen ist ungültig oder abgelaufen. Fordern Sie einen neuen an.
error-invalid-code = Dieser Code ist falsch oder abgelaufen. Prüfen Sie ihn oder fordern Sie eine neue E-Mail an.
error-malformed-code = Ein Code hat 8 Zeichen: Ziffern und die Buchstaben A–Z außer I, L, O und U.
error-code-attempts = { $minutes ->
    [one] Zu viele falsche Codes für diese Adresse. Versuchen Sie es in 1 Minute noch einmal oder verwenden Sie den Link in der E-Mail.
   *[other] Zu viele falsche Codes für diese Adresse. Versuchen Sie es in { $minutes } Minuten noch einmal oder verwenden Sie den Link in der E-Mail.
}
error-unavailable = Der Dienst ist kurz nicht erreichbar. Versuchen Sie es in ein paar Sekunden noch einmal.
error-internal = Bei uns ist etwas schiefgegangen. Versuchen Sie es später noch einmal.
error-invalid-email = Geben Sie eine gültige E-Mail-Adresse ein, zum Beispiel name@example.com.
error-weak-password = Dieses Passwort kann nicht verwendet werden. Wählen Sie ein anderes.
error-passwords-differ = Die beiden Passwörter stimmen nicht überein. Geben Sie das neue Passwort zweimal gleich ein.
error-json-media-type = Senden Sie den Request-Body als JSON, mit Content-Type: application/json.
error-form-media-type = Dieses Formular konnte nicht gelesen werden. Gehen Sie zurück zur Seite und senden Sie es erneut.
error-too-large = Der Request-Body darf höchstens { $bytes } Bytes groß sein.
error-malformed-json = Der Request-Body ist kein gültiges JSON.
error-request-shape = Senden Sie ein JSON-Objekt mit einem String-Feld „email“.
error-confirm-shape = Senden Sie ein JSON-Objekt mit den String-Feldern „token“ und „password“ oder „email“, „code“ und „password“.
error-forgot-form-shape = Senden Sie das Formular mit einem Feld, email.
error-reset-form-shape = Senden Sie das Formular mit den Feldern password und confirm.
error-dispute-form-shape = Senden Sie das Formular mit einem Feld, token.
error-code-form-shape = Senden Sie das Formular mit den Feldern email und code.
error-too-many-requests = { $seconds ->
    [one] Zu viele Anfragen aus Ihrem Netzwerk. Versuchen Sie es in 1 Sekunde noch einmal.
   *[other] Zu viele Anfragen aus Ihrem Netzwerk. Versuchen Sie es in { $seconds } Sekunden noch einmal.
}
error-forbidden = Verwenden Sie die öffentliche Adresse des Dienstes.
error-cross-origin = Dieses Formular wurde von einer anderen Website gesendet. Öffnen Sie die Seite erneut und senden Sie es von dort.
error-not-found = Unter dieser Adresse gibt es nichts.
error-method-not-allowed = Diese Adresse akzeptiert nur { $allow }.

## Why a new password was refused

password-too-short = Verwenden Sie mindestens { $min } Zeichen; dieses hat { $count }.
password-too-long = Verwenden Sie höchstens { $max } Zeichen; dieses hat { $count }.
password-too-many-bytes = Verwenden Sie höchstens { $max } Bytes: Buchstaben ohne Akzent belegen je eines, die meisten anderen Zeichen zwei bis vier; dieses belegt { $count }.
password-contains-nul = Entfernen Sie das Nullzeichen (U+0000) aus dem Passwort: Manche Anmeldungen lesen nur bis dorthin.
password-contains-email = Bauen Sie Ihr Passwort nicht aus Ihrer E-Mail-Adresse.
password-too-guessable = Dieses Passwort ist zu leicht zu erraten.
password-breached = Dieses Passwort ist bei einem Datenleck bekannt geworden und wird von Angreifern zuerst ausprobiert. Wählen Sie ein anderes.

## What makes a password guessable (the strength check's findings)

warning-straight-rows = Gerade Tastenreihen sind leicht zu erraten.
warning-short-keyboard-patterns = Kurze Tastaturmuster sind leicht zu erraten.
warning-repeats = Wiederholungen wie „aaa“ sind leicht zu erraten.
warning-repeated-patterns = Wiederholungen wie „abcabcabc“ sind kaum schwerer zu erraten als „abc“.
warning-top-10 = Dies ist eines der 10 häufigsten Passwörter.
warning-top-100 = Dies ist eines der 100 häufigsten Passwörter.
warning-common = Dies ist ein sehr häufiges Passwort.
warning-similar-to-common = Dies ähnelt einem häufig verwendeten Passwort.
warning-sequences = Folgen wie abc oder 6543 sind leicht zu erraten.
warning-recent-years = Jahreszahlen der letzten Jahre sind leicht zu erraten.
warning-single-word = Ein einzelnes Wort ist leicht zu erraten.
warning-dates = Datumsangaben sind oft leicht zu erraten.
warning-names = Vor- und Nachnamen allein sind leicht zu erraten.
warning-common-names = Häufige Vor- und Nachnamen sind leicht zu erraten.
suggestion-few-words = Verwenden Sie ein paar Wörter und meiden Sie gängige Redewendungen.
suggestion-no-symbols-needed = Sonderzeichen, Ziffern oder Großbuchstaben sind nicht nötig.
suggestion-another-word = Fügen Sie ein oder zwei Wörter hinzu. Ungewöhnliche Wörter sind besser.
suggestion-capitals = Großbuchstaben helfen nicht viel.
suggestion-all-capitals = Nur Großbuchstaben sind fast so leicht zu erraten wie nur Kleinbuchstaben.
suggestion-reversed = Rückwärts geschriebene Wörter sind kaum schwerer zu erraten.
suggestion-substitutions = Vorhersehbare Ersetzungen wie „@“ statt „a“ helfen nicht viel.
suggestion-longer-keyboard-pattern = Verwenden Sie ein längeres Tastaturmuster mit mehr Richtungswechseln.
suggestion-avoid-repeats = Vermeiden Sie wiederholte Wörter und Zeichen.
suggestion-avoid-sequences = Vermeiden Sie Zeichenfolgen.
suggestion-avoid-recent-years = Vermeiden Sie Jahreszahlen der letzten Jahre.
suggestion-avoid-your-years = Vermeiden Sie Jahreszahlen, die mit Ihnen zu tun haben.
suggestion-avoid-your-dates = Vermeiden Sie Daten und Jahreszahlen, die mit Ihnen zu tun haben.

## The reset mail

mail-hello = Hallo,
reset-mail-subject = Ihr Passwort für { $app } zurücksetzen
reset-mail-heading = Ihr Passwort für { $app } zurücksetzen
reset-mail-intro = Jemand hat angefordert, das Passwort Ihres Kontos bei { $app } zurückzusetzen. Wenn Sie das waren, legen Sie über die Schaltfläche unten ein neues Passwort fest. Der Link funktioniert einmal und läuft in { $lifetime } ab.
reset-mail-intro-text = Jemand hat angefordert, das Passwort Ihres Kontos bei { $app } zurückzusetzen. Wenn Sie das waren, öffnen Sie diesen Link, um ein neues Passwort festzulegen. Er funktioniert einmal und läuft in { $lifetime } ab:
reset-mail-button = Neues Passwort festlegen
reset-mail-copy = Falls die Schaltfläche nicht funktioniert, kopieren Sie diese Adresse in Ihren Browser:
mail-code-intro = Auf einem anderen Gerät oder in der App? Geben Sie dort diesen Code mit Ihrer E-Mail-Adresse ein:
mail-code-note = Er gilt so lange wie der Link. Geben Sie ihn niemandem weiter.
reset-mail-ignore = Wenn Sie das nicht angefordert haben, können Sie diese E-Mail ignorieren: Ihr Passwort bleibt, wie es ist, und Link und Code nützen niemandem ohne Zugriff auf Ihr Postfach.
reset-mail-worried = Wenn Sie beunruhigt sind, wenden Sie sich an { $support }.

## Die Mails, die ein Administrator auslöst: ein erzwungenes neues Passwort, eine Einladung

mail-link-only = Nur dieser Link oder der Code daneben legt Ihr Passwort fest: Wir schicken Ihnen nie ein Passwort per E-Mail und fragen Sie nie danach, und Sie müssen nicht antworten.
forced-mail-subject = { $app }: Ein neues Passwort ist erforderlich
forced-mail-heading = Für Ihr Konto bei { $app } ist ein neues Passwort erforderlich
forced-mail-intro = Ein Administrator von { $app } verlangt, dass Sie ein neues Passwort für Ihr Konto festlegen. Nicht Sie haben das angefordert, sondern die Administration. Legen Sie über die Schaltfläche unten ein neues Passwort fest. Der Link funktioniert einmal und läuft in { $lifetime } ab.
forced-mail-intro-text = Ein Administrator von { $app } verlangt, dass Sie ein neues Passwort für Ihr Konto festlegen. Nicht Sie haben das angefordert, sondern die Administration. Öffnen Sie diesen Link, um ein neues Passwort festzulegen. Er funktioniert einmal und läuft in { $lifetime } ab:
forced-mail-unexpected = Wenn Sie diese E-Mail nicht erwartet haben, wenden Sie sich an { $support }.
invite-mail-subject = { $app }: Legen Sie Ihr Passwort fest
invite-mail-heading = Ihre Einladung zu { $app }
invite-mail-intro = Für Sie wurde ein Konto bei { $app } angelegt. Legen Sie Ihr Passwort über die Schaltfläche unten fest; der Link funktioniert einmal und { $lifetime } lang.
invite-mail-intro-text = Für Sie wurde ein Konto bei { $app } angelegt. Legen Sie Ihr Passwort über diesen Link fest; er funktioniert einmal und { $lifetime } lang:
invite-mail-button = Mein Passwort festlegen
invite-mail-ignore = Wenn Sie diese Einladung nicht erwartet haben, können Sie diese E-Mail ignorieren: Das Konto hat kein Passwort, bis Sie eines festlegen, und Link und Code nützen niemandem ohne Zugriff auf Ihr Postfach.
mail-questions = Fragen? Wenden Sie sich an { $support }.

## The mail after a password was changed

changed-mail-subject = Ihr Passwort für { $app } wurde geändert
changed-mail-when = Das Passwort Ihres Kontos bei { $app } wurde am { $when } geändert.
changed-mail-fine = Wenn Sie das waren, müssen Sie nichts weiter tun.
changed-mail-not-you = Wenn Sie das nicht waren, kann jemand anderes Ihre E-Mails lesen oder kannte einen Link zum Zurücksetzen: Sichern Sie Ihr E-Mail-Konto und fordern Sie dann sofort ein neues Zurücksetzen des Passworts an.
changed-mail-not-you-contact = Wenn Sie das nicht waren, kann jemand anderes Ihre E-Mails lesen oder kannte einen Link zum Zurücksetzen: Sichern Sie Ihr E-Mail-Konto, fordern Sie dann sofort ein neues Zurücksetzen des Passworts an und wenden Sie sich an { $support }.

changed-mail-dispute = Das waren Sie nicht? Sichern Sie Ihr Konto:

## Die Seite „Das war ich nicht“ (der zweite Link der Benachrichtigung)

dispute-title = Diese Passwortänderung war nicht von Ihnen?
dispute-text = Das Passwort für { $account } wurde geändert. Wenn Sie es nicht geändert haben, sperren Sie das Konto jetzt: Alle Links zum Zurücksetzen und alle angemeldeten Sitzungen enden, und niemand kann sich anmelden, bis der Support das Konto wieder freigibt.
dispute-fine = Wenn Sie es selbst geändert haben, schließen Sie diese Seite: Ohne Klick auf die Schaltfläche passiert nichts.
dispute-submit = Das war ich nicht – Konto sperren
locked-title = Ihr Konto ist gesperrt
locked-text = { $account } ist gesperrt. Alle Links zum Zurücksetzen und alle angemeldeten Sitzungen sind beendet: Wer das Passwort geändert hat, kann das Konto nicht mehr nutzen.
locked-next = So geht es weiter: Sichern Sie zuerst Ihr E-Mail-Konto (jemand könnte mitlesen) und wenden Sie sich dann an den Support, der das Konto prüft und wieder freigibt. Bis dahin kann sich niemand anmelden oder das Passwort zurücksetzen.
locked-next-contact = So geht es weiter: Sichern Sie zuerst Ihr E-Mail-Konto (jemand könnte mitlesen) und wenden Sie sich dann an { $support }; dort wird das Konto geprüft und wieder freigegeben. Bis dahin kann sich niemand anmelden oder das Passwort zurücksetzen.
dispute-invalid-title = Dieser Link funktioniert nicht mehr
dispute-invalid-text = Er wurde schon verwendet, ist abgelaufen, oder das Konto hat sich geändert, seit die E-Mail verschickt wurde. Es wurde nichts geändert.

# Français (vouvoiement). Before ? ! ; a narrow no-break space (U+202F), before : and inside « » a
# no-break space (U+00A0), as French typography has it.

## Durations

duration-hours = { $n ->
    [one] { $n } heure
   *[other] { $n } heures
}
duration-minutes = { $n ->
    [one] { $n } minute
   *[other] { $n } minutes
}
duration-seconds = { $n ->
    [one] { $n } seconde
   *[other] { $n } secondes
}

## Every page

footer-help = Besoin d’aide ? Contactez { $support }.
account-unnamed = votre compte
new-link = Demander un nouveau lien
continue = Continuer
sign-in = Se connecter
start-again = Recommencer

## The forgot-password page

forgot-title = Mot de passe oublié ?
forgot-intro = Saisissez l’adresse e-mail de votre compte. Si elle correspond à un compte, nous lui enverrons un lien pour choisir un nouveau mot de passe.
forgot-email-label = Adresse e-mail
forgot-submit = M’envoyer un lien de réinitialisation

## The answer to every forgot-password form, whatever the account

inbox-title = Consultez votre boîte de réception
inbox-sent = Si un compte utilise l’adresse saisie, nous lui avons envoyé un lien pour choisir un nouveau mot de passe. Ce lien ne fonctionne qu’une fois et expire dans { $lifetime }.
inbox-nothing = Toujours rien après quelques minutes ? Regardez dans vos courriers indésirables ou demandez un nouveau lien.

## The reset form

reset-title = Choisissez un nouveau mot de passe
reset-account = Pour le compte { $account }. Ce n’est pas le vôtre ? Fermez cette page.
reset-not-changed = Votre mot de passe n’a pas été modifié :
reset-password-label = Nouveau mot de passe
reset-password-hint = Au moins { $min } caractères (au plus { $max }). Espaces et caractères de toutes sortes sont acceptés ; quelques mots sans rapport entre eux font un mot de passe solide.
reset-password-hint-bytes = Au moins { $min } caractères et au plus { $max } octets (une lettre sans accent occupe un octet, la plupart des autres caractères deux à quatre). Espaces et caractères de toutes sortes sont acceptés ; quelques mots sans rapport entre eux font un mot de passe solide.
reset-confirm-label = Saisissez-le à nouveau
reset-show = Afficher les mots de passe
reset-hide = Masquer les mots de passe
reset-submit = Modifier mon mot de passe

## Le formulaire d’une invitation (un compte encore sans mot de passe) : jamais « réinitialiser »

invite-title = Choisissez votre mot de passe
invite-password-label = Mot de passe
invite-submit = Enregistrer mon mot de passe
invite-not-set = Votre mot de passe n’a pas été défini :

## The hop page a link clicked in webmail passes through

continue-title = Continuer vers votre nouveau mot de passe
continue-text = Votre lien est valide. Continuez pour choisir un nouveau mot de passe.
invite-continue-title = Continuer vers votre mot de passe
invite-continue-text = Votre lien est valide. Continuez pour choisir votre mot de passe.

## The code page: the code mailed beside a link, typed on another device or in an app

code-have-one = Vous avez un code ? Saisissez-le ici
code-title = Saisissez le code reçu par e-mail
code-intro = Vous avez ouvert l’e-mail sur un autre appareil ? Saisissez le code indiqué à côté du lien, avec l’adresse à laquelle l’e-mail a été envoyé.
code-label = Votre code
code-hint = 8 caractères, par exemple { $example }
code-new-email = Demander un nouvel e-mail

## Outcomes

invalid-title = Ce lien n’est pas valide ou a expiré
invalid-text = Les liens de réinitialisation ne fonctionnent qu’une fois, pendant { $lifetime }, et cessent de fonctionner dès que le mot de passe change. Demandez-en un nouveau et utilisez l’e-mail le plus récent.
changed-title = Votre mot de passe a été modifié
changed-text = Le mot de passe de { $account } est modifié. Vous pouvez dès maintenant vous connecter avec. Nous avons envoyé une confirmation à cette adresse.
invite-done-title = Votre mot de passe est défini
invite-done-text = Le mot de passe de { $account } est défini. Vous pouvez dès maintenant vous connecter avec. Nous avons envoyé une confirmation à cette adresse.
switch-title = Réinitialiser le mot de passe d’un autre compte ?
switch-current = Ce navigateur est déjà en train de choisir un nouveau mot de passe pour { $current }. Le lien que vous avez ouvert concerne { $new }.
switch-warning = Ne continuez que si vous avez demandé un lien pour { $new }. Sinon, fermez cette page : quelqu’un essaie peut-être de vous faire changer son mot de passe à la place du vôtre.
other-link-title = Ce formulaire concernait un autre lien
other-link-text = Depuis l’affichage de ce formulaire, ce navigateur a ouvert un autre lien : il choisit maintenant un nouveau mot de passe pour { $account }. Rien n’a été modifié. Continuez pour voir le formulaire de ce compte, ou fermez cette page si ce lien n’était pas le vôtre.
unavailable-title = Impossible pour le moment
unavailable-text = Rien n’a été modifié. Veuillez réessayer dans une minute.
failed-title = Cela n’a pas fonctionné

## Answers of the JSON API (their "message"), and errors the pages show

request-accepted = Si un compte utilise cette adresse, nous lui avons envoyé un lien pour réinitialiser le mot de passe. Consultez votre boîte de réception.
password-changed = Votre mot de passe a été modifié. Vous pouvez dès maintenant vous connecter avec.
error-invalid-token = Ce lien de réinitialisation n’est pas valide ou a expiré. Demandez-en un nouveau.
error-invalid-code = Ce code est erroné ou a expiré. Vérifiez-le, ou demandez un nouvel e-mail.
error-malformed-code = Un code compte 8 caractères : des chiffres et les lettres de A à Z, sauf I, L, O et U.
error-code-attempts = { $minutes ->
    [one] Trop de codes erronés pour cette adresse. Réessayez dans { $minutes } minute, ou utilisez le lien de l’e-mail.
   *[other] Trop de codes erronés pour cette adresse. Réessayez dans { $minutes } minutes, ou utilisez le lien de l’e-mail.
}
error-unavailable = Le service est momentanément indisponible. Réessayez dans quelques secondes.
error-internal = Un problème est survenu de notre côté. Réessayez plus tard.
error-invalid-email = Saisissez une adresse e-mail valide, par exemple nom@example.com.
error-weak-password = Ce mot de passe ne peut pas être utilisé. Choisissez-en un autre.
error-passwords-differ = Les deux mots de passe ne sont pas identiques. Saisissez deux fois le même nouveau mot de passe.
error-json-media-type = Envoyez le corps de la requête en JSON, avec Content-Type: application/json.
error-form-media-type = Ce formulaire n’a pas pu être lu. Revenez à la page et envoyez-le de nouveau.
error-too-large = Le corps de la requête ne doit pas dépasser { $bytes } octets.
error-malformed-json = Le corps de la requête n’est pas du JSON valide.
error-request-shape = Envoyez un objet JSON avec un seul champ texte, « email ».
error-confirm-shape = Envoyez un objet JSON avec les champs texte « token » et « password », ou « email », « code » et « password ».
error-forgot-form-shape = Envoyez le formulaire avec un seul champ, email.
error-reset-form-shape = Envoyez le formulaire avec les champs password et confirm.
error-dispute-form-shape = Envoyez le formulaire avec un seul champ, token.
error-code-form-shape = Envoyez le formulaire avec les champs email et code.
error-too-many-requests = { $seconds ->
    [one] Trop de requêtes depuis votre réseau. Réessayez dans { $seconds } seconde.
   *[other] Trop de requêtes depuis votre réseau. Réessayez dans { $seconds } secondes.
}
error-forbidden = Utilisez l’adresse publique du service.
error-cross-origin = Ce formulaire a été envoyé depuis un autre site. Ouvrez de nouveau la page et envoyez-le depuis celle-ci.
error-not-found = Il n’y a rien à cette adresse.
error-method-not-allowed = Cette adresse n’accepte que { $allow }.

## Why a new password was refused

password-too-short = Utilisez au moins { $min } caractères ; celui-ci en compte { $count }.
password-too-long = Utilisez au plus { $max } caractères ; celui-ci en compte { $count }.
password-too-many-bytes = Utilisez au plus { $max } octets : une lettre sans accent en occupe un, la plupart des autres caractères deux à quatre ; celui-ci en occupe { $count }.
password-contains-nul = Retirez le caractère nul (U+0000) du mot de passe : certaines connexions s’arrêtent de lire à cet endroit.
password-contains-email = Ne construisez pas votre mot de passe à partir de votre adresse e-mail.
password-too-guessable = Ce mot de passe est trop facile à deviner.
password-breached = Ce mot de passe figure dans une fuite de données : les attaquants l’essaient en premier. Choisissez-en un autre.

## What makes a password guessable (the strength check's findings)

warning-straight-rows = Les rangées de touches sont faciles à deviner.
warning-short-keyboard-patterns = Les motifs de clavier courts sont faciles à deviner.
warning-repeats = Les répétitions comme « aaa » sont faciles à deviner.
warning-repeated-patterns = Les répétitions comme « abcabcabc » sont à peine plus difficiles à deviner que « abc ».
warning-top-10 = C’est l’un des 10 mots de passe les plus courants.
warning-top-100 = C’est l’un des 100 mots de passe les plus courants.
warning-common = C’est un mot de passe très courant.
warning-similar-to-common = Il ressemble à un mot de passe très utilisé.
warning-sequences = Les suites comme abc ou 6543 sont faciles à deviner.
warning-recent-years = Les années récentes sont faciles à deviner.
warning-single-word = Un mot seul est facile à deviner.
warning-dates = Les dates sont souvent faciles à deviner.
warning-names = Les prénoms et noms de famille seuls sont faciles à deviner.
warning-common-names = Les prénoms et noms de famille courants sont faciles à deviner.
suggestion-few-words = Utilisez quelques mots et évitez les expressions toutes faites.
suggestion-no-symbols-needed = Inutile d’ajouter des symboles, des chiffres ou des majuscules.
suggestion-another-word = Ajoutez un ou deux mots. Les mots peu courants sont préférables.
suggestion-capitals = Les majuscules n’aident pas beaucoup.
suggestion-all-capitals = Tout en majuscules est presque aussi facile à deviner que tout en minuscules.
suggestion-reversed = Les mots écrits à l’envers ne sont guère plus difficiles à deviner.
suggestion-substitutions = Les substitutions prévisibles, comme « @ » pour « a », n’aident pas beaucoup.
suggestion-longer-keyboard-pattern = Utilisez un motif de clavier plus long, avec plus de changements de direction.
suggestion-avoid-repeats = Évitez les mots et les caractères répétés.
suggestion-avoid-sequences = Évitez les suites.
suggestion-avoid-recent-years = Évitez les années récentes.
suggestion-avoid-your-years = Évitez les années qui vous sont associées.
suggestion-avoid-your-dates = Évitez les dates et les années qui vous sont associées.

## The reset mail

mail-hello = Bonjour,
reset-mail-subject = Réinitialisez votre mot de passe { $app }
reset-mail-heading = Réinitialisez votre mot de passe { $app }
reset-mail-intro = Quelqu’un a demandé la réinitialisation du mot de passe de votre compte { $app }. Si c’est vous, choisissez un nouveau mot de passe avec le bouton ci-dessous. Le lien ne fonctionne qu’une fois et expire dans { $lifetime }.
reset-mail-intro-text = Quelqu’un a demandé la réinitialisation du mot de passe de votre compte { $app }. Si c’est vous, ouvrez ce lien pour choisir un nouveau mot de passe. Il ne fonctionne qu’une fois et expire dans { $lifetime } :
reset-mail-button = Choisir un nouveau mot de passe
reset-mail-copy = Si le bouton ne fonctionne pas, copiez cette adresse dans votre navigateur :
mail-code-intro = Sur un autre appareil, ou dans l’application ? Saisissez-y ce code avec votre adresse e-mail :
mail-code-note = Il est valable aussi longtemps que le lien. Ne le communiquez à personne.
reset-mail-ignore = Si vous n’êtes pas à l’origine de cette demande, vous pouvez ignorer cet e-mail : votre mot de passe reste inchangé, et le lien comme le code ne servent à rien à qui n’a pas accès à votre boîte de réception.
reset-mail-worried = En cas de doute, contactez { $support }.

## Les e-mails qu’un administrateur déclenche : un nouveau mot de passe exigé, une invitation

mail-link-only = Seul ce lien, ou le code qui l’accompagne, définit votre mot de passe : nous ne vous enverrons jamais de mot de passe par e-mail et ne vous en demanderons jamais, et il est inutile de répondre.
forced-mail-subject = { $app } : un nouveau mot de passe est requis
forced-mail-heading = Un nouveau mot de passe est requis pour votre compte { $app }
forced-mail-intro = Un administrateur de { $app } exige que vous choisissiez un nouveau mot de passe pour votre compte. Vous ne l’avez pas demandé : la demande vient de l’administrateur. Choisissez un nouveau mot de passe avec le bouton ci-dessous. Le lien ne fonctionne qu’une fois et expire dans { $lifetime }.
forced-mail-intro-text = Un administrateur de { $app } exige que vous choisissiez un nouveau mot de passe pour votre compte. Vous ne l’avez pas demandé : la demande vient de l’administrateur. Ouvrez ce lien pour choisir un nouveau mot de passe. Il ne fonctionne qu’une fois et expire dans { $lifetime } :
forced-mail-unexpected = Si vous ne vous attendiez pas à cet e-mail, contactez { $support }.
invite-mail-subject = { $app } : choisissez votre mot de passe
invite-mail-heading = Votre invitation à { $app }
invite-mail-intro = Un compte a été créé pour vous sur { $app }. Choisissez votre mot de passe avec le bouton ci-dessous ; le lien ne fonctionne qu’une fois, pendant { $lifetime }.
invite-mail-intro-text = Un compte a été créé pour vous sur { $app }. Choisissez votre mot de passe avec ce lien ; il ne fonctionne qu’une fois, pendant { $lifetime } :
invite-mail-button = Choisir mon mot de passe
invite-mail-ignore = Si vous n’attendiez pas cette invitation, vous pouvez ignorer cet e-mail : le compte n’a pas de mot de passe tant que vous n’en avez pas choisi, et le lien comme le code ne servent à rien à qui n’a pas accès à votre boîte de réception.
mail-questions = Des questions ? Contactez { $support }.

## The mail after a password was changed

changed-mail-subject = Votre mot de passe { $app } a été modifié
changed-mail-when = Le mot de passe de votre compte { $app } a été modifié le { $when }.
changed-mail-fine = Si c’était vous, vous n’avez rien d’autre à faire.
changed-mail-not-you = Si ce n’était pas vous, quelqu’un d’autre peut lire vos e-mails ou connaissait un lien de réinitialisation : sécurisez votre compte de messagerie, puis demandez sans attendre une nouvelle réinitialisation du mot de passe.
changed-mail-not-you-contact = Si ce n’était pas vous, quelqu’un d’autre peut lire vos e-mails ou connaissait un lien de réinitialisation : sécurisez votre compte de messagerie, puis demandez sans attendre une nouvelle réinitialisation du mot de passe et contactez { $support }.

changed-mail-dispute = Ce n’était pas vous ? Sécurisez votre compte :

## La page « Ce n’était pas moi » (le second lien de l’avis)

dispute-title = Ce changement de mot de passe n’est pas de vous ?
dispute-text = Le mot de passe de { $account } a été modifié. Si ce n’est pas vous, verrouillez le compte maintenant : tous les liens de réinitialisation et toutes les sessions ouvertes prennent fin, et personne ne peut se connecter avant que le support ne le déverrouille.
dispute-fine = Si vous l’avez modifié vous-même, fermez cette page : rien ne se passe tant que vous n’appuyez pas sur le bouton.
dispute-submit = Ce n’était pas moi — verrouiller mon compte
locked-title = Votre compte est verrouillé
locked-text = { $account } est verrouillé. Tous les liens de réinitialisation et toutes les sessions ouvertes ont pris fin : la personne qui a modifié le mot de passe ne peut plus utiliser le compte.
locked-next = La suite : sécurisez d’abord votre compte de messagerie (quelqu’un la lit peut-être), puis contactez le support, qui vérifiera le compte et le déverrouillera. D’ici là, personne ne peut se connecter ni réinitialiser le mot de passe.
locked-next-contact = La suite : sécurisez d’abord votre compte de messagerie (quelqu’un la lit peut-être), puis contactez { $support }, qui vérifiera le compte et le déverrouillera. D’ici là, personne ne peut se connecter ni réinitialiser le mot de passe.
dispute-invalid-title = Ce lien ne fonctionne plus
dispute-invalid-text = Il a déjà été utilisé, il a expiré, ou le compte a changé depuis l’envoi de l’e-mail. Rien n’a été modifié.

# Español (tuteo).

## Durations

duration-hours = { $n ->
    [one] 1 hora
   *[other] { $n } horas
}
duration-minutes = { $n ->
    [one] 1 minuto
   *[other] { $n } minutos
}
duration-seconds = { $n ->
    [one] 1 segundo
   *[other] { $n } segundos
}

## Every page

footer-help = ¿Necesitas ayuda? Escribe a { $support }.
account-unnamed = tu cuenta
new-link = Pedir un enlace nuevo
continue = Continuar
sign-in = Iniciar sesión
start-again = Empezar de nuevo

## The forgot-password page

forgot-title = ¿Has olvidado tu contraseña?
forgot-intro = Escribe la dirección de correo de tu cuenta. Si pertenece a una cuenta, le enviaremos un enlace para elegir una contraseña nueva.
forgot-email-label = Correo electrónico
forgot-submit = Enviarme un enlace para restablecerla

## The answer to every forgot-password form, whatever the account

inbox-title = Revisa tu bandeja de entrada
inbox-sent = Si alguna cuenta usa la dirección que has escrito, le hemos enviado un enlace para elegir una contraseña nueva. El enlace funciona una sola vez y caduca en { $lifetime }.
inbox-nothing = ¿No ha llegado nada después de unos minutos? Mira en la carpeta de spam o pide un enlace nuevo.

## The reset form

reset-title = Elige una contraseña nueva
reset-account = Para la cuenta { $account }. ¿No es tuya? Cierra esta página.
reset-not-changed = Tu contraseña no se ha cambiado:
reset-password-label = Contraseña nueva
reset-password-hint = Al menos { $min } caracteres (como máximo { $max }). Puedes usar espacios y cualquier carácter; unas cuantas palabras sin relación entre sí forman una contraseña segura.
reset-password-hint-bytes = Al menos { $min } caracteres y como máximo { $max } bytes (cada letra sin acento ocupa un byte; la mayoría de los demás caracteres, de dos a cuatro). Puedes usar espacios y cualquier carácter; unas cuantas palabras sin relación entre sí forman una contraseña segura.
reset-confirm-label = Vuelve a escribirla
reset-show = Mostrar contraseñas
reset-hide = Ocultar contraseñas
reset-submit = Cambiar mi contraseña

## El formulario de una invitación (una cuenta aún sin contraseña): nunca «restablecer»

invite-title = Elige tu contraseña
invite-password-label = Contraseña
invite-submit = Guardar mi contraseña
invite-not-set = Tu contraseña no se ha guardado:

## The hop page a link clicked in webmail passes through

continue-title = Continúa para elegir tu contraseña nueva
continue-text = Tu enlace es válido. Continúa para elegir una contraseña nueva.
invite-continue-title = Continúa para elegir tu contraseña
invite-continue-text = Tu enlace es válido. Continúa para elegir tu contraseña.

## The code page: the code mailed beside a link, typed on another device or in an app

code-have-one = ¿Tienes un código? Escríbelo aquí
code-title = Escribe el código del correo
code-intro = ¿Has abierto el correo en otro dispositivo? Escribe el código que aparece junto al enlace, con la dirección a la que se envió.
code-label = Tu código
code-hint = 8 caracteres, por ejemplo { $example }
code-new-email = Pedir un correo nuevo

## Outcomes

invalid-title = Este enlace no es válido o ha caducado
invalid-text = Los enlaces para restablecer la contraseña funcionan una sola vez, durante { $lifetime }, y dejan de funcionar cuando cambia la contraseña. Pide uno nuevo y usa el correo más reciente.
changed-title = Tu contraseña se ha cambiado
changed-text = La contraseña de { $account } se ha cambiado. Ya puedes iniciar sesión con ella. Hemos enviado una confirmación a esa dirección.
invite-done-title = Tu contraseña está lista
invite-done-text = La contraseña de { $account } está lista. Ya puedes iniciar sesión con ella. Hemos enviado una confirmación a esa dirección.
switch-title = ¿Restablecer la contraseña de otra cuenta?
switch-current = Este navegador ya está eligiendo una contraseña nueva para { $current }. El enlace que has abierto es para { $new }.
switch-warning = Continúa solo si pediste un enlace para { $new }. Si no fue así, cierra esta página: puede que alguien intente que cambies su contraseña en lugar de la tuya.
other-link-title = Este formulario era de otro enlace
other-link-text = Desde que se mostró este formulario, este navegador abrió otro enlace: ahora está eligiendo una contraseña nueva para { $account }. No se ha cambiado nada. Continúa para ver el formulario de esa cuenta, o cierra esta página si ese enlace no era tuyo.
unavailable-title = No hemos podido hacerlo ahora mismo
unavailable-text = No se ha cambiado nada. Vuelve a intentarlo dentro de un minuto.
failed-title = Algo no ha funcionado

## Answers of the JSON API (their "message"), and errors the pages show

request-accepted = Si alguna cuenta usa esta dirección, le hemos enviado un enlace para restablecer la contraseña. Revisa tu bandeja de entrada.
password-changed = Tu contraseña se ha cambiado. Ya puedes iniciar sesión con ella.
error-invalid-token = Este enlace para restablecer la contraseña no es válido o ha caducado. Pide uno nuevo.
error-invalid-code = Ese código es incorrecto o ha caducado. Revísalo o pide un correo nuevo.
error-malformed-code = Un código tiene 8 caracteres: cifras y las letras de la A a la Z, salvo la I, la L, la O y la U.
error-code-attempts = { $minutes ->
    [one] Demasiados códigos incorrectos para esta dirección. Vuelve a intentarlo en 1 minuto o usa el enlace del correo.
   *[other] Demasiados códigos incorrectos para esta dirección. Vuelve a intentarlo en { $minutes } minutos o usa el enlace del correo.
}
error-unavailable = El servicio no está disponible por un momento. Vuelve a intentarlo en unos segundos.
error-internal = Algo ha fallado por nuestra parte. Vuelve a intentarlo más tarde.
error-invalid-email = Escribe una dirección de correo válida, como nombre@example.com.
error-weak-password = No se puede usar esta contraseña. Elige otra.
error-passwords-differ = Las dos contraseñas no coinciden. Escribe dos veces la misma contraseña nueva.
error-json-media-type = Envía el cuerpo de la petición en JSON, con Content-Type: application/json.
error-form-media-type = No hemos podido leer este formulario. Vuelve a la página y envíalo otra vez.
error-too-large = El cuerpo de la petición no puede superar los { $bytes } bytes.
error-malformed-json = El cuerpo de la petición no es JSON válido.
error-request-shape = Envía un objeto JSON con un único campo de texto, "email".
error-confirm-shape = Envía un objeto JSON con los campos de texto "token" y "password", o bien "email", "code" y "password".
error-forgot-form-shape = Envía el formulario con un único campo, email.
error-reset-form-shape = Envía el formulario con los campos password y confirm.
error-dispute-form-shape = Envía el formulario con un solo campo, token.
error-code-form-shape = Envía el formulario con los campos email y code.
error-too-many-requests = { $seconds ->
    [one] Demasiadas peticiones desde tu red. Vuelve a intentarlo en 1 segundo.
   *[other] Demasiadas peticiones desde tu red. Vuelve a intentarlo en { $seconds } segundos.
}
error-forbidden = Usa la dirección pública del servicio.
error-cross-origin = Este formulario se ha enviado desde otro sitio. Vuelve a abrir la página y envíalo desde allí.
error-not-found = No hay nada en esta dirección.
error-method-not-allowed = Esta dirección solo acepta { $allow }.

## Why a new password was refused

password-too-short = Usa al menos { $min } caracteres; esta tiene { $count }.
password-too-long = Usa como máximo { $max } caracteres; esta tiene { $count }.
password-too-many-bytes = Usa como máximo { $max } bytes: cada letra sin acento ocupa uno y la mayoría de los demás caracteres, de dos a cuatro; esta ocupa { $count }.
password-contains-nul = Quita el carácter nulo (U+0000) de la contraseña: algunos inicios de sesión dejan de leer ahí.
password-contains-email = No formes tu contraseña a partir de tu dirección de correo.
password-too-guessable = Esta contraseña es demasiado fácil de adivinar.
password-breached = Esta contraseña ha aparecido en una filtración de datos, así que los atacantes la prueban primero. Elige otra.

## What makes a password guessable (the strength check's findings)

warning-straight-rows = Las filas de teclas seguidas son fáciles de adivinar.
warning-short-keyboard-patterns = Los patrones de teclado cortos son fáciles de adivinar.
warning-repeats = Las repeticiones como "aaa" son fáciles de adivinar.
warning-repeated-patterns = Las repeticiones como "abcabcabc" son apenas más difíciles de adivinar que "abc".
warning-top-10 = Es una de las 10 contraseñas más comunes.
warning-top-100 = Es una de las 100 contraseñas más comunes.
warning-common = Es una contraseña muy común.
warning-similar-to-common = Se parece a una contraseña muy utilizada.
warning-sequences = Las secuencias como abc o 6543 son fáciles de adivinar.
warning-recent-years = Los años recientes son fáciles de adivinar.
warning-single-word = Una palabra sola es fácil de adivinar.
warning-dates = Las fechas suelen ser fáciles de adivinar.
warning-names = Los nombres y apellidos por sí solos son fáciles de adivinar.
warning-common-names = Los nombres y apellidos comunes son fáciles de adivinar.
suggestion-few-words = Usa varias palabras y evita las frases hechas.
suggestion-no-symbols-needed = No hacen falta símbolos, números ni mayúsculas.
suggestion-another-word = Añade una o dos palabras más. Mejor si son poco comunes.
suggestion-capitals = Las mayúsculas no ayudan mucho.
suggestion-all-capitals = Todo en mayúsculas es casi tan fácil de adivinar como todo en minúsculas.
suggestion-reversed = Las palabras escritas al revés no son mucho más difíciles de adivinar.
suggestion-substitutions = Las sustituciones previsibles, como "@" en lugar de "a", no ayudan mucho.
suggestion-longer-keyboard-pattern = Usa un patrón de teclado más largo y con más giros.
suggestion-avoid-repeats = Evita repetir palabras y caracteres.
suggestion-avoid-sequences = Evita las secuencias.
suggestion-avoid-recent-years = Evita los años recientes.
suggestion-avoid-your-years = Evita los años relacionados contigo.
suggestion-avoid-your-dates = Evita las fechas y los años relacionados contigo.

## The reset mail

mail-hello = Hola:
reset-mail-subject = Restablece tu contraseña de { $app }
reset-mail-heading = Restablece tu contraseña de { $app }
reset-mail-intro = Alguien ha pedido restablecer la contraseña de tu cuenta de { $app }. Si has sido tú, elige una contraseña nueva con el botón de abajo. El enlace funciona una sola vez y caduca en { $lifetime }.
reset-mail-intro-text = Alguien ha pedido restablecer la contraseña de tu cuenta de { $app }. Si has sido tú, abre este enlace para elegir una contraseña nueva. Funciona una sola vez y caduca en { $lifetime }:
reset-mail-button = Elegir una contraseña nueva
reset-mail-copy = Si el botón no funciona, copia esta dirección en tu navegador:
mail-code-intro = ¿En otro dispositivo o en la aplicación? Escribe allí este código con tu dirección de correo:
mail-code-note = Sirve mientras sirva el enlace. No se lo des a nadie.
reset-mail-ignore = Si no lo has pedido tú, puedes ignorar este correo: tu contraseña sigue igual y ni el enlace ni el código le sirven a nadie que no tenga acceso a tu bandeja de entrada.
reset-mail-worried = Si te preocupa, escribe a { $support }.

## Los correos que inicia un administrador: una contraseña nueva obligatoria, una invitación

mail-link-only = Solo este enlace, o el código que lo acompaña, establece tu contraseña: nunca te enviaremos una contraseña por correo ni te la pediremos, y no hace falta que respondas.
forced-mail-subject = { $app }: se necesita una contraseña nueva
forced-mail-heading = Tu cuenta de { $app } necesita una contraseña nueva
forced-mail-intro = Un administrador de { $app } requiere que elijas una contraseña nueva para tu cuenta. No lo has pedido tú: la petición viene del administrador. Elige una contraseña nueva con el botón de abajo. El enlace funciona una sola vez y caduca en { $lifetime }.
forced-mail-intro-text = Un administrador de { $app } requiere que elijas una contraseña nueva para tu cuenta. No lo has pedido tú: la petición viene del administrador. Abre este enlace para elegir una contraseña nueva. Funciona una sola vez y caduca en { $lifetime }:
forced-mail-unexpected = Si no esperabas este correo, escribe a { $support }.
invite-mail-subject = { $app }: elige tu contraseña
invite-mail-heading = Tu invitación a { $app }
invite-mail-intro = Se ha creado una cuenta para ti en { $app }. Elige tu contraseña con el botón de abajo; el enlace funciona una sola vez, durante { $lifetime }.
invite-mail-intro-text = Se ha creado una cuenta para ti en { $app }. Elige tu contraseña con este enlace; funciona una sola vez, durante { $lifetime }:
invite-mail-button = Elegir mi contraseña
invite-mail-ignore = Si no esperabas esta invitación, puedes ignorar este correo: la cuenta no tiene contraseña hasta que elijas una, y ni el enlace ni el código le sirven a nadie que no tenga acceso a tu bandeja de entrada.
mail-questions = ¿Tienes preguntas? Escribe a { $support }.

## The mail after a password was changed

changed-mail-subject = Se ha cambiado tu contraseña de { $app }
changed-mail-when = La contraseña de tu cuenta de { $app } se cambió el { $when }.
changed-mail-fine = Si fuiste tú, no tienes que hacer nada más.
changed-mail-not-you = Si no fuiste tú, otra persona puede leer tu correo o conocía un enlace para restablecerla: protege tu cuenta de correo y pide enseguida un nuevo restablecimiento de contraseña.
changed-mail-not-you-contact = Si no fuiste tú, otra persona puede leer tu correo o conocía un enlace para restablecerla: protege tu cuenta de correo, pide enseguida un nuevo restablecimiento de contraseña y escribe a { $support }.

changed-mail-dispute = ¿No fuiste tú? Protege tu cuenta:

## La página «No fui yo» (el segundo enlace del aviso)

dispute-title = ¿No cambiaste tú la contraseña?
dispute-text = La contraseña de { $account } se ha cambiado. Si no la cambiaste tú, bloquea la cuenta ahora: todos los enlaces para restablecerla y todas las sesiones abiertas terminan, y nadie puede iniciar sesión hasta que el equipo de soporte la desbloquee.
dispute-fine = Si la cambiaste tú, cierra esta página: no pasa nada si no pulsas el botón.
dispute-submit = No fui yo: bloquear mi cuenta
locked-title = Tu cuenta está bloqueada
locked-text = { $account } está bloqueada. Todos los enlaces para restablecer la contraseña y todas las sesiones abiertas han terminado: quien cambió la contraseña ya no puede usar la cuenta.
locked-next = Qué pasa ahora: primero protege tu cuenta de correo (alguien podría estar leyéndolo) y después escribe al equipo de soporte, que revisará la cuenta y la desbloqueará. Hasta entonces nadie puede iniciar sesión ni restablecer la contraseña.
locked-next-contact = Qué pasa ahora: primero protege tu cuenta de correo (alguien podría estar leyéndolo) y después escribe a { $support }, que revisará la cuenta y la desbloqueará. Hasta entonces nadie puede iniciar sesión ni restablecer la contraseña.
dispute-invalid-title = Este enlace ya no funciona
dispute-invalid-text = Ya se usó, ha caducado o la cuenta ha cambiado desde que se envió el correo. No se ha cambiado nada.

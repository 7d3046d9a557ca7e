# Português do Brasil (você).

## Durations

duration-hours = { $n ->
    [one] { $n } hora
   *[other] { $n } horas
}
duration-minutes = { $n ->
    [one] { $n } minuto
   *[other] { $n } minutos
}
duration-seconds = { $n ->
    [one] { $n } segundo
   *[other] { $n } segundos
}

## Every page

footer-help = Precisa de ajuda? Fale com { $support }.
account-unnamed = sua conta
new-link = Pedir um novo link
continue = Continuar
sign-in = Entrar
start-again = Começar de novo

## The forgot-password page

forgot-title = Esqueceu sua senha?
forgot-intro = Digite o e-mail da sua conta. Se ele pertencer a uma conta, vamos enviar para ele um link para você criar uma nova senha.
forgot-email-label = E-mail
forgot-submit = Enviar link de redefinição

## The answer to every forgot-password form, whatever the account

inbox-title = Confira sua caixa de entrada
inbox-sent = Se alguma conta usa o endereço que você digitou, enviamos para ele um link para criar uma nova senha. O link funciona uma única vez e expira em { $lifetime }.
inbox-nothing = Nada depois de alguns minutos? Olhe na pasta de spam ou peça um novo link.

## The reset form

reset-title = Crie uma nova senha
reset-account = Para a conta { $account }. Não é sua? Feche esta página.
reset-not-changed = Sua senha não foi alterada:
reset-password-label = Nova senha
reset-password-hint = No mínimo { $min } caracteres (no máximo { $max }). Espaços e quaisquer caracteres são aceitos; algumas palavras sem relação entre si formam uma senha forte.
reset-password-hint-bytes = No mínimo { $min } caracteres e no máximo { $max } bytes (cada letra sem acento ocupa um byte; a maioria dos outros caracteres, de dois a quatro). Espaços e quaisquer caracteres são aceitos; algumas palavras sem relação entre si formam uma senha forte.
reset-confirm-label = Digite de novo
reset-show = Mostrar senhas
reset-hide = Ocultar senhas
reset-submit = Alterar minha senha

## O formulário de um convite (uma conta ainda sem senha): nunca "redefinir"

invite-title = Crie sua senha
invite-password-label = Senha
invite-submit = Salvar minha senha
invite-not-set = Sua senha não foi definida:

## The hop page a link clicked in webmail passes through

continue-title = Continue para criar sua nova senha
continue-text = Seu link é válido. Continue para criar uma nova senha.
invite-continue-title = Continue para criar sua senha
invite-continue-text = Seu link é válido. Continue para criar sua senha.

## The code page: the code mailed beside a link, typed on another device or in an app

code-have-one = Tem um código? Digite aqui
code-title = Digite o código do e-mail
code-intro = Abriu o e-mail em outro dispositivo? Digite o código que aparece ao lado do link, com o endereço para o qual ele foi enviado.
code-label = Seu código
code-hint = 8 caracteres, por exemplo { $example }
code-new-email = Pedir um novo e-mail

## Outcomes

invalid-title = Este link é inválido ou expirou
invalid-text = Os links de redefinição funcionam uma única vez, por { $lifetime }, e deixam de funcionar quando a senha muda. Peça um novo e use o e-mail mais recente.
changed-title = Sua senha foi alterada
changed-text = A senha de { $account } foi alterada. Você já pode entrar com ela. Enviamos uma confirmação para esse endereço.
invite-done-title = Sua senha está definida
invite-done-text = A senha de { $account } está definida. Você já pode entrar com ela. Enviamos uma confirmação para esse endereço.
switch-title = Redefinir a senha de outra conta?
switch-current = Este navegador já está criando uma nova senha para { $current }. O link que você abriu é de { $new }.
switch-warning = Continue somente se você pediu um link para { $new }. Se não pediu, feche esta página: alguém pode estar tentando fazer você alterar a senha dessa pessoa em vez da sua.
other-link-title = Este formulário era de outro link
other-link-text = Depois que este formulário foi exibido, este navegador abriu outro link: agora ele está criando uma nova senha para { $account }. Nada foi alterado. Continue para ver o formulário dessa conta, ou feche esta página se esse link não era seu.
unavailable-title = Não foi possível fazer isso agora
unavailable-text = Nada foi alterado. Tente de novo daqui a um minuto.
failed-title = Não deu certo

## Answers of the JSON API (their "message"), and errors the pages show

request-accepted = Se alguma conta usa este endereço, enviamos para ele um link para redefinir a senha. Confira sua caixa de entrada.
password-changed = Sua senha foi alterada. Você já pode entrar com ela.
error-invalid-token = Este link de redefinição é inválido ou expirou. Peça um novo.
error-invalid-code = Esse código está errado ou expirou. Confira o código ou peça um novo e-mail.
error-malformed-code = Um código tem 8 caracteres: algarismos e as letras de A a Z, exceto I, L, O e U.
error-code-attempts = { $minutes ->
    [one] Muitos códigos errados para este endereço. Tente de novo em { $minutes } minuto ou use o link do e-mail.
   *[other] Muitos códigos errados para este endereço. Tente de novo em { $minutes } minutos ou use o link do e-mail.
}
error-unavailable = O serviço está indisponível por um instante. Tente de novo em alguns segundos.
error-internal = Algo deu errado do nosso lado. Tente de novo mais tarde.
error-invalid-email = Digite um e-mail válido, como nome@example.com.
error-weak-password = Esta senha não pode ser usada. Escolha outra.
error-passwords-differ = As duas senhas não são iguais. Digite a nova senha duas vezes.
error-json-media-type = Envie o corpo da requisição em JSON, com Content-Type: application/json.
error-form-media-type = Não foi possível ler este formulário. Volte à página e envie de novo.
error-too-large = O corpo da requisição pode ter no máximo { $bytes } bytes.
error-malformed-json = O corpo da requisição não é um JSON válido.
error-request-shape = Envie um objeto JSON com um único campo de texto, "email".
error-confirm-shape = Envie um objeto JSON com os campos de texto "token" e "password", ou então "email", "code" e "password".
error-forgot-form-shape = Envie o formulário com um único campo, email.
error-reset-form-shape = Envie o formulário com os campos password e confirm.
error-dispute-form-shape = Envie o formulário com um único campo, token.
error-code-form-shape = Envie o formulário com os campos email e code.
error-too-many-requests = { $seconds ->
    [one] Muitas solicitações vindas da sua rede. Tente de novo em { $seconds } segundo.
   *[other] Muitas solicitações vindas da sua rede. Tente de novo em { $seconds } segundos.
}
error-forbidden = Use o endereço público do serviço.
error-cross-origin = Este formulário foi enviado de outro site. Abra a página de novo e envie por ela.
error-not-found = Não há nada neste endereço.
error-method-not-allowed = Este endereço aceita somente { $allow }.

## Why a new password was refused

password-too-short = Use pelo menos { $min } caracteres; esta tem { $count }.
password-too-long = Use no máximo { $max } caracteres; esta tem { $count }.
password-too-many-bytes = Use no máximo { $max } bytes: cada letra sem acento ocupa um, e a maioria dos outros caracteres, de dois a quatro; esta ocupa { $count }.
password-contains-nul = Remova o caractere nulo (U+0000) da senha: alguns logins param de ler nesse ponto.
password-contains-email = Não monte sua senha a partir do seu e-mail.
password-too-guessable = Esta senha é fácil demais de adivinhar.
password-breached = Esta senha apareceu em um vazamento de dados, por isso os atacantes a testam primeiro. Escolha outra.

## What makes a password guessable (the strength check's findings)

warning-straight-rows = Fileiras retas de teclas são fáceis de adivinhar.
warning-short-keyboard-patterns = Padrões curtos de teclado são fáceis de adivinhar.
warning-repeats = Repetições como "aaa" são fáceis de adivinhar.
warning-repeated-patterns = Repetições como "abcabcabc" são só um pouco mais difíceis de adivinhar que "abc".
warning-top-10 = Esta é uma das 10 senhas mais comuns.
warning-top-100 = Esta é uma das 100 senhas mais comuns.
warning-common = Esta é uma senha muito comum.
warning-similar-to-common = Esta senha é parecida com uma senha muito usada.
warning-sequences = Sequências como abc ou 6543 são fáceis de adivinhar.
warning-recent-years = Anos recentes são fáceis de adivinhar.
warning-single-word = Uma palavra sozinha é fácil de adivinhar.
warning-dates = Datas costumam ser fáceis de adivinhar.
warning-names = Nomes e sobrenomes sozinhos são fáceis de adivinhar.
warning-common-names = Nomes e sobrenomes comuns são fáceis de adivinhar.
suggestion-few-words = Use algumas palavras e evite frases feitas.
suggestion-no-symbols-needed = Não precisa de símbolos, números nem letras maiúsculas.
suggestion-another-word = Acrescente mais uma ou duas palavras. Palavras incomuns são melhores.
suggestion-capitals = Letras maiúsculas não ajudam muito.
suggestion-all-capitals = Tudo em maiúsculas é quase tão fácil de adivinhar quanto tudo em minúsculas.
suggestion-reversed = Palavras escritas de trás para frente não são muito mais difíceis de adivinhar.
suggestion-substitutions = Trocas previsíveis, como "@" no lugar de "a", não ajudam muito.
suggestion-longer-keyboard-pattern = Use um padrão de teclado mais longo, com mais mudanças de direção.
suggestion-avoid-repeats = Evite palavras e caracteres repetidos.
suggestion-avoid-sequences = Evite sequências.
suggestion-avoid-recent-years = Evite anos recentes.
suggestion-avoid-your-years = Evite anos ligados a você.
suggestion-avoid-your-dates = Evite datas e anos ligados a você.

## The reset mail

mail-hello = Olá,
reset-mail-subject = Redefina sua senha do { $app }
reset-mail-heading = Redefina sua senha do { $app }
reset-mail-intro = Alguém pediu para redefinir a senha da sua conta do { $app }. Se foi você, crie uma nova senha pelo botão abaixo. O link funciona uma única vez e expira em { $lifetime }.
reset-mail-intro-text = Alguém pediu para redefinir a senha da sua conta do { $app }. Se foi você, abra este link para criar uma nova senha. Ele funciona uma única vez e expira em { $lifetime }:
reset-mail-button = Criar uma nova senha
reset-mail-copy = Se o botão não funcionar, copie este endereço no seu navegador:
mail-code-intro = Em outro dispositivo ou no aplicativo? Digite lá este código com o seu endereço de e-mail:
mail-code-note = Ele vale enquanto o link valer. Não o passe para ninguém.
reset-mail-ignore = Se não foi você que pediu, pode ignorar este e-mail: sua senha continua a mesma, e o link e o código não servem para ninguém sem acesso à sua caixa de entrada.
reset-mail-worried = Se estiver preocupado, fale com { $support }.

## Os e-mails que um administrador envia: uma nova senha obrigatória, um convite

mail-link-only = Só este link, ou o código que vem com ele, define sua senha: nunca vamos enviar uma senha por e-mail nem pedir a sua, e não é preciso responder.
forced-mail-subject = { $app }: é necessária uma nova senha
forced-mail-heading = Sua conta do { $app } precisa de uma nova senha
forced-mail-intro = Um administrador do { $app } exige que você crie uma nova senha para sua conta. Não foi você que pediu: o pedido vem do administrador. Crie uma nova senha pelo botão abaixo. O link funciona uma única vez e expira em { $lifetime }.
forced-mail-intro-text = Um administrador do { $app } exige que você crie uma nova senha para sua conta. Não foi você que pediu: o pedido vem do administrador. Abra este link para criar uma nova senha. Ele funciona uma única vez e expira em { $lifetime }:
forced-mail-unexpected = Se você não esperava este e-mail, fale com { $support }.
invite-mail-subject = { $app }: crie sua senha
invite-mail-heading = Seu convite para o { $app }
invite-mail-intro = Uma conta foi criada para você no { $app }. Crie sua senha pelo botão abaixo; o link funciona uma única vez, durante { $lifetime }.
invite-mail-intro-text = Uma conta foi criada para você no { $app }. Crie sua senha por este link; ele funciona uma única vez, durante { $lifetime }:
invite-mail-button = Criar minha senha
invite-mail-ignore = Se você não esperava este convite, pode ignorar este e-mail: a conta não tem senha até você criar uma, e o link e o código não servem para ninguém sem acesso à sua caixa de entrada.
mail-questions = Dúvidas? Fale com { $support }.

## The mail after a password was changed

changed-mail-subject = Sua senha do { $app } foi alterada
changed-mail-when = A senha da sua conta do { $app } foi alterada em { $when }.
changed-mail-fine = Se foi você, não precisa fazer mais nada.
changed-mail-not-you = Se não foi você, outra pessoa consegue ler seus e-mails ou conhecia um link de redefinição: proteja sua conta de e-mail e peça uma nova redefinição de senha imediatamente.
changed-mail-not-you-contact = Se não foi você, outra pessoa consegue ler seus e-mails ou conhecia um link de redefinição: proteja sua conta de e-mail, peça uma nova redefinição de senha imediatamente e fale com { $support }.

changed-mail-dispute = Não foi você? Proteja sua conta:

## A página “Não fui eu” (o segundo link do aviso)

dispute-title = Não foi você que alterou a senha?
dispute-text = A senha de { $account } foi alterada. Se não foi você, bloqueie a conta agora: todos os links de redefinição e todas as sessões abertas são encerrados, e ninguém consegue entrar até que o suporte desbloqueie a conta.
dispute-fine = Se foi você que alterou, feche esta página: nada acontece se você não clicar no botão.
dispute-submit = Não fui eu: bloquear minha conta
locked-title = Sua conta está bloqueada
locked-text = { $account } está bloqueada. Todos os links de redefinição e todas as sessões abertas foram encerrados: quem alterou a senha não consegue mais usar a conta.
locked-next = O que acontece agora: primeiro proteja sua conta de e-mail (alguém pode estar lendo), depois fale com o suporte, que vai verificar a conta e desbloqueá-la. Até lá, ninguém consegue entrar nem redefinir a senha.
locked-next-contact = O que acontece agora: primeiro proteja sua conta de e-mail (alguém pode estar lendo), depois fale com { $support }, que vai verificar a conta e desbloqueá-la. Até lá, ninguém consegue entrar nem redefinir a senha.
dispute-invalid-title = Este link não funciona mais
dispute-invalid-text = Ele já foi usado, expirou ou a conta mudou desde que o e-mail foi enviado. Nada foi alterado.

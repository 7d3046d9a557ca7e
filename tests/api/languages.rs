//! Every user in their own language: which language a page, a JSON message and a mail speak, and
//! that the guarantees hold in each (the same bytes for a known and an unknown address).

use reset_local::events::{self, Reply};
use reset_local::stack::{DEMO_EMAIL, DEMO_USER_ID};
use reset_text::Locale;
use serde_json::Value;

use crate::helpers::{MemoryApp, MotoApp, NEW_PASSWORD, RESET_PAGE, confirm_event, link_event, request_event};
use crate::pages::form_event;

/// `event` with `?lang=` (as API Gateway hands a query to the function: raw and parsed).
fn with_lang(mut event: Value, lang: &str) -> Value {
    let raw = event["rawQueryString"].as_str().unwrap_or_default().to_owned();
    let pair = form_urlencoded::Serializer::new(String::new()).append_pair("lang", lang).finish();
    event["rawQueryString"] = if raw.is_empty() { pair } else { format!("{raw}&{pair}") }.into();
    if !event["queryStringParameters"].is_object() {
        event["queryStringParameters"] = serde_json::json!({});
    }
    event["queryStringParameters"]["lang"] = lang.into();
    event
}

fn with_accept_language(mut event: Value, header: &str) -> Value {
    event["headers"]["accept-language"] = header.into();
    event
}

fn forgot_form(email: &str) -> Value {
    let mut event = events::load("request-reset-forgot-form.json");
    event["body"] = form_urlencoded::Serializer::new(String::new()).append_pair("email", email).finish().into();
    event
}

fn json_message(reply: &Reply) -> String {
    let body: Value = serde_json::from_str(&reply.body).unwrap_or_else(|_| panic!("JSON: {}", reply.body));
    body["message"].as_str().expect("a message").to_owned()
}

fn locale(tag: &str) -> Locale {
    Locale::matching(tag).expect("compiled in")
}

#[tokio::test]
async fn a_page_speaks_the_chosen_language_then_the_browsers_then_the_default() {
    let app = MemoryApp::new().await;
    let page = || events::load("request-reset-forgot-page.json");
    // (?lang=, Accept-Language, the page's language, its direction, its heading)
    let cases: &[(Option<&str>, Option<&str>, &str, &str, &str)] = &[
        (None, None, "en", "ltr", "Forgot your password?"),
        (None, Some("de-DE,de;q=0.9,en;q=0.8"), "de", "ltr", "Passwort vergessen?"),
        (None, Some("pt-PT"), "pt-BR", "ltr", "Esqueceu sua senha?"),
        (None, Some("zh-CN, es;q=0.3"), "es", "ltr", "¿Has olvidado tu contraseña?"),
        (None, Some("ar-EG, en;q=0.5"), "ar", "rtl", "هل نسيت كلمة المرور؟"),
        (None, Some("fr;q=0, *"), "en", "ltr", "Forgot your password?"),
        (Some("ja"), Some("de"), "ja", "ltr", "パスワードをお忘れですか？"),
        (Some("fr-CA"), None, "fr", "ltr", "Mot de passe oublié\u{202f}?"),
        // A hostile or unknown choice loses its say: the browser's language decides.
        (Some("de\"><script>alert(1)</script>"), Some("es"), "es", "ltr", "¿Has olvidado tu contraseña?"),
        (Some("../../etc/passwd"), None, "en", "ltr", "Forgot your password?"),
        (Some("x-klingon"), Some("ja"), "ja", "ltr", "パスワードをお忘れですか？"),
    ];
    for (lang, accept, tag, dir, heading) in cases {
        let mut event = page();
        if let Some(lang) = lang {
            event = with_lang(event, lang);
        }
        if let Some(accept) = accept {
            event = with_accept_language(event, accept);
        }
        let reply = app.call(&event).await;
        let what = format!("?lang={lang:?} Accept-Language={accept:?}");
        assert_eq!(reply.status, 200, "{what}");
        assert!(reply.body.contains(&format!("<html lang=\"{tag}\" dir=\"{dir}\">")), "{what}: {}", &reply.body[..120]);
        assert!(reply.body.contains(&format!("<h1>{heading}</h1>")), "{what}");
        assert!(!reply.body.contains("<script>alert"), "{what}: the choice is never echoed");
        // A chosen language is kept through the flow; one the browser asks for needs no keeping.
        let chosen = lang.is_some_and(|l| Locale::matching(l).is_some());
        let action = if chosen { format!("action=\"/forgot-password?lang={tag}\"") } else { "action=\"/forgot-password\"".to_owned() };
        assert!(reply.body.contains(&action), "{what}: {action}");
    }
}

#[tokio::test]
async fn a_known_and_an_unknown_address_get_the_same_bytes_in_every_language() {
    let app = MemoryApp::new().await;
    let mut pages = Vec::new();
    for locale in Locale::all() {
        let tag = locale.tag();
        let known = app.call(&with_lang(forgot_form(DEMO_EMAIL), tag)).await;
        let unknown = app.call(&with_lang(forgot_form("nobody@example.com"), tag)).await;
        assert_eq!((known.status, &known.headers), (unknown.status, &unknown.headers), "{tag}: the form's answer");
        assert_eq!(known.body, unknown.body, "{tag}: the form's answer, byte for byte");
        assert!(known.body.contains(&format!("lang=\"{tag}\"")), "{tag}");

        let known = app.call(&with_accept_language(request_event(DEMO_EMAIL), tag)).await;
        let unknown = app.call(&with_accept_language(request_event("nobody@example.com"), tag)).await;
        assert_eq!(known.status, 202, "{tag}");
        assert_eq!((known.status, &known.headers, &known.body), (unknown.status, &unknown.headers, &unknown.body), "{tag}: the JSON answer");
        assert_eq!(json_message(&known), reset_text::Msg::new("request-accepted").text(locale), "{tag}");
        pages.push(known.body);
    }
    pages.sort();
    pages.dedup();
    assert_eq!(pages.len(), Locale::all().count(), "each language has its own words, not English copied");
}

#[tokio::test]
async fn json_errors_keep_their_codes_and_speak_the_accept_language() {
    let app = MemoryApp::new().await;
    let reply = app.call(&with_accept_language(request_event("not an address"), "fr-FR,fr;q=0.9")).await;
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!((reply.status, body["error"].as_str()), (400, Some("invalid_email")));
    assert_eq!(body["message"], "Saisissez une adresse e-mail valide, par exemple nom@example.com.");

    let token = app.token_for_demo().await;
    let reply = app.call(&with_accept_language(confirm_event(&token, "short"), "ja")).await;
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!((reply.status, body["error"].as_str(), body["reasons"][0]["code"].as_str()), (422, Some("weak_password"), Some("too_short")));
    assert_eq!(body["reasons"][0]["message"], "12文字以上にしてください（現在 5文字）。");
    assert_eq!(body["message"], body["reasons"][0]["message"], "the message lists the reasons");

    let reply = app.call(&with_accept_language(confirm_event(&token, "password1234"), "de")).await;
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    let said = body["reasons"][0]["message"].as_str().unwrap();
    assert!(said.starts_with("Dieses Passwort ist zu leicht zu erraten. Dies ist ein sehr häufiges Passwort."), "zxcvbn's finding, in German: {said}");
    assert!(!said.contains("common"), "no English left in it: {said}");
}

#[tokio::test]
async fn a_mail_speaks_the_accounts_language_then_the_requests_and_its_link_keeps_it() {
    let app = MemoryApp::new().await;

    // No stored language: the form's (?lang=de) writes the mail, and its link carries it on.
    assert_eq!(app.call(&with_lang(forgot_form(DEMO_EMAIL), "de")).await.status, 200);
    let mail = app.mails().await.pop().expect("a reset mail");
    assert_eq!(mail.subject, "Ihr Passwort für Demo App zurücksetzen");
    assert!(mail.text.contains("läuft in 30 Minuten ab"), "{}", mail.text);
    assert!(mail.html.contains("<html lang=\"de\" dir=\"ltr\">"));
    assert!(mail.text.contains(&format!("{RESET_PAGE}?lang=de&token=")), "{}", mail.text);
    let token = crate::helpers::token_in(&mail.text);

    // The link opens the page in the mail's language, and the flow keeps it.
    let reply = app.call(&with_lang(link_event(&token, "GET", Some("none")), "de")).await;
    assert_eq!(reply.header("location"), Some(format!("{RESET_PAGE}?lang=de").as_str()));
    let mut event = with_lang(events::load("reset-password-page-without-token.json"), "de");
    event["cookies"] = serde_json::json!([format!("__Host-reset_token={token}")]);
    let form = app.call(&event).await;
    assert!(form.body.contains("<h1>Neues Passwort festlegen</h1>"), "{}", form.body);
    assert!(form.body.contains("action=\"/reset-password?lang=de\""));
    assert!(form.body.contains("data-hide=\"Passwörter verbergen\""), "the toggle's words come from the catalog, not the script");

    // A confirm in Arabic for an account without a stored language: the notice is in Arabic.
    let done = app.call(&with_lang(form_event(Some(&token), NEW_PASSWORD, NEW_PASSWORD), "ar")).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("dir=\"rtl\""));
    let notice = app.mails().await.pop().expect("the changed notice");
    // In right-to-left text the product's name is isolated (FSI ... PDI), so it reads in its own direction.
    assert_eq!(notice.subject, "تم تغيير كلمة مرورك في \u{2068}Demo App\u{2069}");

    // The account's stored language wins over the request's, for both mails.
    app.set_user_locale(DEMO_USER_ID, "ja-JP");
    assert_eq!(app.call(&with_accept_language(request_event(DEMO_EMAIL), "de")).await.status, 202);
    let mail = app.mails().await.pop().expect("a reset mail");
    assert_eq!(mail.subject, "Demo App のパスワード再設定");
    assert!(mail.text.contains("?lang=ja&token="), "{}", mail.text);
    let token = crate::helpers::token_in(&mail.text);
    let reply = app.call(&with_accept_language(confirm_event(&token, "an entirely new passphrase 7"), "es")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(json_message(&reply), "Tu contraseña se ha cambiado. Ya puedes iniciar sesión con ella.", "the answer speaks the request's language");
    let notice = app.mails().await.pop().expect("the changed notice");
    assert_eq!(notice.subject, "Demo App のパスワードが変更されました", "the notice speaks the account's");

    // A stored language we do not speak falls back to the request's.
    app.set_user_locale(DEMO_USER_ID, "zh-Hans");
    assert_eq!(app.call(&with_accept_language(request_event(DEMO_EMAIL), "pt-BR")).await.status, 202);
    assert_eq!(app.mails().await.pop().unwrap().subject, "Redefina sua senha do Demo App");
    assert_eq!(locale("pt").tag(), "pt-BR");
}

/// The stored language through the production wiring: DynamoDB (moto) read by the attribute the
/// operator names, on the mail worker's index query and on the confirm's GetItem.
#[tokio::test]
async fn the_stored_language_is_read_from_the_attribute_the_operator_names() {
    use aws_sdk_dynamodb::types::AttributeValue;
    async fn store_language(app: &MotoApp, tag: &str) {
        app.stack
            .dynamodb()
            .update_item()
            .table_name(&app.stack.table.table)
            .key(&app.stack.table.id, AttributeValue::S(DEMO_USER_ID.into()))
            .update_expression("SET preferred_language = :tag")
            .expression_attribute_values(":tag", AttributeValue::S(tag.into()))
            .send()
            .await
            .unwrap();
    }
    let app = MotoApp::start_with(&[("USER_LOCALE_ATTRIBUTE", "preferred_language")]).await;
    store_language(&app, "de-CH").await;

    assert_eq!(app.call(&with_accept_language(request_event(DEMO_EMAIL), "ja")).await.status, 202);
    let mails = app.mails().await;
    assert_eq!(mails[0].subject, "Ihr Passwort für Demo App zurücksetzen", "the account's language (de-CH finds de), not the request's");
    let token = mails[0].token().expect("a link");
    assert!(mails[0].reset_link().unwrap().contains("lang=de&"), "the link opens the page in German");

    let reply = app.call(&with_accept_language(confirm_event(&token, NEW_PASSWORD), "ja")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(json_message(&reply), "パスワードを変更しました。新しいパスワードですぐにログインできます。");
    let mails = app.mails().await;
    assert_eq!(mails[1].subject, "Ihr Passwort für Demo App wurde geändert", "read again by the confirm's GetItem");

    // Without the setting, the attribute is not read: the request's language decides.
    let plain = MotoApp::start().await;
    store_language(&plain, "de-CH").await;
    assert_eq!(plain.call(&with_accept_language(request_event(DEMO_EMAIL), "ja")).await.status, 202);
    assert_eq!(plain.mails().await[0].subject, "Demo App のパスワード再設定");
}

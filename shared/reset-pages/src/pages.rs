//! The hosted pages (forgot-password form, reset form, the form for a code mailed beside a link,
//! and one message page for every outcome), rendered from the same compile-checked, auto-escaping
//! templates as the mails, with the same branding. No external assets: one inline stylesheet and
//! one small script, allowed by hash in the Content-Security-Policy. Everything works without the
//! script; it only adds a show-password toggle.

use askama::Template;
use reset_core::reset_token::Purpose;
use reset_core::settings::Settings;
use reset_core::settings::branding::Logo;
use reset_text::{Locale, Msg, duration};
use url::Url;

use crate::style::{ASSETS, Assets, page_style};

/// The policy the pages are served with: nothing loads but our own inline style (with the
/// branding applied) and script, and the configured logo if any (see [`crate::style`]).
pub fn content_security_policy(settings: &Settings) -> &str {
    &page_style(&settings.branding).csp
}

/// Who reads a page: the settings it is built from, the reader's language, and whether the
/// reader chose it (`?lang=`): then every link and form of the flow carries the choice on.
#[derive(Clone, Copy)]
pub struct Reader<'a> {
    pub settings: &'a Settings,
    pub locale: Locale,
    pub chosen: bool,
}

impl Reader<'_> {
    /// `url`, with the chosen language added when there is one.
    pub fn link(&self, url: &Url) -> String {
        let mut url = url.clone();
        if self.chosen {
            url.query_pairs_mut().append_pair("lang", self.locale.tag());
        }
        url.into()
    }

    /// The page where a reader types the code mailed beside a link (`GET <reset page>?code`, with
    /// the chosen language), which the reset page serves with [`code_form`].
    pub fn code_page_link(&self) -> String {
        let page = &self.settings.reset_page_url;
        // A page without a query of its own (the usual; settings refuse a fragment): the same
        // string written directly. Through the url crate's serializer, twice, the link cost the
        // forgot page a quarter more instructions than the rest of its render.
        if page.query().is_none() && page.fragment().is_none() {
            let mut link = String::with_capacity(page.as_str().len() + "?code&lang=".len() + self.locale.tag().len());
            link.push_str(page.as_str());
            link.push_str("?code");
            if self.chosen {
                link.push_str("&lang=");
                link.push_str(self.locale.tag());
            }
            return link;
        }
        let mut url = page.clone();
        url.query_pairs_mut().append_key_only("code");
        self.link(&url)
    }

    /// A form's `action`: the page's path (and the chosen language).
    fn action(&self, url: &Url) -> String {
        self.action_path(url.path())
    }

    /// A form's `action` on `path` (and the chosen language).
    fn action_path(&self, path: &str) -> String {
        match self.chosen {
            true => format!("{path}?lang={}", self.locale.tag()),
            false => path.to_owned(),
        }
    }

    pub fn text(&self, msg: &Msg) -> String {
        msg.text(self.locale)
    }
}

/// What the link that opened the page is for, which sets the words of the form and of the pages
/// around it: a reset ("choose a new password"), or an invitation ("choose your password") for
/// an account that never had one, which never reads "reset" or "change".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wording {
    Reset,
    Invitation,
}

impl From<Purpose> for Wording {
    /// An invitation's token gets the invitation's words; every other link that opens the form
    /// is a reset link (a dispute link never opens it).
    fn from(purpose: Purpose) -> Self {
        match purpose {
            Purpose::Invitation => Wording::Invitation,
            Purpose::Reset | Purpose::Dispute => Wording::Reset,
        }
    }
}

/// The form's words that differ between a reset and an invitation: message ids.
struct FormWords {
    title: &'static str,
    password_label: &'static str,
    submit: &'static str,
    not_changed: &'static str,
}

impl Wording {
    fn form(self) -> FormWords {
        let (title, password_label, submit, not_changed) = match self {
            Wording::Reset => ("reset-title", "reset-password-label", "reset-submit", "reset-not-changed"),
            Wording::Invitation => ("invite-title", "invite-password-label", "invite-submit", "invite-not-set"),
        };
        FormWords { title, password_label, submit, not_changed }
    }
}

struct Brand<'a> {
    app_name: &'a str,
    /// "Need help? Contact ...", in the reader's language.
    support: Option<String>,
    logo: Option<&'a str>,
    footer: Option<&'a str>,
    /// The stylesheet, with the accent colour.
    css: &'a str,
}

fn brand<'a>(reader: &Reader<'a>) -> Brand<'a> {
    let settings = reader.settings;
    let branding = &settings.branding;
    Brand {
        app_name: &settings.app_name,
        support: settings.support_contact.as_deref().map(|support| reader.text(&Msg::new("footer-help").with("support", support))),
        logo: branding.logo.as_ref().map(Logo::src),
        footer: branding.footer.as_deref(),
        css: &page_style(branding).css,
    }
}

#[derive(Template)]
#[template(path = "pages/forgot.html")]
struct Forgot<'a> {
    brand: Brand<'a>,
    locale: Locale,
    action: &'a str,
    email: &'a str,
    error: Option<&'a str>,
    /// "Have a code?": the code page ([`Reader::code_page_link`]).
    code_link: &'a str,
}

#[derive(Template)]
#[template(path = "pages/code.html")]
struct CodeForm<'a> {
    brand: Brand<'a>,
    locale: Locale,
    action: &'a str,
    email: &'a str,
    /// "8 characters, like 7KQ4-M2XD".
    hint: &'a str,
    errors: &'a [String],
    /// The forgot page, for a reader whose mail is lost or whose code has expired.
    new_email: &'a str,
}

#[derive(Template)]
#[template(path = "pages/reset.html")]
struct Reset<'a> {
    brand: Brand<'a>,
    locale: Locale,
    assets: &'a Assets,
    words: FormWords,
    action: &'a str,
    /// "For the account of j•••@example.com...", the account masked.
    account: &'a str,
    /// The id (`jti`) of the token the form is shown for, posted back with it: a form shown for
    /// one link cannot change the account of another link whose cookie replaced it meanwhile.
    link_id: &'a str,
    hint: &'a str,
    min_chars: usize,
    max_chars: usize,
    errors: &'a [String],
}

#[derive(Template)]
#[template(path = "pages/dispute.html")]
struct Dispute<'a> {
    brand: Brand<'a>,
    locale: Locale,
    text: &'a str,
    action: &'a str,
    /// The dispute link's token, posted back with the button (the page is `no-store`).
    token: &'a str,
}

#[derive(Template)]
#[template(path = "pages/message.html")]
struct Message<'a> {
    brand: Brand<'a>,
    locale: Locale,
    title: &'a str,
    paragraphs: &'a [String],
    link: Option<(&'a str, &'a str)>,
    /// A second way on, as a plain link below the button (href, words).
    aside: Option<(&'a str, &'a str)>,
}

#[derive(Template)]
#[template(path = "pages/continue.html")]
struct Continue<'a> {
    brand: Brand<'a>,
    locale: Locale,
    /// The page's heading and text: message ids.
    title: &'static str,
    text: &'static str,
    next: &'a str,
    /// Whether the page moves on by itself (a meta refresh); without it, only the Continue link.
    refresh: bool,
}

fn render(template: impl Template) -> String {
    template.render().unwrap_or_else(|err| {
        tracing::error!(error = %err, "a page did not render");
        "<!DOCTYPE html><html lang=\"en\"><title>Error</title><p>Something went wrong. Try again later.</p></html>".into()
    })
}

/// The form that asks for an email address; `error` re-renders it after a bad submission.
pub fn forgot(reader: &Reader, email: &str, error: Option<&Msg>) -> String {
    let action = reader.action(&reader.settings.forgot_page_url);
    let error = error.map(|error| reader.text(error));
    let code_link = reader.code_page_link();
    render(Forgot { brand: brand(reader), locale: reader.locale, action: &action, email, error: error.as_deref(), code_link: &code_link })
}

/// The form for the code mailed beside a link, typed with the address it was mailed to (on
/// another device than the mail's, or from an app's instructions): `email` as typed so far, and
/// the reasons the last try was refused. It posts to the reset page, which tells it from the
/// password form by its `code` field.
pub fn code_form(reader: &Reader, email: &str, errors: &[String]) -> String {
    render(CodeForm {
        brand: brand(reader),
        locale: reader.locale,
        action: &reader.action(&reader.settings.reset_page_url),
        email,
        hint: &reader.text(&Msg::new("code-hint").with("example", example_code())),
        errors,
        new_email: &reader.link(&reader.settings.forgot_page_url),
    })
}

/// The code the code page shows as an example (a code as mailed: two groups of four).
const EXAMPLE_CODE: &str = "7KQ4-M2XD";

/// The example as the hint shows it: a word joiner after the hyphen keeps it on one line (a
/// narrow screen broke it there, which reads as two codes).
fn example_code() -> String {
    EXAMPLE_CODE.replace('-', "-\u{2060}")
}

/// The new-password form for `account` (masked), shown for the token whose id (`jti`) is
/// `link_id`, in the words of the link's `wording`, with the reasons the last try was refused.
pub fn reset_form(reader: &Reader, wording: Wording, account: &str, link_id: &str, errors: &[String]) -> String {
    let policy = reader.settings.password_policy;
    render(Reset {
        brand: brand(reader),
        locale: reader.locale,
        assets: &ASSETS,
        words: wording.form(),
        action: &reader.action(&reader.settings.reset_page_url),
        account: &reader.text(&Msg::new("reset-account").with("account", account)),
        link_id,
        hint: &reader.text(&match policy.max_bytes {
            // bcrypt reads 72 bytes: the reader is told the limit before typing past it.
            Some(bytes) => Msg::new("reset-password-hint-bytes").with("min", policy.min_chars).with("max", bytes),
            None => Msg::new("reset-password-hint").with("min", policy.min_chars).with("max", policy.max_chars),
        }),
        min_chars: policy.min_chars,
        // Not bcrypt's 72: a browser cuts pasted text at maxlength, so a longer passphrase would be
        // stored cut while the password manager keeps it whole. The server refuses it instead.
        max_chars: policy.max_chars,
        errors,
    })
}

fn message(reader: &Reader, title: &'static str, paragraphs: &[Msg], link: Option<(&str, &'static str)>) -> String {
    message_with_aside(reader, title, paragraphs, link, None)
}

/// A message page with a second, plainer link below the button (its href and words' id).
fn message_with_aside(
    reader: &Reader,
    title: &'static str,
    paragraphs: &[Msg],
    link: Option<(&str, &'static str)>,
    aside: Option<(&str, &'static str)>,
) -> String {
    let paragraphs: Vec<String> = paragraphs.iter().map(|p| reader.text(p)).collect();
    let link_text = link.map(|(_, text)| reader.locale.get(text));
    let aside_text = aside.map(|(_, text)| reader.locale.get(text));
    render(Message {
        brand: brand(reader),
        locale: reader.locale,
        title: &reader.locale.get(title),
        paragraphs: &paragraphs,
        link: link.zip(link_text.as_deref()).map(|((href, _), text)| (href, text)),
        aside: aside.zip(aside_text.as_deref()).map(|((href, _), text)| (href, text)),
    })
}

/// The one answer to every well-formed forgot-password submission, whatever the account: and,
/// for a reader whose mail arrives on another device, the way to the code page.
pub fn check_inbox(reader: &Reader) -> String {
    let lifetime = duration(reader.settings.token_ttl);
    let again = reader.link(&reader.settings.forgot_page_url);
    let code = reader.code_page_link();
    message_with_aside(
        reader,
        "inbox-title",
        &[Msg::new("inbox-sent").with("lifetime", lifetime), Msg::new("inbox-nothing")],
        Some((&again, "new-link")),
        Some((&code, "code-have-one")),
    )
}

/// A same-site hop to `next` (the link again), for links clicked on another site: browsers do
/// not send a `SameSite=Strict` cookie on a navigation that began on another site, but they do on
/// one this page starts (a meta refresh when `refresh`, or the Continue link).
pub fn continue_to_form(reader: &Reader, wording: Wording, next: &str, refresh: bool) -> String {
    let (title, text) = match wording {
        Wording::Reset => ("continue-title", "continue-text"),
        Wording::Invitation => ("invite-continue-title", "invite-continue-text"),
    };
    render(Continue { brand: brand(reader), locale: reader.locale, title, text, next, refresh })
}

pub fn invalid_link(reader: &Reader) -> String {
    let lifetime = duration(reader.settings.token_ttl);
    let again = reader.link(&reader.settings.forgot_page_url);
    message(reader, "invalid-title", &[Msg::new("invalid-text").with("lifetime", lifetime)], Some((&again, "new-link")))
}

/// After the form: the password of `account` (masked) is changed, or for an invitation, set.
pub fn password_changed(reader: &Reader, wording: Wording, account: &str) -> String {
    let login = reader.settings.login_url.as_ref().map(Url::as_str);
    let (title, text) = match wording {
        Wording::Reset => ("changed-title", Msg::new("changed-text")),
        Wording::Invitation => ("invite-done-title", Msg::new("invite-done-text")),
    };
    message(reader, title, &[text.with("account", account)], login.map(|url| (url, "sign-in")))
}

/// A link for one account opened while this browser holds another account's reset (the other
/// tab's cookie): ask before replacing it, naming both (masked). `continue_url` opens the link again,
/// confirmed.
pub fn switch_account(reader: &Reader, current: &str, new: &str, continue_url: &str) -> String {
    message(
        reader,
        "switch-title",
        &[Msg::new("switch-current").with("current", current).with("new", new), Msg::new("switch-warning").with("new", new)],
        Some((continue_url, "continue")),
    )
}

/// A form posted for one link after this browser opened another one (another tab swapped the
/// cookie): nothing changed; `current` (masked) is the account the browser's reset is now for,
/// and the link opens the page again, which names it.
pub fn other_link(reader: &Reader, current: &str) -> String {
    let again = reader.link(&reader.settings.reset_page_url);
    message(reader, "other-link-title", &[Msg::new("other-link-text").with("account", current)], Some((&again, "continue")))
}

/// The "this wasn't me" page for `account` (masked): one button that posts the dispute link's
/// `token` to `path`, the page's own. Showing it changes nothing.
pub fn secure_account(reader: &Reader, account: &str, path: &str, token: &str) -> String {
    let text = reader.text(&Msg::new("dispute-text").with("account", account));
    render(Dispute { brand: brand(reader), locale: reader.locale, text: &text, action: &reader.action_path(path), token })
}

/// After a dispute: `account` (masked) is locked, links and sessions ended, what happens next and
/// whom to contact.
pub fn account_locked(reader: &Reader, account: &str) -> String {
    let next = match reader.settings.support_contact.as_deref() {
        Some(support) => Msg::new("locked-next-contact").with("support", support),
        None => Msg::new("locked-next"),
    };
    message(reader, "locked-title", &[Msg::new("locked-text").with("account", account), next], None)
}

/// A dispute link that is used, expired, forged or from before a later change: nothing changed.
pub fn dispute_invalid(reader: &Reader) -> String {
    message(reader, "dispute-invalid-title", &[Msg::new("dispute-invalid-text")], None)
}

pub fn unavailable(reader: &Reader) -> String {
    message(reader, "unavailable-title", &[Msg::new("unavailable-text")], None)
}

pub fn bad_request(reader: &Reader, what: &Msg) -> String {
    let again = reader.link(&reader.settings.forgot_page_url);
    message(reader, "failed-title", std::slice::from_ref(what), Some((&again, "start-again")))
}

#[cfg(test)]
mod tests {
    use reset_core::reset_token::Code;

    use super::*;

    fn page_words(page: &str) -> String {
        page.replace("&#39;", "'").replace("&#x27;", "'")
    }

    /// A page's `<title>` and `<h1>` carry `title`.
    fn titled(page: &str, title: &str, app: &str) -> bool {
        page.contains(&format!("<title>{title} · {app}</title>")) && page.contains(&format!("<h1>{title}</h1>"))
    }

    /// The code page is the reset page with the key-only `code` query, with the reader's chosen
    /// language after it, as every link of the flow carries it.
    #[test]
    fn the_code_page_link_is_the_reset_page_with_code_and_the_chosen_language() {
        let settings = Settings::for_reset_page("https://example.com/reset-password".parse().unwrap());
        let de = Locale::matching("de").unwrap();
        assert_eq!(Reader { settings: &settings, locale: de, chosen: false }.code_page_link(), "https://example.com/reset-password?code");
        assert_eq!(Reader { settings: &settings, locale: de, chosen: true }.code_page_link(), "https://example.com/reset-password?code&lang=de");
        // Written directly or through the url crate, the same link, whatever the page's URL.
        for page in [
            "https://example.com/reset-password",
            "https://example.com/",
            "https://example.com/a%20b/reset?x=1",
            "https://example.com/reset?",
            "https://example.com:8443/stage/reset-password",
        ] {
            let settings = Settings::for_reset_page(page.parse().unwrap());
            for locale in Locale::all() {
                for chosen in [false, true] {
                    let reader = Reader { settings: &settings, locale, chosen };
                    let mut url = settings.reset_page_url.clone();
                    url.query_pairs_mut().append_key_only("code");
                    assert_eq!(reader.code_page_link(), reader.link(&url), "{page} {} {chosen}", locale.tag());
                }
            }
        }
    }

    #[test]
    fn the_example_code_is_a_code_as_mailed() {
        let code = Code::parse(EXAMPLE_CODE).unwrap();
        assert_eq!(code.to_string(), EXAMPLE_CODE);
    }

    /// The code form, in every language: its own title and words, the hint with the example, an
    /// email field with the address as typed (escaped) and a code field as phones and password
    /// managers read a one-time code, posting to the reset page (with the chosen language), the
    /// errors above the form in the alert, and the way back to the forgot page.
    #[test]
    fn the_code_form_asks_for_the_address_and_the_code_in_every_language() {
        let settings = Settings::for_reset_page("https://example.com/reset-password".parse().unwrap());
        let app = settings.app_name.as_str();
        for locale in Locale::all() {
            for chosen in [false, true] {
                let tag = locale.tag();
                let reader = Reader { settings: &settings, locale, chosen };
                let lang = if chosen { format!("?lang={tag}") } else { String::new() };
                let page = page_words(&code_form(&reader, "", &[]));
                assert!(titled(&page, &locale.get("code-title"), app), "{tag}: {page}");
                for id in ["code-intro", "forgot-email-label", "code-label", "continue", "code-new-email"] {
                    assert!(page.contains(&locale.get(id)), "{tag}: the code form lacks {id}: {page}");
                }
                let hint = Msg::new("code-hint").with("example", example_code()).text(locale);
                assert!(hint.contains("7KQ4-\u{2060}M2XD"), "{tag}: {hint}");
                assert!(page.contains(&format!("<span class=\"hint\" id=\"code-hint\">{hint}</span>")), "{tag}: {page}");
                assert!(page.contains(&format!("<form method=\"post\" action=\"/reset-password{lang}\" novalidate>")), "{tag}: {page}");
                assert!(
                    page.contains("<input id=\"email\" name=\"email\" type=\"email\" dir=\"ltr\" autocomplete=\"email\" inputmode=\"email\" required maxlength=\"254\" value=\"\">"),
                    "{tag}: {page}"
                );
                let code_field =
                    page.split("<input id=\"code\"").nth(1).and_then(|rest| rest.split('>').next()).unwrap_or_else(|| panic!("{tag}: no code field: {page}"));
                for attribute in [
                    "name=\"code\"",
                    "type=\"text\"",
                    "autocomplete=\"one-time-code\"",
                    "autocapitalize=\"characters\"",
                    "autocorrect=\"off\"",
                    "spellcheck=\"false\"",
                    " required",
                    "dir=\"ltr\"",
                    "aria-describedby=\"code-hint\"",
                ] {
                    assert!(code_field.contains(attribute), "{tag}: the code field lacks {attribute}: {code_field}");
                }
                assert!(page.contains(&format!("<a href=\"https://example.com/forgot-password{lang}\">{}</a>", locale.get("code-new-email"))), "{tag}: {page}");
                assert!(page.contains("<div id=\"form-errors\" class=\"errors\" role=\"alert\" aria-live=\"assertive\"></div>"), "{tag}: {page}");
                assert!(!page.contains("autofocus"), "{tag}: nothing to point at yet");
            }
        }
    }

    /// After a refused try: the address as typed, escaped; every reason in the alert above the
    /// form, which both fields point at; the cursor in the code field (or the address, if none).
    #[test]
    fn the_code_form_shows_what_was_refused_and_keeps_the_address() {
        let settings = Settings::for_reset_page("https://example.com/reset-password".parse().unwrap());
        let reader = Reader { settings: &settings, locale: Locale::ENGLISH, chosen: false };
        let errors = [Msg::new("error-invalid-code").text(Locale::ENGLISH), "a <b>second</b> reason".to_owned()];
        let page = page_words(&code_form(&reader, "a\"><script>@example.com", &errors));
        assert!(page.contains("value=\"a&#34;&#62;&#60;script&#62;@example.com\" aria-describedby=\"form-errors\">"), "{page}");
        assert!(!page.contains("<script>") && !page.contains("<b>"), "{page}");
        let alert = page.split("role=\"alert\" aria-live=\"assertive\">").nth(1).and_then(|rest| rest.split("</div>").next()).unwrap();
        assert!(alert.contains(&format!("<p>{}</p>", errors[0])) && alert.contains("<p>a &#60;b&#62;second&#60;/b&#62; reason</p>"), "{alert}");
        assert!(page.find("role=\"alert\"").unwrap() < page.find("<form").unwrap(), "the errors come before the form");
        assert!(page.contains("aria-describedby=\"code-hint form-errors\" autofocus>"), "{page}");
        let page = code_form(&reader, "", &errors);
        assert!(page.contains("aria-describedby=\"form-errors\" autofocus>") && page.contains("aria-describedby=\"code-hint form-errors\">"), "{page}");
    }

    /// The forgot page and the check-your-inbox page lead to the code page, in every language,
    /// with the chosen language carried on.
    #[test]
    fn the_forgot_and_inbox_pages_lead_to_the_code_page_in_every_language() {
        let settings = Settings::for_reset_page("https://example.com/reset-password".parse().unwrap());
        for locale in Locale::all() {
            for chosen in [false, true] {
                let tag = locale.tag();
                let reader = Reader { settings: &settings, locale, chosen };
                let href = reader.code_page_link().replace('&', "&#38;");
                let link = format!("<p class=\"aside\"><a href=\"{href}\">{}</a></p>", locale.get("code-have-one"));
                for (page, html) in [("forgot", forgot(&reader, "", None)), ("inbox", check_inbox(&reader))] {
                    let html = page_words(&html);
                    assert!(html.contains(&link), "{tag} {page}: {link} in {html}");
                }
            }
        }
    }

    /// An invitation's form, its hop page and its outcome speak of "your password", in every
    /// language: the invitation's title, label, button and outcome, none of the reset's; a reset
    /// link's keep the reset's words.
    #[test]
    fn an_invitation_opens_the_choose_your_password_form_in_every_language() {
        let settings = Settings::for_reset_page("https://example.com/reset-password".parse().unwrap());
        let app = settings.app_name.as_str();
        for locale in Locale::all() {
            let tag = locale.tag();
            let reader = Reader { settings: &settings, locale, chosen: false };
            let errors = ["too short".to_owned()];
            let reset_ids = ["reset-title", "reset-password-label", "reset-submit", "reset-not-changed"];
            let invite_ids = ["invite-title", "invite-password-label", "invite-submit", "invite-not-set"];

            let invitation = page_words(&reset_form(&reader, Wording::from(Purpose::Invitation), "a•••@example.com", "jti", &errors));
            assert!(titled(&invitation, &locale.get("invite-title"), app), "{tag}: {invitation}");
            assert!(!invitation.contains(&locale.get("reset-title")), "{tag}: the invitation's form has the reset heading: {invitation}");
            for id in invite_ids {
                assert!(invitation.contains(&locale.get(id)), "{tag}: the invitation's form lacks {id}");
            }
            for id in reset_ids {
                assert!(!invitation.contains(&format!(">{}<", locale.get(id))), "{tag}: the invitation's form says {id}: {invitation}");
            }

            let reset = page_words(&reset_form(&reader, Wording::from(Purpose::Reset), "a•••@example.com", "jti", &errors));
            assert!(titled(&reset, &locale.get("reset-title"), app), "{tag}: {reset}");
            for id in invite_ids {
                assert!(!reset.contains(&format!(">{}<", locale.get(id))), "{tag}: the reset form says {id}");
            }

            let done = page_words(&password_changed(&reader, Wording::Invitation, "a•••@example.com"));
            assert!(titled(&done, &locale.get("invite-done-title"), app), "{tag}: {done}");
            assert!(!done.contains(&locale.get("changed-title")), "{tag}: {done}");
            let done = page_words(&password_changed(&reader, Wording::Reset, "a•••@example.com"));
            assert!(titled(&done, &locale.get("changed-title"), app), "{tag}: {done}");

            let hop = page_words(&continue_to_form(&reader, Wording::Invitation, "/reset-password?token=t&hop=1", true));
            assert!(titled(&hop, &locale.get("invite-continue-title"), app), "{tag}: {hop}");
            assert!(hop.contains(&locale.get("invite-continue-text")) && !hop.contains(&locale.get("continue-text")), "{tag}: {hop}");
        }
    }
}

//! The hosted pages (forgot-password form, reset form, and one message page for every outcome),
//! rendered from the same compile-checked, auto-escaping templates as the mails, with the same
//! branding. No external assets: one inline stylesheet and one small script, allowed by hash in
//! the Content-Security-Policy. Everything works without the script; it only adds a
//! show-password toggle.

use askama::Template;
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
}

#[derive(Template)]
#[template(path = "pages/reset.html")]
struct Reset<'a> {
    brand: Brand<'a>,
    locale: Locale,
    assets: &'a Assets,
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
}

#[derive(Template)]
#[template(path = "pages/continue.html")]
struct Continue<'a> {
    brand: Brand<'a>,
    locale: Locale,
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
    render(Forgot { brand: brand(reader), locale: reader.locale, action: &action, email, error: error.as_deref() })
}

/// The new-password form for `account` (masked), shown for the token whose id (`jti`) is
/// `link_id`, with the reasons the last try was refused.
pub fn reset_form(reader: &Reader, account: &str, link_id: &str, errors: &[String]) -> String {
    let policy = reader.settings.password_policy;
    render(Reset {
        brand: brand(reader),
        locale: reader.locale,
        assets: &ASSETS,
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
    let paragraphs: Vec<String> = paragraphs.iter().map(|p| reader.text(p)).collect();
    let link_text = link.map(|(_, text)| reader.locale.get(text));
    render(Message {
        brand: brand(reader),
        locale: reader.locale,
        title: &reader.locale.get(title),
        paragraphs: &paragraphs,
        link: link.zip(link_text.as_deref()).map(|((href, _), text)| (href, text)),
    })
}

/// The one answer to every well-formed forgot-password submission, whatever the account.
pub fn check_inbox(reader: &Reader) -> String {
    let lifetime = duration(reader.settings.token_ttl);
    let again = reader.link(&reader.settings.forgot_page_url);
    message(reader, "inbox-title", &[Msg::new("inbox-sent").with("lifetime", lifetime), Msg::new("inbox-nothing")], Some((&again, "new-link")))
}

/// A same-site hop to `next` (the link again), for links clicked on another site: browsers do
/// not send a `SameSite=Strict` cookie on a navigation that began on another site, but they do on
/// one this page starts (a meta refresh when `refresh`, or the Continue link).
pub fn continue_to_form(reader: &Reader, next: &str, refresh: bool) -> String {
    render(Continue { brand: brand(reader), locale: reader.locale, next, refresh })
}

pub fn invalid_link(reader: &Reader) -> String {
    let lifetime = duration(reader.settings.token_ttl);
    let again = reader.link(&reader.settings.forgot_page_url);
    message(reader, "invalid-title", &[Msg::new("invalid-text").with("lifetime", lifetime)], Some((&again, "new-link")))
}

pub fn password_changed(reader: &Reader, account: &str) -> String {
    let login = reader.settings.login_url.as_ref().map(Url::as_str);
    message(reader, "changed-title", &[Msg::new("changed-text").with("account", account)], login.map(|url| (url, "sign-in")))
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

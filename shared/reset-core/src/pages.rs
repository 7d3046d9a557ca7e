//! The hosted pages (forgot-password form, reset form, and one message page for every outcome),
//! rendered from the same compile-checked, auto-escaping templates as the mails, with the same
//! branding. No external assets: one inline stylesheet and one small script, allowed by hash in
//! the Content-Security-Policy. Everything works without the script; it only adds a
//! show-password toggle.

use askama::Template;

use crate::settings::{Settings, human_duration};

pub struct Assets {
    pub css: &'static str,
    pub js: &'static str,
}

pub static ASSETS: Assets = Assets { css: include_str!("../assets/page.css"), js: include_str!("../assets/page.js") };

/// The policy the pages are served with: nothing loads but our own inline style (with the
/// branding applied) and script, and the configured logo if any (see `branding`).
pub fn content_security_policy(settings: &Settings) -> &str {
    &settings.branding.style().csp
}

struct Brand<'a> {
    app_name: &'a str,
    support: Option<&'a str>,
    logo: Option<&'a str>,
    footer: Option<&'a str>,
    /// The stylesheet, with the accent colour.
    css: &'a str,
}

fn brand(settings: &Settings) -> Brand<'_> {
    let branding = &settings.branding;
    Brand {
        app_name: &settings.app_name,
        support: settings.support_contact.as_deref(),
        logo: branding.logo.as_ref().map(crate::branding::Logo::src),
        footer: branding.footer.as_deref(),
        css: &branding.style().css,
    }
}

#[derive(Template)]
#[template(path = "pages/forgot.html")]
struct Forgot<'a> {
    brand: Brand<'a>,
    action: &'a str,
    email: &'a str,
    error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "pages/reset.html")]
struct Reset<'a> {
    brand: Brand<'a>,
    assets: &'a Assets,
    action: &'a str,
    /// The account the form changes, masked (`j•••@example.com`).
    account: &'a str,
    min_chars: usize,
    max_chars: usize,
    errors: &'a [String],
}

#[derive(Template)]
#[template(path = "pages/message.html")]
struct Message<'a> {
    brand: Brand<'a>,
    title: &'a str,
    paragraphs: &'a [String],
    link: Option<(&'a str, &'a str)>,
}

#[derive(Template)]
#[template(path = "pages/continue.html")]
struct Continue<'a> {
    brand: Brand<'a>,
    next: &'a str,
}

fn render(template: impl Template) -> String {
    template.render().unwrap_or_else(|err| {
        tracing::error!(error = %err, "a page did not render");
        "<!DOCTYPE html><html lang=\"en\"><title>Error</title><p>Something went wrong. Try again later.</p></html>".into()
    })
}

/// The form that asks for an email address; `error` re-renders it after a bad submission.
pub fn forgot(settings: &Settings, email: &str, error: Option<&str>) -> String {
    let action = settings.forgot_page_url.path();
    render(Forgot { brand: brand(settings), action, email, error })
}

/// The new-password form for `account` (masked), with the reasons the last try was refused.
pub fn reset_form(settings: &Settings, account: &str, errors: &[String]) -> String {
    let policy = settings.password_policy;
    render(Reset {
        brand: brand(settings),
        assets: &ASSETS,
        action: settings.reset_page_url.path(),
        account,
        min_chars: policy.min_chars,
        max_chars: policy.max_chars,
        errors,
    })
}

fn message(settings: &Settings, title: &str, paragraphs: &[String], link: Option<(&str, &str)>) -> String {
    render(Message { brand: brand(settings), title, paragraphs, link })
}

/// The one answer to every well-formed forgot-password submission, whatever the account.
pub fn check_inbox(settings: &Settings) -> String {
    let lifetime = human_duration(settings.token_ttl);
    message(
        settings,
        "Check your inbox",
        &[
            format!("If an account uses the address you entered, we have sent it a link to choose a new password. The link works once and expires in {lifetime}."),
            "Nothing there after a few minutes? Look in your spam folder, or ask for a new link.".into(),
        ],
        Some((settings.forgot_page_url.as_str(), "Ask for a new link")),
    )
}

/// A same-site hop to the reset page, for links clicked on another site: browsers do not send
/// a `SameSite=Strict` cookie after a redirect that began on another site, but they do on a
/// navigation this page starts (a meta refresh, or the Continue link without it).
pub fn continue_to_form(settings: &Settings) -> String {
    render(Continue { brand: brand(settings), next: settings.reset_page_url.as_str() })
}

pub fn invalid_link(settings: &Settings) -> String {
    let lifetime = human_duration(settings.token_ttl);
    message(
        settings,
        "This link is invalid or has expired",
        &[format!("Reset links work once, for {lifetime}, and stop working when the password changes. Ask for a new one and use the newest email.")],
        Some((settings.forgot_page_url.as_str(), "Ask for a new link")),
    )
}

pub fn password_changed(settings: &Settings, account: &str) -> String {
    message(
        settings,
        "Your password has been changed",
        &[format!("The password for {account} is changed. You can sign in with it now. We have sent a confirmation to that address.")],
        settings.login_url.as_ref().map(|url| (url.as_str(), "Sign in")),
    )
}

/// A link for one account opened while this browser holds another account's reset (the other
/// tab's cookie): ask before replacing it, naming both (masked). `continue_url` opens the link again,
/// confirmed.
pub fn switch_account(settings: &Settings, current: &str, new: &str, continue_url: &str) -> String {
    message(
        settings,
        "Reset another account's password?",
        &[
            format!("This browser is already choosing a new password for {current}. The link you opened is for {new}."),
            format!("Continue only if you asked for a link for {new}. If you did not, close this page: someone may be trying to make you change their password instead of yours."),
        ],
        Some((continue_url, "Continue")),
    )
}

pub fn unavailable(settings: &Settings) -> String {
    message(settings, "We could not do that just now", &["Nothing was changed. Please try again in a minute.".into()], None)
}

pub fn bad_request(settings: &Settings, what: &str) -> String {
    message(settings, "That did not work", &[what.to_owned()], Some((settings.forgot_page_url.as_str(), "Start again")))
}

//! The two mails the flow sends, rendered from compile-checked, auto-escaping templates
//! (`templates/`), each as HTML and as plain text from the same data.

use std::time::{Duration, SystemTime};

use askama::Template;

use crate::domain::Email;
use crate::ports::Mail;
use crate::settings::{Settings, human_duration};

#[derive(Template)]
#[template(path = "reset_email.txt")]
struct ResetText<'a> {
    app_name: &'a str,
    link: &'a str,
    lifetime: &'a str,
    support: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "reset_email.html")]
struct ResetHtml<'a> {
    app_name: &'a str,
    link: &'a str,
    lifetime: &'a str,
    support: Option<&'a str>,
    /// The button's colour: a validated `#rrggbb` (`branding::Accent`).
    accent: &'a str,
}

#[derive(Template)]
#[template(path = "changed_email.txt")]
struct ChangedText<'a> {
    app_name: &'a str,
    when: &'a str,
    support: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "changed_email.html")]
struct ChangedHtml<'a> {
    app_name: &'a str,
    when: &'a str,
    support: Option<&'a str>,
}

/// The mail that carries a reset link.
pub fn reset_link(settings: &Settings, to: Email, link: &str) -> anyhow::Result<Mail> {
    let lifetime = human_duration(settings.token_ttl);
    let (app_name, support) = (settings.app_name.as_str(), settings.support_contact.as_deref());
    Ok(Mail {
        to,
        subject: format!("Reset your {app_name} password"),
        text: ResetText { app_name, link, lifetime: &lifetime, support }.render()?,
        html: ResetHtml { app_name, link, lifetime: &lifetime, support, accent: settings.branding.accent() }.render()?,
    })
}

/// The notice sent after a password was changed: when, and what to do if it was not you.
pub fn password_changed(settings: &Settings, to: Email, changed_at: u64) -> anyhow::Result<Mail> {
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(changed_at);
    let when = format!("{} UTC", humantime::format_rfc3339_seconds(at)).replace('T', " ").replace("Z ", " ");
    let (app_name, support) = (settings.app_name.as_str(), settings.support_contact.as_deref());
    Ok(Mail {
        to,
        subject: format!("Your {app_name} password was changed"),
        text: ChangedText { app_name, when: &when, support }.render()?,
        html: ChangedHtml { app_name, when: &when, support }.render()?,
    })
}

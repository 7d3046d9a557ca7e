//! The two mails the flow sends, rendered from compile-checked, auto-escaping templates
//! (`templates/`), each as HTML and as plain text from the same data.

use std::time::{Duration, SystemTime};

use askama::Template;
use reset_core::ComposeMail;
use reset_core::domain::Email;
use reset_core::ports::Mail;
use reset_core::settings::Settings;
use reset_text::{Locale, Msg, duration};

#[derive(Template)]
#[template(path = "reset_email.txt")]
struct ResetText<'a> {
    locale: Locale,
    app_name: &'a str,
    intro: &'a str,
    link: &'a str,
    worried: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "reset_email.html")]
struct ResetHtml<'a> {
    locale: Locale,
    heading: &'a str,
    intro: &'a str,
    link: &'a str,
    worried: Option<&'a str>,
    /// The button's colour: a validated `#rrggbb` (`reset_core::settings::branding::Accent`).
    accent: &'a str,
}

#[derive(Template)]
#[template(path = "changed_email.txt")]
struct ChangedText<'a> {
    locale: Locale,
    app_name: &'a str,
    when: &'a str,
    not_you: &'a str,
}

#[derive(Template)]
#[template(path = "changed_email.html")]
struct ChangedHtml<'a> {
    locale: Locale,
    heading: &'a str,
    when: &'a str,
    not_you: &'a str,
}

/// The mail that carries a reset link, in `locale`.
pub fn reset_link(settings: &Settings, locale: Locale, to: Email, link: &str) -> anyhow::Result<Mail> {
    let app_name = settings.app_name.as_str();
    let lifetime = duration(settings.token_ttl);
    let heading = Msg::new("reset-mail-heading").with("app", app_name).text(locale);
    let worried = settings.support_contact.as_deref().map(|support| Msg::new("reset-mail-worried").with("support", support).text(locale));
    let worried = worried.as_deref();
    let intro = |id| Msg::new(id).with("app", app_name).with("lifetime", lifetime.clone()).text(locale);
    Ok(Mail {
        to,
        subject: Msg::new("reset-mail-subject").with("app", app_name).text(locale),
        text: ResetText { locale, app_name, intro: &intro("reset-mail-intro-text"), link, worried }.render()?,
        html: ResetHtml { locale, heading: &heading, intro: &intro("reset-mail-intro"), link, worried, accent: settings.branding.accent() }.render()?,
    })
}

/// The notice sent after a password was changed, in `locale`: when, and what to do if it was not you.
pub fn password_changed(settings: &Settings, locale: Locale, to: Email, changed_at: u64) -> anyhow::Result<Mail> {
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(changed_at);
    let when = format!("{} UTC", humantime::format_rfc3339_seconds(at)).replace('T', " ").replace("Z ", " ");
    let app_name = settings.app_name.as_str();
    let when = Msg::new("changed-mail-when").with("app", app_name).with("when", when).text(locale);
    let not_you = match settings.support_contact.as_deref() {
        Some(support) => Msg::new("changed-mail-not-you-contact").with("support", support),
        None => Msg::new("changed-mail-not-you"),
    }
    .text(locale);
    let subject = Msg::new("changed-mail-subject").with("app", app_name).text(locale);
    Ok(Mail {
        to,
        text: ChangedText { locale, app_name, when: &when, not_you: &not_you }.render()?,
        html: ChangedHtml { locale, heading: &subject, when: &when, not_you: &not_you }.render()?,
        subject,
    })
}

/// The mails above, as the mail worker's use case asks for them ([`ComposeMail`]).
pub struct Mails;

/// What the mail worker's `DeliveryDeps::mails` holds.
pub static MAILS: Mails = Mails;

impl ComposeMail for Mails {
    fn reset_link(&self, settings: &Settings, locale: Locale, to: Email, link: &str) -> anyhow::Result<Mail> {
        reset_link(settings, locale, to, link)
    }

    fn password_changed(&self, settings: &Settings, locale: Locale, to: Email, changed_at: u64) -> anyhow::Result<Mail> {
        password_changed(settings, locale, to, changed_at)
    }
}

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
    /// The "this wasn't me" link, if the worker has a dispute page.
    dispute: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "changed_email.html")]
struct ChangedHtml<'a> {
    locale: Locale,
    heading: &'a str,
    when: &'a str,
    not_you: &'a str,
    dispute: Option<&'a str>,
    /// The link's colour: a validated `#rrggbb`.
    accent: &'a str,
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

/// The notice sent after a password was changed, in `locale`: when, what to do if it was not you,
/// and the "this wasn't me" link (`dispute`) that locks the account.
pub fn password_changed(settings: &Settings, locale: Locale, to: Email, changed_at: u64, dispute: Option<&str>) -> anyhow::Result<Mail> {
    let when = utc_time(changed_at).ok_or_else(|| anyhow::anyhow!("the change time cannot be written as a date"))?;
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
        text: ChangedText { locale, app_name, when: &when, not_you: &not_you, dispute }.render()?,
        html: ChangedHtml { locale, heading: &subject, when: &when, not_you: &not_you, dispute, accent: settings.branding.accent() }.render()?,
        subject,
    })
}

/// `secs` (Unix seconds) as "YYYY-MM-DD hh:mm:ss UTC"; `None` past what a date can say (the
/// year 9999, or a time the clock type cannot hold), never a panic: `format!` would panic on the
/// formatter's error and `UNIX_EPOCH + secs` on an overflow.
fn utc_time(secs: u64) -> Option<String> {
    use std::fmt::Write as _;
    let at = SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(secs))?;
    let mut when = String::new();
    write!(when, "{}", humantime::format_rfc3339_seconds(at)).ok()?;
    Some(format!("{} UTC", when.replace('T', " ").trim_end_matches('Z')))
}

/// The mails above, as the mail worker's use case asks for them ([`ComposeMail`]).
pub struct Mails;

/// What the mail worker's `DeliveryDeps::mails` holds.
pub static MAILS: Mails = Mails;

impl ComposeMail for Mails {
    fn reset_link(&self, settings: &Settings, locale: Locale, to: Email, link: &str) -> anyhow::Result<Mail> {
        reset_link(settings, locale, to, link)
    }

    fn password_changed(&self, settings: &Settings, locale: Locale, to: Email, changed_at: u64, dispute: Option<&str>) -> anyhow::Result<Mail> {
        password_changed(settings, locale, to, changed_at, dispute)
    }

    fn forced_reset(&self, settings: &Settings, locale: Locale, to: Email, link: &str) -> anyhow::Result<Mail> {
        reset_link(settings, locale, to, link)
    }

    fn invitation(&self, settings: &Settings, locale: Locale, to: Email, link: &str) -> anyhow::Result<Mail> {
        reset_link(settings, locale, to, link)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_u64_time_is_written_or_refused_without_a_panic() {
        assert_eq!(utc_time(0).as_deref(), Some("1970-01-01 00:00:00 UTC"));
        assert_eq!(utc_time(1_767_225_600).as_deref(), Some("2026-01-01 00:00:00 UTC"));
        assert_eq!(utc_time(253_402_300_799).as_deref(), Some("9999-12-31 23:59:59 UTC"));
        // Year 10000: the formatter's error (which `format!` turns into a panic).
        assert_eq!(utc_time(253_402_300_800), None);
        // Past what the clock type holds: `UNIX_EPOCH + secs` would panic.
        assert_eq!(utc_time(u64::MAX), None);
        let settings = Settings::for_reset_page("https://example.com/reset".parse().unwrap());
        let to = || Email::parse("a@example.com").unwrap();
        for at in [u64::MAX, u64::MAX / 2, 253_402_300_800, i64::MAX as u64] {
            assert!(password_changed(&settings, Locale::ENGLISH, to(), at, None).is_err(), "{at}");
        }
        let mail = password_changed(&settings, Locale::ENGLISH, to(), 1_767_225_600, None).unwrap();
        assert!(mail.text.contains("2026-01-01 00:00:00 UTC"), "{}", mail.text);
        assert!(!mail.text.contains("Secure your account") && !mail.html.contains("Secure your account"), "no dispute page, no dispute line");
    }

    /// The notice's "this wasn't me" line, in every language, in both parts, with the link as
    /// given (escaped in the HTML).
    #[test]
    fn the_notice_carries_the_dispute_link_in_every_language() {
        let settings = Settings::for_reset_page("https://example.com/reset".parse().unwrap());
        let link = "https://example.com/secure-account?lang=xx&token=a.b.c";
        for locale in Locale::all() {
            let mail = password_changed(&settings, locale, Email::parse("a@example.com").unwrap(), 1_767_225_600, Some(link)).unwrap();
            let line = locale.get("changed-mail-dispute");
            assert!(mail.text.contains(&format!("{line} {link}")), "{}: {}", locale.tag(), mail.text);
            let html = mail.html.replace("&#39;", "'").replace("&#x27;", "'");
            assert!(html.contains(&line), "{}: {html}", locale.tag());
            assert!(mail.html.contains("href=\"https://example.com/secure-account?lang=xx&#38;token=a.b.c\""), "{}: {}", locale.tag(), mail.html);
        }
    }
}

//! The mails the service sends, rendered from compile-checked, auto-escaping templates
//! (`templates/`), each as HTML and as plain text from the same data: three around one link (a
//! reset link, an operator's forced reset, an invitation: `link_email.*`) and the
//! password-changed notice (`changed_email.*`).

use std::time::{Duration, SystemTime};

use askama::Template;
use reset_core::ComposeMail;
use reset_core::domain::Email;
use reset_core::ports::Mail;
use reset_core::reset_token::Code;
use reset_core::settings::Settings;
use reset_text::{Locale, Msg, duration};

/// A mail whose point is one link (a reset, a forced reset, an invitation): what it is about,
/// the link, and the notes below it.
#[derive(Template)]
#[template(path = "link_email.txt")]
struct LinkText<'a> {
    locale: Locale,
    app_name: &'a str,
    intro: &'a str,
    link: &'a str,
    /// The link's code, as mailed (`7KQ4-M2XD`).
    code: &'a str,
    notes: &'a [String],
}

#[derive(Template)]
#[template(path = "link_email.html")]
struct LinkHtml<'a> {
    locale: Locale,
    heading: &'a str,
    intro: &'a str,
    /// The button's words: the link's purpose, as the reader should see it.
    button: &'a str,
    link: &'a str,
    /// The link's code, as mailed (`7KQ4-M2XD`).
    code: &'a str,
    notes: &'a [String],
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

/// The words of a mail built around one link, in the reader's language.
struct LinkMail {
    subject: String,
    heading: String,
    /// What the mail is about, pointing at the button (HTML) and at the bare link (text).
    intro_html: String,
    intro_text: String,
    button: String,
    /// Paragraphs below the link.
    notes: Vec<String>,
}

impl LinkMail {
    /// The mail to `to`: both parts from the same words, with `link` as the button and as text.
    fn render(self, settings: &Settings, locale: Locale, to: Email, link: &str, code: &Code) -> anyhow::Result<Mail> {
        let app_name = settings.app_name.as_str();
        let notes = &self.notes;
        let code = code.to_string();
        let code = code.as_str();
        Ok(Mail {
            to,
            text: LinkText { locale, app_name, intro: &self.intro_text, link, code, notes }.render()?,
            html: LinkHtml {
                locale,
                heading: &self.heading,
                intro: &self.intro_html,
                button: &self.button,
                link,
                code,
                notes,
                accent: settings.branding.accent(),
            }
            .render()?,
            subject: self.subject,
        })
    }
}

/// A message with the app's name and a lifetime, in `locale`.
fn about(locale: Locale, id: &'static str, app_name: &str, lifetime: &Msg) -> String {
    Msg::new(id).with("app", app_name).with("lifetime", lifetime.clone()).text(locale)
}

/// The mail that carries a reset link, in `locale`.
pub fn reset_link(settings: &Settings, locale: Locale, to: Email, link: &str, code: &Code) -> anyhow::Result<Mail> {
    let app_name = settings.app_name.as_str();
    let lifetime = duration(settings.token_ttl);
    let ignore = locale.get("reset-mail-ignore");
    let note = match &settings.support_contact {
        Some(support) => format!("{ignore} {}", Msg::new("reset-mail-worried").with("support", support.as_str()).text(locale)),
        None => ignore,
    };
    LinkMail {
        subject: Msg::new("reset-mail-subject").with("app", app_name).text(locale),
        heading: Msg::new("reset-mail-heading").with("app", app_name).text(locale),
        intro_html: about(locale, "reset-mail-intro", app_name, &lifetime),
        intro_text: about(locale, "reset-mail-intro-text", app_name, &lifetime),
        button: locale.get("reset-mail-button"),
        notes: vec![note],
    }
    .render(settings, locale, to, link, code)
}

/// The mail of a reset an operator forced, in `locale`: an administrator requires a new password
/// (the owner did not ask), the link (which lives `settings.token_ttl`, as any reset link), and
/// that nothing but the link sets it.
pub fn forced_reset(settings: &Settings, locale: Locale, to: Email, link: &str, code: &Code) -> anyhow::Result<Mail> {
    let app_name = settings.app_name.as_str();
    let lifetime = duration(settings.token_ttl);
    let mut notes = vec![locale.get("mail-link-only")];
    notes.extend(settings.support_contact.as_deref().map(|support| Msg::new("forced-mail-unexpected").with("support", support).text(locale)));
    LinkMail {
        subject: Msg::new("forced-mail-subject").with("app", app_name).text(locale),
        heading: Msg::new("forced-mail-heading").with("app", app_name).text(locale),
        intro_html: about(locale, "forced-mail-intro", app_name, &lifetime),
        intro_text: about(locale, "forced-mail-intro-text", app_name, &lifetime),
        button: locale.get("reset-mail-button"),
        notes,
    }
    .render(settings, locale, to, link, code)
}

/// An invitation to an account with no password, in `locale`: "choose your password", never the
/// reset's words, with the link (which lives `settings.invitation_ttl`).
pub fn invitation(settings: &Settings, locale: Locale, to: Email, link: &str, code: &Code) -> anyhow::Result<Mail> {
    let app_name = settings.app_name.as_str();
    let lifetime = duration(settings.invitation_ttl);
    let ignore = locale.get("invite-mail-ignore");
    let ignore = match &settings.support_contact {
        Some(support) => format!("{ignore} {}", Msg::new("mail-questions").with("support", support.as_str()).text(locale)),
        None => ignore,
    };
    LinkMail {
        subject: Msg::new("invite-mail-subject").with("app", app_name).text(locale),
        heading: Msg::new("invite-mail-heading").with("app", app_name).text(locale),
        intro_html: about(locale, "invite-mail-intro", app_name, &lifetime),
        intro_text: about(locale, "invite-mail-intro-text", app_name, &lifetime),
        button: locale.get("invite-mail-button"),
        notes: vec![locale.get("mail-link-only"), ignore],
    }
    .render(settings, locale, to, link, code)
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
    fn reset_link(&self, settings: &Settings, locale: Locale, to: Email, link: &str, code: &Code) -> anyhow::Result<Mail> {
        reset_link(settings, locale, to, link, code)
    }

    fn password_changed(&self, settings: &Settings, locale: Locale, to: Email, changed_at: u64, dispute: Option<&str>) -> anyhow::Result<Mail> {
        password_changed(settings, locale, to, changed_at, dispute)
    }

    fn forced_reset(&self, settings: &Settings, locale: Locale, to: Email, link: &str, code: &Code) -> anyhow::Result<Mail> {
        forced_reset(settings, locale, to, link, code)
    }

    fn invitation(&self, settings: &Settings, locale: Locale, to: Email, link: &str, code: &Code) -> anyhow::Result<Mail> {
        invitation(settings, locale, to, link, code)
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

    /// Settings whose two lifetimes differ (a mail that took the wrong one would show it), with
    /// a support contact when `support`.
    fn operator_settings(support: bool) -> Settings {
        let mut settings = Settings::for_reset_page("https://example.com/reset".parse().unwrap());
        settings.token_ttl = std::time::Duration::from_secs(45 * 60);
        settings.invitation_ttl = std::time::Duration::from_secs(72 * 3600);
        settings.support_contact = support.then(|| "help@example.com".to_owned());
        settings
    }

    const LINK: &str = "https://example.com/reset-password?lang=xx&token=a.b.c";

    /// Both operator mails with `link`, as the worker asks for them (through `ComposeMail`), in
    /// `locale`.
    fn operator_mails(settings: &Settings, locale: Locale, link: &str) -> [(&'static str, Mail); 2] {
        let to = || Email::parse("a@example.com").unwrap();
        [
            ("forced", MAILS.forced_reset(settings, locale, to(), link, &code()).unwrap()),
            ("invitation", MAILS.invitation(settings, locale, to(), link, &code()).unwrap()),
        ]
    }

    /// A code as the worker gives one.
    fn code() -> Code {
        Code::parse("7KQ4-M2XD").unwrap()
    }

    /// The HTML part as a reader sees its words (askama escapes apostrophes).
    fn html_words(html: &str) -> String {
        html.replace("&#39;", "'").replace("&#x27;", "'")
    }

    /// Every language writes both operator mails: their own subject and heading, the link in
    /// both parts (escaped in the HTML), each with its own lifetime (not the other's), the page's
    /// language and direction, the "only this link" note, and the support line only when there
    /// is a support contact.
    #[test]
    fn the_operators_mails_carry_the_link_and_their_own_lifetime_in_every_language() {
        for support in [true, false] {
            let settings = operator_settings(support);
            for locale in Locale::all() {
                let tag = locale.tag();
                let token_life = duration(settings.token_ttl).text(locale);
                let invitation_life = duration(settings.invitation_ttl).text(locale);
                for (kind, mail) in operator_mails(&settings, locale, LINK) {
                    let (subject, heading, support_line, life, other_life) = match kind {
                        "forced" => ("forced-mail-subject", "forced-mail-heading", "forced-mail-unexpected", &token_life, &invitation_life),
                        _ => ("invite-mail-subject", "invite-mail-heading", "mail-questions", &invitation_life, &token_life),
                    };
                    let app = |id| Msg::new(id).with("app", settings.app_name.as_str()).text(locale);
                    let html = html_words(&mail.html);
                    assert_eq!(mail.subject, app(subject), "{tag} {kind}");
                    assert!(html.contains(&format!("<h1 style=\"font-size:20px;margin:0 0 16px;\">{}</h1>", app(heading))), "{tag} {kind}: {html}");
                    assert!(mail.html.contains(&format!("lang=\"{tag}\" dir=\"{}\"", locale.dir())), "{tag} {kind}");
                    assert!(mail.text.contains(&format!("\n{LINK}\n")), "{tag} {kind}: {}", mail.text);
                    assert!(!mail.html.contains(LINK), "{tag} {kind}: the HTML escapes the link");
                    assert_eq!(
                        mail.html.matches("href=\"https://example.com/reset-password?lang=xx&#38;token=a.b.c\"").count(),
                        2,
                        "{tag} {kind}: button and text link"
                    );
                    for part in [&mail.text, &html] {
                        assert!(part.contains(life.as_str()), "{tag} {kind}: the lifetime {life:?} in {part}");
                        assert!(!part.contains(other_life.as_str()), "{tag} {kind}: not the other lifetime {other_life:?} in {part}");
                        assert!(part.contains(&locale.get("mail-link-only")), "{tag} {kind}: {part}");
                        let line = Msg::new(support_line).with("support", "help@example.com").text(locale);
                        assert_eq!(part.contains(&line), support, "{tag} {kind}, support {support}: {part}");
                        assert_eq!(part.contains("help@example.com"), support, "{tag} {kind}, support {support}: {part}");
                    }
                }
            }
        }
    }

    /// Every link mail (a reset, a forced reset, an invitation), in every language, carries the
    /// link's code as mailed (two groups of four) in both parts, with the words around it: in the
    /// text on a line of its own, in the HTML in a block of its own that reads left to right.
    #[test]
    fn every_link_mail_carries_its_code_beside_the_link_in_every_language() {
        let settings = operator_settings(true);
        // Typed as a person might (lower case, I and L for 1, O for 0): mailed as it displays.
        let code = Code::parse("oh1j-kmnp").unwrap();
        let shown = code.to_string();
        assert_eq!(shown, "0H1J-KMNP");
        for locale in Locale::all() {
            let tag = locale.tag();
            let to = || Email::parse("a@example.com").unwrap();
            let mails = [
                ("reset", reset_link(&settings, locale, to(), LINK, &code).unwrap()),
                ("forced", forced_reset(&settings, locale, to(), LINK, &code).unwrap()),
                ("invitation", invitation(&settings, locale, to(), LINK, &code).unwrap()),
            ];
            let intro = locale.get("mail-code-intro");
            let note = locale.get("mail-code-note");
            for (kind, mail) in mails {
                assert!(mail.text.contains(&format!("\n{LINK}\n\n{intro}\n\n{shown}\n\n{note}\n")), "{tag} {kind}: {}", mail.text);
                let html = html_words(&mail.html);
                assert!(html.contains(&format!(">{intro}</p>")), "{tag} {kind}: {html}");
                assert!(html.contains(&format!(">{note}</p>")), "{tag} {kind}: {html}");
                let block = html.find(&format!(">{shown}</p>")).unwrap_or_else(|| panic!("{tag} {kind}: the code in a block of its own: {html}"));
                let opening = html[..block].rfind("<p ").unwrap();
                assert!(html[opening..block].starts_with("<p dir=\"ltr\""), "{tag} {kind}: {}", &html[opening..block]);
                assert!(html[opening..block].contains("monospace"), "{tag} {kind}: {}", &html[opening..block]);
                // Below the link, as the words say, and once.
                assert!(html.rfind(LINK_ESCAPED).is_some_and(|link| link < block), "{tag} {kind}: the code comes after the link");
                assert_eq!(mail.text.matches(shown.as_str()).count(), 1, "{tag} {kind}");
                assert_eq!(html.matches(shown.as_str()).count(), 1, "{tag} {kind}");
            }
        }
    }

    const LINK_ESCAPED: &str = "https://example.com/reset-password?lang=xx&#38;token=a.b.c";

    /// How each language says "reset" (stems, of every form the reset mail uses): an invitation
    /// never says it.
    const RESET_WORDS: [(&str, &[&str]); 7] = [
        ("en", &["reset"]),
        ("de", &["zurücksetz", "zurückzusetz"]),
        ("es", &["restablec"]),
        ("fr", &["réinitialis"]),
        ("ja", &["再設定"]),
        ("pt-BR", &["redefin"]),
        ("ar", &["أعد تعيين", "إعادة تعيين"]),
    ];

    /// An invitation has its own words: none of the reset mail's, and no word for "reset" in any
    /// language (the person never had a password). A forced reset is not the reset mail either:
    /// it never says someone asked for it, nor that it may be ignored.
    #[test]
    fn an_invitation_never_says_reset_and_a_forced_reset_never_says_you_asked() {
        let settings = operator_settings(true);
        let life = duration(settings.token_ttl);
        for locale in Locale::all() {
            let tag = locale.tag();
            let stems = RESET_WORDS.iter().find(|(t, _)| *t == tag).map(|(_, stems)| *stems).unwrap_or_else(|| panic!("{tag} has its words for reset"));
            // A link without the word: the words around it are what this test reads.
            let link = "https://example.com/welcome?token=a.b.c";
            let reset_mail = reset_link(&settings, locale, Email::parse("a@example.com").unwrap(), link, &code()).unwrap();
            let said = format!("{} {}", reset_mail.subject, reset_mail.text).to_lowercase();
            for stem in stems {
                assert!(said.contains(stem), "{tag}: {stem:?} is how the reset mail says it: {said}");
            }
            let [(_, forced), (_, invitation)] = operator_mails(&settings, locale, link);
            let reset_words = [
                reset_mail.subject.clone(),
                Msg::new("reset-mail-heading").with("app", settings.app_name.as_str()).text(locale),
                about(locale, "reset-mail-intro", &settings.app_name, &life),
                about(locale, "reset-mail-intro-text", &settings.app_name, &life),
                locale.get("reset-mail-ignore"),
                Msg::new("reset-mail-worried").with("support", "help@example.com").text(locale),
            ];
            for part in [&invitation.subject, &invitation.text, &html_words(&invitation.html)] {
                for stem in stems {
                    assert!(!part.to_lowercase().contains(stem), "{tag}: the invitation says {stem:?}: {part}");
                }
                assert!(!part.contains(&locale.get("reset-mail-button")), "{tag}: the invitation has the reset button: {part}");
                for words in &reset_words {
                    assert!(!part.contains(words.as_str()), "{tag}: the invitation says the reset mail's {words:?}");
                }
            }
            for part in [&forced.subject, &forced.text, &html_words(&forced.html)] {
                for words in &reset_words {
                    assert!(!part.contains(words.as_str()), "{tag}: the forced reset says the reset mail's {words:?}");
                }
            }
        }
    }
}

//! Configuration, read once at cold start from the environment the template sets. Every problem
//! is reported at once, by variable name, and the function refuses to start with a bad setup.

use std::collections::HashMap;
use std::fmt::Display;
use std::str::FromStr;
use std::time::Duration;

use reset_aws::{DEFAULT_LIMITS_TABLE, UserTable};
use reset_core::Settings;
use reset_core::domain::PasswordPolicy;
use reset_core::domain::password::{HashFormat, PasswordStorage};
use reset_core::settings::branding::{Accent, Branding, Logo, parse_footer};
use reset_core::settings::{
    DEFAULT_DISPUTE_LOCK_STATUS, DEFAULT_DISPUTE_TOKEN_TTL, DEFAULT_INVITATION_TTL, DEFAULT_KEY_CACHE_TTL, DEFAULT_MAIL_MAX_AGE, DEFAULT_MAIL_RETRY_BASE,
    DEFAULT_TOKEN_TTL, RateLimits, forgot_page_beside, parse_page_url,
};
use reset_text::Locale;
use url::Url;

pub struct Config {
    pub settings: Settings,
    pub table: UserTable,
    pub rate_limit_table: String,
    /// The signing keys: reset-password's and the mail worker's, which refuse to start without
    /// it. request-reset is given none (it may not read them).
    pub signing_key_secret: Option<String>,
    /// The hashing keys (counter and audit hashes, the jobs' MACs): every function's.
    pub hashing_key_secret: String,
    pub key_cache_ttl: Duration,
    /// The verified address mail is sent from: the mail worker's, which refuses to start without
    /// it. The HTTP functions send no mail and need none.
    pub sender: Option<String>,
    pub ses_configuration_set: Option<String>,
    /// The reset links' queue (`MAIL_QUEUE_URL`): request-reset sends to it, the mail worker
    /// consumes it; reset-password is not given it. Required by the wiring of those that use it.
    pub mail_queue_url: Option<String>,
    /// The password-changed notices' queue (`NOTICE_QUEUE_URL`): reset-password sends to it, the
    /// mail worker consumes it; request-reset is not given it.
    pub notice_queue_url: Option<String>,
    /// The least time between two send slots of one worker process for reset links: its share of
    /// the links' part of the SES send rate ([`send_intervals`]).
    pub link_send_interval: Duration,
    /// The same for notices, from their own part of the rate.
    pub notice_send_interval: Duration,
    /// Where the workers' own paces are not enough, the least time between any two sends of all
    /// of them ([`shared_send_gap`]).
    pub shared_send_gap: Option<Duration>,
    /// The secret holding the CDN's `x-origin-verify` value, when the API sits behind one.
    pub origin_verify_secret: Option<String>,
    /// Where new passwords are looked up among breached ones (`BREACHED_PASSWORD_CHECK=on`).
    pub breached_passwords: Option<BreachCheck>,
    /// The events' outbox table (`EVENT_OUTBOX_TABLE`): reset-password and the mail worker write
    /// each change's event there, in the change's own transaction, and refuse to start without it.
    pub event_outbox_table: Option<String>,
    /// Who may call the admin API (`ADMIN_CALLER_ARNS`, comma-separated IAM role or user ARNs),
    /// as written: the admin function parses and matches them (`admin_api::Callers`), and refuses
    /// to start on an entry that is not one. Empty (the default): no one may call it.
    pub admin_caller_arns: Vec<String>,
}

/// The event publisher's whole configuration: the bus (`EVENT_BUS_NAME`, a name or an ARN) and the
/// events' `source` (`EVENT_SOURCE`, which must not claim to be AWS's: `aws.` is theirs).
pub fn event_bus(vars: &HashMap<String, String>) -> Result<(String, String), ConfigError> {
    let mut r = Vars { vars, problems: Vec::new() };
    let bus = r.required("EVENT_BUS_NAME");
    let source = r.required("EVENT_SOURCE");
    if source.starts_with("aws.") {
        r.problems.push("EVENT_SOURCE must not start with aws. (EventBridge keeps that for AWS services)".into());
    }
    if source.len() > 256 || bus.len() > 1600 {
        r.problems.push("EVENT_SOURCE is at most 256 characters, EVENT_BUS_NAME at most 1600".into());
    }
    if r.problems.is_empty() { Ok((bus, source)) } else { Err(ConfigError(r.problems)) }
}

/// The breached-password lookup: a Pwned Passwords range endpoint and the most it may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreachCheck {
    /// Ends in `/`; the five-digit prefix is appended.
    pub range_url: String,
    pub timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {}", .0.join("; "))]
pub struct ConfigError(pub Vec<String>);

/// Reads variables from a map, collecting every problem instead of stopping at the first.
struct Vars<'a> {
    vars: &'a HashMap<String, String>,
    problems: Vec<String>,
}

impl Vars<'_> {
    fn optional(&self, name: &str) -> Option<String> {
        self.vars.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    fn text(&mut self, name: &str, default: &str) -> String {
        let value = self.optional(name).unwrap_or_else(|| default.to_owned());
        if value.chars().any(char::is_control) {
            self.problems.push(format!("{name} must not contain control characters"));
        }
        value
    }

    fn required(&mut self, name: &str) -> String {
        let value = self.text(name, "");
        if value.is_empty() {
            self.problems.push(format!("{name} is required"));
        }
        value
    }

    /// A page URL (see `parse_page_url`); `None` when absent or unusable (then a problem is noted).
    fn url(&mut self, name: &str, required: bool) -> Option<Url> {
        let raw = if required { self.required(name) } else { self.text(name, "") };
        if raw.is_empty() {
            return None;
        }
        parse_page_url(&raw).map_err(|err| self.problems.push(format!("{name} is unusable: {err}"))).ok()
    }

    /// An optional setting parsed by `parse`; a value it refuses is a problem named with its reason.
    fn parsed<T, E: Display>(&mut self, name: &str, parse: impl Fn(&str) -> Result<T, E>) -> Option<T> {
        let raw = self.optional(name)?;
        parse(&raw).map_err(|err| self.problems.push(format!("{name} {err}"))).ok()
    }

    fn number<T: FromStr + PartialOrd + Display + Copy>(&mut self, name: &str, default: T, min: T, max: T) -> T {
        let Some(raw) = self.optional(name) else { return default };
        match raw.parse::<T>() {
            Ok(n) if n >= min && n <= max => n,
            _ => {
                self.problems.push(format!("{name} must be a whole number from {min} to {max}"));
                default
            }
        }
    }
}

/// The part of the SES send rate kept for password-changed notices, in tenths: one tenth, the
/// links the other nine. Fixed, so that neither queue's workers need to know how busy the other's
/// are (they are different processes), and small, because every notice follows a reset link that
/// was sent: there are never more notices than links.
pub const NOTICE_SHARE_TENTHS: u64 = 1;

/// Each worker process's least time between two send slots, for links and for notices: `rate`
/// mails a second shared as [`NOTICE_SHARE_TENTHS`] says, the links' part between `link_workers`
/// processes, the notices' between `notice_workers` (each event source's `MaximumConcurrency`).
/// Rounded up to the nanosecond, so the workers together never exceed `rate`.
pub fn send_intervals(rate: u32, link_workers: u32, notice_workers: u32) -> (Duration, Duration) {
    // workers / (rate × tenths / 10) seconds.
    let interval = |workers: u32, tenths: u64| Duration::from_nanos((u64::from(workers) * 10_000_000_000).div_ceil(u64::from(rate.max(1)) * tenths));
    (interval(link_workers, 10 - NOTICE_SHARE_TENTHS), interval(notice_workers, NOTICE_SHARE_TENTHS))
}

/// The least time between any two sends of all workers together, where each worker's own pace
/// cannot keep one second within `rate`: `link_workers` workers, each sending up to ⌈1 s /
/// `link_interval`⌉ mails within one second, may put more than `rate` in it (of the template's
/// rows, only 1 a second: two workers, one mail each). Then every worker also takes each slot
/// from one shared item ([`reset_core::ports::SharedSlots`]), 1 / `rate` s apart.
pub fn shared_send_gap(rate: u32, link_workers: u32, link_interval: Duration) -> Option<Duration> {
    let per_worker = Duration::from_secs(1).as_nanos().div_ceil(link_interval.as_nanos().max(1));
    (u128::from(link_workers) * per_worker > u128::from(rate)).then(|| Duration::from_nanos(1_000_000_000u64.div_ceil(u64::from(rate.max(1)))))
}

/// The stored hash's format (`PASSWORD_HASH_FORMAT`), its parameters (`BCRYPT_COST`,
/// `PBKDF2_ITERATIONS`) and its optional `{id}` prefix (`PASSWORD_HASH_PREFIX`).
fn password_storage(r: &mut Vars<'_>) -> PasswordStorage {
    let format = HashFormat::named(&r.text("PASSWORD_HASH_FORMAT", "argon2id")).unwrap_or_else(|| {
        let names: Vec<&str> = HashFormat::ALL.iter().map(|(name, _)| *name).collect();
        r.problems.push(format!("PASSWORD_HASH_FORMAT must be one of {}", names.join(", ")));
        HashFormat::Argon2id
    });
    // OWASP's floors: bcrypt cost 10, PBKDF2-HMAC-SHA256 600,000 iterations; the ceilings keep
    // one hash within a few seconds at the memory the template gives these formats, well inside
    // the function's timeout (docs/figures.md, "Hash formats").
    let bcrypt_cost = r.number("BCRYPT_COST", PasswordStorage::BCRYPT_COST, 10, 14);
    let pbkdf2_iterations = r.number("PBKDF2_ITERATIONS", PasswordStorage::DJANGO_PBKDF2_ITERATIONS, 600_000, 4_000_000);
    let prefix = r.text("PASSWORD_HASH_PREFIX", "");
    let id = prefix.strip_prefix('{').and_then(|rest| rest.strip_suffix('}'));
    let prefix_ok = prefix.is_empty()
        || (prefix.len() <= 64 && id.is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"@._-".contains(&b))));
    if !prefix_ok {
        r.problems.push("PASSWORD_HASH_PREFIX must be empty or an id in braces such as {bcrypt} (letters, digits, @._-; at most 64 characters)".into());
    } else if !prefix.is_empty() && !matches!(format, HashFormat::Argon2id | HashFormat::Bcrypt) {
        // Django and PHP read no prefix: every sign-in would fail.
        r.problems.push("PASSWORD_HASH_PREFIX is for Spring's ids: only with PASSWORD_HASH_FORMAT argon2id or bcrypt".into());
    }
    PasswordStorage { format, prefix, bcrypt_cost, pbkdf2_iterations }
}

/// A language the pages and mails are written in (`en`, `pt-BR`; `de-AT` finds `de`).
fn parse_locale(tag: &str) -> Result<Locale, String> {
    Locale::matching(tag).ok_or_else(|| {
        let available: Vec<&str> = Locale::all().map(Locale::tag).collect();
        format!("names no language compiled in; available: {}", available.join(", "))
    })
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&std::env::vars().collect())
    }

    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let mut r = Vars { vars, problems: Vec::new() };
        let defaults = UserTable::default();

        let reset_page_url = r.url("RESET_PAGE_URL", true);
        let forgot_page_url = r.url("FORGOT_PAGE_URL", false);
        let login_url = r.url("LOGIN_URL", false);
        let policy = PasswordPolicy::default();
        let min_chars = r.number("PASSWORD_MIN_LENGTH", policy.min_chars, 8, 64);
        let max_chars = r.number("PASSWORD_MAX_LENGTH", policy.max_chars, 64, 256);
        let min_score = r.number("PASSWORD_MIN_SCORE", policy.min_score, 0, 4);
        let password_storage = password_storage(&mut r);
        let token_ttl = Duration::from_secs(r.number("TOKEN_TTL_SECONDS", DEFAULT_TOKEN_TTL.as_secs(), 60, 86_400));
        let mail_max_age = Duration::from_secs(r.number("MAIL_MAX_AGE_SECONDS", DEFAULT_MAIL_MAX_AGE.as_secs(), 60, 86_400));
        let mail_retry_base = Duration::from_secs(r.number("MAIL_RETRY_BASE_SECONDS", DEFAULT_MAIL_RETRY_BASE.as_secs(), 0, 900));
        let send_rate: u32 = r.number("SES_MAX_SEND_RATE", 1, 1, 100_000);
        let link_workers: u32 = r.number("MAIL_WORKER_CONCURRENCY", 1, 1, 1000);
        let notice_workers: u32 = r.number("NOTICE_WORKER_CONCURRENCY", 2, 1, 1000);
        let (link_send_interval, notice_send_interval) = send_intervals(send_rate, link_workers, notice_workers);
        let key_cache_ttl = Duration::from_secs(r.number("KEY_CACHE_SECONDS", DEFAULT_KEY_CACHE_TTL.as_secs(), 1, 3600));
        let active_statuses: Vec<String> = r.text("USER_ACTIVE_STATUSES", "active").split(',').map(|s| s.trim().to_owned()).collect();
        // The "this wasn't me" link: the mail worker signs it (its page and lifetime),
        // reset-password acts on it (the status it writes).
        let dispute_page_url = r.url("DISPUTE_PAGE_URL", false);
        let dispute_token_ttl = Duration::from_secs(r.number("DISPUTE_TOKEN_TTL_SECONDS", DEFAULT_DISPUTE_TOKEN_TTL.as_secs(), 3600, 2_592_000));
        let dispute_lock_status = r.text("DISPUTE_LOCK_STATUS", DEFAULT_DISPUTE_LOCK_STATUS);
        // Operators' invitations (the mail worker signs them) and, for the forgot page, whether an
        // account with no password may get a link (the worker sends it, reset-password accepts it).
        let invitation_ttl = Duration::from_secs(r.number("INVITATION_TTL_SECONDS", DEFAULT_INVITATION_TTL.as_secs(), 3600, 2_592_000));
        let passwordless_may_request = match r.text("PASSWORDLESS_USERS_MAY_REQUEST", "false").as_str() {
            "true" => true,
            "false" => false,
            _ => {
                r.problems.push("PASSWORDLESS_USERS_MAY_REQUEST must be true or false".into());
                false
            }
        };
        if dispute_lock_status.len() > 48 || !dispute_lock_status.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.:-".contains(&b)) {
            r.problems.push("DISPUTE_LOCK_STATUS must be 1 to 48 letters, digits or _ . : -".into());
        }
        // As the table is read (case aside): a lock status that counts as active locks nothing.
        if active_statuses.iter().any(|active| active.eq_ignore_ascii_case(&dispute_lock_status)) {
            r.problems.push(format!(
                "DISPUTE_LOCK_STATUS {dispute_lock_status} is one of USER_ACTIVE_STATUSES: a disputed account would stay active; choose a status that is not"
            ));
        }

        let table = UserTable {
            table: r.text("USERS_TABLE", &defaults.table),
            email_index: r.text("USERS_EMAIL_INDEX", &defaults.email_index),
            id: r.text("USER_ID_ATTRIBUTE", &defaults.id),
            email: r.text("USER_EMAIL_ATTRIBUTE", &defaults.email),
            password_hash: r.text("USER_PASSWORD_HASH_ATTRIBUTE", &defaults.password_hash),
            status: r.text("USER_STATUS_ATTRIBUTE", &defaults.status),
            active_statuses,
            password_changed_at: r.text("USER_PASSWORD_CHANGED_AT_ATTRIBUTE", &defaults.password_changed_at),
            locale: r.optional("USER_LOCALE_ATTRIBUTE"),
        };
        let rate_limit_table = r.text("RATE_LIMIT_TABLE", DEFAULT_LIMITS_TABLE);
        let rate_defaults = RateLimits::default();
        let rate_limits = RateLimits {
            email_per_minute: r.number("RATE_LIMIT_EMAIL_PER_MINUTE", rate_defaults.email_per_minute, 1, 1000),
            email_per_day: r.number("RATE_LIMIT_EMAIL_PER_DAY", rate_defaults.email_per_day, 1, 100_000),
            email_per_day_total: r.number("RATE_LIMIT_EMAIL_PER_DAY_TOTAL", rate_defaults.email_per_day_total, 1, 1_000_000),
            ip_per_minute: r.number("RATE_LIMIT_IP_PER_MINUTE", rate_defaults.ip_per_minute, 1, 100_000),
            source_jobs_per_minute: r.number("RATE_LIMIT_SOURCE_JOBS_PER_MINUTE", rate_defaults.source_jobs_per_minute, 1, 1_000_000),
            source_jobs_per_hour: r.number("RATE_LIMIT_SOURCE_JOBS_PER_HOUR", rate_defaults.source_jobs_per_hour, 1, 1_000_000),
            source_jobs_per_day: r.number("RATE_LIMIT_SOURCE_JOBS_PER_DAY", rate_defaults.source_jobs_per_day, 1, 10_000_000),
        };
        let breached_passwords = match r.text("BREACHED_PASSWORD_CHECK", "off").as_str() {
            "off" => None,
            "on" => {
                let range_url = r.text("BREACHED_PASSWORD_RANGE_URL", reset_aws::PWNED_PASSWORDS_RANGE_URL);
                // The same rule as the pages' URLs: https (plain http only to this machine).
                if let Err(err) = parse_page_url(&range_url) {
                    r.problems.push(format!("BREACHED_PASSWORD_RANGE_URL is unusable: {err}"));
                } else if !range_url.ends_with('/') || range_url.contains('?') {
                    r.problems.push("BREACHED_PASSWORD_RANGE_URL must end with / (the prefix is appended) and have no query".into());
                }
                let timeout = Duration::from_millis(r.number("BREACHED_PASSWORD_TIMEOUT_MS", 1500, 100, 10_000));
                Some(BreachCheck { range_url, timeout })
            }
            _ => {
                r.problems.push("BREACHED_PASSWORD_CHECK must be on or off".into());
                None
            }
        };
        let accent = r.parsed("ACCENT_COLOR", Accent::parse);
        let logo = r.parsed("LOGO_URL", Logo::parse);
        let footer = r.parsed("FOOTER_TEXT", parse_footer);
        let branding = Branding::new(accent, logo, footer);
        let default_locale = r.parsed("DEFAULT_LOCALE", parse_locale).unwrap_or(Locale::ENGLISH);
        let mut config = Config {
            breached_passwords,
            table,
            rate_limit_table,
            signing_key_secret: r.optional("SIGNING_KEY_SECRET_ID"),
            hashing_key_secret: r.required("HASHING_KEY_SECRET_ID"),
            key_cache_ttl,
            sender: Some(r.text("SENDER_EMAIL", "")).filter(|sender| !sender.is_empty()),
            ses_configuration_set: r.optional("SES_CONFIGURATION_SET"),
            mail_queue_url: r.optional("MAIL_QUEUE_URL"),
            notice_queue_url: r.optional("NOTICE_QUEUE_URL"),
            link_send_interval,
            notice_send_interval,
            shared_send_gap: shared_send_gap(send_rate, link_workers, link_send_interval),
            origin_verify_secret: r.optional("ORIGIN_VERIFY_SECRET_ID"),
            event_outbox_table: r.optional("EVENT_OUTBOX_TABLE"),
            admin_caller_arns: r.text("ADMIN_CALLER_ARNS", "").split(',').map(str::trim).filter(|arn| !arn.is_empty()).map(str::to_owned).collect(),
            settings: Settings {
                forgot_page_url: match (forgot_page_url, &reset_page_url) {
                    (Some(url), _) => url,
                    (None, Some(reset)) => forgot_page_beside(reset),
                    (None, None) => return Err(ConfigError(r.problems)),
                },
                reset_page_url: match reset_page_url {
                    Some(url) => url,
                    None => return Err(ConfigError(r.problems)),
                },
                login_url,
                token_ttl,
                dispute_page_url,
                dispute_token_ttl,
                dispute_lock_status,
                invitation_ttl,
                passwordless_may_request,
                mail_max_age,
                mail_retry_base,
                password_policy: PasswordPolicy { min_chars, max_chars, min_score, max_bytes: None },
                password_storage: PasswordStorage::default(),
                rate_limits,
                app_name: r.text("APP_NAME", "Your account"),
                support_contact: r.optional("SUPPORT_CONTACT"),
                // Filled in by the wiring, which reads the secret at cold start.
                edge: None,
                branding,
                default_locale,
            },
        };
        config.settings.store_passwords_as(password_storage);
        if r.problems.is_empty() { Ok(config) } else { Err(ConfigError(r.problems)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    const MINIMAL: [(&str, &str); 4] = [
        ("RESET_PAGE_URL", "https://auth.example.com/reset-password"),
        ("HASHING_KEY_SECRET_ID", "reset/hashing-keys"),
        ("SENDER_EMAIL", "no-reply@example.com"),
        ("MAIL_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/123456789012/password-reset-mail"),
    ];

    #[test]
    fn defaults_fill_everything_but_the_four_required_settings() {
        let c = Config::from_vars(&vars(&MINIMAL)).unwrap();
        assert_eq!(c.table, UserTable::default());
        assert_eq!(c.settings.token_ttl, Duration::from_secs(1800));
        assert_eq!(c.key_cache_ttl, Duration::from_secs(300));
        assert_eq!(c.settings.mail_max_age, Duration::from_secs(900));
        assert_eq!(c.settings.mail_retry_base, Duration::from_secs(30));
        // The SES sandbox's rate, one process for links and two for notices.
        assert_eq!(c.link_send_interval, Duration::from_nanos(1_111_111_112), "nine tenths of 1/s for one process");
        assert_eq!(c.notice_send_interval, Duration::from_secs(20), "a tenth of 1/s for two processes");
        assert_eq!(c.rate_limit_table, "password-reset-rate-limits");
        assert_eq!(c.settings.password_policy, PasswordPolicy::default());
        assert_eq!(c.breached_passwords, None, "the breached-password check is off unless turned on");
        assert_eq!(c.settings.default_locale, Locale::ENGLISH);
        assert_eq!(c.table.locale, None, "no stored user locale unless its attribute is named");
        assert!(c.admin_caller_arns.is_empty(), "no admin caller unless named");
    }

    /// The admin API's callers as written, one per comma, blanks dropped; the admin function
    /// parses each (and refuses to start on one that is not a role or user ARN).
    #[test]
    fn admin_callers_are_a_comma_separated_list() {
        let role = "arn:aws:iam::123456789012:role/ops/ResetOperators";
        let user = "arn:aws:iam::123456789012:user/alice";
        let listed = minimal_with(&[("ADMIN_CALLER_ARNS", &format!(" {role} ,, {user},"))]).unwrap();
        assert_eq!(listed.admin_caller_arns, [role, user]);
        assert!(minimal_with(&[("ADMIN_CALLER_ARNS", " , ")]).unwrap().admin_caller_arns.is_empty());
        let err = minimal_with(&[("ADMIN_CALLER_ARNS", &format!("{role}\n{user}"))]).err().unwrap().to_string();
        assert!(err.contains("ADMIN_CALLER_ARNS must not contain control characters"), "{err}");
    }

    #[test]
    fn the_default_locale_must_be_a_language_compiled_in() {
        let with = |value: &str| {
            let mut v = vars(&MINIMAL);
            v.insert("DEFAULT_LOCALE".into(), value.into());
            v.insert("USER_LOCALE_ATTRIBUTE".into(), "preferred_language".into());
            Config::from_vars(&v)
        };
        let german = with("de-AT").unwrap();
        assert_eq!(german.settings.default_locale.tag(), "de");
        assert_eq!(german.table.locale.as_deref(), Some("preferred_language"));
        assert_eq!(with("pt").unwrap().settings.default_locale.tag(), "pt-BR");
        for bad in ["zh", "xx-<script>", "*"] {
            let err = with(bad).err().unwrap().to_string();
            assert!(err.contains("DEFAULT_LOCALE names no language compiled in; available: en, ar, de"), "{bad}: {err}");
        }
    }

    /// The minimal configuration with `pairs` added (or replacing its own).
    fn minimal_with(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut v = vars(&MINIMAL);
        v.extend(vars(pairs));
        Config::from_vars(&v)
    }

    #[test]
    fn the_breached_password_check_takes_an_https_range_url() {
        let on = minimal_with(&[("BREACHED_PASSWORD_CHECK", "on")]).unwrap().breached_passwords.unwrap();
        assert_eq!(on, BreachCheck { range_url: "https://api.pwnedpasswords.com/range/".into(), timeout: Duration::from_millis(1500) });
        let local = minimal_with(&[("BREACHED_PASSWORD_CHECK", "on"), ("BREACHED_PASSWORD_RANGE_URL", "http://127.0.0.1:9/range/")]);
        assert!(local.is_ok(), "plain http only to this machine (a stand-in)");
        for (name, value) in [
            ("BREACHED_PASSWORD_CHECK", "yes"),
            ("BREACHED_PASSWORD_RANGE_URL", "http://pwned.example/range/"),
            ("BREACHED_PASSWORD_RANGE_URL", "https://pwned.example/range"),
            ("BREACHED_PASSWORD_TIMEOUT_MS", "60000"),
        ] {
            let err = minimal_with(&[("BREACHED_PASSWORD_CHECK", "on"), (name, value)]).err().unwrap().to_string();
            assert!(err.contains(name), "{name}={value}: {err}");
        }
    }

    #[test]
    fn the_hash_format_is_one_of_the_named_ones_and_bcrypt_brings_its_byte_limit() {
        let default = minimal_with(&[]).unwrap().settings;
        assert_eq!(default.password_storage, PasswordStorage::default());
        assert_eq!(default.password_policy.max_bytes, None);
        for (name, format) in HashFormat::ALL {
            let settings = minimal_with(&[("PASSWORD_HASH_FORMAT", name)]).unwrap().settings;
            assert_eq!(settings.password_storage.format, format, "{name}");
            // bcrypt reads 72 bytes, whichever name it is written under; the others read all.
            let limit = if name.starts_with("bcrypt") { Some(72) } else { None };
            assert_eq!(settings.password_policy.max_bytes, limit, "{name}");
        }
        assert_eq!(default.password_storage.pbkdf2_iterations, 1_500_000, "Django 6.1's count");
        assert_eq!(default.password_storage.bcrypt_cost, 12);
        let bcrypt = minimal_with(&[("PASSWORD_HASH_FORMAT", "bcrypt"), ("BCRYPT_COST", "13"), ("PASSWORD_HASH_PREFIX", "{bcrypt}")]).unwrap().settings;
        let expected = PasswordStorage { prefix: "{bcrypt}".into(), bcrypt_cost: 13, ..PasswordStorage::new(HashFormat::Bcrypt) };
        assert_eq!(bcrypt.password_storage, expected);
        assert_eq!(bcrypt.password_policy.max_bytes, Some(72));
        let pbkdf2 = minimal_with(&[("PASSWORD_HASH_FORMAT", "django-pbkdf2"), ("PBKDF2_ITERATIONS", "1800000")]).unwrap().settings;
        assert_eq!(pbkdf2.password_storage.pbkdf2_iterations, 1_800_000);
        let spring = minimal_with(&[("PASSWORD_HASH_PREFIX", "{argon2@SpringSecurity_v5_8}")]).unwrap().settings;
        assert_eq!(spring.password_storage.prefix, "{argon2@SpringSecurity_v5_8}");
        for format in ["django-argon2", "django-pbkdf2", "bcrypt-2y"] {
            let err = minimal_with(&[("PASSWORD_HASH_FORMAT", format), ("PASSWORD_HASH_PREFIX", "{x}")]).err().unwrap().to_string();
            assert!(err.contains("PASSWORD_HASH_PREFIX is for Spring's ids"), "{format}: {err}");
        }

        let err = minimal_with(&[("PASSWORD_HASH_FORMAT", "md5")]).err().unwrap().to_string();
        assert!(err.contains("PASSWORD_HASH_FORMAT must be one of argon2id, django-argon2, django-pbkdf2, bcrypt, bcrypt-2y"), "{err}");
        for (name, value) in [
            ("BCRYPT_COST", "9"),
            ("BCRYPT_COST", "15"),
            ("PBKDF2_ITERATIONS", "100000"),
            ("PBKDF2_ITERATIONS", "4000001"),
            ("PASSWORD_HASH_PREFIX", "bcrypt"),
            ("PASSWORD_HASH_PREFIX", "{}"),
            ("PASSWORD_HASH_PREFIX", "{a$b}"),
            ("PASSWORD_HASH_PREFIX", "{a}{b}"),
        ] {
            let err = minimal_with(&[(name, value)]).err().unwrap().to_string();
            assert!(err.contains(name), "{name}={value}: {err}");
        }
    }

    #[test]
    fn every_problem_is_reported_by_name() {
        let err = Config::from_vars(&vars(&[("TOKEN_TTL_SECONDS", "forever"), ("RESET_PAGE_URL", "http://evil.example/")])).err().unwrap().to_string();
        for name in ["RESET_PAGE_URL is unusable", "HASHING_KEY_SECRET_ID", "TOKEN_TTL_SECONDS"] {
            assert!(err.contains(name), "{err}");
        }
    }

    /// The HTTP functions send no mail: they start without a sender (the mail worker refuses to,
    /// in `reset_wiring::mail_worker`).
    #[test]
    fn only_the_mail_worker_needs_a_sender() {
        let without: Vec<(&str, &str)> = MINIMAL.iter().copied().filter(|(name, _)| *name != "SENDER_EMAIL").collect();
        assert_eq!(Config::from_vars(&vars(&without)).unwrap().sender, None);
        assert_eq!(Config::from_vars(&vars(&MINIMAL)).unwrap().sender.as_deref(), Some("no-reply@example.com"));
    }

    #[test]
    fn names_of_an_existing_table_are_configurable() {
        let mut v = vars(&MINIMAL);
        v.extend(vars(&[("USERS_TABLE", "accounts"), ("USER_EMAIL_ATTRIBUTE", "mail"), ("USER_ACTIVE_STATUSES", "ok, verified")]));
        let c = Config::from_vars(&v).unwrap();
        assert_eq!((c.table.table.as_str(), c.table.email.as_str()), ("accounts", "mail"));
        assert_eq!(c.table.active_statuses, vec!["ok", "verified"]);
    }

    #[test]
    fn branding_values_are_checked_at_cold_start_and_named() {
        let mut v = vars(&MINIMAL);
        v.extend(vars(&[("ACCENT_COLOR", "#ffee00"), ("LOGO_URL", "http://cdn.example.com/logo.svg"), ("FOOTER_TEXT", "a\u{7}b")]));
        let err = Config::from_vars(&v).err().unwrap().to_string();
        assert!(err.contains("ACCENT_COLOR #ffee00 leaves white text at a contrast of"), "{err}");
        assert!(err.contains("LOGO_URL must be an https URL"), "{err}");
        assert!(err.contains("FOOTER_TEXT must be at most 200 characters"), "{err}");
        let mut v = vars(&MINIMAL);
        v.extend(vars(&[("ACCENT_COLOR", "#7B1FA2"), ("LOGO_URL", "https://cdn.example.com/logo.svg"), ("FOOTER_TEXT", "Example GmbH")]));
        let branding = Config::from_vars(&v).unwrap().settings.branding;
        assert_eq!((branding.accent(), branding.footer.as_deref()), ("#7b1fa2", Some("Example GmbH")));
        assert!(reset_pages::style::page_style(&branding).csp.contains("img-src https://cdn.example.com;"));
    }

    #[test]
    fn workers_share_the_send_rate() {
        let mut v = vars(&MINIMAL);
        v.extend(vars(&[("SES_MAX_SEND_RATE", "14"), ("MAIL_WORKER_CONCURRENCY", "2"), ("NOTICE_WORKER_CONCURRENCY", "2")]));
        let c = Config::from_vars(&v).unwrap();
        // Links: 2 processes share 9/10 of 14/s; notices: 2 share 1/10 of it.
        assert_eq!((c.link_send_interval, c.notice_send_interval), (Duration::from_nanos(158_730_159), Duration::from_nanos(1_428_571_429)));
        let together = 2.0 / c.link_send_interval.as_secs_f64() + 2.0 / c.notice_send_interval.as_secs_f64();
        assert!(together <= 14.0 && together > 13.999_99, "{together}");
    }

    /// Each function's wiring asks for the queues it uses (`reset_wiring`); the configuration
    /// itself requires neither, and keeps what it was given.
    #[test]
    fn the_queues_are_read_but_required_by_the_wiring() {
        let without: Vec<(&str, &str)> = MINIMAL.iter().copied().filter(|(name, _)| *name != "MAIL_QUEUE_URL").collect();
        let c = Config::from_vars(&vars(&without)).unwrap();
        assert_eq!((c.mail_queue_url, c.notice_queue_url), (None, None));
        let mut v = vars(&MINIMAL);
        v.insert("NOTICE_QUEUE_URL".into(), "https://sqs.us-east-1.amazonaws.com/123456789012/notices".into());
        assert_eq!(Config::from_vars(&v).unwrap().notice_queue_url.as_deref(), Some("https://sqs.us-east-1.amazonaws.com/123456789012/notices"));
    }

    #[test]
    fn the_dispute_settings_have_defaults_and_bounds_and_the_lock_status_is_never_active() {
        let c = minimal_with(&[]).unwrap().settings;
        assert_eq!((c.dispute_page_url, c.dispute_token_ttl, c.dispute_lock_status.as_str()), (None, Duration::from_secs(604_800), "locked"));
        let set = minimal_with(&[
            ("DISPUTE_PAGE_URL", "https://auth.example.com/secure-account"),
            ("DISPUTE_TOKEN_TTL_SECONDS", "3600"),
            ("DISPUTE_LOCK_STATUS", "disputed"),
        ])
        .unwrap()
        .settings;
        assert_eq!(set.dispute_page_url.map(String::from).as_deref(), Some("https://auth.example.com/secure-account"));
        assert_eq!((set.dispute_token_ttl, set.dispute_lock_status.as_str()), (Duration::from_secs(3600), "disputed"));
        assert!(minimal_with(&[("DISPUTE_TOKEN_TTL_SECONDS", "2592000")]).is_ok());
        for (name, value) in [
            ("DISPUTE_TOKEN_TTL_SECONDS", "3599"),
            ("DISPUTE_TOKEN_TTL_SECONDS", "2592001"),
            ("DISPUTE_PAGE_URL", "http://auth.example.com/secure-account"),
            ("DISPUTE_LOCK_STATUS", "locked now"),
        ] {
            let err = minimal_with(&[(name, value)]).err().unwrap().to_string();
            assert!(err.contains(name), "{name}={value}: {err}");
        }
        // A status the table counts as active, in any case: refused at cold start, naming both.
        for (active, lock) in [("active", "active"), ("ok, verified", "Verified")] {
            let err = minimal_with(&[("USER_ACTIVE_STATUSES", active), ("DISPUTE_LOCK_STATUS", lock)]).err().unwrap().to_string();
            assert!(err.contains("DISPUTE_LOCK_STATUS") && err.contains("USER_ACTIVE_STATUSES"), "{active} / {lock}: {err}");
        }
    }

    #[test]
    fn a_sender_with_a_line_break_is_refused() {
        let mut v = vars(&MINIMAL);
        v.insert("SENDER_EMAIL".into(), "a@example.com\nBcc: x@evil.test".into());
        assert!(Config::from_vars(&v).is_err());
    }
}

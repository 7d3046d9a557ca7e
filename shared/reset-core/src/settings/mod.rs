//! What the use cases need to know that is not a port: where links point, how long they live,
//! the password policy, and the branding mails carry.

pub mod branding;

use std::sync::Arc;
use std::time::Duration;

use reset_text::Locale;
use url::Url;

use crate::domain::PasswordPolicy;
use crate::domain::password::PasswordStorage;
use crate::ports::OriginVerifySource;
use crate::ports::origin_verify::{CheckOrigin, OriginVerify};
use crate::settings::branding::Branding;

/// How long a reset link works, unless configured otherwise.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(30 * 60);
/// How long a function keeps the key ring before reading the secret again, unless configured.
pub const DEFAULT_KEY_CACHE_TTL: Duration = Duration::from_secs(5 * 60);
/// How long a queued reset mail stays worth sending, unless configured.
pub const DEFAULT_MAIL_MAX_AGE: Duration = Duration::from_secs(15 * 60);
/// How long the "this wasn't me" link of a password-changed notice works, unless configured.
pub const DEFAULT_DISPUTE_TOKEN_TTL: Duration = Duration::from_secs(7 * 86_400);
/// The status a dispute writes on the account, unless configured (never an active one).
pub const DEFAULT_DISPUTE_LOCK_STATUS: &str = "locked";
/// How long an invitation's link works, unless configured (`INVITATION_TTL_SECONDS`): 72 hours.
pub const DEFAULT_INVITATION_TTL: Duration = Duration::from_secs(72 * 3600);
/// The first retry back-off of a failed mail (doubled per attempt), unless configured.
pub const DEFAULT_MAIL_RETRY_BASE: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct Settings {
    /// The hosted reset page; links are this URL plus `token=...`, never built from a request.
    pub reset_page_url: Url,
    /// The hosted "forgot password" page (by default beside the reset page).
    pub forgot_page_url: Url,
    /// Where a user signs in after a reset, if the application has told us.
    pub login_url: Option<Url>,
    pub token_ttl: Duration,
    /// The "this wasn't me" page a password-changed notice links to (`DISPUTE_PAGE_URL`, the mail
    /// worker's). `None`: the notice carries no such link (the template always sets it).
    pub dispute_page_url: Option<Url>,
    /// How long that link works.
    pub dispute_token_ttl: Duration,
    /// The status a dispute writes on the account (`DISPUTE_LOCK_STATUS`, reset-password's): not
    /// an active one, so the account gets no reset link and, where the sign-in checks the status,
    /// no sign-in until support sets an active status again.
    pub dispute_lock_status: String,
    /// How long an invitation's link works (`INVITATION_TTL_SECONDS`, at most 30 days).
    pub invitation_ttl: Duration,
    /// Whether an account with no password may get a reset link from the forgot page
    /// (`PASSWORDLESS_USERS_MAY_REQUEST`): off by default, so an account that signs in another way
    /// (a social login) does not gain a password by surprise. Invitations work either way.
    pub passwordless_may_request: bool,
    /// A queued reset mail older than this is dropped (with a metric), not sent.
    pub mail_max_age: Duration,
    /// The back-off before a failed mail is tried again, doubled per attempt.
    pub mail_retry_base: Duration,
    pub password_policy: PasswordPolicy,
    /// The format a new password is stored in (the application's sign-in reads it).
    pub password_storage: PasswordStorage,
    pub rate_limits: RateLimits,
    pub app_name: String,
    /// Where a user who did not ask for a reset can turn (an address or a URL), if anywhere.
    pub support_contact: Option<String>,
    /// The CDN in front of the API, if there is one (see [`Edge`]).
    pub edge: Option<Edge>,
    /// Accent colour, logo and footer line (see [`Branding`]).
    pub branding: Branding,
    /// The language of a page whose reader asks for none we have, and of a mail whose account
    /// and request name none.
    pub default_locale: Locale,
}

/// The CDN in front of the API (CloudFront with AWS WAF): it adds a secret header to every
/// request it forwards, so a request without it did not come through the CDN (and is refused),
/// and the client's address is the viewer address the CDN reports, not the connection's peer.
#[derive(Clone)]
pub struct Edge {
    /// The values the `x-origin-verify` header the CDN adds may carry (two during a rotation).
    origin_verify: Arc<dyn CheckOrigin>,
}

impl Edge {
    pub fn new<S: OriginVerifySource + 'static>(origin_verify: OriginVerify<S>) -> Self {
        Edge { origin_verify: Arc::new(origin_verify) }
    }

    /// Whether a request's `x-origin-verify` value is one the CDN may send ([`OriginVerify::accepts`]).
    pub async fn accepts(&self, presented: &[u8]) -> bool {
        self.origin_verify.check(presented).await
    }
}

impl std::fmt::Debug for Edge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Edge").finish_non_exhaustive()
    }
}

/// How often one address may be mailed, and how many requests one IP may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Requests per address per minute that may lead to a mail (more get the same answer and no
    /// mail). Checked before the daily cap, so requests that come together spend one minute.
    pub email_per_minute: u32,
    /// Requests per address per day from one requester network (IPv4 /16, IPv6 /48): one
    /// requester cannot spend another's budget.
    pub email_per_day: u32,
    /// Reset mails per address per day from all requesters together: counts mails about to be
    /// sent, not requests (reaching it logs a metric).
    pub email_per_day_total: u32,
    /// Requests per source IP per minute on the endpoints that do work (then 429).
    pub ip_per_minute: u32,
    /// Reset jobs one source may queue per minute: spreads a source's hour over ten minutes, so
    /// many sources asking at once queue a few jobs each a minute, not their whole hour in its
    /// first minute (the queue then holds seconds of sending at the account's rate, not minutes).
    pub source_jobs_per_minute: u32,
    /// Reset jobs one source (an IPv4 address, an IPv6 /64) may queue per hour, whatever the
    /// addresses: over it the same answer, nothing queued, a metric. Keeps a few sources asking for harvested addresses
    /// from filling the queue faster than the account may send, which would make everyone's mail
    /// stale.
    pub source_jobs_per_hour: u32,
    /// The same per UTC day.
    pub source_jobs_per_day: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            email_per_minute: 1,
            email_per_day: 5,
            email_per_day_total: 20,
            ip_per_minute: 30,
            source_jobs_per_minute: 3,
            source_jobs_per_hour: 30,
            source_jobs_per_day: 200,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadResetUrl {
    #[error("the reset page URL must use https (http only for localhost)")]
    NotHttps,
    #[error("the reset page URL must not carry a fragment, a token parameter or credentials")]
    Unsafe,
    /// The path becomes the reset cookie's `Path`; `;` or `,` there would add cookie attributes.
    #[error("the page URL's path may hold only letters, digits and - . _ ~ / %")]
    UnsafePath,
}

/// Checks a configured page URL: https (plain http only on loopback, for local runs), no
/// credentials, no fragment, no `token` parameter of its own.
pub fn parse_page_url(raw: &str) -> Result<Url, anyhow::Error> {
    let url = Url::parse(raw)?;
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    if !(url.scheme() == "https" || (url.scheme() == "http" && loopback)) {
        return Err(BadResetUrl::NotHttps.into());
    }
    if url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() || url.query_pairs().any(|(k, _)| k == "token") {
        return Err(BadResetUrl::Unsafe.into());
    }
    if !url.path().chars().all(|c| c.is_ascii_alphanumeric() || "-._~/%".contains(c)) {
        return Err(BadResetUrl::UnsafePath.into());
    }
    Ok(url)
}

/// The forgot-password page beside a reset page: `https://x/a/reset-password` → `https://x/a/forgot-password`.
pub fn forgot_page_beside(reset_page_url: &Url) -> Url {
    let mut url = reset_page_url.join("forgot-password").unwrap_or_else(|_| reset_page_url.clone());
    url.set_query(None);
    url
}

impl Settings {
    /// Stores new passwords as `storage` says, and takes the limit its format puts on a
    /// password's length (bcrypt's 72 bytes) into the policy: the two never disagree.
    pub fn store_passwords_as(&mut self, storage: PasswordStorage) {
        self.password_policy.max_bytes = storage.format.max_bytes();
        self.password_storage = storage;
    }

    /// Settings with defaults for everything but the reset page (tests, examples).
    pub fn for_reset_page(reset_page_url: Url) -> Self {
        Settings {
            forgot_page_url: forgot_page_beside(&reset_page_url),
            reset_page_url,
            login_url: None,
            token_ttl: DEFAULT_TOKEN_TTL,
            dispute_page_url: None,
            dispute_token_ttl: DEFAULT_DISPUTE_TOKEN_TTL,
            dispute_lock_status: DEFAULT_DISPUTE_LOCK_STATUS.to_owned(),
            invitation_ttl: DEFAULT_INVITATION_TTL,
            passwordless_may_request: false,
            mail_max_age: DEFAULT_MAIL_MAX_AGE,
            mail_retry_base: DEFAULT_MAIL_RETRY_BASE,
            password_policy: PasswordPolicy::default(),
            password_storage: PasswordStorage::default(),
            rate_limits: RateLimits::default(),
            app_name: "Your account".into(),
            support_contact: None,
            edge: None,
            branding: Branding::default(),
            default_locale: Locale::ENGLISH,
        }
    }

    /// The emailed link: the configured page with the token appended as a query parameter, and
    /// the language the mail was written in (`lang`, in place of one the page URL has), so the
    /// page speaks it too.
    pub fn reset_link(&self, token: &str, lang: Option<Locale>) -> String {
        link_to(&self.reset_page_url, token, lang)
    }

    /// The "this wasn't me" link of a password-changed notice, built as [`Settings::reset_link`]
    /// is, on the dispute page; `None` without one.
    pub fn dispute_link(&self, token: &str, lang: Option<Locale>) -> Option<String> {
        self.dispute_page_url.as_ref().map(|page| link_to(page, token, lang))
    }
}

/// `page` with the language (`lang`, in place of one the page has) and the token appended.
fn link_to(page: &Url, token: &str, lang: Option<Locale>) -> String {
    let mut url = page.clone();
    if let Some(lang) = lang {
        let kept: Vec<(String, String)> = url.query_pairs().filter(|(k, _)| k != "lang").map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        url.query_pairs_mut().clear().extend_pairs(kept).append_pair("lang", lang.tag());
    }
    url.query_pairs_mut().append_pair("token", token);
    url.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_urls_must_be_safe() {
        for ok in ["https://auth.example.com/reset-password", "http://127.0.0.1:9000/reset", "https://x.example/r?lang=en"] {
            assert!(parse_page_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://auth.example.com/reset",
            "ftp://example.com/reset",
            "https://example.com/reset#frag",
            "https://user:pw@example.com/reset",
            "https://example.com/reset?token=fixed",
            "https://example.com/reset;Domain=evil.example",
            "https://example.com/a,b/reset",
            "https://example.com/reset$x",
            "not a url",
        ] {
            assert!(parse_page_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn links_keep_existing_query_parameters() {
        let settings = Settings::for_reset_page(parse_page_url("https://x.example/r?app=7&lang=en").unwrap());
        assert_eq!(settings.reset_link("a.b.c", None), "https://x.example/r?app=7&lang=en&token=a.b.c");
        let german = Locale::matching("de").unwrap();
        assert_eq!(settings.reset_link("a.b.c", Some(german)), "https://x.example/r?app=7&lang=de&token=a.b.c");
    }

    #[test]
    fn the_forgot_page_sits_beside_the_reset_page() {
        let url = |s: &str| parse_page_url(s).unwrap();
        assert_eq!(forgot_page_beside(&url("https://x.example/reset-password")).as_str(), "https://x.example/forgot-password");
        assert_eq!(forgot_page_beside(&url("https://x.example/auth/reset?lang=en")).as_str(), "https://x.example/auth/forgot-password");
    }
}

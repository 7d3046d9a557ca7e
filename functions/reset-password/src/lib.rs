//! reset-password: `POST /password-reset/confirm` with `{"token": "...", "password": "..."}` or,
//! with the code a mail carries beside its link, `{"email": "...", "code": "...", "password":
//! "..."}`; the hosted reset page (`GET`/`HEAD`/`POST /reset-password`), and the "this wasn't me"
//! page (`GET`/`HEAD`/`POST /secure-account`) the password-changed notice links to.
//!
//! The code page: `GET /reset-password?code` asks for the address and the code; its post (a
//! form with a `code` field) checks them ([`reset_core::exchange_code`]) and a right code becomes
//! the link's own token, set in the cookie as a link's is, then the usual form. Every refused
//! code (wrong, expired, an unknown or disabled address) gets the same page, with the status the
//! JSON answer would have (a malformed code and spent attempts have their own, the same for every
//! address). The post must show it came from this origin ([`from_the_code_page`]).
//!
//! An operator's invitation (a token with its own audience, for an account with no password)
//! opens the same page and form; they then say "choose your password" ([`pages::Wording`]).
//!
//! The "this wasn't me" page: `GET` (and `HEAD`) verifies the dispute link (its own audience; the
//! account exists and still matches it) and shows one button, a form that posts the token back
//! (a hidden field: no cookie, the page is `no-store`), and changes nothing (mail scanners open
//! links). `POST` verifies again and locks the account in one conditional write with its event
//! ([`reset_core::dispute_change`]). Every refusal (used, replayed, forged, expired, from before a
//! later change) gets the same "this link no longer works" page and changes nothing.
//!
//! Every token failure (bad signature, expired, wrong audience, unknown key, user gone, password
//! already changed) gets one identical answer: `400 invalid_or_expired_token`, or the "invalid or
//! expired link" page. GET and HEAD never consume a token: mail scanners may open links first.
//!
//! The emailed link carries the token in its query. The page checks it, moves it into a short-lived
//! `HttpOnly; Secure; SameSite=Strict` cookie scoped to the page, and sends the browser to the
//! page's URL without the query (`303`), so the token stays out of history, logs and `Referer`.
//!
//! Reset fixation. An attacker may get the victim's browser to open the attacker's own link (a
//! link in a mail, clicked in webmail): the victim would then choose a new password for the
//! attacker's account. Three rules keep a live reset from being replaced silently:
//!
//! 1. The cookie is set only on a request that carries it if the browser holds one: a same-site
//!    navigation (`Sec-Fetch-Site: same-origin`, `same-site`, or `none` when typed, bookmarked or
//!    opened from a desktop mail client). A Strict cookie is not sent on a navigation that began on
//!    another site, so such a request (`cross-site`, an unknown value) cannot tell whether a reset
//!    is live: it gets a hop page that sets no cookie and only continues to the link again, from
//!    this origin (a meta refresh, or its Continue link). That continue step carries the cookie;
//!    if it holds a live reset for another account, the page asks first, naming both accounts
//!    masked ([`pages::switch_account`]), and leaves the cookie as it is.
//! 2. The question's answer (`switch=<id of the live reset's token>`) counts only on a
//!    same-origin request: the question page's own Continue link. No other page shows that id,
//!    so no URL made elsewhere holds it; opened from anywhere else, it is ignored too. If the live
//!    reset cannot be checked (an outage), nothing is replaced.
//! 4. Only a request that carries the cookie may clear it (when its token is dead): a request
//!    from another site, which never carries it, cannot end a live reset so that the next link
//!    replaces it without the question.
//! 3. The form carries the id (`jti`) of the token it was shown for, never the token; a post whose
//!    cookie holds another token (another tab opened another link meanwhile) is refused (409,
//!    nothing changed) with a page naming the account the cookie is now for.
//!
//! Browsers without `Sec-Fetch-Site` (Safari before 16.4) and mail scanners cannot show where a
//! request came from by that header. For them the hop and question pages are sent with
//! `Referrer-Policy: strict-origin` (every other page has `no-referrer`), so the navigation they
//! start carries `Referer: <this origin>/`, which no other site can make a browser send: a request
//! without `Sec-Fetch-Site` counts as same-origin when its `Referer` has this page's origin, and
//! as cross-site otherwise. A browser that sends no `Referer` on a meta refresh comes back with
//! `hop=1` in the query and gets the hop page without the refresh (no loop); its Continue link
//! then carries the `Referer`. A browser that sends no `Referer` even then stays on the hop page:
//! stuck, never fixated. The hop page repeats the token in its links; it is the URL the reader
//! just opened, and the page is `no-store`.
use std::convert::Infallible;

use lambda_http::http::{HeaderValue, Method, StatusCode, header};
use lambda_http::{Body, Request, RequestExt, Response};
use reset_core::domain::{Email, NewPassword, ResetToken};
use reset_core::ports::breached::BreachedPasswords;
use reset_core::ports::{FindUserByEmail, GetUser, LockAccount, SetPassword};
use reset_core::reset_token::Code;
use reset_core::{Adapters, CheckedToken, ConfirmDeps, ConfirmError, unix_now};
use reset_http::{ApiError, ErrorCode, html_response, json_response, limit_source_ip, read_form, read_json};
use reset_pages::pages::{self, Reader, Wording};
use reset_text::Locale;
use reset_text::Msg;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tracing::Instrument as _;
use url::Url;

pub const PATH: &str = "/password-reset/confirm";
pub const PAGE_PATH: &str = "/reset-password";
/// The "this wasn't me" page (the mail worker's `DISPUTE_PAGE_URL` on this API).
pub const DISPUTE_PATH: &str = "/secure-account";
/// The cookie that holds the token between the link and the form. `__Host-`: the browser takes
/// it only with `Secure`, `Path=/` and no `Domain`, so a sibling subdomain cannot plant one.
pub const COOKIE: &str = "__Host-reset_token";
/// Longest the cookie lives, in seconds (less if the token expires sooner).
pub const COOKIE_MAX_AGE: u64 = 15 * 60;

const JSON_SHAPE: Msg = Msg::new("error-confirm-shape");
const FORM_SHAPE: Msg = Msg::new("error-reset-form-shape");
const DISPUTE_FORM_SHAPE: Msg = Msg::new("error-dispute-form-shape");
const CODE_FORM_SHAPE: Msg = Msg::new("error-code-form-shape");

/// The answer to a successful JSON confirm, in `locale`.
pub fn changed_body(locale: Locale) -> String {
    reset_http::message_body(&Msg::new("password-changed"), locale)
}

/// The JSON confirm's two shapes: the link's token, or the address and the mailed code.
#[derive(Deserialize)]
#[serde(untagged)]
enum ConfirmBody {
    Token(TokenBody),
    Code(CodeBody),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenBody {
    token: String,
    password: SecretString,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeBody {
    email: String,
    code: SecretString,
    password: SecretString,
}

/// The users a confirm reads: by id (a link), by address (a code), and the writes.
pub trait ConfirmUsers: GetUser + FindUserByEmail + SetPassword + LockAccount {}
impl<T: GetUser + FindUserByEmail + SetPassword + LockAccount> ConfirmUsers for T {}

pub async fn handle<A: Adapters<Users: ConfirmUsers>, B: BreachedPasswords>(deps: &ConfirmDeps<A, B>, req: Request) -> Result<Response<Body>, Infallible> {
    let method = req.method().clone();
    // The JSON answers' language; the pages negotiate their own (`reset_http::reader`).
    let locale = || reset_http::json_locale(&req, &deps.common.settings);
    if let Err(bypassed) = reset_http::check_edge(&req, &deps.common.settings).await {
        return Ok(reset_http::finish(&method, bypassed.into_response(locale())));
    }
    let span = reset_http::request_span(&req, &deps.common.settings);
    let response = async {
        match (reset_http::route_path(&req), &method) {
            (PATH, &Method::POST) => {
                let locale = locale();
                confirm(deps, &req, locale).await.unwrap_or_else(|err| err.into_response(locale))
            }
            (PATH, _) => ApiError::method_not_allowed("POST").into_response(locale()),
            (PAGE_PATH, &Method::GET | &Method::HEAD) => show(deps, &req).await,
            (PAGE_PATH, &Method::POST) => submit(deps, &req).await,
            (PAGE_PATH, _) => ApiError::method_not_allowed("GET, HEAD, POST").into_response(locale()),
            (DISPUTE_PATH, &Method::GET | &Method::HEAD) => show_dispute(deps, &req).await,
            (DISPUTE_PATH, &Method::POST) => submit_dispute(deps, &req).await,
            (DISPUTE_PATH, _) => ApiError::method_not_allowed("GET, HEAD, POST").into_response(locale()),
            _ => ApiError::not_found().into_response(locale()),
        }
    }
    .instrument(span)
    .await;
    Ok(reset_http::finish(&method, response))
}

/// A confirm refused at the edge, while parsing (a malformed token, a password outside the length
/// policy): audited like the refusals the use case meets itself.
fn refused(err: ConfirmError) -> ApiError {
    reset_core::audit_refusal(&err);
    err.into()
}

async fn confirm<A: Adapters<Users: ConfirmUsers>, B: BreachedPasswords>(
    deps: &ConfirmDeps<A, B>,
    req: &Request,
    locale: Locale,
) -> Result<Response<Body>, ApiError> {
    limit_source_ip(&deps.common, req, deps.common.settings.rate_limits.ip_per_minute).await?;
    let body: ConfirmBody = read_json(req).map_err(|err| ApiError::from_body(err, JSON_SHAPE))?;
    let requester = reset_http::requester(req, &deps.common.settings, locale);
    let policy = deps.common.settings.password_policy;
    match body {
        ConfirmBody::Token(body) => {
            let token = ResetToken::parse(&body.token).map_err(|invalid| refused(invalid.into()))?;
            let password = NewPassword::parse(body.password.expose_secret(), policy).map_err(|weak| refused(weak.into()))?;
            reset_core::confirm_reset(deps, &token, password, &requester).await?;
        }
        ConfirmBody::Code(body) => {
            let email = Email::parse(&body.email)?;
            let code = parse_code(body.code.expose_secret())?;
            let password = NewPassword::parse(body.password.expose_secret(), policy).map_err(|weak| refused(weak.into()))?;
            reset_core::confirm_code(deps, &email, &code, password, &requester).await?;
        }
    }
    Ok(json_response(StatusCode::OK, changed_body(locale)))
}

/// A code as typed; one not shaped like a code is refused (and audited) before anything is read.
fn parse_code(typed: &str) -> Result<Code, ApiError> {
    Code::parse(typed).map_err(|_| refused(ConfirmError::InvalidCode(reset_core::CodeRejected::Malformed)))
}

/// `Set-Cookie` for the token, scoped to the reset page.
fn token_cookie(token: &str, max_age: u64) -> String {
    format!("{COOKIE}={token}; Max-Age={max_age}; Path=/; HttpOnly; Secure; SameSite=Strict")
}

fn clear_cookie(mut response: Response<Body>) -> Response<Body> {
    reset_http::set_cookie(&mut response, token_cookie("", 0));
    response
}

/// Where a token came from: only a dead token that came from the cookie clears the cookie (a bad
/// link, or a request that did not carry the cookie, must not end a reset in progress: a request
/// from another site never carries the Strict cookie, and clearing it there would let any site
/// end a live reset, so that the next link replaced it without the question).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    Link,
    Cookie,
}

/// The token a page request's cookie holds, checked; a request without the cookie gets the
/// "invalid or expired link" answer and no `Set-Cookie`.
async fn cookie_token<A: Adapters<Users: ConfirmUsers>, B: BreachedPasswords>(
    deps: &ConfirmDeps<A, B>,
    req: &Request,
    reader: &Reader<'_>,
) -> Result<(ResetToken, reset_core::CheckedToken), Response<Body>> {
    match reset_http::cookie(req, COOKIE) {
        Some(raw) => checked_token(deps, raw).await.map_err(|err| failure_page(reader, err, Source::Cookie)),
        None => Err(failure_page(reader, ApiError::invalid_token(), Source::Link)),
    }
}

/// A token failure or outage as a page; a dead token's cookie is cleared.
fn failure_page(reader: &Reader, err: ApiError, source: Source) -> Response<Body> {
    let dead_cookie = err.code == ErrorCode::InvalidOrExpiredToken && source == Source::Cookie;
    let page = err.into_page(reader);
    if dead_cookie { clear_cookie(page) } else { page }
}

/// Where a page request came from, as far as the Strict cookie is concerned.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Arrival {
    /// From one of this origin's own pages: the cookie came along, and `switch=1` is the
    /// reader's answer to the question page.
    SameOrigin,
    /// Typed, bookmarked, from a desktop mail client (`none`) or a sibling subdomain
    /// (`same-site`): the cookie came along, but the request is not one of our pages' own.
    WithCookie,
    /// From another site, or the request cannot say: a Strict cookie would not have come along.
    Unproven,
}

/// `Sec-Fetch-Site` decides when present; without it (old browsers, scanners), a `Referer` with
/// the page's origin means same-origin (the hop and question pages send one, see the module doc)
/// and anything else is unproven.
fn arrival(req: &Request, page: &Url) -> Arrival {
    match req.headers().get("sec-fetch-site").map(|v| v.as_bytes()) {
        Some(b"same-origin") => Arrival::SameOrigin,
        Some(b"same-site" | b"none") => Arrival::WithCookie,
        Some(_) => Arrival::Unproven,
        None => {
            let referer = req.headers().get(header::REFERER).and_then(|v| v.to_str().ok()).and_then(|v| Url::parse(v).ok());
            match referer.is_some_and(|referer| referer.origin() == page.origin()) {
                true => Arrival::SameOrigin,
                false => Arrival::Unproven,
            }
        }
    }
}

/// A page whose links must tell, in browsers without `Sec-Fetch-Site`, that they were followed
/// from this origin: the `Referer` they send is the origin alone (never the token in the query).
fn referring_origin(mut response: Response<Body>) -> Response<Body> {
    response.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin"));
    response
}

/// GET/HEAD: from the emailed link (token in the query) check it and, on a request that carries
/// the live cookie, move it into the cookie (asking first if the cookie holds another account's
/// reset); from another site, hop. Without a link, show the form if the cookie's token is still
/// good. Nothing is written.
async fn show<A: Adapters<Users: ConfirmUsers>, B: BreachedPasswords>(deps: &ConfirmDeps<A, B>, req: &Request) -> Response<Body> {
    let settings = &deps.common.settings;
    let reader = reset_http::reader(req, settings);
    if let Err(limited) = limit_source_ip(&deps.common, req, settings.rate_limits.ip_per_minute).await {
        return limited.into_page(&reader);
    }
    let query = |name: &str| req.query_string_parameters_ref().and_then(|q| q.first(name)).map(str::to_owned);
    if query("token").is_none() && query("code").is_some() {
        // Its post must show where it came from (below): `strict-origin`, so that a browser
        // without `Sec-Fetch-Site` sends this origin, not `null`, as the post's `Origin`.
        return referring_origin(html_response(settings, StatusCode::OK, pages::code_form(&reader, "", &[])));
    }
    let Some(link) = query("token") else {
        return match cookie_token(deps, req, &reader).await {
            Ok((_, checked)) => {
                let form = pages::reset_form(&reader, checked.purpose.into(), &account(&checked, &reader), &checked.token_id, &[]);
                html_response(settings, StatusCode::OK, form)
            }
            Err(page) => page,
        };
    };
    let (token, checked) = match checked_token(deps, &link).await {
        Ok(ok) => ok,
        Err(err) => return failure_page(&reader, err, Source::Link),
    };
    let again = settings.reset_link(token.as_ref(), reader.chosen.then_some(reader.locale));
    let arrival = arrival(req, &settings.reset_page_url);
    if arrival == Arrival::Unproven {
        // A webmail click (or a browser that cannot say it was not one): this request would not
        // carry a live reset's cookie, so it sets none and hops to the link again, same-site.
        // Back here still unproven (no `Referer` on a refresh): no refresh again, no loop.
        let refresh = query("hop").is_none();
        let page = pages::continue_to_form(&reader, checked.purpose.into(), &format!("{again}&hop=1"), refresh);
        return referring_origin(html_response(settings, StatusCode::OK, page));
    }
    // A live reset for another account in this browser is not replaced without asking (an
    // attacker's link opened in the victim's browser would make the victim change the attacker's
    // password); only the question page's own answer skips the question. The answer names the
    // reset it replaces (the live token's id, which only the question page shows), so no URL made
    // elsewhere holds it, and it counts only on a same-origin request.
    if let Some(live) = reset_http::cookie(req, COOKIE).filter(|live| *live != token.as_ref()) {
        match checked_token(deps, live).await {
            Ok((_, current)) if current.user.id != checked.user.id => {
                let answered = arrival == Arrival::SameOrigin && query("switch").as_deref() == Some(current.token_id.as_str());
                if !answered {
                    let answer = format!("{again}&switch={}", current.token_id);
                    let page = pages::switch_account(&reader, &account(&current, &reader), &account(&checked, &reader), &answer);
                    return referring_origin(html_response(settings, StatusCode::OK, page));
                }
            }
            // The same account, or a dead reset: nothing to protect.
            Ok(_) => {}
            Err(err) if err.code == ErrorCode::InvalidOrExpiredToken => {}
            // Whether the live reset is another account's cannot be told now: replace nothing.
            Err(err) => return failure_page(&reader, err, Source::Link),
        }
    }
    to_form(&reader, &token, &checked)
}

/// The token into the cookie, and the browser to the form (`303`): the end of a link's way in,
/// and of a right code's.
fn to_form(reader: &Reader, token: &ResetToken, checked: &CheckedToken) -> Response<Body> {
    let settings = reader.settings;
    let max_age = checked.expires_at.saturating_sub(unix_now()).min(COOKIE_MAX_AGE);
    let mut redirect = html_response(settings, StatusCode::SEE_OTHER, String::new());
    if let Ok(location) = HeaderValue::from_str(&reader.link(&settings.reset_page_url)) {
        redirect.headers_mut().insert(header::LOCATION, location);
    }
    reset_http::set_cookie(&mut redirect, token_cookie(token.as_ref(), max_age));
    redirect
}

/// The account a page names: its address masked, or "your account".
fn account(checked: &CheckedToken, reader: &Reader) -> String {
    checked.user.email.masked(reader.locale)
}

/// A token as the pages take it (the link's or the cookie's), checked completely.
async fn checked_token<A: Adapters<Users: ConfirmUsers>, B: BreachedPasswords>(
    deps: &ConfirmDeps<A, B>,
    raw: &str,
) -> Result<(ResetToken, reset_core::CheckedToken), ApiError> {
    match ResetToken::parse(raw) {
        Ok(token) => reset_core::check_token(deps, &token).await.map(|checked| (token, checked)).map_err(ApiError::from),
        Err(invalid) => Err(refused(invalid.into())),
    }
}

/// POST: the form's new password, applied exactly as the JSON confirm does.
async fn submit<A: Adapters<Users: ConfirmUsers>, B: BreachedPasswords>(deps: &ConfirmDeps<A, B>, req: &Request) -> Response<Body> {
    let settings = &deps.common.settings;
    let reader = reset_http::reader(req, settings);
    if let Err(refused) = reset_http::check_form_origin(req, &settings.reset_page_url) {
        return refused.into_page(&reader);
    }
    if let Err(limited) = limit_source_ip(&deps.common, req, settings.rate_limits.ip_per_minute).await {
        return limited.into_page(&reader);
    }
    // The code page's form (it alone has a `code` field): no cookie yet.
    if let Ok(form) = read_form(req)
        && form.field("code").is_ok()
    {
        if !from_the_code_page(req, &settings.reset_page_url) {
            tracing::warn!(
                audit = "form_refused",
                outcome = "cross_origin",
                reason = "code_form_unproven",
                metric = "cross_origin_form",
                "code form post that did not show it came from this origin refused"
            );
            return ApiError::cross_origin_form().into_page(&reader);
        }
        return submit_code(deps, &reader, &form).await;
    }
    // The form names the account it changes; the token is checked first so the page can say
    // which (whatever else is wrong with the submission).
    let (_, checked) = match cookie_token(deps, req, &reader).await {
        Ok(ok) => ok,
        Err(page) => return page,
    };
    let account = account(&checked, &reader);
    // An invitation's form and its outcome say "your password", not "a new password".
    let wording = Wording::from(checked.purpose);
    let form = match read_form(req) {
        Ok(form) => form,
        Err(err) => return ApiError::from_body(err, FORM_SHAPE).into_page(&reader),
    };
    // The form names the link it was shown for; the cookie may hold another one by now (another
    // tab opened another link): that post changes nothing.
    if form.field("link").ok() != Some(checked.token_id.as_str()) {
        tracing::warn!(audit = "form_refused", outcome = "other_link", "reset form posted for another link than the cookie's; nothing changed");
        return html_response(settings, StatusCode::CONFLICT, pages::other_link(&reader, &account));
    }
    let link_id = checked.token_id.clone();
    let fields = form.field("password").and_then(|password| Ok((password.to_owned(), form.field("confirm")?.to_owned())));
    let (password, again) = match fields {
        Ok(fields) => fields,
        Err(err) => return ApiError::from_body(err, FORM_SHAPE).into_page(&reader),
    };
    let (password, again) = (SecretString::from(password), SecretString::from(again));
    if password.expose_secret() != again.expose_secret() {
        let differ = ApiError::passwords_differ();
        return html_response(settings, differ.status(), pages::reset_form(&reader, wording, &account, &link_id, &[reader.text(&differ.message)]));
    }
    let password = match NewPassword::parse(password.expose_secret(), settings.password_policy) {
        Ok(password) => password,
        Err(weak) => return weak_password_form(&reader, wording, &account, &link_id, refused(weak.into())),
    };
    // The token was checked above (to name the account): no second read of the user.
    let requester = reset_http::requester(req, settings, reader.locale);
    match reset_core::confirm_checked(deps, checked, password, &requester).await {
        Ok(_) => clear_cookie(html_response(settings, StatusCode::OK, pages::password_changed(&reader, wording, &account))),
        Err(ConfirmError::WeakPassword(weak)) => weak_password_form(&reader, wording, &account, &link_id, ApiError::from(weak)),
        Err(err) => failure_page(&reader, ApiError::from(err), Source::Cookie),
    }
}

/// Whether a code form's post shows it came from this origin's own page. Stricter than the
/// other forms' check (`reset_http::check_form_origin`, which lets a post without either header
/// through because the Strict cookie it needs cannot come along cross-site): this post needs no
/// cookie and sets one, so a cross-site post (an old browser's `Origin: null` from a sandboxed
/// frame or a redirect) could plant the poster's reset in the reader's browser. `Sec-Fetch-Site:
/// same-origin`, or without it an `Origin` of this page's origin (the code page is sent with
/// `strict-origin`, so browsers do send it); anything else is refused, and such a browser still
/// has the link.
fn from_the_code_page(req: &Request, page: &Url) -> bool {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    match header("sec-fetch-site") {
        Some(site) => site == "same-origin",
        None => header("origin").is_some_and(|origin| origin == page.origin().ascii_serialization()),
    }
}

/// POST of the code page: the address and the code; a right code becomes its link's token in the
/// cookie, and the browser goes to the usual form. Anything refused shows the code page again
/// with why (the address as typed kept in its field), with the status the JSON answer would have.
async fn submit_code<A: Adapters<Users: ConfirmUsers>, B: BreachedPasswords>(
    deps: &ConfirmDeps<A, B>,
    reader: &Reader<'_>,
    form: &reset_http::Form,
) -> Response<Body> {
    let settings = reader.settings;
    let (typed_email, typed_code) = match form.field("email").and_then(|email| Ok((email, form.field("code")?))) {
        Ok(fields) => fields,
        Err(err) => return ApiError::from_body(err, CODE_FORM_SHAPE).into_page(reader),
    };
    let again = |err: ApiError| {
        let mut page = referring_origin(html_response(settings, err.status(), pages::code_form(reader, typed_email, &[reader.text(&err.message)])));
        if err.code == ErrorCode::TooManyCodeAttempts
            && let Some(retry_after) = err.retry_after()
        {
            page.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        page
    };
    let email = match Email::parse(typed_email) {
        Ok(email) => email,
        Err(invalid) => return again(invalid.into()),
    };
    let code = match parse_code(typed_code) {
        Ok(code) => code,
        Err(err) => return again(err),
    };
    match reset_core::exchange_code(deps, &email, &code).await {
        Ok((token, checked)) => to_form(reader, &token, &checked),
        Err(err @ (ConfirmError::InvalidCode(_) | ConfirmError::CodeAttemptsSpent { .. })) => again(err.into()),
        Err(err) => ApiError::from(err).into_page(reader),
    }
}

/// The form again, with the reasons the password was refused.
fn weak_password_form(reader: &Reader, wording: Wording, account: &str, link_id: &str, refused: ApiError) -> Response<Body> {
    let status = refused.status();
    let errors: Vec<String> = refused.reasons.iter().map(|p| p.message(reader.locale)).collect();
    html_response(reader.settings, status, pages::reset_form(reader, wording, account, link_id, &errors))
}

/// A dispute link as the page takes it (the query's or the form's), checked completely.
async fn checked_dispute<A: Adapters<Users: ConfirmUsers>, B: BreachedPasswords>(
    deps: &ConfirmDeps<A, B>,
    raw: Option<&str>,
) -> Result<(ResetToken, CheckedToken), ApiError> {
    match raw.map(ResetToken::parse) {
        Some(Ok(token)) => reset_core::check_dispute(deps, &token).await.map(|checked| (token, checked)).map_err(ApiError::from),
        Some(Err(invalid)) => {
            let err = ConfirmError::from(invalid);
            reset_core::audit_dispute_refusal(&err);
            Err(err.into())
        }
        None => Err(ApiError::invalid_token()),
    }
}

/// A dispute refused or failed, as a page: a dead link gets "this link no longer works" (with
/// the status every token failure has), an outage the "try again" page.
fn dispute_failure(reader: &Reader, err: ApiError) -> Response<Body> {
    match err.code {
        ErrorCode::InvalidOrExpiredToken => html_response(reader.settings, err.status(), pages::dispute_invalid(reader)),
        _ => err.into_page(reader),
    }
}

/// GET/HEAD: the "this wasn't me" page for a good dispute link. Nothing is written.
async fn show_dispute<A: Adapters<Users: ConfirmUsers>, B: BreachedPasswords>(deps: &ConfirmDeps<A, B>, req: &Request) -> Response<Body> {
    let settings = &deps.common.settings;
    let reader = reset_http::reader(req, settings);
    if let Err(limited) = limit_source_ip(&deps.common, req, settings.rate_limits.ip_per_minute).await {
        return limited.into_page(&reader);
    }
    let raw = req.query_string_parameters_ref().and_then(|q| q.first("token")).map(str::to_owned);
    match checked_dispute(deps, raw.as_deref()).await {
        Ok((token, checked)) => {
            html_response(settings, StatusCode::OK, pages::secure_account(&reader, &account(&checked, &reader), DISPUTE_PATH, token.as_ref()))
        }
        Err(err) => dispute_failure(&reader, err),
    }
}

/// POST: the button. The link is verified again, then the account is locked (one conditional
/// write, with its event); a second press finds the account changed and gets the dead-link page.
async fn submit_dispute<A: Adapters<Users: ConfirmUsers>, B: BreachedPasswords>(deps: &ConfirmDeps<A, B>, req: &Request) -> Response<Body> {
    let settings = &deps.common.settings;
    let reader = reset_http::reader(req, settings);
    // The origin a post must come from: the dispute page's where this function is told it (the
    // template tells only the mail worker), else the reset page's, which by default is this API's
    // own. (Behind a ResetPageUrl on another origin, a browser that sends no Sec-Fetch-Site but
    // an Origin is refused here; every current browser sends Sec-Fetch-Site.)
    let page = settings.dispute_page_url.as_ref().unwrap_or(&settings.reset_page_url);
    if let Err(refused) = reset_http::check_form_origin(req, page) {
        return refused.into_page(&reader);
    }
    if let Err(limited) = limit_source_ip(&deps.common, req, settings.rate_limits.ip_per_minute).await {
        return limited.into_page(&reader);
    }
    let form = match read_form(req) {
        Ok(form) => form,
        Err(err) => return ApiError::from_body(err, DISPUTE_FORM_SHAPE).into_page(&reader),
    };
    let token = match form.field("token").map(ResetToken::parse) {
        Ok(Ok(token)) => token,
        Ok(Err(invalid)) => {
            let err = ConfirmError::from(invalid);
            reset_core::audit_dispute_refusal(&err);
            return dispute_failure(&reader, err.into());
        }
        Err(err) => return ApiError::from_body(err, DISPUTE_FORM_SHAPE).into_page(&reader),
    };
    let requester = reset_http::requester(req, settings, reader.locale);
    match reset_core::dispute_change(deps, &token, &requester).await {
        Ok(locked) => {
            let account = locked.user.email.masked(reader.locale);
            html_response(settings, StatusCode::OK, pages::account_locked(&reader, &account))
        }
        Err(err) => dispute_failure(&reader, err.into()),
    }
}

//! admin-api: an operator starts a reset. `POST /admin/reset` forces a reset of one user (optionally
//! blocking sign-in until then and ending sessions); `POST /admin/invite` sends a user with no
//! password a "choose your password" link. Both queue one job for the mail worker
//! (`reset_core::start_operator_reset`) and answer `202` with its id.
//!
//! Invariant: nothing is read or changed for a caller that is not an operator. API Gateway's
//! `AWS_IAM` authorizer is the first wall (an unsigned request never reaches the function); this
//! handler is the second: a request whose context carries no IAM identity (`cargo lambda watch`
//! has no authorizer; a route deployed without it) or whose signer `ADMIN_CALLER_ARNS` does not
//! name ([`Callers`]) is refused with `403` before its path, method or body is looked at. Every
//! call, accepted or refused, is audited with the signer's ARN (`audit = "admin_call"`); the
//! operator the use case records (and its events carry) is that ARN.

mod callers;
mod error;

use std::convert::Infallible;

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use reset_core::domain::UserId;
use reset_core::domain::mail_job::OperatorAction;
use reset_core::ports::{CampaignLedger, ForceReset, GetUser};
use reset_core::{Adapters, OperatorDeps, OperatorRequest, Started};
use reset_http::{BodyError, json_response, read_json};
use reset_text::Locale;
use serde::{Deserialize, Serialize};
use tracing::Instrument as _;

pub use callers::{Callers, CallersError};
pub use error::AdminError;

pub const RESET_PATH: &str = "/admin/reset";
pub const INVITE_PATH: &str = "/admin/invite";

/// What the function holds: the operator's deps (`reset_wiring::operator`, without campaigns) and
/// who may call.
pub struct Admin<A: Adapters> {
    pub deps: OperatorDeps<A>,
    pub callers: Callers,
}

impl<A: Adapters> Admin<A> {
    /// Says at cold start when no one may call (every call will be refused).
    pub fn new(deps: OperatorDeps<A>, callers: Callers) -> Self {
        if callers.is_empty() {
            tracing::warn!("ADMIN_CALLER_ARNS is empty: every admin call will be refused with 403 until a role or user is named");
        }
        Admin { deps, callers }
    }
}

/// `POST /admin/reset`'s body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetBody {
    user_id: String,
    #[serde(default)]
    block_sign_in: bool,
    #[serde(default)]
    end_sessions: bool,
    #[serde(default)]
    locale: Option<String>,
}

/// `POST /admin/invite`'s body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InviteBody {
    user_id: String,
    #[serde(default)]
    locale: Option<String>,
}

/// The `202` answer.
#[derive(Serialize)]
struct AcceptedBody<'a> {
    job_id: &'a str,
    user_id: &'a str,
    action: &'static str,
    blocked_sign_in: bool,
    ended_sessions: bool,
}

pub async fn handle<A: Adapters<Users: GetUser + ForceReset, Ledger: CampaignLedger>>(admin: &Admin<A>, req: Request) -> Result<Response<Body>, Infallible> {
    let method = req.method().clone();
    let span = reset_http::request_span(&req, &admin.deps.common.settings);
    let response = async {
        let caller = reset_http::iam_caller(&req);
        let action = action_of(reset_http::route_path(&req));
        let outcome = answer(admin, &req, caller, action).await;
        audit(&outcome, caller, &method, action);
        match outcome {
            Ok((request, started)) => accepted(&request, &started),
            Err(err) => err.into_response(),
        }
    }
    .instrument(span)
    .await;
    Ok(reset_http::finish(&method, response))
}

fn action_of(path: &str) -> Option<OperatorAction> {
    match path {
        RESET_PATH => Some(OperatorAction::ForcedReset),
        INVITE_PATH => Some(OperatorAction::Invitation),
        _ => None,
    }
}

/// The caller first (nothing about the request is looked at for a caller that may not call), then
/// the route, the body, and the use case.
async fn answer<A: Adapters<Users: GetUser + ForceReset, Ledger: CampaignLedger>>(
    admin: &Admin<A>,
    req: &Request,
    caller: Option<&str>,
    action: Option<OperatorAction>,
) -> Result<(OperatorRequest, Started), AdminError> {
    let caller = caller.ok_or(AdminError::Unsigned)?;
    if admin.callers.is_empty() {
        return Err(AdminError::NoCallers);
    }
    if !admin.callers.allows(caller) {
        return Err(AdminError::NotAllowed);
    }
    let action = action.ok_or(AdminError::NotFound)?;
    if req.method() != Method::POST {
        return Err(AdminError::MethodNotAllowed);
    }
    let request = read_request(req, action, caller)?;
    let started = reset_core::start_operator_reset(&admin.deps, &request).await?;
    Ok((request, started))
}

/// The body, parsed into the use case's request (`operator` is the signer's ARN).
fn read_request(req: &Request, action: OperatorAction, caller: &str) -> Result<OperatorRequest, AdminError> {
    let body_error = |shape: &'static str| {
        move |err| match err {
            BodyError::Malformed => AdminError::MalformedJson,
            BodyError::Shape => AdminError::Shape { shape },
            BodyError::MediaType(_) | BodyError::TooLarge => AdminError::Unreadable(err),
        }
    };
    let (user_id, block_sign_in, end_sessions, locale) = match action {
        OperatorAction::ForcedReset => {
            let body: ResetBody = read_json(req)
                .map_err(body_error("user_id (a string), and optionally block_sign_in and end_sessions (booleans, default false) and locale (a BCP 47 tag)"))?;
            (body.user_id, body.block_sign_in, body.end_sessions, body.locale)
        }
        OperatorAction::Invitation => {
            let body: InviteBody = read_json(req).map_err(body_error("user_id (a string), and optionally locale (a BCP 47 tag)"))?;
            (body.user_id, false, false, body.locale)
        }
    };
    let user_id = UserId::parse(&user_id)?;
    // A BCP 47 tag (as openapi-admin.yaml documents it) naming a language we write mails in, kept
    // as its own tag (`de-AT` is `de`); else a clear 400 rather than a mail in the default language
    // the operator did not ask for.
    let locale = locale.map(|tag| bcp47_shaped(&tag).then(|| Locale::matching(&tag)).flatten().map(|l| l.tag().to_owned()).ok_or(AdminError::UnknownLocale));
    let locale = locale.transpose()?;
    Ok(OperatorRequest { user_id, action, block_sign_in, end_sessions, operator: caller.to_owned(), campaign: None, locale })
}

/// `ll`, `lll`, then `-` and 2 to 8 letters or digits per subtag; at most 35 characters.
fn bcp47_shaped(tag: &str) -> bool {
    let mut subtags = tag.split('-');
    let language = subtags.next().unwrap_or_default();
    tag.len() <= 35
        && (2..=3).contains(&language.len())
        && language.bytes().all(|b| b.is_ascii_alphabetic())
        && subtags.all(|s| (2..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn accepted(request: &OperatorRequest, started: &Started) -> Response<Body> {
    let body = AcceptedBody {
        job_id: &started.job_id,
        user_id: request.user_id.as_ref(),
        action: request.action.as_str(),
        blocked_sign_in: started.blocked_sign_in,
        ended_sessions: started.ended_sessions,
    };
    // A struct of strings and booleans always serializes; the fallback is never sent.
    let body = serde_json::to_string(&body).unwrap_or_else(|_| "{}".to_owned());
    json_response(StatusCode::ACCEPTED, body)
}

/// One audit line per call, with the signer's ARN (`-` when none) and the route asked for; a
/// refused identity also counts in the `admin_call_refused` metric.
fn audit(outcome: &Result<(OperatorRequest, Started), AdminError>, caller: Option<&str>, method: &Method, action: Option<OperatorAction>) {
    let caller = caller.unwrap_or("-");
    let path = match action {
        Some(OperatorAction::ForcedReset) => RESET_PATH,
        Some(OperatorAction::Invitation) => INVITE_PATH,
        // Not the path as sent: a caller we may not know chose it.
        None => "(unrouted)",
    };
    let route = format!("{method} {path}");
    match outcome {
        Ok((request, started)) => tracing::info!(
            audit = "admin_call",
            outcome = "accepted",
            caller,
            route,
            status = 202,
            user_id = %request.user_id,
            job_id = %started.job_id,
            "an admin call was accepted"
        ),
        Err(err) if err.refuses_the_caller() => {
            let reason = match err {
                AdminError::Unsigned => "no IAM identity in the request context",
                AdminError::NoCallers => "ADMIN_CALLER_ARNS is empty: no one may call",
                _ => "the caller is not in ADMIN_CALLER_ARNS",
            };
            tracing::warn!(
                audit = "admin_call",
                outcome = "forbidden",
                caller,
                route,
                status = 403,
                reason,
                metric = "admin_call_refused",
                "an admin call was refused"
            );
        }
        Err(err) => {
            let (status, code) = err.status_and_code();
            tracing::info!(audit = "admin_call", outcome = code, caller, route, status = status.as_u16(), "an admin call was not started");
        }
    }
}

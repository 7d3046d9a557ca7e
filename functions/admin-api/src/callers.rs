//! Who may call the admin API: the IAM roles and users `ADMIN_CALLER_ARNS` names. API Gateway's
//! `AWS_IAM` authorizer has checked the signature and hands over the signer's ARN
//! ([`reset_http::iam_caller`]); this list says whether that signer is an operator.
//!
//! A role is named by its ARN (`arn:aws:iam::ACCOUNT:role/PATH/NAME`); whoever assumed it calls as
//! `arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`, with no path (IAM leaves it out) and a session
//! name the caller chose, so a role matches any session of it, in its own partition and account.
//! A user is named by its ARN, path included, and matches exactly. Nothing else is taken: no
//! wildcard, no single session of a role (its caller names the session, so naming one restricts
//! nothing), no account root.

/// One allowed principal.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Allowed {
    /// Any session of this role.
    Role { partition: String, account: String, name: String },
    /// This IAM user, by its whole ARN.
    User(String),
}

/// The parsed `ADMIN_CALLER_ARNS`. Empty: no one may call (every call is refused with 403, and a
/// log line says why), which is how the template deploys the admin API until someone is named.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Callers(Vec<Allowed>);

/// Every entry of `ADMIN_CALLER_ARNS` that is not a role or user ARN, each with its reason.
#[derive(Debug, thiserror::Error)]
#[error("ADMIN_CALLER_ARNS: {}", .0.join("; "))]
pub struct CallersError(pub Vec<String>);

/// An ARN's fields, for the IAM and STS ARNs this list deals in (no region, a 12-digit account).
struct Arn<'a> {
    partition: &'a str,
    service: &'a str,
    account: &'a str,
    resource: &'a str,
}

fn arn(text: &str) -> Option<Arn<'_>> {
    let mut parts = text.splitn(6, ':');
    if parts.next()? != "arn" {
        return None;
    }
    let (partition, service, region, account, resource) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    // aws, aws-cn, aws-us-gov, ...
    let partition_ok = partition.starts_with("aws") && partition.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    (partition_ok && account_ok && region.is_empty()).then_some(Arn { partition, service, account, resource })
}

/// An IAM role or user name (and an STS session name): letters, digits and `+=,.@_-`.
fn is_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

/// `PATH/NAME` after `role/` or `user/`: the name, if the path's segments are printable ASCII.
fn name_after_path(rest: &str) -> Option<&str> {
    let (path, name) = rest.rsplit_once('/').unwrap_or(("", rest));
    let path_ok = path.is_empty() || (path.len() <= 512 && path.split('/').all(|segment| !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_graphic())));
    (path_ok && is_name(name)).then_some(name)
}

fn entry(text: &str) -> Result<Allowed, String> {
    const SHAPE: &str = "is not an IAM role or user ARN (arn:aws:iam::ACCOUNT:role/NAME or arn:aws:iam::ACCOUNT:user/NAME)";
    if text.contains(['*', '?']) {
        return Err(format!("{text:?}: wildcards are not taken; name each role or user"));
    }
    let Some(parsed) = arn(text) else { return Err(format!("{text:?} {SHAPE}")) };
    match (parsed.service, parsed.resource.split_once('/')) {
        ("iam", Some(("role", rest))) => match name_after_path(rest) {
            Some(name) => Ok(Allowed::Role { partition: parsed.partition.to_owned(), account: parsed.account.to_owned(), name: name.to_owned() }),
            None => Err(format!("{text:?} {SHAPE}")),
        },
        ("iam", Some(("user", rest))) if name_after_path(rest).is_some() => Ok(Allowed::User(text.to_owned())),
        ("sts", Some(("assumed-role", _))) => Err(format!(
            "{text:?} names one session of a role, and a caller chooses its session's name: name the role (arn:{}:iam::{}:role/NAME)",
            parsed.partition, parsed.account
        )),
        _ => Err(format!("{text:?} {SHAPE}")),
    }
}

impl Callers {
    /// The allow-list from `ADMIN_CALLER_ARNS`'s entries (`reset_wiring::Config::admin_caller_arns`);
    /// every entry that is not a role or user ARN is reported, each with its reason.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, CallersError> {
        let (allowed, problems): (Vec<_>, Vec<_>) = entries.iter().map(|e| entry(e.as_ref())).partition(Result::is_ok);
        if problems.is_empty() {
            Ok(Callers(allowed.into_iter().filter_map(Result::ok).collect()))
        } else {
            Err(CallersError(problems.into_iter().filter_map(Result::err).collect()))
        }
    }

    /// No one may call.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `caller` (the ARN API Gateway's IAM authorizer verified) is one of the listed roles'
    /// sessions or one of the listed users.
    pub fn allows(&self, caller: &str) -> bool {
        let Some(parsed) = arn(caller) else { return false };
        match (parsed.service, parsed.resource.split_once('/')) {
            ("sts", Some(("assumed-role", rest))) => {
                let Some((role, session)) = rest.split_once('/') else { return false };
                if !is_name(role) || !is_name(session) {
                    return false;
                }
                self.0.iter().any(|allowed| {
                    matches!(allowed, Allowed::Role { partition, account, name } if partition == parsed.partition && account == parsed.account && name == role)
                })
            }
            ("iam", Some(("user", _))) => self.0.iter().any(|allowed| matches!(allowed, Allowed::User(user) if user == caller)),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLE: &str = "arn:aws:iam::123456789012:role/ResetOperators";
    const ROLE_WITH_PATH: &str = "arn:aws:iam::123456789012:role/ops/team-a/ResetOperators";
    const USER: &str = "arn:aws:iam::123456789012:user/admins/alice";

    fn callers(entries: &[&str]) -> Callers {
        Callers::parse(entries).unwrap()
    }

    #[test]
    fn a_role_admits_any_session_of_it_in_its_own_account_and_partition() {
        for listed in [ROLE, ROLE_WITH_PATH] {
            let callers = callers(&[listed]);
            assert!(callers.allows("arn:aws:sts::123456789012:assumed-role/ResetOperators/alice"), "{listed}");
            assert!(callers.allows("arn:aws:sts::123456789012:assumed-role/ResetOperators/botocore-session-1700000000"), "{listed}");
            for other in [
                "arn:aws:sts::123456789012:assumed-role/ResetOperatorsX/alice",
                "arn:aws:sts::123456789012:assumed-role/resetoperators/alice",
                "arn:aws:sts::210987654321:assumed-role/ResetOperators/alice",
                "arn:aws-cn:sts::123456789012:assumed-role/ResetOperators/alice",
                // The path is never in an assumed-role ARN; one that carries it is not a caller's.
                "arn:aws:sts::123456789012:assumed-role/ops/team-a/ResetOperators/alice",
                "arn:aws:sts::123456789012:assumed-role/ResetOperators",
                "arn:aws:sts::123456789012:assumed-role/ResetOperators/",
                // The role's own ARN is never a caller's; nor a user of the same name.
                ROLE,
                "arn:aws:iam::123456789012:user/ResetOperators",
                "",
                "ResetOperators",
            ] {
                assert!(!callers.allows(other), "{listed} admitted {other}");
            }
        }
    }

    #[test]
    fn a_user_admits_itself_exactly() {
        let callers = callers(&[USER]);
        assert!(callers.allows(USER));
        for other in
            ["arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:user/admins/alice2", "arn:aws:sts::123456789012:assumed-role/alice/alice"]
        {
            assert!(!callers.allows(other), "{other}");
        }
    }

    #[test]
    fn an_empty_list_admits_no_one() {
        let callers = callers(&[]);
        assert!(callers.is_empty());
        assert!(!callers.allows("arn:aws:sts::123456789012:assumed-role/ResetOperators/alice"));
        assert!(!callers.allows(USER));
    }

    #[test]
    fn entries_that_are_not_a_role_or_a_user_are_each_refused_with_a_reason() {
        let cases = [
            ("*", "wildcards"),
            ("arn:aws:iam::123456789012:role/*", "wildcards"),
            ("arn:aws:sts::123456789012:assumed-role/ResetOperators/alice", "name the role (arn:aws:iam::123456789012:role/NAME)"),
            ("arn:aws:iam::123456789012:root", "is not an IAM role or user ARN"),
            ("arn:aws:iam::123456789012:group/admins", "is not an IAM role or user ARN"),
            ("arn:aws:iam::12345:role/ResetOperators", "is not an IAM role or user ARN"),
            ("arn:aws:iam:us-east-1:123456789012:role/ResetOperators", "is not an IAM role or user ARN"),
            ("arn:aws:iam::123456789012:role/", "is not an IAM role or user ARN"),
            ("arn:aws:iam::123456789012:role/ops//ResetOperators", "is not an IAM role or user ARN"),
            ("arn:aws:iam::123456789012:role/Reset Operators", "is not an IAM role or user ARN"),
            ("ResetOperators", "is not an IAM role or user ARN"),
        ];
        for (entry, reason) in cases {
            let err = Callers::parse(&[ROLE, entry]).unwrap_err().to_string();
            assert!(err.starts_with("ADMIN_CALLER_ARNS: ") && err.contains(reason), "{entry}: {err}");
        }
        // Every problem at once.
        let err = Callers::parse(&["*", ROLE, "nobody"]).unwrap_err();
        assert_eq!(err.0.len(), 2, "{err}");
        assert_eq!(callers(&[ROLE, USER, "arn:aws-us-gov:iam::123456789012:role/Ops"]).0.len(), 3);
    }
}

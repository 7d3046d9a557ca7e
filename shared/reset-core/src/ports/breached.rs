//! Passwords known from breaches (NIST SP 800-63B 3.1.1.2, ASVS 6.1.2): an optional check against
//! a corpus such as Have I Been Pwned's Pwned Passwords, off unless the operator turns it on.
//!
//! The check may not make a reset depend on a third party: when the corpus cannot answer in time,
//! the password is judged by the other rules alone and the miss is logged with a metric
//! (`breach_check_unavailable`). What leaves the process is the adapter's business, and the
//! adapter must keep it anonymous (k-anonymity: five hex digits of a SHA-1, `reset_aws::PwnedPasswords`).

use std::future::Future;

use crate::domain::{NewPassword, PasswordProblem, WeakPassword};

/// Whether a password appears in a corpus of breached passwords.
pub trait BreachedPasswords: Send + Sync {
    /// `Ok(true)` if the corpus holds `password`; an error if it could not say (it is then not
    /// held against the user). Must never send the password, or a hash that identifies it, away.
    fn is_breached(&self, password: &NewPassword) -> impl Future<Output = anyhow::Result<bool>> + Send;
}

/// The refusal a breached password gets, beside the other [`PasswordProblem`]s.
pub fn breached_problem() -> PasswordProblem {
    PasswordProblem::new("breached", reset_text::Msg::new("password-breached"))
}

/// Refuses a password the corpus holds; lets it through (and logs the miss) if the corpus could
/// not answer. `None`: the check is off.
pub async fn check_not_breached<B: BreachedPasswords>(corpus: Option<&B>, password: &NewPassword) -> Result<(), WeakPassword> {
    let Some(corpus) = corpus else { return Ok(()) };
    match corpus.is_breached(password).await {
        Ok(false) => Ok(()),
        Ok(true) => Err(WeakPassword(vec![breached_problem()])),
        Err(err) => {
            tracing::warn!(error = ?err, metric = "breach_check_unavailable", "breached-password check unavailable; the password was judged without it");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PasswordPolicy;
    use crate::memory::MemoryBreaches;

    fn password(raw: &str) -> NewPassword {
        NewPassword::parse(raw, PasswordPolicy::default()).unwrap()
    }

    #[tokio::test]
    async fn a_breached_password_is_refused_with_its_own_reason() {
        let corpus = MemoryBreaches::default();
        corpus.add("correct horse battery staple");
        let refused = check_not_breached(Some(&corpus), &password("correct horse battery staple")).await.unwrap_err();
        assert_eq!(refused.0.iter().map(|p| p.code).collect::<Vec<_>>(), ["breached"]);
        assert!(check_not_breached(Some(&corpus), &password("an unbreached long passphrase")).await.is_ok());
    }

    #[tokio::test]
    async fn an_unavailable_corpus_lets_the_password_through() {
        let corpus = MemoryBreaches::default();
        corpus.add("correct horse battery staple");
        corpus.outage.set(true);
        assert!(check_not_breached(Some(&corpus), &password("correct horse battery staple")).await.is_ok());
    }

    #[tokio::test]
    async fn off_asks_nothing() {
        let corpus = MemoryBreaches::default();
        corpus.add("correct horse battery staple");
        assert!(check_not_breached(None::<&MemoryBreaches>, &password("correct horse battery staple")).await.is_ok());
        assert_eq!(corpus.asked(), 0);
    }
}

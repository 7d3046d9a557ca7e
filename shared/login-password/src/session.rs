//! The session side of a reset: a session issued before the user's last password change is over.
//!
//! Every reset sets the user item's `password_changed_at` attribute (the name is the
//! `UserPasswordChangedAtAttribute` setting) to the Unix second of the change, as a DynamoDB
//! number. An application's session layer compares that with the second it issued the session
//! (a JWT's `iat`, or a time it keeps in its own session store):
//!
//! - issued strictly before the change: the session is ended (whoever held it may be the reason
//!   for the reset);
//! - issued in the same second as the change, or later: the session stands;
//! - no `password_changed_at` (the user never reset): the session stands.
//!
//! The same second stands because both times are whole seconds, so within one second nothing
//! tells which came first: a sign-in right after the reset (an application driving the JSON
//! confirm may sign the user in at once, with the new password) would otherwise be ended as soon
//! as it began, and the user sent back to a sign-in that then works a second later. What this
//! leaves open is a session issued in that second before the change, by someone who still had the
//! old password at that very moment; any session issued earlier is ended.
//!
//! [`session_is_current_stored`] takes the attribute as it is stored (DynamoDB numbers arrive as
//! strings, `"1733200000"`) and accepts only ASCII digits: anything else (`""`, a sign, a
//! fraction, an exponent, spaces, a value past `u64`) ends the session. A value the service never
//! writes means someone else wrote it, and this check must not be the thing that keeps a session
//! alive that a reset was meant to end; the cost is that such a user cannot keep a session until
//! the item is mended, which shows at once. docs/existing-users-table.md ("Sessions after a
//! reset") gives the same rule in Python and Node, tested against these functions.

/// True when a session issued at `session_issued_at` (Unix seconds) survives the user's last
/// password change at `password_changed_at` (Unix seconds; `None` when the user never reset):
/// it stands when issued in the same second as the change or later, or when there was no change,
/// and is ended when issued strictly before it.
#[must_use]
pub fn session_is_current(session_issued_at: u64, password_changed_at: Option<u64>) -> bool {
    match password_changed_at {
        None => true,
        Some(changed_at) => session_issued_at >= changed_at,
    }
}

/// [`session_is_current`] on the attribute as stored: `None` when the item has no
/// `password_changed_at` (not `Some("")`: an empty value is not a time), otherwise the number's
/// text as DynamoDB gives it. A value that [`parse_password_changed_at`] refuses ends the session.
/// Pass `None` only when the item has no such attribute: read a value of another type than the
/// number (a string your application wrote) as its text, so that it is judged, not skipped.
///
/// ```
/// use login_password::session_is_current_stored;
///
/// // With aws-sdk-dynamodb, from the user item:
/// // item.get("password_changed_at").map(|v| v.as_n().or_else(|_| v.as_s()).map_or("", |n| n.as_str()))
/// let changed_at = Some("1733200000");
/// assert!(!session_is_current_stored(1_733_199_999, changed_at), "issued before the reset: ended");
/// assert!(session_is_current_stored(1_733_200_000, changed_at), "the same second: stands");
/// assert!(session_is_current_stored(1_733_199_999, None), "never reset: stands");
/// assert!(!session_is_current_stored(1_733_200_000, Some("1.7332E9")), "not whole seconds: ended");
/// ```
#[must_use]
pub fn session_is_current_stored(session_issued_at: u64, password_changed_at: Option<&str>) -> bool {
    match password_changed_at {
        None => true,
        Some(stored) => parse_password_changed_at(stored).is_some_and(|changed_at| session_is_current(session_issued_at, Some(changed_at))),
    }
}

/// The stored `password_changed_at` as Unix seconds: one or more ASCII digits that fit a `u64`
/// (the service writes the number so, and DynamoDB gives a whole number back without a fraction
/// or an exponent); `None` for anything else, including a leading `+` that `u64::from_str` would
/// take.
#[must_use]
pub fn parse_password_changed_at(stored: &str) -> Option<u64> {
    if stored.is_empty() || !stored.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    stored.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHANGED: u64 = 1_733_200_000;

    #[test]
    fn a_session_issued_before_the_change_is_ended() {
        assert!(!session_is_current(CHANGED - 1, Some(CHANGED)));
        assert!(!session_is_current(0, Some(CHANGED)));
        assert!(!session_is_current_stored(CHANGED - 1, Some("1733200000")));
    }

    #[test]
    fn a_session_issued_in_the_same_second_as_the_change_stands() {
        assert!(session_is_current(CHANGED, Some(CHANGED)));
        assert!(session_is_current_stored(CHANGED, Some("1733200000")));
        assert!(session_is_current(0, Some(0)), "the same second at the very start of time");
    }

    #[test]
    fn a_session_issued_after_the_change_stands() {
        assert!(session_is_current(CHANGED + 1, Some(CHANGED)));
        assert!(session_is_current(u64::MAX, Some(CHANGED)));
        assert!(session_is_current_stored(CHANGED + 1, Some("1733200000")));
    }

    #[test]
    fn without_a_change_every_session_stands() {
        for issued_at in [0, CHANGED, u64::MAX] {
            assert!(session_is_current(issued_at, None));
            assert!(session_is_current_stored(issued_at, None));
        }
    }

    #[test]
    fn a_stored_value_that_is_not_whole_seconds_ends_the_session() {
        // Most would let a session issued at CHANGED + 10 stand if read leniently (trimmed, as a
        // float, with a sign, in hex, as other scripts' digits; JavaScript's Number("") is 0).
        let garbage = [
            "",
            "abc",
            "1733200000x",
            " 1733200000",
            "1733200000 ",
            "1733200000\n",
            "+1733200000",
            "-1",
            "1733200000.0",
            "1733200000.5",
            "1.7332E9",
            "0x674e0000",
            "１７３３２０００００",
            "١٧٣٣٢٠٠٠٠٠",
            "18446744073709551616",
        ];
        for stored in garbage {
            assert_eq!(parse_password_changed_at(stored), None, "{stored:?}");
            assert!(!session_is_current_stored(CHANGED + 10, Some(stored)), "{stored:?}");
        }
    }

    #[test]
    fn digits_parse_as_seconds() {
        assert_eq!(parse_password_changed_at("1733200000"), Some(CHANGED));
        assert_eq!(parse_password_changed_at("0"), Some(0));
        assert_eq!(parse_password_changed_at("01733200000"), Some(CHANGED), "leading zeros are still the number");
        assert_eq!(parse_password_changed_at("18446744073709551615"), Some(u64::MAX));
    }
}

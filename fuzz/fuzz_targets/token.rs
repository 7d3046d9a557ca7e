//! Token (and typed code) parsing and verification on arbitrary input: never a panic, and nothing but a token
//! this ring signed for this binding ever verifies.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reset_core::domain::ResetToken;
use reset_token::{Binding, KeyRing};

const KEY: &str = "fuzz-key-0123456789abcdefghijklmnopqrstuvwxyzABCDEF";
const NOW: u64 = 1_800_000_000;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let ring = KeyRing::new("k1", [("k1".to_string(), KEY.to_string())]).unwrap();
    let binding = Binding { user_id: "u1", email: "a@example.com", password_hash: "$argon2id$x", status: "", epoch: "" };
    let _ = ResetToken::parse(text);
    if let Ok(unbound) = ring.verify(text, NOW) {
        let _ = unbound.subject();
        // Random bytes cannot carry a valid HMAC for our key: reaching a bound claim is a bug.
        assert!(unbound.bind(binding).is_err(), "a fuzzed token verified and bound");
    }
    // A typed code: parsed or refused, never a panic; a parsed one shows as two groups of four
    // that read back as the same code.
    if let Ok(code) = reset_token::Code::parse(text) {
        let shown = code.to_string();
        assert_eq!(shown.len(), 9, "{shown}");
        assert!(reset_token::Code::parse(&shown).is_ok_and(|again| again.matches(&code)), "{shown}");
    }
    let _ = KeyRing::from_json(text);
    let _ = reset_token::HashRing::from_json(text);
});

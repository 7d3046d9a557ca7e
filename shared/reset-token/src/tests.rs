use super::*;
use jsonwebtoken::{EncodingKey, encode};
use serde_json::{Value, json};

const K1: &str = "k1-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";
const K2: &str = "k2-ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkj";
const NOW: u64 = 1_800_000_000;
const TTL: u64 = 1800;

fn ring(current: &str, keys: &[(&str, &str)]) -> KeyRing {
    KeyRing::new(current, keys.iter().map(|(k, v)| (k.to_string(), v.to_string()))).unwrap()
}

fn alice() -> Binding<'static> {
    Binding { user_id: "u-alice", email: "alice@example.com", password_hash: "$argon2id$v=19$old", status: "active", epoch: "" }
}

fn issue(ring: &KeyRing) -> String {
    ring.issue(alice(), NOW, TTL).unwrap().token
}

/// Signs an arbitrary header/payload with a raw key, as an attacker who knows (or guesses) it would.
fn forge(header: Header, payload: &Value, key: &str) -> String {
    encode(&header, payload, &EncodingKey::from_secret(key.as_bytes())).unwrap()
}

fn header(alg: Algorithm, kid: Option<&str>) -> Header {
    let mut h = Header::new(alg);
    h.kid = kid.map(str::to_owned);
    h
}

/// The payload a real token for alice carries, decoded without verification.
fn real_payload(ring: &KeyRing) -> Value {
    let token = issue(ring);
    let body = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&B64.decode(body).unwrap()).unwrap()
}

fn verify_bound(ring: &KeyRing, token: &str, now: u64, binding: Binding<'_>) -> Result<Claims, TokenError> {
    ring.verify(token, now)?.bind(binding)
}

#[test]
fn round_trip_yields_the_claims_it_was_issued_with() {
    let r = ring("k1", &[("k1", K1)]);
    let issued = r.issue(alice(), NOW, TTL).unwrap();
    assert_eq!(issued.expires_at, NOW + TTL);
    let claims = verify_bound(&r, &issued.token, NOW + 10, alice()).unwrap();
    assert_eq!(claims.user_id, "u-alice");
    assert_eq!((claims.issued_at, claims.expires_at), (NOW, NOW + TTL));
    assert_eq!(claims.token_id.len(), 22, "128-bit jti in base64url");
}

#[test]
fn every_token_has_a_fresh_id() {
    let r = ring("k1", &[("k1", K1)]);
    assert_ne!(issue(&r), issue(&r));
}

#[test]
fn the_header_names_the_current_key_and_the_pinned_algorithm() {
    let r = ring("k2", &[("k1", K1), ("k2", K2)]);
    let h = jsonwebtoken::decode_header(issue(&r)).unwrap();
    assert_eq!((h.alg, h.kid.as_deref()), (Algorithm::HS256, Some("k2")));
}

#[test]
fn the_token_holds_no_email_or_hash_in_clear() {
    let r = ring("k1", &[("k1", K1)]);
    let p = real_payload(&r);
    let text = p.to_string();
    assert!(!text.contains("alice@"), "{text}");
    assert!(!text.contains("argon2"), "{text}");
    assert_eq!(p["aud"], AUDIENCE);
}

#[test]
fn a_tampered_payload_fails_the_signature() {
    let r = ring("k1", &[("k1", K1)]);
    let token = issue(&r);
    let parts: Vec<&str> = token.split('.').collect();
    let mut payload = real_payload(&r);
    payload["sub"] = json!("u-mallory");
    let forged_body = B64.encode(payload.to_string());
    let tampered = format!("{}.{}.{}", parts[0], forged_body, parts[2]);
    assert_eq!(r.verify(&tampered, NOW).unwrap_err(), TokenError::BadSignature);
}

#[test]
fn a_tampered_header_is_refused() {
    let r = ring("k1", &[("k1", K1)]);
    let token = issue(&r);
    let parts: Vec<&str> = token.split('.').collect();
    let cases = [
        (json!({"alg": "HS256", "typ": "JWT", "kid": "k1", "x": 1}), TokenError::BadSignature),
        (json!({"alg": "HS512", "typ": "JWT", "kid": "k1"}), TokenError::WrongAlgorithm),
        (json!({"alg": "none", "typ": "JWT", "kid": "k1"}), TokenError::Malformed),
        (json!({"alg": "HS256", "typ": "JWT", "kid": "k9"}), TokenError::UnknownKey),
    ];
    for (h, expected) in cases {
        let tampered = format!("{}.{}.{}", B64.encode(h.to_string()), parts[1], parts[2]);
        assert_eq!(r.verify(&tampered, NOW).unwrap_err(), expected, "header {h}");
    }
}

#[test]
fn a_tampered_or_missing_signature_is_refused() {
    let r = ring("k1", &[("k1", K1)]);
    let token = issue(&r);
    let (head, sig) = token.rsplit_once('.').unwrap();
    let mut flipped: Vec<u8> = B64.decode(sig).unwrap();
    flipped[0] ^= 1;
    let cases = [format!("{head}.{}", B64.encode(flipped)), format!("{head}."), head.to_string(), token[..token.len() - 5].to_string()];
    for t in cases {
        assert!(r.verify(&t, NOW).is_err(), "accepted {t}");
    }
}

#[test]
fn alg_none_is_refused_even_without_a_signature() {
    let r = ring("k1", &[("k1", K1)]);
    let h = B64.encode(r#"{"alg":"none","typ":"JWT","kid":"k1"}"#);
    let body = B64.encode(real_payload(&r).to_string());
    for t in [format!("{h}.{body}."), format!("{h}.{body}")] {
        assert_eq!(r.verify(&t, NOW).unwrap_err(), TokenError::Malformed);
    }
}

#[test]
fn other_algorithms_with_the_same_key_are_refused() {
    let r = ring("k1", &[("k1", K1)]);
    let payload = real_payload(&r);
    for alg in [Algorithm::HS384, Algorithm::HS512] {
        let t = forge(header(alg, Some("k1")), &payload, K1);
        assert_eq!(r.verify(&t, NOW).unwrap_err(), TokenError::WrongAlgorithm, "{alg:?}");
    }
}

#[test]
fn a_token_signed_with_a_foreign_key_fails() {
    let r = ring("k1", &[("k1", K1)]);
    let t = forge(header(Algorithm::HS256, Some("k1")), &real_payload(&r), K2);
    assert_eq!(r.verify(&t, NOW).unwrap_err(), TokenError::BadSignature);
}

#[test]
fn an_unknown_or_missing_key_id_is_refused() {
    let r = ring("k1", &[("k1", K1)]);
    let payload = real_payload(&r);
    for kid in [Some("k2"), None, Some("")] {
        let t = forge(header(Algorithm::HS256, kid), &payload, K1);
        assert_eq!(r.verify(&t, NOW).unwrap_err(), TokenError::UnknownKey, "kid {kid:?}");
    }
}

#[test]
fn a_token_expires_at_exp_exactly() {
    let r = ring("k1", &[("k1", K1)]);
    let t = issue(&r);
    assert!(r.verify(&t, NOW + TTL - 1).is_ok());
    assert_eq!(r.verify(&t, NOW + TTL).unwrap_err(), TokenError::Expired);
    assert_eq!(r.verify(&t, NOW + 10 * TTL).unwrap_err(), TokenError::Expired);
}

#[test]
fn the_ttl_is_capped() {
    let r = ring("k1", &[("k1", K1)]);
    let issued = r.issue(alice(), NOW, 10 * MAX_TTL).unwrap();
    assert_eq!(issued.expires_at, NOW + MAX_TTL);
}

#[test]
fn bad_lifetimes_are_refused_even_when_signed() {
    let r = ring("k1", &[("k1", K1)]);
    let base = real_payload(&r);
    let cases = [
        (NOW + MAX_CLOCK_SKEW + 1, NOW + 1000 + MAX_CLOCK_SKEW), // issued in the future
        (NOW - 10, NOW + MAX_TTL),                               // lives longer than the cap
        (NOW + 5, NOW + 5),                                      // exp == iat
    ];
    for (iat, exp) in cases {
        let mut p = base.clone();
        p["iat"] = json!(iat);
        p["exp"] = json!(exp);
        let t = forge(header(Algorithm::HS256, Some("k1")), &p, K1);
        assert_eq!(r.verify(&t, NOW).unwrap_err(), TokenError::BadLifetime, "iat {iat} exp {exp}");
    }
}

#[test]
fn another_audience_is_refused() {
    let r = ring("k1", &[("k1", K1)]);
    for aud in [json!("email-verification"), json!(["other"]), json!("")] {
        let mut p = real_payload(&r);
        p["aud"] = aud.clone();
        let t = forge(header(Algorithm::HS256, Some("k1")), &p, K1);
        let err = r.verify(&t, NOW).unwrap_err();
        assert!(matches!(err, TokenError::WrongAudience | TokenError::BadClaims), "aud {aud}: {err:?}");
    }
}

/// A dispute link and a reset link are signed by the same ring for the same account, and each
/// verifies only as what it was issued for: a reset token cannot lock an account, a dispute token
/// (which lives for days) cannot change a password.
#[test]
fn a_dispute_token_is_not_a_reset_token_and_a_reset_token_is_not_a_dispute_token() {
    let r = ring("k1", &[("k1", K1)]);
    let dispute = r.issue_for(Purpose::Dispute, alice(), NOW, 7 * 86_400).unwrap();
    let reset = r.issue(alice(), NOW, TTL).unwrap();
    assert_eq!(r.verify(&dispute.token, NOW + 1).unwrap_err(), TokenError::WrongAudience, "a dispute token as a reset token");
    assert_eq!(r.verify_for(Purpose::Dispute, &reset.token, NOW + 1).unwrap_err(), TokenError::WrongAudience, "a reset token as a dispute token");
    let claims = r.verify_for(Purpose::Dispute, &dispute.token, NOW + 6 * 86_400).unwrap().bind(alice()).unwrap();
    assert_eq!(claims.expires_at, NOW + 7 * 86_400);
    assert!(r.verify_for(Purpose::Reset, &reset.token, NOW + 1).is_ok());
}

#[test]
fn a_dispute_token_lives_at_most_thirty_days_and_binds_like_a_reset_token() {
    let r = ring("k1", &[("k1", K1)]);
    let issued = r.issue_for(Purpose::Dispute, alice(), NOW, 10 * DISPUTE_MAX_TTL).unwrap();
    assert_eq!(issued.expires_at, NOW + DISPUTE_MAX_TTL);
    assert_eq!(r.verify_for(Purpose::Dispute, &issued.token, NOW + DISPUTE_MAX_TTL).unwrap_err(), TokenError::Expired);
    let changed = Binding { epoch: "1800000100", ..alice() };
    assert_eq!(r.verify_for(Purpose::Dispute, &issued.token, NOW + 1).unwrap().bind(changed).unwrap_err(), TokenError::Superseded);
    // A forged dispute payload that lives past the cap is refused even when signed.
    let mut p = real_payload(&r);
    p["aud"] = json!(DISPUTE_AUDIENCE);
    p["exp"] = json!(p["iat"].as_u64().unwrap() + DISPUTE_MAX_TTL + 1);
    let t = forge(header(Algorithm::HS256, Some("k1")), &p, K1);
    assert_eq!(r.verify_for(Purpose::Dispute, &t, NOW).unwrap_err(), TokenError::BadLifetime);
}

/// An invitation (an account's first password, set through an operator's mail) is neither a reset
/// link nor a dispute link, and none of those passes as an invitation: each purpose its audience.
#[test]
fn an_invitation_token_verifies_only_as_an_invitation_and_lives_at_most_thirty_days() {
    let r = ring("k1", &[("k1", K1)]);
    let no_password = Binding { password_hash: "", ..alice() };
    let invitation = r.issue_for(Purpose::Invitation, no_password, NOW, 72 * 3600).unwrap();
    assert_eq!(r.verify(&invitation.token, NOW + 1).unwrap_err(), TokenError::WrongAudience, "an invitation as a reset token");
    assert_eq!(r.verify_for(Purpose::Dispute, &invitation.token, NOW + 1).unwrap_err(), TokenError::WrongAudience, "as a dispute token");
    for purpose in [Purpose::Reset, Purpose::Dispute] {
        let other = r.issue_for(purpose, no_password, NOW, 3600).unwrap();
        assert_eq!(r.verify_for(Purpose::Invitation, &other.token, NOW + 1).unwrap_err(), TokenError::WrongAudience, "{purpose:?} as an invitation");
    }
    let claims = r.verify_for(Purpose::Invitation, &invitation.token, NOW + 71 * 3600).unwrap().bind(no_password).unwrap();
    assert_eq!(claims.expires_at, NOW + 72 * 3600);
    // Dead once a password is set (the binding holds the hash, "" before).
    assert_eq!(r.verify_for(Purpose::Invitation, &invitation.token, NOW + 1).unwrap().bind(alice()).unwrap_err(), TokenError::Superseded);
    let capped = r.issue_for(Purpose::Invitation, no_password, NOW, 10 * INVITATION_MAX_TTL).unwrap();
    assert_eq!(capped.expires_at, NOW + INVITATION_MAX_TTL);
    let mut p = real_payload(&r);
    p["aud"] = json!(INVITATION_AUDIENCE);
    p["exp"] = json!(p["iat"].as_u64().unwrap() + INVITATION_MAX_TTL + 1);
    let t = forge(header(Algorithm::HS256, Some("k1")), &p, K1);
    assert_eq!(r.verify_for(Purpose::Invitation, &t, NOW).unwrap_err(), TokenError::BadLifetime);
}

#[test]
fn missing_extra_or_mistyped_claims_are_refused() {
    let r = ring("k1", &[("k1", K1)]);
    let mut cases = Vec::new();
    for field in ["sub", "jti", "fgp", "iat", "exp", "aud"] {
        let mut p = real_payload(&r);
        p.as_object_mut().unwrap().remove(field);
        cases.push((format!("without {field}"), p));
    }
    let mut extra = real_payload(&r);
    extra["admin"] = json!(true);
    cases.push(("extra claim".into(), extra));
    let mut typed = real_payload(&r);
    typed["exp"] = json!("tomorrow");
    cases.push(("string exp".into(), typed));
    for (what, p) in cases {
        let t = forge(header(Algorithm::HS256, Some("k1")), &p, K1);
        assert!(r.verify(&t, NOW).is_err(), "accepted a token {what}");
    }
}

#[test]
fn garbage_and_oversized_tokens_are_malformed() {
    let r = ring("k1", &[("k1", K1)]);
    let long = "a".repeat(MAX_TOKEN_LEN + 1);
    for t in ["", "a.b.c", "not a token", "....", long.as_str(), "eyJ.eyJ.x\0"] {
        assert_eq!(r.verify(t, NOW).unwrap_err(), TokenError::Malformed, "{t:.20}");
    }
}

#[test]
fn a_password_email_status_or_epoch_change_supersedes_the_token() {
    let r = ring("k1", &[("k1", K1)]);
    let t = issue(&r);
    let changed_password = Binding { password_hash: "$argon2id$v=19$new", ..alice() };
    let changed_email = Binding { email: "alice@elsewhere.example", ..alice() };
    let other_user = Binding { user_id: "u-bob", ..alice() };
    let changed_status = Binding { status: "disabled", ..alice() };
    let bumped_epoch = Binding { epoch: "1795670000", ..alice() };
    let moved_field = Binding { status: "", epoch: "active", ..alice() };
    for b in [changed_password, changed_email, other_user, changed_status, bumped_epoch, moved_field] {
        assert_eq!(verify_bound(&r, &t, NOW, b).unwrap_err(), TokenError::Superseded);
    }
    assert!(verify_bound(&r, &t, NOW, alice()).is_ok());
}

#[test]
fn a_forged_fingerprint_is_refused() {
    let r = ring("k1", &[("k1", K1)]);
    for fgp in [json!(""), json!("AAAAAAAAAAAAAAAAAAAAAA"), json!("not base64!"), json!("AAAA")] {
        let mut p = real_payload(&r);
        p["fgp"] = fgp.clone();
        let t = forge(header(Algorithm::HS256, Some("k1")), &p, K1);
        assert!(verify_bound(&r, &t, NOW, alice()).is_err(), "accepted fgp {fgp}");
    }
}

#[test]
fn rotation_keeps_old_links_until_the_old_key_is_removed() {
    let before = ring("k1", &[("k1", K1)]);
    let old_link = issue(&before);

    let rotated = ring("k2", &[("k1", K1), ("k2", K2)]);
    assert!(verify_bound(&rotated, &old_link, NOW, alice()).is_ok(), "old link dies on rotation");
    let new_link = issue(&rotated);
    assert_eq!(jsonwebtoken::decode_header(&new_link).unwrap().kid.as_deref(), Some("k2"));
    assert_eq!(before.verify(&new_link, NOW).unwrap_err(), TokenError::UnknownKey);

    let retired = ring("k2", &[("k2", K2)]);
    assert_eq!(retired.verify(&old_link, NOW).unwrap_err(), TokenError::UnknownKey);
    assert!(verify_bound(&retired, &new_link, NOW, alice()).is_ok());
}

#[test]
fn the_secret_json_is_parsed_and_weak_keys_are_refused() {
    let ok = KeyRing::from_json(&json!({"current": "k2", "k1": K1, "k2": K2}).to_string()).unwrap();
    assert_eq!((ok.current_kid(), ok.kids()), ("k2", vec!["k1", "k2"]));

    let generated = KeyRing::generate_key().unwrap();
    assert!(KeyRing::from_json(&json!({"current": "g", "g": generated}).to_string()).is_ok());

    let cases = [
        ("not json".to_string(), "NotJson"),
        (json!(["k1"]).to_string(), "NotJson"),
        (json!({"current": "k1", "k1": 7}).to_string(), "NotJson"),
        (json!({"k1": K1}).to_string(), "NoCurrent"),
        (json!({"current": "k3", "k1": K1}).to_string(), "CurrentMissing"),
        (json!({"current": "k1", "k1": "short-key"}).to_string(), "WeakKey"),
        (json!({"current": "k1", "k1": "a".repeat(64)}).to_string(), "WeakKey"),
        (json!({"current": "k 1", "k 1": K1}).to_string(), "BadKid"),
    ];
    for (secret, expected) in cases {
        let err = KeyRing::from_json(&secret).unwrap_err();
        assert!(format!("{err:?}").starts_with(expected), "{secret}: {err:?}");
    }
}

#[test]
fn debug_output_never_shows_key_material_or_tokens() {
    let r = ring("k1", &[("k1", K1)]);
    let shown = format!("{r:?}");
    assert!(shown.contains("k1") && !shown.contains(&K1[3..]), "{shown}");
    let issued = r.issue(alice(), NOW, TTL).unwrap();
    let signature = issued.token.rsplit('.').next().unwrap();
    let payload = issued.token.split('.').nth(1).unwrap();
    assert!(!format!("{issued:?}").contains(signature) && !format!("{issued:?}").contains(payload), "{issued:?}");
    // A verified but unbound token holds the fingerprint subkey's MAC: its Debug must not print it.
    let unbound = r.verify(&issued.token, NOW).unwrap();
    let shown = format!("{unbound:?}");
    let subkey = crate::keyring::subkey(K1.as_bytes(), b"password-reset fingerprint v1");
    let subkey_bytes = format!("{subkey:?}");
    let subkey_hex: String = subkey.iter().map(|b| format!("{b:02x}")).collect();
    assert!(shown.contains("u-alice"), "{shown}");
    assert!(!shown.contains(&subkey_bytes[1..subkey_bytes.len() - 1]) && !shown.contains(&subkey_hex), "{shown}");
    assert!(!shown.contains(signature) && !shown.contains(&K1[3..]), "{shown}");
    let err = KeyRing::from_json(&json!({"current": "k1", "k1": "s3cr3t-but-short"}).to_string()).unwrap_err();
    assert!(!err.to_string().contains("s3cr3t"));
}

#[test]
fn rotation_adds_a_current_key_then_retires_the_old_ones() {
    let start = json!({"current": "k1", "k1": K1}).to_string();
    let before = KeyRing::from_json(&start).unwrap();
    let old_link = before.issue(alice(), NOW, TTL).unwrap().token;

    let rotated = add_current_key(&start, "k2", K2).unwrap();
    let ring = KeyRing::from_json(&rotated).unwrap();
    assert_eq!((ring.current_kid(), ring.kids()), ("k2", vec!["k1", "k2"]));
    assert!(verify_bound(&ring, &old_link, NOW, alice()).is_ok(), "links sent before rotation still work");

    let retired = retire_old_keys(&rotated).unwrap();
    let ring = KeyRing::from_json(&retired).unwrap();
    assert_eq!(ring.kids(), vec!["k2"]);
    assert_eq!(ring.verify(&old_link, NOW).unwrap_err(), TokenError::UnknownKey);

    assert!(matches!(add_current_key(&rotated, "k2", K2), Err(KeyRingError::BadKid(_))), "a kid is never reused");
    assert!(matches!(add_current_key(&start, "k2", "weak"), Err(KeyRingError::WeakKey(_))), "a weak key is refused");
}

#[test]
fn a_malformed_secret_is_described_without_quoting_it() {
    for secret in [r#"{"current": "k1", "k1": 918273645546372819}"#.to_string(), format!(r#"{{"current": "k1", "k1": ["{K1}"]}}"#)] {
        let err = KeyRing::from_json(&secret).unwrap_err().to_string();
        assert!(err.contains("line 1"), "{err}");
        assert!(!err.contains("918273645546372819") && !err.contains(&K1[3..]), "the message quotes the secret: {err}");
    }
}

fn hash_ring(current: &str, keys: &[(&str, &str)]) -> HashRing {
    HashRing::new(current, keys.iter().map(|(k, v)| (k.to_string(), v.to_string()))).unwrap()
}

#[test]
fn audit_hashes_correlate_without_revealing() {
    let r = hash_ring("h1", &[("h1", K1)]);
    let a = r.audit_hash("alice@example.com");
    assert_eq!(a, r.audit_hash("alice@example.com"), "stable for one address");
    assert_ne!(a, r.audit_hash("bob@example.com"));
    assert_eq!(a.len(), 16);
    assert!(!a.contains("alice"));
    let other = hash_ring("h2", &[("h2", K2)]);
    assert_ne!(a, other.audit_hash("alice@example.com"), "keyed: another key gives another hash");
}

/// What docs/operations.md says a hashing-key rotation does: hashes move to the new key at `add`
/// (counters start afresh; the old key's hash is the one the tool gives for it), and a job
/// MACed under the old key still verifies until the old key is retired.
#[test]
fn a_hashing_key_rotation_changes_the_hashes_and_keeps_queued_jobs_until_retired() {
    let secret = serde_json::json!({"current": "h1", "h1": K1}).to_string();
    let before = HashRing::from_json(&secret).unwrap();
    let content = br#"{"kind":"reset_link","id":"x"}"#;
    let queued = before.job_mac(content);
    let added = crate::add_hash_key(&secret, "h2", K2).unwrap();
    let after_add = HashRing::from_json(&added).unwrap();
    assert_eq!(after_add.current_kid(), "h2");
    assert_ne!(after_add.audit_hash("alice@example.com"), before.audit_hash("alice@example.com"), "hashes use the new key");
    assert_eq!(after_add.audit_hash("alice@example.com"), hash_ring("h2", &[("h2", K2)]).audit_hash("alice@example.com"));
    assert!(after_add.job_mac_matches(content, &queued), "a job queued before the rotation still verifies");
    assert_ne!(after_add.job_mac(content), queued, "new jobs are MACed with the new key");
    let retired = HashRing::from_json(&crate::retire_old_hash_keys(&added).unwrap()).unwrap();
    assert_eq!(retired.kids(), ["h2"]);
    assert!(!retired.job_mac_matches(content, &queued), "retired: the old key verifies nothing");
    assert!(retired.job_mac_matches(content, &after_add.job_mac(content)));
    assert!(matches!(crate::add_hash_key(&added, "h2", K1), Err(KeyRingError::BadKid(_))), "a kid is never reused");
    assert!(matches!(crate::add_hash_key(&secret, "h2", "weak"), Err(KeyRingError::WeakKey(_))));
    assert!(crate::add_hash_key(&secret, "current", K2).is_err());
    assert!(HashRing::from_json(r#"{"current": "h9", "h1": "k1-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"}"#).is_err());
    assert!(!format!("{after_add:?}").contains(&K2[3..]), "Debug names key ids only");
}

#[test]
fn job_macs_verify_only_their_content_under_their_own_key() {
    let ring = hash_ring("h1", &[("h1", K1)]);
    let content = br#"{"kind":"reset_link","id":"x"}"#;
    let mac = ring.job_mac(content);
    // Pinned: a changed derivation would refuse every job queued before a deploy. The same value as
    // docs/deploy.md's openssl recipe gives (HMAC of the label under the key, then of the content).
    assert_eq!(mac, "2de7RU7KnFwOMECUeTcAx2ZVxTnb1XbEP3rGR-gfQFY");
    assert!(ring.job_mac_matches(content, &mac));
    assert!(!ring.job_mac_matches(br#"{"kind":"reset_link","id":"y"}"#, &mac), "another content");
    assert!(!hash_ring("h2", &[("h2", K2)]).job_mac_matches(content, &mac), "another secret");
    for wrong in ["", "not base64!", &mac[..42], &format!("{mac}A")] {
        assert!(!ring.job_mac_matches(content, wrong), "{wrong:?}");
    }
    // Domain separation: the audit hash of the same input is no job MAC.
    assert!(!ring.job_mac_matches(content, &ring.audit_hash(std::str::from_utf8(content).unwrap())));
}

/// The upgrade: the previous version MACed jobs with the signing secret's audit material (its
/// `"audit"` field, else the current key). The signing ring still checks those, and only those.
#[test]
fn the_signing_ring_checks_the_previous_version_s_job_macs_only() {
    let content = br#"{"kind":"reset_link","id":"x"}"#;
    let secret = serde_json::json!({"current": "k1", "k1": K1}).to_string();
    let signing = KeyRing::from_json(&secret).unwrap();
    let legacy = signing.legacy_job_mac(content);
    // The previous version's derivation, pinned (the same bytes as the hashing ring's under that key).
    assert_eq!(legacy, "2de7RU7KnFwOMECUeTcAx2ZVxTnb1XbEP3rGR-gfQFY");
    assert!(signing.legacy_job_mac_matches(content, &legacy));
    assert!(!signing.legacy_job_mac_matches(br#"{"kind":"reset_link","id":"y"}"#, &legacy));
    // After a signing rotation the "audit" field keeps the old material, so such a job still verifies.
    let added = crate::add_current_key(&secret, "k2", K2).unwrap();
    let retired = KeyRing::from_json(&crate::retire_old_keys(&added).unwrap()).unwrap();
    assert!(KeyRing::from_json(&added).unwrap().legacy_job_mac_matches(content, &legacy));
    assert!(retired.legacy_job_mac_matches(content, &legacy));
    assert_eq!(retired.kids(), ["k2"], "the audit material is not a key: no token verifies with it");
    // A weak audit field is refused like a weak key; "audit" cannot be a key id.
    let weak = serde_json::json!({"current": "k1", "k1": K1, "audit": "short"}).to_string();
    assert_eq!(KeyRing::from_json(&weak).err(), Some(crate::KeyRingError::WeakKey("audit".into())));
    assert!(crate::add_current_key(&secret, "audit", K2).is_err());
}

// Codes beside links.

#[test]
fn a_code_is_read_as_people_type_it_and_refused_with_a_control_character_or_another_length() {
    let r = ring("k1", &[("k1", K1)]);
    let code = r.issue(alice(), NOW, TTL).unwrap().code;
    let shown = code.to_string();
    assert_eq!(shown.len(), CODE_CHARS + 1, "two groups of four: {shown}");
    assert_eq!(&shown[4..5], "-");
    assert!(shown.chars().all(|c| c == '-' || "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(c)), "{shown}");
    let plain: String = shown.chars().filter(|c| *c != '-').collect();
    for typed in
        [shown.clone(), plain.clone(), plain.to_lowercase(), format!(" {} {} ", &plain[..4], &plain[4..]), plain.chars().flat_map(|c| [c, ' ']).collect()]
    {
        assert!(Code::parse(&typed).is_ok_and(|read| read.matches(&code)), "{typed:?}");
    }
    // The look-alikes: O reads as 0, I and L as 1.
    assert_eq!(Code::parse("O0O0-ILil").unwrap(), Code::parse("0000-1111").unwrap());
    for typed in ["", "0000-111", "0000-11111", "0000111U", "0000-111*", "０000-1111", "00000000000000000000000000000000000000000"] {
        assert_eq!(Code::parse(typed), Err(CodeShape::Malformed), "{typed:?}");
    }
    for typed in ["0000-111\u{0}1", "0000\t1111", "0000-1111\n", "0000\u{7f}1111", "0000\u{85}1111"] {
        assert_eq!(Code::parse(typed), Err(CodeShape::Control), "{typed:?}");
    }
    assert_eq!(format!("{code:?}"), "Code([redacted])");
}

#[test]
fn a_code_matches_its_link_only_while_the_link_would_verify() {
    let r = ring("k1", &[("k1", K1)]);
    let issued = r.issue(alice(), NOW, TTL).unwrap();
    let (code, record) = (&issued.code, &issued.record);
    assert_eq!((record.issued_at, record.expires_at, record.link_id.as_str(), record.key_id.as_str()), (NOW, NOW + TTL, issued.token_id.as_str(), "k1"));
    assert!(r.code_matches(record, alice(), code, NOW + 1));
    assert!(!r.code_matches(record, alice(), code, NOW + TTL), "expired with the link");
    // Any change of the account the binding holds ends it, as it ends the link.
    let changed = [
        Binding { password_hash: "$argon2id$v=19$new", ..alice() },
        Binding { email: "alice@example.net", ..alice() },
        Binding { status: "disabled", ..alice() },
        Binding { epoch: "1800000100", ..alice() },
        Binding { user_id: "u-bob", ..alice() },
    ];
    for binding in changed {
        assert!(!r.code_matches(record, binding, code, NOW + 1));
    }
    // Another link's record (another id, time or purpose) does not take this code.
    for other in [
        LinkRecord { link_id: "another".into(), ..record.clone() },
        LinkRecord { issued_at: NOW + 1, ..record.clone() },
        LinkRecord { expires_at: NOW + TTL + 1, ..record.clone() },
        LinkRecord { purpose: Purpose::Invitation, ..record.clone() },
    ] {
        assert!(!r.code_matches(&other, alice(), code, NOW + 1), "{other:?}");
    }
    // A record claiming a longer life than its purpose allows is refused whatever the code.
    let forever = LinkRecord { expires_at: NOW + MAX_TTL + 10, ..record.clone() };
    let forever_code = crate::code::derive(&r.get("k1").unwrap().code_mac, &forever, alice());
    assert!(!r.code_matches(&forever, alice(), &forever_code, NOW + 1));
}

#[test]
fn codes_outlive_a_key_added_and_die_with_the_key_retired() {
    let before = ring("k1", &[("k1", K1)]);
    let issued = before.issue(alice(), NOW, TTL).unwrap();
    let rotated = ring("k2", &[("k1", K1), ("k2", K2)]);
    assert!(rotated.code_matches(&issued.record, alice(), &issued.code, NOW + 1));
    let retired = ring("k2", &[("k2", K2)]);
    assert!(!retired.code_matches(&issued.record, alice(), &issued.code, NOW + 1));
    // The same record under another key's name is another code.
    let renamed = LinkRecord { key_id: "k2".into(), ..issued.record.clone() };
    assert!(!rotated.code_matches(&renamed, alice(), &issued.code, NOW + 1));
}

#[test]
fn a_right_code_is_exchanged_for_a_token_of_the_same_link_that_lives_no_longer() {
    let r = ring("k1", &[("k1", K1)]);
    let invitation = r.issue_for(Purpose::Invitation, alice(), NOW, 3 * 86_400).unwrap();
    let exchanged = r.issue_for_link(&invitation.record, alice(), NOW + 600).unwrap();
    let claims = r.verify_for(Purpose::Invitation, &exchanged.token, NOW + 601).unwrap().bind(alice()).unwrap();
    assert_eq!((claims.token_id, claims.expires_at, claims.issued_at), (invitation.token_id.clone(), invitation.expires_at, NOW + 600));
    assert_eq!(r.verify(&exchanged.token, NOW + 601).unwrap_err(), TokenError::WrongAudience);
    assert_eq!(r.issue_for_link(&invitation.record, alice(), invitation.expires_at).unwrap_err(), TokenError::Expired);
    // Signed with the link's own key, not the current one: retiring it ends what was exchanged.
    let rotated = ring("k2", &[("k1", K1), ("k2", K2)]);
    let exchanged = rotated.issue_for_link(&invitation.record, alice(), NOW + 600).unwrap();
    assert_eq!(exchanged.record.key_id, "k1");
    let retired = ring("k2", &[("k2", K2)]);
    assert_eq!(retired.verify_for(Purpose::Invitation, &exchanged.token, NOW + 601).unwrap_err(), TokenError::UnknownKey);
    assert_eq!(retired.issue_for_link(&invitation.record, alice(), NOW + 600).unwrap_err(), TokenError::UnknownKey);
}

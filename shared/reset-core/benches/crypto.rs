//! The CPU a reset costs: token issue and verify, one argon2id hash at the OWASP parameters, and
//! a baseline (decoding a token's header: base64 and JSON, no cryptography) measured in the same
//! run, so figures can be read as ratios on a noisy machine.

// A benchmark that cannot set up must stop, like a test.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use reset_core::domain::password;
use reset_core::reset_token;
use reset_token::{Binding, KeyRing};

const K1: &str = "bench-key-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";

fn binding() -> Binding<'static> {
    Binding {
        status: "",
        epoch: "",
        user_id: "0b7c2e1a-7f3e-4a55-9d0e-3d1f2b9c8e77",
        email: "alice@example.com",
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA",
    }
}

fn benches(c: &mut Criterion) {
    let ring = KeyRing::new("k1", [("k1".to_string(), K1.to_string())]).unwrap();
    let now = 1_800_000_000;
    let token = ring.issue(binding(), now, 1800).unwrap().token;

    c.bench_function("baseline/decode_header", |b| b.iter(|| jsonwebtoken::decode_header(black_box(&token)).unwrap()));
    c.bench_function("token/issue", |b| b.iter(|| ring.issue(black_box(binding()), now, 1800).unwrap()));
    c.bench_function("token/verify_and_bind", |b| b.iter(|| ring.verify(black_box(&token), now).unwrap().bind(binding()).unwrap()));

    let mut slow = c.benchmark_group("argon2id");
    slow.sample_size(10);
    slow.bench_function("hash_m19456_t2_p1", |b| b.iter(|| password::hash_blocking(black_box("correct horse battery staple")).unwrap()));
    slow.finish();
}

criterion_group!(crypto, benches);
criterion_main!(crypto);

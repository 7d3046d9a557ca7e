//! `fuzz/` (nightly, sanitizers, outside the workspace) must not rot unseen: the test run builds
//! its targets on the stable toolchain, without coverage instrumentation, and runs each for a
//! few thousand inputs seeded with the bodies of `events/`. No coverage guidance, so this finds
//! little; it proves the targets compile against today's code and hold on real inputs. Real
//! fuzzing: docs/testing.md, "Fuzzing".

use std::process::Command;

use reset_local::{events, workspace_root};

#[test]
fn the_fuzz_targets_build_and_run_on_the_events_bodies() {
    let root = workspace_root();
    // The workspace's versions, so the build reuses what the workspace already compiled.
    std::fs::copy(root.join("Cargo.lock"), root.join("fuzz/Cargo.lock")).unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let build = Command::new(cargo)
        .args(["build", "--quiet", "--manifest-path", "fuzz/Cargo.toml", "--target-dir", "target", "--bins"])
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(build.status.success(), "the fuzz targets do not build:\n{}", String::from_utf8_lossy(&build.stderr));

    let corpus = root.join("target/fuzz-smoke");
    let _ = std::fs::remove_dir_all(&corpus);
    std::fs::create_dir_all(&corpus).unwrap();
    let mut seeds = 0;
    for file in events::files() {
        let event = events::load(&file);
        let body = event["body"].as_str().unwrap_or_default();
        let bytes = if event["isBase64Encoded"] == true {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.decode(body).unwrap_or_default()
        } else {
            body.as_bytes().to_vec()
        };
        if !bytes.is_empty() {
            std::fs::write(corpus.join(format!("{seeds:03}")), [&[seeds as u8], &bytes[..]].concat()).unwrap();
            seeds += 1;
        }
        // The mail worker's messages: each job body as it stands (selector 0), to be signed (1), and
        // its time as a field's value (2, 3), for the mail_job target (the others take them as text).
        // Each also with its times set to now, so a job would go out if its MAC were not checked.
        let now = reset_core::unix_now().to_string();
        for record in event["Records"].as_array().into_iter().flatten() {
            let body = record["body"].as_str().unwrap_or_default();
            let current = serde_json::from_str::<serde_json::Value>(body).ok().map(|mut job| {
                for field in ["requested_at", "changed_at"] {
                    if job.get(field).is_some() {
                        job[field] = now.parse::<u64>().unwrap().into();
                    }
                }
                job.to_string()
            });
            let current = current.as_deref().unwrap_or(body);
            let bodies =
                [(0u8, body), (1, body), (0, current), (1, current), (2, now.as_str()), (3, now.as_str()), (2, "1767225600"), (3, "18446744073709551615")];
            for (selector, bytes) in bodies {
                std::fs::write(corpus.join(format!("{seeds:03}")), [&[selector], bytes.as_bytes()].concat()).unwrap();
                seeds += 1;
            }
        }
    }
    assert!(seeds >= 10, "only {seeds} seeds");

    for target in ["token", "request", "mail_job"] {
        let artifacts = format!("-artifact_prefix={}/", root.join("target").display());
        let run = Command::new(root.join("target/debug").join(target))
            .arg(format!("-runs={RUNS}"))
            // The seeds run first and are the slow part in a debug build (tens of milliseconds
            // each, ten times that on a loaded CI machine: 80 of 3000 runs in 20 s, seen); the
            // time limit is a guard against a hang, the run count is what ends a normal run.
            .args(["-max_total_time=180", "-max_len=4096", "-seed=1", &artifacts])
            .arg(&corpus)
            .output()
            .unwrap();
        let log = String::from_utf8_lossy(&run.stderr);
        assert!(run.status.success(), "fuzz target {target} failed:\n{log}");
        // libFuzzer's summary, also printed when it stops early (at -max_total_time, say).
        let done = runs_done(&log).unwrap_or_else(|| panic!("{target} printed no summary of its runs:\n{log}"));
        assert!(done >= RUNS, "{target} ran {done} of {RUNS} inputs:\n{log}");
    }
}

/// Inputs each target must run.
const RUNS: u64 = 3000;

/// N of libFuzzer's last line `Done N runs in M second(s)`.
fn runs_done(log: &str) -> Option<u64> {
    log.lines().rev().find_map(|line| line.strip_prefix("Done ")?.split_once(" runs in ")?.0.parse().ok())
}

#[test]
fn the_run_count_is_read_from_libfuzzers_summary() {
    assert_eq!(runs_done("#3000\tDONE   corp: 1/1b\nDone 3000 runs in 0 second(s)\n"), Some(3000));
    assert_eq!(runs_done("#12\tDONE   corp: 1/1b\nDone 12 runs in 20 second(s)\n"), Some(12));
    assert_eq!(runs_done("INFO: -max_total_time reached\nDONE\n"), None);
}

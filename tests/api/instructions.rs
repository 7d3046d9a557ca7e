//! The instruction-count gate: what one operation costs, counted by callgrind, may not move more
//! than [`MARGIN`] from the baseline committed in `bench/instructions/baseline.json`. Counts do not
//! flap the way times do: the same binary on the same input executes the same instructions, however
//! busy the machine. A count that grows fails the run (a regression); one that falls as far fails it
//! too, so a faster change lowers the baseline in the same commit and a later regression cannot
//! hide in the slack. To move the baseline, run this test with `INSTRUCTION_BASELINE=write` and
//! commit the file with the code that moved it, saying why.
//!
//! Each scenario (`bench/instructions`) runs the real handlers or use cases over in-memory
//! adapters, built with the `bench` profile (the release optimisation levels without the slow
//! link-time optimisation of the zips). It runs twice, with [`FEW`] and [`many`] operations after
//! the same set-up: the difference divided by the difference in operations is one warm operation,
//! with process start, set-up and first-use initialisation cancelled out.
//!
//! The `sdk-*` scenarios run the shipped AWS wiring instead (the aws-sdk clients and the reset-aws
//! adapters as each function's `reset_wiring` builder makes them) over a canned in-process HTTP client: the
//! SDK's request building, signing and response parsing are counted, the network and moto are not.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use reset_local::workspace_root;
use serde_json::{Value, json};

/// How far a count may move from its baseline, either way.
const MARGIN: f64 = 0.05;
const FEW: u64 = 1;
/// Operations in the longer run. A light operation moves by a few hundred instructions from run
/// to run (glibc's malloc bookkeeping follows the sizes of random tokens and ids), which is several
/// percent of a page render: it runs 20 more times, so that wobble is shared out. The hashing ones
/// run 2 more (a hash is the largest count by far, and callgrind runs it many times slower: docs/figures.md).
fn many(scenario: &str) -> u64 {
    if scenario.contains("confirm") || scenario == "argon2" { 3 } else { 21 }
}
/// Derived, and gated too (name, the confirm it is taken from): a confirm less its argon2id hash
/// (whose cost is fixed by its parameters and gated as `argon2`); a few percent of the confirm, so
/// only this count sees the rest regress.
const WITHOUT_ARGON2: &[(&str, &str)] = &[("confirm-without-argon2", "confirm"), ("sdk-confirm-without-argon2", "sdk-confirm")];

fn build_scenarios(root: &Path) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let build = Command::new(cargo)
        .args(["build", "--quiet", "--profile", "bench", "-p", "reset-instruction-counts", "--bin", "instruction-scenarios"])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(build.status.success(), "the scenarios do not build:\n{}", String::from_utf8_lossy(&build.stderr));
    root.join("target/release/instruction-scenarios")
}

/// The scenarios the binary runs (`--list`): they are named there only.
fn scenarios(binary: &Path) -> Vec<String> {
    let out = Command::new(binary).arg("--list").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_owned).collect()
}

/// Instructions callgrind counted for the whole process running `scenario` `repeats` times.
fn count(binary: &Path, scenario: &str, repeats: u64, out_dir: &Path) -> u64 {
    let out = out_dir.join(format!("callgrind.{scenario}.{repeats}"));
    // The binary is started as `./instruction-scenarios` from its own folder, whatever the
    // checkout's path: the program keeps its arguments on the heap, so a longer path shifted every
    // later allocation, and glibc then grew strings in place or by copying, which moved a page
    // render by 6 % between two checkouts of the same commit.
    let run = Command::new("valgrind")
        .args(["--tool=callgrind", "--dump-line=no", "--compress-strings=no", "--compress-pos=no"])
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(Path::new(".").join(binary.file_name().unwrap()))
        .current_dir(binary.parent().unwrap())
        .args([scenario, &repeats.to_string()])
        // The scenarios log nothing, and no variable of the caller's may change what they do.
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .expect("valgrind runs (scripts/setup installs it)");
    assert!(run.status.success(), "{scenario} x{repeats} failed under callgrind:\n{}", String::from_utf8_lossy(&run.stderr));
    let profile = std::fs::read_to_string(&out).unwrap();
    let summary = profile.lines().find_map(|l| l.strip_prefix("summary:").or_else(|| l.strip_prefix("totals:")));
    summary.and_then(|s| s.split_whitespace().next()?.parse().ok()).unwrap_or_else(|| panic!("no total in {}", out.display()))
}

/// One warm operation of each scenario, in instructions.
fn measure() -> BTreeMap<String, u64> {
    let root = workspace_root();
    let binary = build_scenarios(&root);
    let out_dir = root.join("target/instructions");
    std::fs::create_dir_all(&out_dir).unwrap();
    let mut counts = BTreeMap::new();
    let scenarios = scenarios(&binary);
    assert!(scenarios.len() >= 12, "the binary lists {scenarios:?}");
    for scenario in &scenarios {
        let operations = many(scenario);
        let (few, many) = (count(&binary, scenario, FEW, &out_dir), count(&binary, scenario, operations, &out_dir));
        assert!(many > few, "{scenario}: {operations} operations counted no more than {FEW} ({many} <= {few})");
        counts.insert(scenario.to_string(), (many - few) / (operations - FEW));
    }
    for (derived, confirm) in WITHOUT_ARGON2 {
        counts.insert(derived.to_string(), counts[*confirm].saturating_sub(counts["argon2"]));
    }
    counts
}

fn baseline_path() -> PathBuf {
    workspace_root().join("bench/instructions/baseline.json")
}

/// Each count (the scenarios' and the derived ones) against its baseline: what is out of the
/// margin, and what the baseline holds that is no longer measured.
fn judge(baseline: &BTreeMap<String, u64>, counts: &BTreeMap<String, u64>) -> Vec<String> {
    let mut failures: Vec<String> =
        baseline.keys().filter(|name| !counts.contains_key(*name)).map(|name| format!("{name}: in the baseline, no longer measured")).collect();
    for (scenario, &new) in counts {
        let Some(&old) = baseline.get(scenario) else {
            failures.push(format!("{scenario}: no baseline (new {new})"));
            continue;
        };
        let ratio = new as f64 / old as f64;
        if ratio > 1.0 + MARGIN {
            failures.push(format!("{scenario}: {old} -> {new} instructions, {ratio:.3}x: a regression"));
        } else if ratio < 1.0 - MARGIN {
            failures.push(format!("{scenario}: {old} -> {new} instructions, {ratio:.3}x: faster; lower the baseline in this commit"));
        }
    }
    failures
}

#[test]
fn no_operation_moves_more_than_the_margin_from_its_instruction_baseline() {
    let counts = measure();
    let table: String = counts.iter().map(|(scenario, n)| format!("  {scenario:<24} {n:>12}\n")).collect();
    println!("instructions per operation:\n{table}");
    if std::env::var("INSTRUCTION_BASELINE").as_deref() == Ok("write") {
        let file = json!({
            "what": "instructions per warm operation, counted by callgrind (tests/api/instructions.rs)",
            "counts": counts,
        });
        std::fs::write(baseline_path(), serde_json::to_string_pretty(&file).unwrap() + "\n").unwrap();
        return;
    }
    let file: Value = serde_json::from_str(&std::fs::read_to_string(baseline_path()).unwrap()).unwrap();
    let baseline: BTreeMap<String, u64> = serde_json::from_value(file["counts"].clone()).unwrap();
    let failures = judge(&baseline, &counts);
    assert!(failures.is_empty(), "instruction counts left the {:.0} % margin:\n{}\n(all counts:\n{table})", MARGIN * 100.0, failures.join("\n"));
}

#[test]
fn the_judge_refuses_growth_and_unrecorded_falls_beyond_the_margin() {
    const NAMES: [&str; 3] = ["request-reset", "confirm", "confirm-without-argon2"];
    let at = |n: u64| NAMES.iter().map(|s| (s.to_string(), n)).collect::<BTreeMap<_, _>>();
    let baseline = at(1000);
    assert!(judge(&baseline, &at(1000)).is_empty());
    assert!(judge(&baseline, &at(1049)).is_empty() && judge(&baseline, &at(951)).is_empty());
    assert_eq!(judge(&baseline, &at(1051)).len(), NAMES.len());
    assert!(judge(&baseline, &at(1051))[0].contains("1000 -> 1051"));
    assert_eq!(judge(&baseline, &at(949)).len(), NAMES.len());
    assert_eq!(judge(&BTreeMap::new(), &at(1000)).len(), NAMES.len(), "a scenario without a baseline fails");
    let mut fewer = at(1000);
    fewer.remove("confirm");
    assert_eq!(judge(&baseline, &fewer), ["confirm: in the baseline, no longer measured"]);
}

//! Compiles the translations into the crate: every `locales/<tag>.ftl` is a language the pages
//! and mails can speak, and `locales/overrides/<tag>.ftl`, if present, replaces some of its
//! messages (an operator's wording). Adding a language or an override is adding one file.

// A build script that cannot read a catalog must stop the build, loudly: that is what panics do
// here, at build time, never in a function.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

fn ftl_stems(dir: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else { return Vec::new() };
    let mut stems: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file() && path.extension().is_some_and(|ext| ext == "ftl"))
        .filter_map(|path| path.file_stem()?.to_str().map(str::to_owned))
        .collect();
    stems.sort();
    stems
}

fn main() {
    let locales = Path::new(&env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR")).join("locales");
    let overrides = locales.join("overrides");
    println!("cargo:rerun-if-changed={}", locales.display());
    println!("cargo:rerun-if-changed={}", overrides.display());

    let mut tags = ftl_stems(&locales);
    // English is the source language and the fallback for a message a catalog lacks: first.
    let Some(english) = tags.iter().position(|tag| tag == "en") else {
        panic!("{} must hold en.ftl, the source language", locales.display());
    };
    let en = tags.remove(english);
    tags.insert(0, en);
    let overridden = ftl_stems(&overrides);
    if let Some(orphan) = overridden.iter().find(|tag| !tags.contains(tag)) {
        panic!("locales/overrides/{orphan}.ftl overrides a language that has no locales/{orphan}.ftl");
    }

    let mut code = String::from("/// The catalogs found in `locales/` at build time, English first.\npub(crate) static CATALOGS: &[Catalog] = &[\n");
    for tag in &tags {
        assert!(tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'), "locales/{tag}.ftl: name it by a BCP 47 tag, like pt-BR.ftl");
        let main = locales.join(format!("{tag}.ftl"));
        let extra = overridden.contains(tag).then(|| overrides.join(format!("{tag}.ftl")));
        let extra = extra.map_or("None".to_owned(), |path| format!("Some(include_str!({:?}))", path.display().to_string()));
        writeln!(code, "    Catalog {{ tag: {tag:?}, source: include_str!({:?}), overrides: {extra} }},", main.display().to_string()).unwrap();
    }
    code.push_str("];\n");
    writeln!(code, "pub(crate) const CATALOG_COUNT: usize = {};", tags.len()).unwrap();
    fs::write(Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("catalogs.rs"), code).expect("OUT_DIR is writable");
}

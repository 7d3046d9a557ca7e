//! ARCHITECTURE.md names paths, packages and Rust items; each must exist, so the document cannot
//! drift silently when code moves or is renamed.

use std::path::{Path, PathBuf};

use reset_local::workspace_root;

/// What one `code span` of the document names, if it names something checkable.
#[derive(Debug, PartialEq, Eq)]
enum Named {
    /// A file or folder, relative to the workspace root.
    Path(String),
    /// A workspace package (`reset-core`).
    Package(String),
    /// A package name that may be stale (`reset-gone`): kebab-case, of our prefixes.
    MaybePackage(String),
    /// A Rust item by path (`reset_core::ports::keys::KeyCache`): the crate, the modules between
    /// (each a file or folder of the crate), then the item.
    Item { krate: String, modules: Vec<String>, name: String },
    /// A Rust item by name alone (`KeyCache`, `deliver_mail`), defined somewhere in the workspace,
    /// or a template resource or parameter (`MailQueue`).
    Name(String),
}

/// Sorts a code span: commands, expressions, headers and values (anything with a space, a quote,
/// an `=`; all-caps variables; HTTP words) are not items and are not checked.
fn classify(span: &str, packages: &[String]) -> Option<Named> {
    let span = span.trim_end_matches("()").trim_end_matches('/');
    let skip = span.is_empty()
        || span.contains([' ', '"', '=', '<', '*', '{', '?', '#', '&', '|', '@', '%'])
        || span.starts_with(['-', '$', '.', '/'])
        || span.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if skip {
        return None;
    }
    if packages.iter().any(|p| p == span) {
        return Some(Named::Package(span.to_owned()));
    }
    let kebab = span.contains('-') && span.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if kebab && ["reset-", "login-", "mail-", "request-", "rotate-"].iter().any(|prefix| span.starts_with(prefix)) {
        return Some(Named::MaybePackage(span.to_owned()));
    }
    if span.contains("::") {
        let segments: Vec<&str> = span.split("::").collect();
        let krate = segments[0];
        let looks_like_ours = krate.starts_with("reset_") || ["request_reset", "mail_worker", "login_password"].contains(&krate);
        let modules = segments[1..segments.len() - 1].iter().map(|m| m.to_string()).collect();
        return looks_like_ours.then(|| Named::Item { krate: krate.to_owned(), modules, name: segments[segments.len() - 1].to_owned() });
    }
    let has_extension =
        Path::new(span).extension().is_some_and(|e| ["rs", "toml", "md", "yaml", "json", "py", "ftl", "html", "txt"].contains(&e.to_str().unwrap_or("")));
    if span.contains('/') || has_extension {
        return Some(Named::Path(span.to_owned()));
    }
    let identifier = span.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && span.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    // CamelCase types and traits, snake_case functions and modules (a plain word is prose).
    let item_like = span.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && span.chars().any(|c| c.is_ascii_lowercase()) || span.contains('_');
    (identifier && item_like).then(|| Named::Name(span.to_owned()))
}

/// Every `code span` outside fenced blocks.
fn code_spans(doc: &str) -> Vec<String> {
    let mut spans = Vec::new();
    let mut fenced = false;
    for line in doc.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let mut parts = line.split('`');
        parts.next();
        while let (Some(inside), Some(_)) = (parts.next(), parts.next()) {
            spans.push(inside.to_owned());
        }
    }
    spans
}

fn rust_sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() && !["target", ".venv", ".venv-sam", ".venv-checkov", ".git", "node_modules"].contains(&name.to_str().unwrap_or("")) {
            rust_sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Whether `source` defines `name`: an item, a module, or an enum variant / field at a line's start.
fn defines(source: &str, name: &str) -> bool {
    let kinds = ["fn", "struct", "enum", "trait", "type", "mod", "const", "static", "macro_rules!"];
    source.lines().any(|line| {
        let line = line.trim_start();
        let line = line.strip_prefix("pub(crate) ").or_else(|| line.strip_prefix("pub ")).unwrap_or(line);
        let line = line.strip_prefix("async ").unwrap_or(line);
        let item = kinds.iter().any(|kind| {
            line.strip_prefix(kind).and_then(|rest| rest.strip_prefix(' ')).is_some_and(|rest| {
                rest.strip_prefix(name).is_some_and(|after| after.is_empty() || !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
            })
        });
        // An enum variant, or a field.
        let member = line.strip_prefix(name).is_some_and(|after| after.starts_with([',', '(', ' ', '{', ':']));
        // A re-export (`pub use reset_aws::Aws;`).
        let reexport = line.starts_with("use ") && line.split(|c: char| !c.is_ascii_alphanumeric() && c != '_').any(|word| word == name);
        item || member || reexport
    })
}

/// The source folder of a crate named as Rust names it (`reset_core` → `shared/reset-core`).
fn crate_dir(root: &Path, krate: &str) -> Option<PathBuf> {
    let package = krate.replace('_', "-");
    workspace_members(root).into_iter().find(|(name, _)| *name == package).map(|(_, dir)| dir)
}

fn workspace_packages(root: &Path) -> Vec<String> {
    workspace_members(root).into_iter().map(|(name, _)| name).collect()
}

/// Each workspace package's name and folder.
fn workspace_members(root: &Path) -> Vec<(String, PathBuf)> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let members: toml::Value = toml::from_str(&manifest).unwrap();
    members["workspace"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| {
            let dir = root.join(m.as_str()?);
            let member = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
            let parsed: toml::Value = toml::from_str(&member).ok()?;
            Some((parsed["package"]["name"].as_str()?.to_owned(), dir))
        })
        .collect()
}

/// Whether each module of a path is a file or folder of the crate, nested as written
/// (`ports::keys` is `src/ports/keys.rs` or `src/ports/keys/`).
fn modules_exist(crate_dir: &Path, modules: &[String]) -> bool {
    let mut at = crate_dir.join("src");
    for module in modules {
        at = at.join(module);
        if !(at.is_dir() || at.with_extension("rs").is_file()) {
            return false;
        }
    }
    true
}

/// Whether a workspace manifest names a binary `name`.
fn manifests_name_a_binary(root: &Path, name: &str) -> bool {
    workspace_members(root)
        .iter()
        .any(|(_, dir)| std::fs::read_to_string(dir.join("Cargo.toml")).is_ok_and(|manifest| manifest.contains(&format!("name = \"{name}\""))))
}

/// Whatever ARCHITECTURE.md names that does not exist (a path, a package, an item).
fn missing(doc: &str, root: &Path) -> Vec<String> {
    let packages = workspace_packages(root);
    let mut sources = Vec::new();
    rust_sources(root, &mut sources);
    let read: Vec<(PathBuf, String)> = sources.into_iter().map(|p| (p.clone(), std::fs::read_to_string(&p).unwrap_or_default())).collect();
    let template = std::fs::read_to_string(root.join("template.yaml")).unwrap();
    // A resource or parameter (`  MailQueue:`), or a value the template sets (`RetainExceptOnCreate`).
    let in_template = |name: &str| template.lines().any(|line| line.split(|c: char| !c.is_ascii_alphanumeric()).any(|word| word == name));
    // A lint the workspace sets (`unwrap_used`).
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let a_lint = |name: &str| manifest.lines().any(|line| line.trim_start().starts_with(&format!("{name} =")));
    let mut missing = Vec::new();
    for span in code_spans(doc) {
        let found = match classify(&span, &packages) {
            None | Some(Named::Package(_)) => true,
            // Not a package of the workspace (a real one is `Package`): a name gone stale, unless
            // it is a binary (`local-stack`) or a folder's name.
            Some(Named::MaybePackage(name)) => {
                read.iter().any(|(path, _)| path.file_stem().is_some_and(|s| s == name.as_str()))
                    || manifests_name_a_binary(root, &name)
                    || root.join(&name).exists()
            }
            Some(Named::Path(path)) => root.join(&path).exists(),
            Some(Named::Item { krate, modules, name }) => match crate_dir(root, &krate) {
                Some(dir) if !modules_exist(&dir, &modules) => false,
                Some(dir) => {
                    read.iter().any(|(path, source)| path.starts_with(&dir) && (defines(source, &name) || path.file_stem().is_some_and(|s| s == name.as_str())))
                }
                None => false,
            },
            Some(Named::Name(name)) => {
                read.iter().any(|(path, source)| defines(source, &name) || path.file_stem().is_some_and(|s| s == name.as_str()))
                    || in_template(&name)
                    || a_lint(&name)
            }
        };
        if !found {
            missing.push(span);
        }
    }
    missing.sort();
    missing.dedup();
    missing
}

#[test]
fn every_path_package_and_item_architecture_md_names_exists() {
    let root = workspace_root();
    let doc = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let checked = code_spans(&doc).iter().filter(|s| classify(s, &workspace_packages(&root)).is_some()).count();
    assert!(checked >= 40, "the document names {checked} checkable things: is the parser still reading it?");
    let missing = missing(&doc, &root);
    assert!(missing.is_empty(), "ARCHITECTURE.md names what does not exist: {missing:#?}");
}

/// The check catches each kind of drift: a moved file, a renamed item, a crate that is gone, and
/// an item named in the wrong crate.
#[test]
fn a_renamed_item_a_moved_file_and_a_wrong_crate_are_caught() {
    let root = workspace_root();
    let doc = "`shared/reset-core/src/no_such_file.rs`, `reset_core::NoSuchThing`, `reset_gone::Deps`, `reset_http::deliver_mail`, \
               `NoSuchType`, `no_such_function`, `lib.rs`, and what exists: `reset_core::deliver_mail`, `Deps`, `template.yaml`, `reset-core`, `MailQueue`, \
               `reset_local::events::load`, `reset-gone`, `reset_core::nowhere::KeyCache`, `reset_core::ports::keys::KeyCache`, `local-stack`.";
    assert_eq!(
        missing(doc, &root),
        [
            "NoSuchType",
            "lib.rs",
            "no_such_function",
            "reset-gone",
            "reset_core::NoSuchThing",
            "reset_core::nowhere::KeyCache",
            "reset_gone::Deps",
            "reset_http::deliver_mail",
            "shared/reset-core/src/no_such_file.rs"
        ]
    );
    // Not items: commands, values, variables, headers.
    for span in ["cargo test -p reset-tests", "RESET_PAGE_URL", "x-origin-verify", "202", "GET", "HttpOnly; Secure"] {
        assert_eq!(classify(span, &workspace_packages(&root)), None, "{span}");
    }
}

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};
use fluent_syntax::parser;

use crate::catalog::CATALOGS;
use crate::msg::build_bundle;
use crate::{Locale, Msg, duration};

/// Every message of a catalog, with the variables it uses.
fn messages(tag: &str, source: &str) -> BTreeMap<String, BTreeSet<String>> {
    let resource = parser::parse(source).unwrap_or_else(|(_, errors)| panic!("locales/{tag}.ftl does not parse: {errors:?}"));
    let mut messages = BTreeMap::new();
    for entry in resource.body {
        match entry {
            Entry::Message(message) => {
                let mut vars = BTreeSet::new();
                if let Some(value) = &message.value {
                    pattern_vars(value, &mut vars);
                }
                let id = message.id.name.to_owned();
                assert!(messages.insert(id.clone(), vars).is_none(), "locales/{tag}.ftl defines {id} twice");
            }
            Entry::Term(term) => panic!("locales/{tag}.ftl: terms (-{}) are not used; give values as placeables", term.id.name),
            Entry::Junk { content } => panic!("locales/{tag}.ftl has a syntax error at: {content}"),
            _ => {}
        }
    }
    messages
}

fn pattern_vars(pattern: &Pattern<&str>, vars: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let PatternElement::Placeable { expression } = element {
            expression_vars(expression, vars);
        }
    }
}

fn expression_vars(expression: &Expression<&str>, vars: &mut BTreeSet<String>) {
    match expression {
        Expression::Select { selector, variants } => {
            inline_vars(selector, vars);
            for variant in variants {
                pattern_vars(&variant.value, vars);
            }
        }
        Expression::Inline(inline) => inline_vars(inline, vars),
    }
}

fn inline_vars(inline: &InlineExpression<&str>, vars: &mut BTreeSet<String>) {
    match inline {
        InlineExpression::VariableReference { id } => {
            vars.insert(id.name.to_owned());
        }
        InlineExpression::Placeable { expression } => expression_vars(expression, vars),
        InlineExpression::FunctionReference { arguments, .. } => {
            for argument in &arguments.positional {
                inline_vars(argument, vars);
            }
        }
        _ => {}
    }
}

fn locale(tag: &str) -> Locale {
    Locale::matching(tag).unwrap_or_else(|| panic!("{tag} is compiled in"))
}

#[test]
fn every_catalog_has_every_message_with_the_same_placeables() {
    let english = messages("en", CATALOGS[0].source);
    assert!(english.len() > 90, "the English catalog holds every message");
    for catalog in CATALOGS {
        let theirs = messages(catalog.tag, catalog.source);
        for (id, vars) in &english {
            let Some(their_vars) = theirs.get(id) else { panic!("locales/{}.ftl lacks {id}", catalog.tag) };
            // A select may leave a variable out of the variant text (Japanese has no "one"):
            // the selector counts as a use.
            assert_eq!(their_vars, vars, "locales/{}.ftl: {id} must use the placeables {vars:?}", catalog.tag);
        }
        let extra: Vec<_> = theirs.keys().filter(|id| !english.contains_key(*id)).collect();
        assert!(extra.is_empty(), "locales/{}.ftl has messages English lacks: {extra:?}", catalog.tag);
        if let Some(overrides) = catalog.overrides {
            for (id, vars) in messages(catalog.tag, overrides) {
                assert_eq!(english.get(&id), Some(&vars), "locales/overrides/{}.ftl: {id} must be an existing message with its placeables", catalog.tag);
            }
        }
    }
}

/// Each message's text, as parsed (to compare catalogs).
fn values(tag: &str, source: &str) -> BTreeMap<String, String> {
    let resource = parser::parse(source).unwrap_or_else(|(_, errors)| panic!("locales/{tag}.ftl does not parse: {errors:?}"));
    resource
        .body
        .into_iter()
        .filter_map(|entry| match entry {
            Entry::Message(message) => Some((message.id.name.to_owned(), format!("{:?}", message.value))),
            _ => None,
        })
        .collect()
}

/// A translation is not English copied in: no message of another catalog reads exactly as the
/// English one (a half-done catalog would otherwise pass the completeness test).
#[test]
fn no_catalog_copies_the_english_text() {
    let english = values("en", CATALOGS[0].source);
    for catalog in &CATALOGS[1..] {
        let theirs = values(catalog.tag, catalog.source);
        let copied: Vec<&String> = english.iter().filter(|(id, text)| theirs.get(*id) == Some(*text)).map(|(id, _)| id).collect();
        assert!(copied.is_empty(), "locales/{}.ftl has English text for {copied:?}", catalog.tag);
    }
}

/// Every message the code names exists in English (and so, by the test above, everywhere): this
/// crate's, the domain's, the pages' and mails', and the HTTP edge's and the functions' (their
/// errors and JSON answers).
#[test]
fn every_message_the_code_uses_exists() {
    let english = messages("en", CATALOGS[0].source);
    let sources = [
        include_str!("../../reset-http/src/error.rs"),
        include_str!("../../../functions/request-reset/src/lib.rs"),
        include_str!("../../../functions/reset-password/src/lib.rs"),
        include_str!("../../reset-pages/src/pages.rs"),
        include_str!("../../reset-pages/src/mail.rs"),
        include_str!("../../reset-core/src/domain/mod.rs"),
        include_str!("../../reset-core/src/ports/breached.rs"),
        include_str!("msg.rs"),
        include_str!("../../reset-pages/templates/pages/layout.html"),
        include_str!("../../reset-pages/templates/pages/forgot.html"),
        include_str!("../../reset-pages/templates/pages/reset.html"),
        include_str!("../../reset-pages/templates/pages/continue.html"),
        include_str!("../../reset-pages/templates/pages/code.html"),
        include_str!("../../reset-pages/templates/link_email.html"),
        include_str!("../../reset-pages/templates/link_email.txt"),
        include_str!("../../reset-pages/templates/changed_email.html"),
        include_str!("../../reset-pages/templates/changed_email.txt"),
    ];
    // The first word of an id names its family (`error-`, `reset-`...): a string argument that
    // starts with one of those is meant as a message id (not a header value like "no-store").
    let families: BTreeSet<&str> = english.keys().filter_map(|id| id.split('-').next()).collect();
    let mut used = 0;
    for source in sources {
        // A message id is a string argument: `get("id")`, `Msg::new("id")`, `f(x, "id")`
        // (not an HTML attribute value such as `id="password-rule"`).
        let mut rest = source;
        while let Some(start) = rest.find('"') {
            let before = rest[..start].trim_end_matches(' ');
            let Some(len) = rest[start + 1..].find('"') else { break };
            let quoted = &rest[start + 1..start + 1 + len];
            rest = &rest[start + len + 2..];
            let argument = before.ends_with('(') || before.ends_with(',');
            let looks_like_id = quoted.contains('-')
                && quoted.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && quoted.split('-').next().is_some_and(|family| families.contains(family));
            if argument && looks_like_id {
                used += 1;
                assert!(english.contains_key(quoted), "the code uses {quoted:?}, which locales/en.ftl lacks");
            }
        }
    }
    assert!(used > 70, "the scan found the ids ({used})");
}

#[test]
fn every_message_formats_cleanly_in_every_language() {
    let english = messages("en", CATALOGS[0].source);
    for locale in Locale::all() {
        for (id, vars) in &english {
            let id: &'static str = Box::leak(id.clone().into_boxed_str());
            let mut msg = Msg::new(id);
            for var in vars {
                let name: &'static str = Box::leak(var.clone().into_boxed_str());
                msg = msg.with(name, 2u64);
            }
            let text = msg.text(locale);
            assert!(!text.is_empty() && text != id, "{locale:?} {id}");
            assert!(!text.contains("{$") && !text.contains("{ $"), "{locale:?} {id}: {text}");
        }
    }
}

#[test]
fn plurals_follow_each_language() {
    let minutes = |tag: &str, n: u64| Msg::new("duration-minutes").with("n", n).text(locale(tag));
    assert_eq!(minutes("en", 1), "1 minute");
    assert_eq!(minutes("en", 30), "30 minutes");
    assert_eq!(minutes("de", 1), "1 Minute");
    assert_eq!(minutes("de", 30), "30 Minuten");
    assert_eq!(minutes("fr", 1), "1 minute");
    assert_eq!(minutes("fr", 30), "30 minutes");
    assert_eq!(minutes("ja", 30), "30分");
    // Arabic: one, two, few (3-10), many (11-99) and other take different forms.
    let arabic: Vec<String> = [1, 2, 3, 11, 100].iter().map(|n| minutes("ar", *n)).collect();
    let distinct: BTreeSet<&String> = arabic.iter().collect();
    assert_eq!(distinct.len(), 5, "{arabic:?}");
    // The code attempts' wait, in minutes: each language's forms too.
    let attempts = |tag: &str, n: u64| Msg::new("error-code-attempts").with("minutes", n).text(locale(tag));
    assert!(attempts("en", 1).contains("in 1 minute,"), "{}", attempts("en", 1));
    assert!(attempts("en", 15).contains("in 15 minutes,"), "{}", attempts("en", 15));
    assert!(attempts("de", 15).contains("in 15 Minuten"), "{}", attempts("de", 15));
    let arabic: Vec<String> = [1, 2, 3, 11, 100].iter().map(|n| attempts("ar", *n)).collect();
    assert_eq!(arabic.iter().collect::<BTreeSet<_>>().len(), 5, "{arabic:?}");
    assert_eq!(duration(Duration::from_secs(3600)).text(locale("en")), "1 hour");
    assert_eq!(duration(Duration::from_secs(7200)).text(locale("en")), "2 hours");
    assert_eq!(duration(Duration::from_secs(90)).text(locale("en")), "90 seconds");
    let inbox = Msg::new("inbox-sent").with("lifetime", duration(Duration::from_secs(60))).text(locale("de"));
    assert!(inbox.contains("1 Minute"), "a nested message is rendered in the same language: {inbox}");
}

#[test]
fn right_to_left_text_isolates_what_it_is_given_and_left_to_right_text_does_not() {
    let account = "d\u{2022}\u{2022}\u{2022}@example.com";
    let arabic = Msg::new("changed-text").with("account", account).text(locale("ar"));
    assert!(arabic.contains(&format!("\u{2068}{account}\u{2069}")), "{arabic:?}");
    let english = Msg::new("changed-text").with("account", account).text(locale("en"));
    assert!(!english.contains('\u{2068}'), "{english:?}");
}

#[test]
fn an_override_file_replaces_wording_and_a_missing_message_falls_back_to_english() {
    let bundle = build_bundle("en", false, "hello = Hello\nbye = Bye\n", Some("bye = See you\n"));
    let text = |id: &str| {
        let pattern = bundle.get_message(id).and_then(|m| m.value()).unwrap();
        bundle.format_pattern(pattern, None, &mut Vec::new()).into_owned()
    };
    assert_eq!(text("hello"), "Hello");
    assert_eq!(text("bye"), "See you");
    // A catalog with a syntax error keeps the entries it could read.
    let broken = build_bundle("de", false, "hallo = Hallo\nkaputt = { $\n", None);
    assert!(broken.get_message("hallo").is_some());
    // An id no catalog has renders as itself, not as nothing and not as a panic.
    assert_eq!(Msg::new("no-such-message").text(locale("de")), "no-such-message");
}

//! [`Msg`], a message id with its arguments, and its rendering: one bundle per language, built
//! on its first use from the compiled-in catalog. Plurals and placeables are the catalogs'
//! business (`{ $n -> [one] ... *[other] ... }`).
//!
//! A message a catalog lacks is taken from English, and one no catalog has renders as its id:
//! never a panic, never an empty answer. A test keeps every shipped catalog complete.

use std::sync::OnceLock;
use std::time::Duration;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use crate::catalog::{CATALOG_COUNT, CATALOGS};
use crate::locale::Locale;

type Bundle = FluentBundle<FluentResource>;

#[expect(clippy::indexing_slicing, reason = "a Locale is only ever made from an index into CATALOGS")]
fn bundle(locale: Locale) -> &'static Bundle {
    static BUNDLES: [OnceLock<Bundle>; CATALOG_COUNT] = [const { OnceLock::new() }; CATALOG_COUNT];
    BUNDLES[locale.index()].get_or_init(|| {
        let catalog = &CATALOGS[locale.index()];
        build_bundle(catalog.tag, locale.is_rtl(), catalog.source, catalog.overrides)
    })
}

/// A bundle from a catalog and its overrides. A syntax error costs the entries it spoils, not
/// the catalog (the tests keep the shipped ones clean).
pub(crate) fn build_bundle(tag: &str, rtl: bool, source: &str, overrides: Option<&str>) -> Bundle {
    let mut bundle = Bundle::new_concurrent(vec![tag.parse().unwrap_or_default()]);
    // Isolation marks keep an address or a number in its own direction inside right-to-left
    // text; in left-to-right text they would only be invisible noise in mails.
    bundle.set_use_isolating(rtl);
    let parse = |source: &str| {
        FluentResource::try_new(source.to_owned()).unwrap_or_else(|(partial, errors)| {
            tracing::error!(locale = tag, errors = errors.len(), "a translation file has syntax errors: the entries they spoil are missing");
            partial
        })
    };
    if let Err(errors) = bundle.add_resource(parse(source)) {
        tracing::error!(locale = tag, errors = errors.len(), "a translation file defines a message twice: the first one is used");
    }
    if let Some(overrides) = overrides {
        bundle.add_resource_overriding(parse(overrides));
    }
    bundle
}

/// A value a message is given: a number (plurals select on it), a text, or another message
/// (rendered in the same language first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Num(u64),
    Text(String),
    Msg(Box<Msg>),
}

impl From<u64> for Arg {
    fn from(n: u64) -> Self {
        Arg::Num(n)
    }
}

impl From<usize> for Arg {
    fn from(n: usize) -> Self {
        Arg::Num(n as u64)
    }
}

impl From<&str> for Arg {
    fn from(text: &str) -> Self {
        Arg::Text(text.to_owned())
    }
}

impl From<String> for Arg {
    fn from(text: String) -> Self {
        Arg::Text(text)
    }
}

impl From<Msg> for Arg {
    fn from(msg: Msg) -> Self {
        Arg::Msg(Box::new(msg))
    }
}

/// A message id and its arguments, not yet in any language: what the domain and the HTTP edge
/// hand around, rendered once the reader's language is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    id: &'static str,
    args: Vec<(&'static str, Arg)>,
}

impl Msg {
    pub const fn new(id: &'static str) -> Self {
        Msg { id, args: Vec::new() }
    }

    pub fn with(mut self, name: &'static str, value: impl Into<Arg>) -> Self {
        self.args.push((name, value.into()));
        self
    }

    pub fn id(&self) -> &'static str {
        self.id
    }

    /// The message in `locale` (English for what its catalog lacks).
    pub fn text(&self, locale: Locale) -> String {
        let args = (!self.args.is_empty()).then(|| {
            let mut args = FluentArgs::with_capacity(self.args.len());
            for (name, value) in &self.args {
                let value = match value {
                    Arg::Num(n) => FluentValue::from(*n),
                    Arg::Text(text) => FluentValue::from(text.as_str()),
                    Arg::Msg(msg) => FluentValue::from(msg.text(locale)),
                };
                args.set(*name, value);
            }
            args
        });
        format(locale, self.id, args.as_ref())
    }
}

fn format(locale: Locale, id: &str, args: Option<&FluentArgs>) -> String {
    for locale in [locale, Locale::ENGLISH] {
        let bundle = bundle(locale);
        if let Some(pattern) = bundle.get_message(id).and_then(|message| message.value()) {
            let mut errors = Vec::new();
            let text = bundle.format_pattern(pattern, args, &mut errors);
            if !errors.is_empty() {
                tracing::warn!(locale = locale.tag(), message_id = id, "a translation could not be formatted completely");
            }
            return text.into_owned();
        }
    }
    tracing::error!(message_id = id, "no catalog has this message");
    id.to_owned()
}

impl Locale {
    /// The message `id`, without arguments, in this language (for templates).
    pub fn get(self, id: &'static str) -> String {
        Msg::new(id).text(self)
    }

    /// `msg` in this language (for templates).
    pub fn say(self, msg: &Msg) -> String {
        msg.text(self)
    }
}

/// How long something lasts, in words: "30 minutes", "1 hour", "90 seconds".
pub fn duration(d: Duration) -> Msg {
    match d.as_secs() {
        s if s >= 3600 && s % 3600 == 0 => Msg::new("duration-hours").with("n", s / 3600),
        s if s >= 60 && s % 60 == 0 => Msg::new("duration-minutes").with("n", s / 60),
        s => Msg::new("duration-seconds").with("n", s),
    }
}

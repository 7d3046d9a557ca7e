//! Which language a page or a mail speaks: the supported locales, and the negotiation every
//! function uses. An explicit choice (`?lang=`, a stored user locale) wins over the browser's
//! `Accept-Language` (by q-value, then order), which wins over the configured default.
//!
//! Matching is `fluent-langneg`'s filtering (a region falls back to its language: `pt-PT` finds
//! `pt-BR`, `en-GB` finds `en`); the q-values are read here, since its own header parser keeps
//! only the order. Anything malformed is skipped, never an error: a hostile header or `?lang=`
//! value only loses its say.

use std::sync::LazyLock;

use fluent_langneg::{NegotiationStrategy, negotiate_languages};
use unic_langid::{CharacterDirection, LanguageIdentifier};

use crate::catalog::CATALOGS;

/// A language the pages and mails are written in: one of the catalogs compiled in from
/// `locales/`, so adding a language is adding a file.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Locale(u8);

/// The longest language tag considered (BCP 47's longest registered tags are shorter), and the
/// most `Accept-Language` entries read: past these a value is not a browser's.
const MAX_TAG_LEN: usize = 35;
const MAX_ENTRIES: usize = 16;

impl Locale {
    /// The source language, and the fallback for a message another catalog lacks.
    pub const ENGLISH: Locale = Locale(0);

    /// Every language compiled in, English first.
    pub fn all() -> impl Iterator<Item = Locale> {
        (0..CATALOGS.len()).map(|i| Locale(i as u8))
    }

    pub(crate) fn index(self) -> usize {
        usize::from(self.0)
    }

    /// The BCP 47 tag, as `<html lang>` and the translation files name it.
    #[expect(clippy::indexing_slicing, reason = "a Locale is only ever made from an index into CATALOGS")]
    pub fn tag(self) -> &'static str {
        CATALOGS[self.index()].tag
    }

    /// Whether the script runs right to left (Arabic, Hebrew, Persian, Urdu...).
    #[expect(clippy::indexing_slicing, reason = "a Locale is only ever made from an index into CATALOGS")]
    pub fn is_rtl(self) -> bool {
        available()[self.index()].character_direction() == CharacterDirection::RTL
    }

    /// The writing direction, for `<html dir>`.
    pub fn dir(self) -> &'static str {
        if self.is_rtl() { "rtl" } else { "ltr" }
    }

    /// The supported locale closest to `tag` (a `?lang=` value, a stored user locale, the
    /// configured default), if any is close enough.
    pub fn matching(tag: &str) -> Option<Locale> {
        best(&[langid(tag)?])
    }
}

impl std::fmt::Debug for Locale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.tag())
    }
}

/// The language a mail is written in: the account's stored locale, then the one of the request
/// that led to the mail, then the configured default; each only if it names a language we have.
pub fn for_mail(stored: Option<&str>, requested: Option<&str>, default: Locale) -> Locale {
    stored.and_then(Locale::matching).or_else(|| requested.and_then(Locale::matching)).unwrap_or(default)
}

fn langid(tag: &str) -> Option<LanguageIdentifier> {
    let tag = tag.trim();
    if tag.is_empty() || tag.len() > MAX_TAG_LEN || tag == "*" {
        return None;
    }
    tag.parse().ok()
}

/// The catalogs' tags, parsed once (a tag that does not parse is "und" and matches nothing; a
/// test keeps the shipped ones valid).
fn available() -> &'static [LanguageIdentifier] {
    static AVAILABLE: LazyLock<Vec<LanguageIdentifier>> = LazyLock::new(|| CATALOGS.iter().map(|catalog| catalog.tag.parse().unwrap_or_default()).collect());
    &AVAILABLE
}

/// The first supported locale that matches any of `requested`, in order.
fn best(requested: &[LanguageIdentifier]) -> Option<Locale> {
    let available = available();
    let chosen = negotiate_languages(requested, available, None, NegotiationStrategy::Filtering).into_iter().next()?;
    let index = available.iter().position(|a| a == chosen)?;
    Some(Locale(u8::try_from(index).ok()?))
}

/// The languages an `Accept-Language` header asks for, most wanted first: by q-value, ties in
/// the order given. `q=0` ("not this one"), the `*` wildcard (it names nothing we could pick),
/// malformed tags and malformed q-values are dropped.
pub fn accepted_languages(header: &str) -> Vec<LanguageIdentifier> {
    let mut weighted: Vec<(u16, LanguageIdentifier)> = header
        .split(',')
        .take(MAX_ENTRIES)
        .filter_map(|entry| {
            let mut parts = entry.split(';');
            let tag = langid(parts.next()?)?;
            let mut q = 1000;
            for param in parts {
                let (name, value) = param.split_once('=')?;
                if name.trim().eq_ignore_ascii_case("q") {
                    q = parse_q(value.trim())?;
                }
            }
            (q > 0).then_some((q, tag))
        })
        .collect();
    weighted.sort_by_key(|(q, _)| std::cmp::Reverse(*q));
    weighted.into_iter().map(|(_, tag)| tag).collect()
}

/// An RFC 9110 qvalue (`0`, `0.5`, `1.000`...) in thousandths; `None` if it is not one.
fn parse_q(value: &str) -> Option<u16> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths: u16 = format!("{fraction:0<3}").parse().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// The page's language: an explicit choice (`?lang=`, or the value the form carried), then the
/// browser's `Accept-Language`, then `default`.
pub fn negotiate(explicit: Option<&str>, accept_language: Option<&str>, default: Locale) -> Locale {
    explicit.and_then(Locale::matching).or_else(|| accept_language.and_then(|header| best(&accepted_languages(header)))).unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(tag: &str) -> Locale {
        Locale::matching(tag).unwrap_or_else(|| panic!("{tag} is compiled in"))
    }

    #[test]
    fn accept_language_is_read_by_q_value_with_fallbacks() {
        let cases: &[(&str, &str)] = &[
            ("de-DE,de;q=0.9,en;q=0.8", "de"),
            ("en-US,en;q=0.9", "en"),
            ("en-GB", "en"),
            ("pt-PT", "pt-BR"),
            ("pt", "pt-BR"),
            ("pt-BR", "pt-BR"),
            ("fr-CA;q=0.8, ja;q=0.9", "ja"),
            ("de;q=0.5, es;q=0.5", "de"),
            ("ar-EG", "ar"),
            ("zh-CN, es;q=0.1", "es"),
            ("de;q=0, fr", "fr"),
            ("DE-de", "de"),
            ("ja-JP;q=1.0", "ja"),
            ("en;q=0.001, de;q=0.002", "de"),
        ];
        for (header, want) in cases {
            assert_eq!(negotiate(None, Some(header), l("fr")).tag(), *want, "{header}");
        }
    }

    #[test]
    fn what_names_nothing_supported_falls_back_to_the_default() {
        let cases = [
            "",
            "*",
            "zh-CN",
            "de;q=0",
            "xx-YY, *;q=0.5",
            ";;;",
            ",,,",
            "de;q=abc",
            "de;q=1.5",
            "de;q=0.12345",
            "en;q=-1",
            "de;q",
            "<script>alert(1)</script>",
            "\u{0}de",
            "tlh",
        ];
        for header in cases {
            assert_eq!(negotiate(None, Some(header), l("es")).tag(), "es", "{header:?}");
        }
        assert_eq!(negotiate(None, None, l("ja")).tag(), "ja");
        // Only the first entries count: a header a browser would not send loses its say.
        let long = format!("{}de", "xx,".repeat(40));
        assert_eq!(negotiate(None, Some(&long), l("en")).tag(), "en");
    }

    #[test]
    fn an_explicit_choice_wins_unless_it_is_not_a_supported_language() {
        assert_eq!(negotiate(Some("ja"), Some("de"), l("en")).tag(), "ja");
        assert_eq!(negotiate(Some("pt-PT"), Some("de"), l("en")).tag(), "pt-BR");
        assert_eq!(negotiate(Some(" ar "), None, l("en")).tag(), "ar");
        for hostile in ["", "*", "xx", "../../etc/passwd", "de\r\nSet-Cookie: x=1", "de\"><script>", &"de-".repeat(50), "en-US-x-private"] {
            assert_eq!(negotiate(Some(hostile), Some("fr"), l("en")).tag(), "fr", "{hostile:?}: the header decides");
        }
    }

    #[test]
    fn tags_and_directions() {
        let tags: Vec<&str> = Locale::all().map(Locale::tag).collect();
        assert_eq!(tags, ["en", "ar", "de", "es", "fr", "ja", "pt-BR"], "the shipped catalogs, English first");
        for locale in Locale::all() {
            assert_ne!(available()[locale.index()], LanguageIdentifier::default(), "{locale:?} is a valid tag");
            assert_eq!(Locale::matching(locale.tag()), Some(locale), "{locale:?} round-trips");
            assert_eq!(locale.dir(), if locale.tag() == "ar" { "rtl" } else { "ltr" });
        }
    }

    #[test]
    fn a_mail_speaks_the_stored_locale_then_the_requests_then_the_default() {
        let cases: &[(Option<&str>, Option<&str>, &str)] = &[
            (Some("ja"), Some("de"), "ja"),
            (Some("pt_BR"), Some("de"), "pt-BR"),
            (Some("pt-PT"), Some("de"), "pt-BR"),
            (Some("zh"), Some("de"), "de"),
            (None, Some("ar"), "ar"),
            (Some(""), Some("x<y"), "fr"),
            (None, None, "fr"),
        ];
        for (stored, requested, want) in cases {
            assert_eq!(for_mail(*stored, *requested, l("fr")).tag(), *want, "{stored:?} {requested:?}");
        }
    }
}

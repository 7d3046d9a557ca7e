//! The catalogs as compiled in by `build.rs`: one per `locales/<tag>.ftl`, English first.

/// One language's translations as compiled in.
pub(crate) struct Catalog {
    pub tag: &'static str,
    pub source: &'static str,
    /// The operator's `locales/overrides/<tag>.ftl`: its messages replace the catalog's.
    pub overrides: Option<&'static str>,
}

include!(concat!(env!("OUT_DIR"), "/catalogs.rs"));

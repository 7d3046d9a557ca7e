//! Every word a user reads, in every language compiled in: the Fluent catalogs
//! (`locales/<tag>.ftl`, found by `build.rs`, with an operator's `locales/overrides/`), the
//! [`Locale`] a reader gets ([`locale`]: negotiation), and [`Msg`], a message id with its
//! arguments that is rendered in whatever language the reader gets ([`msg`]).
//!
//! Knows nothing of the domain, HTTP or AWS: `reset-core` names messages, `reset-pages` renders
//! them into pages and mails.

mod catalog;
pub mod locale;
pub mod msg;

pub use locale::{Locale, for_mail};
pub use msg::{Arg, Msg, duration};

#[cfg(test)]
mod tests;

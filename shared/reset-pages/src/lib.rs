//! Presentation: what a reader sees, built from the domain's settings and messages. The hosted
//! pages ([`pages`]), the mails ([`mail`], the core's `ComposeMail` port), and the pages'
//! stylesheet and Content-Security-Policy with the operator's branding applied ([`style`]).
//! Templates are askama's (`templates/`): compile-checked and auto-escaping. The words come from
//! `reset-text`.

pub mod mail;
pub mod pages;
pub mod style;

pub use mail::{MAILS, Mails};
pub use pages::{Reader, content_security_policy};

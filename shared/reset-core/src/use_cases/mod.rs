//! The three use cases, one per function: a reset requested ([`request_reset`]), a queued mail
//! delivered ([`deliver_mail`]), a token checked and a password changed ([`confirm_reset`]).

pub mod confirm_reset;
pub mod deliver_mail;
pub mod request_reset;

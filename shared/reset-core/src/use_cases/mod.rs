//! The use cases, one per function: a reset requested ([`request_reset`]), a queued mail
//! delivered ([`deliver_mail`]), a token checked and a password changed ([`confirm_reset`]), new
//! outbox events put on the bus ([`publish_events`]), an operator's reset or invitation started
//! ([`operator_reset`]), a mailed code checked ([`check_code`]: it then goes on as the link would).

pub mod check_code;
pub mod confirm_reset;
pub mod deliver_mail;
pub mod dispute_change;
pub mod operator_reset;
pub mod publish_events;
pub mod request_reset;

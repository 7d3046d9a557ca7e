//! All integration tests build into this one binary (one link of the AWS SDK).

mod breached;
mod browser;
mod cargo_lambda;
mod checkov;
mod deploy;
mod edge;
mod faults;
mod fuzz;
mod handlers;
mod helpers;
mod hostile;
mod languages;
mod local_stack;
mod login;
mod mail_delivery;
mod moto;
mod observatory;
mod pages;
mod pre_traffic;
mod rate_limits;
mod sam;
mod schema;
mod template;

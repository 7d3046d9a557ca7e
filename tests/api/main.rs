//! All integration tests build into this one binary (one link of the AWS SDK).

mod breached;
mod browser;
mod checkov;
mod deploy;
mod cargo_lambda;
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
mod origin_verify;
mod pre_traffic;
mod pages;
mod rate_limits;
mod rest_api;
mod sam;
mod schema;
mod template;

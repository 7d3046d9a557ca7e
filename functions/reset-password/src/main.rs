//! Cold start builds everything once (config, clients, keys); each invocation only handles.

use lambda_http::{Error, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let deps = reset_wiring::init::<reset_wiring::AwsHttp>().await?;
    reset_core::prepare_confirms();
    run(service_fn(|req| reset_password::handle(&deps, req))).await
}

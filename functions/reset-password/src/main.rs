//! Cold start builds everything once (config, clients, keys); each invocation only handles.

use lambda_http::{Error, run, service_fn};

// One thread: Lambda hands a process one invocation at a time, and a multi-thread runtime only adds
// cross-thread wake-ups (a profile of a warm request-reset found them its largest cost: docs/figures.md).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let deps = reset_wiring::init(reset_wiring::reset_password).await?;
    reset_core::prepare_confirms(&deps.common.settings);
    run(service_fn(|req| reset_password::handle(&deps, req))).await
}

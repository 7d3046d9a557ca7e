//! Cold start builds everything once (config, the allow-list, clients, keys); each invocation only
//! handles.

use lambda_http::{Error, run, service_fn};

// One thread, as the other HTTP functions: Lambda hands a process one invocation at a time.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let admin = reset_wiring::init(async |config, sdk| {
        // Before any client is built: a list that names no one we can match stops the cold start.
        let callers = admin_api::Callers::parse(&config.admin_caller_arns)?;
        // No campaigns from the API: those are the operator tool's (and need the job ledger).
        let deps = reset_wiring::operator(config, sdk, false).await?;
        Ok(admin_api::Admin::new(deps, callers))
    })
    .await?;
    run(service_fn(|req| admin_api::handle(&admin, req))).await
}

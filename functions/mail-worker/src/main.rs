//! Cold start builds everything once (config, clients, keys); each invocation only delivers.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};

// One thread: Lambda hands a process one invocation at a time, and a multi-thread runtime only adds
// cross-thread wake-ups (a profile of a warm request-reset found them its largest cost: docs/figures.md).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let deps = reset_wiring::init(reset_wiring::mail_worker).await?;
    run(service_fn(|event: LambdaEvent<mail_worker::SqsEvent>| async { Ok::<_, std::convert::Infallible>(mail_worker::handle(&deps, event.payload).await) }))
        .await
}

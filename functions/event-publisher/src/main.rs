//! Cold start builds the bus client once; each invocation only publishes.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};

// One thread: Lambda hands a process one invocation at a time (as the other functions).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let deps = reset_wiring::init_event_publisher().await?;
    run(service_fn(|event: LambdaEvent<event_publisher::StreamEvent>| async {
        Ok::<_, std::convert::Infallible>(event_publisher::handle(&deps, event.payload).await)
    }))
    .await
}

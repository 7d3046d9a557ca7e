//! The floor: the least a lambda_http function does (runtime, one HTTP event in, one answer out),
//! built with the workspace's release profile like the real functions.

use lambda_http::{Body, Error, Request, Response, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(|_: Request| async { Ok::<_, Error>(Response::new(Body::Text("hello".into()))) })).await
}

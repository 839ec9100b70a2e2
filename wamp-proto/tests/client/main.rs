//! Client session tests: a scripted router feeds messages to a `ClientSession` and checks
//! what it sends and which events it emits.

// Helpers outside `#[test]` functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod close;
mod join;
mod never_panics;
mod pubsub;
mod router;
mod rpc;
mod uris;
mod violations;

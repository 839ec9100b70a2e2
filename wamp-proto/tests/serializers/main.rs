//! Serializer tests: round trips, golden bytes, decode errors and inputs that must not panic.

// Helpers outside `#[test]` functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod decode_errors;
mod golden;
mod never_panics;
mod roundtrip;
mod strategies;
mod values;

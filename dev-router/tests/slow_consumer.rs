//! A subscriber that does not read is cut off; the publisher never waits for it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: helpers included

mod common;

use std::time::{Duration, Instant};

use common::{Client, TestServer, id};
use dev_router::Config;
use wamp_proto::{Dict, Message, Payload, Serializer, Uri, Value};

#[tokio::test]
async fn a_subscriber_that_never_reads_is_cut_off() {
    let config = Config {
        queue_capacity: 8,
        ..Config::default()
    };
    let server = TestServer::with_config(config).await;
    let (mut stalled, _) = Client::join(&server, Serializer::MsgPack).await;
    stalled.subscribe(1, "com.example.firehose").await;
    let (mut reader, _) = Client::join(&server, Serializer::Json).await;
    reader.subscribe(1, "com.example.firehose").await;
    let (mut publisher, _) = Client::join(&server, Serializer::Cbor).await;

    // 400 events of 64 KiB: far more than socket buffers and an 8-slot queue hold.
    const EVENTS: u64 = 400;
    let chunk = Value::Bytes(vec![7u8; 64 * 1024]);
    let started = Instant::now();
    for request in 1..=EVENTS {
        let publish = Message::Publish {
            request: id(request),
            options: Dict::from([("acknowledge".to_owned(), Value::Bool(true))]),
            topic: Uri::new("com.example.firehose"),
            payload: Payload::args(vec![chunk.clone()]),
        };
        publisher.send(&publish).await;
        // Every publication is acknowledged: the router never waits for the stalled reader.
        assert!(matches!(publisher.recv().await, Message::Published { .. }));
        // The healthy subscriber gets every event.
        assert!(matches!(reader.recv().await, Message::Event { .. }));
    }
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "publishing took {:?}",
        started.elapsed()
    );

    // The stalled subscriber got some events, then the ABORT, then the close.
    let mut events = 0;
    let mut abort = None;
    while let Some(message) = tokio::time::timeout(common::TIMEOUT, stalled.next())
        .await
        .unwrap()
    {
        match message {
            Message::Event { .. } => events += 1,
            Message::Abort { reason, .. } => abort = Some(reason),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(
        events < EVENTS,
        "the stalled subscriber got all {events} events"
    );
    // The ABORT is best effort (the reader was not reading); when it arrives, it says why.
    if let Some(reason) = abort {
        assert_eq!(reason.as_str(), "dev_router.error.slow_consumer");
    }

    common::assert_router_works(&server).await;
    server.stop().await;
}

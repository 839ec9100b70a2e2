//! Bad input gets the protocol's answer (ABORT with the right reason) and a clean close of
//! that one connection; every other session keeps working.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: helpers included

mod common;

use common::{Client, TestServer, abort_of, assert_router_works, client_details, id};
use dev_router::Config;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use wamp_proto::{Dict, Message, Payload, Serializer, Uri, Value};

/// Expects ABORT with `reason`, then the close; returns the ABORT's message.
async fn expect_abort(client: &mut Client, reason: &str) -> String {
    let abort = client.recv().await;
    let (got, message) = abort_of(&abort);
    assert_eq!(got, reason, "{message}");
    let message = message.to_owned();
    client.expect_closed().await;
    message
}

/// Runs `misbehave` on a fresh connection next to an established bystander, then checks
/// that the bystander and new sessions still work.
async fn with_bystander<F, Fut>(server: &TestServer, misbehave: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (mut bystander, _) = Client::join(server, Serializer::MsgPack).await;
    let (mut callee, _) = Client::join(server, Serializer::Cbor).await;
    callee.register(1, "com.example.echo").await;

    misbehave(Client::websocket(server, Serializer::Json).await).await;

    bystander
        .call(
            2,
            "com.example.echo",
            Payload::args(vec!["still here".into()]),
        )
        .await;
    let invocation = match callee.recv().await {
        Message::Invocation {
            request, payload, ..
        } => {
            assert_eq!(payload.args, vec![Value::from("still here")]);
            request
        }
        other => panic!("expected INVOCATION, got {other:?}"),
    };
    callee
        .send(&Message::Yield {
            request: invocation,
            options: Dict::new(),
            payload: Payload::default(),
        })
        .await;
    assert!(matches!(bystander.recv().await, Message::Result { .. }));
    assert_router_works(server).await;
}

#[tokio::test]
async fn malformed_frame() {
    let server = TestServer::start().await;
    with_bystander(&server, |mut client| async move {
        client.establish("realm1").await;
        client.send_bytes(b"[1, \"realm1\", {".to_vec()).await;
        let message = expect_abort(&mut client, "wamp.error.protocol_violation").await;
        assert!(message.contains("JSON"), "{message}");
    })
    .await;
    server.stop().await;
}

#[tokio::test]
async fn unknown_message_code() {
    let server = TestServer::start().await;
    with_bystander(&server, |mut client| async move {
        client.establish("realm1").await;
        client.send_bytes(b"[999, 1, {}]".to_vec()).await;
        let message = expect_abort(&mut client, "wamp.error.protocol_violation").await;
        assert!(message.contains("999"), "{message}");
    })
    .await;
    server.stop().await;
}

#[tokio::test]
async fn bad_field() {
    let server = TestServer::start().await;
    with_bystander(&server, |mut client| async move {
        client.send_bytes(b"[1, 42, {}]".to_vec()).await;
        expect_abort(&mut client, "wamp.error.protocol_violation").await;
    })
    .await;
    server.stop().await;
}

#[tokio::test]
async fn message_before_hello() {
    let server = TestServer::start().await;
    with_bystander(&server, |mut client| async move {
        let subscribe = Message::Subscribe {
            request: id(1),
            options: Dict::new(),
            topic: Uri::new("t"),
        };
        client.send(&subscribe).await;
        let message = expect_abort(&mut client, "wamp.error.protocol_violation").await;
        assert!(message.contains("HELLO"), "{message}");
    })
    .await;
    server.stop().await;
}

#[tokio::test]
async fn second_hello() {
    let server = TestServer::start().await;
    with_bystander(&server, |mut client| async move {
        client.establish("realm1").await;
        client.send(&common::hello("realm1")).await;
        expect_abort(&mut client, "wamp.error.protocol_violation").await;
    })
    .await;
    server.stop().await;
}

#[tokio::test]
async fn message_a_client_may_not_send() {
    let server = TestServer::start().await;
    with_bystander(&server, |mut client| async move {
        client.establish("realm1").await;
        let result = Message::Result {
            request: id(1),
            details: Dict::new(),
            payload: Payload::default(),
        };
        client.send(&result).await;
        expect_abort(&mut client, "wamp.error.protocol_violation").await;
    })
    .await;
    server.stop().await;
}

#[tokio::test]
async fn invalid_realm_uri() {
    let server = TestServer::start().await;
    with_bystander(&server, |mut client| async move {
        client.send(&common::hello("not a uri")).await;
        expect_abort(&mut client, "wamp.error.invalid_uri").await;
    })
    .await;
    server.stop().await;
}

#[tokio::test]
async fn hello_without_roles() {
    let server = TestServer::start().await;
    with_bystander(&server, |mut client| async move {
        client
            .send(&Message::Hello {
                realm: Uri::new("realm1"),
                details: Dict::new(),
            })
            .await;
        let message = expect_abort(&mut client, "wamp.error.protocol_violation").await;
        assert!(message.contains("roles"), "{message}");
    })
    .await;
    server.stop().await;
}

#[tokio::test]
async fn unsupported_authmethods() {
    let server = TestServer::start().await;
    with_bystander(&server, |mut client| async move {
        let mut details = client_details();
        details.insert("authmethods".into(), Value::List(vec!["ticket".into()]));
        client
            .send(&Message::Hello {
                realm: Uri::new("realm1"),
                details,
            })
            .await;
        expect_abort(&mut client, "wamp.error.no_auth_method").await;
    })
    .await;
    server.stop().await;
}

#[tokio::test]
async fn invalid_utf8_in_json() {
    let server = TestServer::start().await;
    with_bystander(&server, |mut client| async move {
        client.establish("realm1").await;
        // tungstenite's client checks text frames; a binary frame carries the bytes past it.
        client
            .send_frame(Frame::Binary(vec![b'[', 0xFF, b']'].into()))
            .await;
        expect_abort(&mut client, "wamp.error.protocol_violation").await;
    })
    .await;
    server.stop().await;
}

#[tokio::test]
async fn oversized_websocket_message() {
    let config = Config {
        max_message_size: 4096,
        ..Config::default()
    };
    let server = TestServer::with_config(config).await;
    with_bystander(&server, |mut client| async move {
        client.establish("realm1").await;
        let publish = Message::Publish {
            request: id(1),
            options: Dict::new(),
            topic: Uri::new("t"),
            payload: Payload::args(vec!["x".repeat(10_000).into()]),
        };
        client.send(&publish).await;
        let abort = client.recv().await;
        let (reason, message) = abort_of(&abort);
        assert_eq!(reason, "wamp.error.protocol_violation");
        assert!(message.contains("exceeds the limit of 4096"), "{message}");
        let close = client.expect_closed().await.expect("a close frame");
        assert_eq!(close.code, CloseCode::Size);
    })
    .await;
    server.stop().await;
}

#[tokio::test]
async fn oversized_rawsocket_message() {
    let config = Config {
        max_message_size: 4096,
        ..Config::default()
    };
    let server = TestServer::with_config(config).await;
    let mut client = Client::rawsocket(&server, Serializer::Json).await;
    client.establish("realm1").await;
    client.send_bytes(vec![b' '; 5000]).await;
    let message = expect_abort(&mut client, "wamp.error.protocol_violation").await;
    assert!(
        message.contains("5000 bytes exceeds the limit of 4096"),
        "{message}"
    );
    drop(client);
    assert_router_works(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn garbage_on_rawsocket() {
    let server = TestServer::start().await;
    let mut client = Client::rawsocket(&server, Serializer::MsgPack).await;
    client.establish("realm1").await;
    client.send_bytes(vec![0xC1]).await; // never used in MessagePack
    expect_abort(&mut client, "wamp.error.protocol_violation").await;
    drop(client);
    assert_router_works(&server).await;
    server.stop().await;
}

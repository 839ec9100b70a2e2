//! WAMP over RawSocket: handshake, framing, pings, and calls across transports.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: helpers included

mod common;

use common::{Client, TestServer, raw_exchange};
use dev_router::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wamp_proto::{Dict, Message, Payload, Serializer, Value};

#[tokio::test]
async fn handshake_announces_the_routers_limit() {
    let config = Config {
        max_message_size: 65536,
        ..Config::default()
    };
    let server = TestServer::with_config(config).await;
    for serializer in Serializer::ALL {
        let reply =
            raw_exchange_first(&server, [0x7F, 0x20 | serializer.rawsocket_code(), 0, 0]).await;
        // 2^(9+7) = 65536
        assert_eq!(
            reply,
            [0x7F, 0x70 | serializer.rawsocket_code(), 0, 0],
            "{serializer:?}"
        );
    }
    server.stop().await;
}

/// Sends a handshake and returns the 4-byte reply.
async fn raw_exchange_first(server: &TestServer, handshake: [u8; 4]) -> [u8; 4] {
    let mut stream = TcpStream::connect(server.raw_addr).await.unwrap();
    stream.write_all(&handshake).await.unwrap();
    let mut reply = [0u8; 4];
    tokio::time::timeout(common::TIMEOUT, stream.read_exact(&mut reply))
        .await
        .unwrap()
        .unwrap();
    reply
}

#[tokio::test]
async fn bad_handshakes_get_error_replies() {
    let server = TestServer::start().await;
    // Serializer 0 is illegal, 9 unknown: "serializer unsupported" (1).
    assert_eq!(
        raw_exchange(server.raw_addr, &[0x7F, 0xF0, 0, 0]).await,
        [0x7F, 0x10, 0, 0]
    );
    assert_eq!(
        raw_exchange(server.raw_addr, &[0x7F, 0xF9, 0, 0]).await,
        [0x7F, 0x10, 0, 0]
    );
    // Reserved octets set: "use of reserved bits" (3).
    assert_eq!(
        raw_exchange(server.raw_addr, &[0x7F, 0xF1, 0, 7]).await,
        [0x7F, 0x30, 0, 0]
    );
    // Not RawSocket at all (here, HTTP): the spec says to fail the connection, no reply.
    assert_eq!(
        raw_exchange(server.raw_addr, b"GET / HTTP/1.1\r\n\r\n").await,
        b""
    );
    common::assert_router_works(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn pings_are_answered_with_the_same_payload() {
    let server = TestServer::start().await;
    let Client::RawSocket { mut stream, .. } = Client::rawsocket(&server, Serializer::Json).await
    else {
        unreachable!()
    };
    stream.write_all(&[1, 0, 0, 5]).await.unwrap();
    stream.write_all(b"hello").await.unwrap();
    let mut pong = [0u8; 9];
    tokio::time::timeout(common::TIMEOUT, stream.read_exact(&mut pong))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&pong, b"\x02\x00\x00\x05hello");
    drop(stream);
    server.stop().await;
}

#[tokio::test]
async fn call_round_trip_over_rawsocket() {
    let server = TestServer::start().await;
    for serializer in Serializer::ALL {
        let mut callee = Client::rawsocket(&server, serializer).await;
        callee.establish("realm1").await;
        let mut caller = Client::rawsocket(&server, serializer).await;
        caller.establish("realm1").await;
        callee.register(1, "com.example.double").await;

        caller
            .call(
                3,
                "com.example.double",
                Payload::args(vec![Value::from(21)]),
            )
            .await;
        let request = match callee.recv().await {
            Message::Invocation {
                request, payload, ..
            } => {
                assert_eq!(payload.args, vec![Value::from(21)]);
                request
            }
            other => panic!("expected INVOCATION, got {other:?}"),
        };
        callee
            .send(&Message::Yield {
                request,
                options: Dict::new(),
                payload: Payload::args(vec![42.into()]),
            })
            .await;
        match caller.recv().await {
            Message::Result { payload, .. } => assert_eq!(payload.args, vec![Value::from(42)]),
            other => panic!("expected RESULT, got {other:?}"),
        }
        callee.leave().await;
        caller.leave().await;
    }
    server.stop().await;
}

#[tokio::test]
async fn rawsocket_and_websocket_sessions_share_the_realm() {
    let server = TestServer::start().await;
    let mut callee = Client::rawsocket(&server, Serializer::MsgPack).await;
    callee.establish("realm1").await;
    callee.register(1, "com.example.greet").await;
    let (mut caller, _) = Client::join(&server, Serializer::Json).await;

    caller
        .call(
            1,
            "com.example.greet",
            Payload::args(vec!["browser".into()]),
        )
        .await;
    let request = match callee.recv().await {
        Message::Invocation { request, .. } => request,
        other => panic!("expected INVOCATION, got {other:?}"),
    };
    let answer = Payload::args(vec!["hello, browser".into()]);
    callee
        .send(&Message::Yield {
            request,
            options: Dict::new(),
            payload: answer.clone(),
        })
        .await;
    match caller.recv().await {
        Message::Result { payload, .. } => assert_eq!(payload, answer),
        other => panic!("expected RESULT, got {other:?}"),
    }
    drop((callee, caller));
    server.stop().await;
}

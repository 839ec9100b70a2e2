//! WAMP over WebSocket with each serializer: session lifecycle, publish and subscribe,
//! routed calls; and the HTTP front of the same port.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: helpers included

mod common;

use common::{Client, TestServer, WsError, abort_of, dict, id, raw_exchange};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use wamp_proto::batch::{self, Subprotocol};
use wamp_proto::{Dict, Message, Payload, Serializer, Uri, Value};

async fn hello_welcome_goodbye(serializer: Serializer) {
    let server = TestServer::start().await;
    let (client, session) = Client::join(&server, serializer).await;
    assert!(session.get() >= 1);
    client.leave().await;
    server.stop().await;
}

async fn publish_subscribe(serializer: Serializer) {
    let server = TestServer::start().await;
    let (mut subscriber, _) = Client::join(&server, serializer).await;
    let (mut publisher, _) = Client::join(&server, serializer).await;
    let subscription = subscriber.subscribe(1, "com.example.topic").await;

    let payload = Payload {
        args: vec![
            Value::from(1),
            Value::from("two"),
            Value::from(u64::MAX),
            Value::from(vec![0u8, 1, 255]),
        ],
        kwargs: dict([("nested", Value::List(vec![Value::Null, Value::from(1.5)]))]),
    };
    let publish = Message::Publish {
        request: id(7),
        options: dict([("acknowledge", Value::Bool(true))]),
        topic: Uri::new("com.example.topic"),
        payload: payload.clone(),
    };
    publisher.send(&publish).await;
    let publication = match publisher.recv().await {
        Message::Published {
            request,
            publication,
        } => {
            assert_eq!(request, id(7));
            publication
        }
        other => panic!("expected PUBLISHED, got {other:?}"),
    };
    match subscriber.recv().await {
        Message::Event {
            subscription: to,
            publication: of,
            payload: received,
            ..
        } => {
            assert_eq!(to, subscription);
            assert_eq!(of, publication);
            assert_eq!(received, payload);
        }
        other => panic!("expected EVENT, got {other:?}"),
    }
    subscriber.leave().await;
    publisher.leave().await;
    server.stop().await;
}

async fn call_register_yield(serializer: Serializer) {
    let server = TestServer::start().await;
    let (mut callee, _) = Client::join(&server, serializer).await;
    let (mut caller, _) = Client::join(&server, serializer).await;
    let registration = callee.register(1, "com.example.add").await;

    caller
        .call(
            5,
            "com.example.add",
            Payload::args(vec![Value::from(2), Value::from(3)]),
        )
        .await;
    let invocation = match callee.recv().await {
        Message::Invocation {
            request,
            registration: of,
            payload,
            ..
        } => {
            assert_eq!(of, registration);
            assert_eq!(payload.args, vec![Value::from(2), Value::from(3)]);
            request
        }
        other => panic!("expected INVOCATION, got {other:?}"),
    };
    let answer = Message::Yield {
        request: invocation,
        options: Dict::new(),
        payload: Payload::args(vec![5.into()]),
    };
    callee.send(&answer).await;
    match caller.recv().await {
        Message::Result {
            request, payload, ..
        } => {
            assert_eq!(request, id(5));
            assert_eq!(payload.args, vec![Value::from(5)]);
        }
        other => panic!("expected RESULT, got {other:?}"),
    }
    callee.leave().await;
    caller.leave().await;
    server.stop().await;
}

macro_rules! per_serializer {
    ($($module:ident => $serializer:expr;)*) => {$(
        mod $module {
            use super::*;

            #[tokio::test]
            async fn hello_welcome_goodbye() {
                super::hello_welcome_goodbye($serializer).await;
            }

            #[tokio::test]
            async fn publish_subscribe() {
                super::publish_subscribe($serializer).await;
            }

            #[tokio::test]
            async fn call_register_yield() {
                super::call_register_yield($serializer).await;
            }
        }
    )*};
}

per_serializer! {
    json => Serializer::Json;
    msgpack => Serializer::MsgPack;
    cbor => Serializer::Cbor;
}

#[tokio::test]
async fn one_event_reaches_subscribers_of_every_serializer() {
    let server = TestServer::start().await;
    let mut subscribers = Vec::new();
    for serializer in Serializer::ALL {
        let (mut client, _) = Client::join(&server, serializer).await;
        client.subscribe(1, "com.example.fanout").await;
        subscribers.push(client);
    }
    let (mut publisher, _) = Client::join(&server, Serializer::Cbor).await;
    let payload = Payload::args(vec![Value::from(vec![1u8, 2, 3]), Value::from(-42)]);
    let publish = Message::Publish {
        request: id(1),
        options: Dict::new(),
        topic: Uri::new("com.example.fanout"),
        payload: payload.clone(),
    };
    publisher.send(&publish).await;
    for subscriber in &mut subscribers {
        match subscriber.recv().await {
            Message::Event {
                payload: received, ..
            } => assert_eq!(received, payload, "{:?}", subscriber.serializer()),
            other => panic!("expected EVENT, got {other:?}"),
        }
    }
    drop((subscribers, publisher));
    server.stop().await;
}

#[tokio::test]
async fn a_callee_that_disconnects_fails_its_pending_calls() {
    let server = TestServer::start().await;
    let (mut callee, _) = Client::join(&server, Serializer::MsgPack).await;
    let (mut caller, _) = Client::join(&server, Serializer::Json).await;
    callee.register(1, "com.example.slow").await;
    caller.call(9, "com.example.slow", Payload::default()).await;
    assert!(matches!(callee.recv().await, Message::Invocation { .. }));
    drop(callee);
    match caller.recv().await {
        Message::Error { request, error, .. } => {
            assert_eq!(request, id(9));
            assert_eq!(error.as_str(), "wamp.error.canceled");
        }
        other => panic!("expected ERROR, got {other:?}"),
    }
    // The procedure went with its callee.
    caller
        .call(10, "com.example.slow", Payload::default())
        .await;
    match caller.recv().await {
        Message::Error { error, .. } => assert_eq!(error.as_str(), "wamp.error.no_such_procedure"),
        other => panic!("expected ERROR, got {other:?}"),
    }
    caller.leave().await;
    server.stop().await;
}

#[tokio::test]
async fn shutdown_says_goodbye_to_every_session() {
    let server = TestServer::start().await;
    let (mut websocket, _) = Client::join(&server, Serializer::Json).await;
    let mut rawsocket = Client::rawsocket(&server, Serializer::MsgPack).await;
    rawsocket.establish("realm1").await;
    let stopping = tokio::spawn(server.stop());
    for client in [&mut websocket, &mut rawsocket] {
        match client.recv().await {
            Message::Goodbye { reason, .. } => {
                assert_eq!(reason.as_str(), "wamp.close.system_shutdown")
            }
            other => panic!("expected GOODBYE, got {other:?}"),
        }
        let reply = Message::Goodbye {
            details: Dict::new(),
            reason: Uri::new("wamp.close.goodbye_and_out"),
        };
        client.send(&reply).await;
        client.expect_closed().await;
    }
    drop((websocket, rawsocket));
    stopping.await.unwrap();
}

#[tokio::test]
async fn the_client_chooses_among_offered_subprotocols_in_its_order() {
    let server = TestServer::start().await;
    let mut request = server.ws_url().into_client_request().unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("wamp.2.ubjson, wamp.2.cbor, wamp.2.json"),
    );
    let (ws, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(
        response.headers().get("Sec-WebSocket-Protocol").unwrap(),
        "wamp.2.cbor"
    );
    drop(ws);
    server.stop().await;
}

#[tokio::test]
async fn clients_without_a_wamp_subprotocol_get_400() {
    let server = TestServer::start().await;

    let mut request = server.ws_url().into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", HeaderValue::from_static("mqtt"));
    match tokio_tungstenite::connect_async(request).await {
        Err(WsError::Http(response)) => {
            assert_eq!(response.status(), 400);
            let body = String::from_utf8(response.body().clone().unwrap_or_default()).unwrap();
            assert!(
                body.contains(
                    "wamp.2.json, wamp.2.json.batched, wamp.2.msgpack, wamp.2.msgpack.batched, \
                     wamp.2.cbor, wamp.2.cbor.batched"
                ),
                "{body}"
            );
        }
        other => panic!("expected HTTP 400, got {other:?}"),
    }

    let upgrade = format!(
        "GET /ws HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        server.ws_addr
    );
    let response =
        String::from_utf8(raw_exchange(server.ws_addr, upgrade.as_bytes()).await).unwrap();
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(
        response.contains("this is a WAMP endpoint: request one of the subprotocols"),
        "{response}"
    );

    common::assert_router_works(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn plain_http_requests_get_short_answers() {
    let server = TestServer::start().await;
    let get = |path: &str| format!("GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n", server.ws_addr);

    let index = String::from_utf8(raw_exchange(server.ws_addr, get("/").as_bytes()).await).unwrap();
    assert!(index.starts_with("HTTP/1.1 200 OK\r\n"), "{index}");
    assert!(index.contains("text/html"), "{index}");
    assert!(
        index.contains(&format!("ws://{}/ws", server.ws_addr)),
        "{index}"
    );

    let missing =
        String::from_utf8(raw_exchange(server.ws_addr, get("/nope").as_bytes()).await).unwrap();
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");

    let no_upgrade =
        String::from_utf8(raw_exchange(server.ws_addr, get("/ws").as_bytes()).await).unwrap();
    assert!(no_upgrade.starts_with("HTTP/1.1 426"), "{no_upgrade}");

    let mut request = format!("ws://{}/elsewhere", server.ws_addr)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("wamp.2.json"),
    );
    match tokio_tungstenite::connect_async(request).await {
        Err(WsError::Http(response)) => assert_eq!(response.status(), 404),
        other => panic!("expected HTTP 404, got {other:?}"),
    }

    let garbage = raw_exchange(server.ws_addr, b"\x00\x01 not http at all\r\n\r\n").await;
    assert!(garbage.is_empty(), "{garbage:?}");

    common::assert_router_works(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn unknown_realm_is_aborted() {
    let server = TestServer::start().await;
    let mut client = Client::websocket(&server, Serializer::Json).await;
    client.send(&common::hello("realm2")).await;
    let abort = client.recv().await;
    let (reason, message) = abort_of(&abort);
    assert_eq!(reason, "wamp.error.no_such_realm");
    assert!(message.contains("realm1"), "{message}");
    client.expect_closed().await;
    drop(client);
    common::assert_router_works(&server).await;
    server.stop().await;
}

/// The router writes its messages' frames itself while tungstenite answers pings on the
/// same socket: with pings between the events, and events larger than the read buffer and
/// the write threshold, every event arrives whole and in order and every ping is answered.
#[tokio::test]
async fn pings_between_events_leave_every_frame_whole() {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message as Frame;

    const EVENTS: u64 = 300;
    let server = TestServer::start().await;
    for serializer in [Serializer::Json, Serializer::MsgPack] {
        let (mut subscriber, _) = Client::join(&server, serializer).await;
        let (mut publisher, _) = Client::join(&server, serializer).await;
        subscriber.subscribe(1, "com.example.topic").await;
        let mut pings = 0;
        for n in 0..EVENTS {
            let filler = "x".repeat(if n % 60 == 0 { 100_000 } else { n as usize });
            let publish = Message::Publish {
                request: id(n + 1),
                options: Dict::new(),
                topic: Uri::new("com.example.topic"),
                payload: Payload::args(vec![Value::from(n), Value::from(filler.clone())]),
            };
            publisher.send(&publish).await;
            if n % 7 == 0 {
                subscriber
                    .send_frame(Frame::Ping(vec![n as u8; 3].into()))
                    .await;
                pings += 1;
            }
        }
        let Client::WebSocket { ws, .. } = &mut subscriber else {
            unreachable!("a WebSocket client");
        };
        let (mut next, mut pongs) = (0, 0);
        while next < EVENTS || pongs < pings {
            let frame = tokio::time::timeout(common::TIMEOUT, ws.next())
                .await
                .expect("the rest of the events and pongs in time")
                .expect("the connection stays open")
                .expect("every frame is valid");
            let bytes = match &frame {
                Frame::Text(text) => text.as_bytes(),
                Frame::Binary(bytes) => bytes,
                Frame::Pong(_) => {
                    pongs += 1;
                    continue;
                }
                other => panic!("unexpected frame {other:?}"),
            };
            let Message::Event { payload, .. } = serializer.decode(bytes).unwrap() else {
                panic!("expected EVENT");
            };
            assert_eq!(payload.args[0], Value::from(next));
            let expected = if next % 60 == 0 {
                100_000
            } else {
                next as usize
            };
            assert_eq!(payload.args[1].as_str().map(str::len), Some(expected));
            next += 1;
        }
        assert_eq!(pongs, pings);
        subscriber.leave().await;
        publisher.leave().await;
    }
    server.stop().await;
}

/// A client of a batched subprotocol: it sends and reads whole batches.
struct BatchedClient {
    ws: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    serializer: Serializer,
}

impl BatchedClient {
    /// Connects offering `protocol` between names the router does not know, and checks
    /// that it is the one echoed.
    async fn connect(server: &TestServer, protocol: Subprotocol) -> BatchedClient {
        let mut request = server.ws_url().into_client_request().unwrap();
        let offer = format!("wamp.2.ubjson.batched, {}, wamp.2.json", protocol.name());
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_str(&offer).unwrap(),
        );
        let (ws, response) = tokio_tungstenite::connect_async(request).await.unwrap();
        assert_eq!(
            response.headers().get("Sec-WebSocket-Protocol").unwrap(),
            protocol.name()
        );
        BatchedClient {
            ws,
            serializer: protocol.serializer,
        }
    }

    /// Sends `frame` as it is, in the serializer's frame type.
    async fn send_raw(&mut self, frame: Vec<u8>) {
        use futures_util::SinkExt;
        use tokio_tungstenite::tungstenite::Message as Frame;
        let frame = match self.serializer.is_text() {
            true => Frame::Text(String::from_utf8(frame).unwrap().into()),
            false => Frame::Binary(frame.into()),
        };
        self.ws.send(frame).await.unwrap();
    }

    /// Sends `messages` in one WebSocket message.
    async fn send(&mut self, messages: &[Message]) {
        let mut frame = Vec::new();
        for message in messages {
            batch::append(
                self.serializer,
                &mut frame,
                &self.serializer.encode(message),
            );
        }
        self.send_raw(frame).await;
    }

    /// The messages of the next WebSocket message, which must be a whole batch in the
    /// serializer's frame type; `None` once closed.
    async fn receive(&mut self) -> Option<Vec<Message>> {
        let bytes = self.receive_frame().await?;
        let messages: Vec<Message> = batch::messages(self.serializer, &bytes)
            .map(|message| self.serializer.decode(message.unwrap()).unwrap())
            .collect();
        assert!(!messages.is_empty(), "an empty batch");
        Some(messages)
    }

    /// The next WebSocket message as it is, in the serializer's frame type; `None` once
    /// closed.
    async fn receive_frame(&mut self) -> Option<bytes::Bytes> {
        use futures_util::StreamExt;
        use tokio_tungstenite::tungstenite::Message as Frame;
        loop {
            let frame = tokio::time::timeout(common::TIMEOUT, self.ws.next())
                .await
                .expect("no frame in time");
            let bytes = match frame? {
                Ok(Frame::Text(text)) if self.serializer.is_text() => bytes::Bytes::from(text),
                Ok(Frame::Binary(bytes)) if !self.serializer.is_text() => bytes,
                Ok(Frame::Close(_)) | Err(_) => return None,
                Ok(Frame::Ping(_) | Frame::Pong(_)) => continue,
                Ok(other) => panic!("unexpected frame {other:?}"),
            };
            return Some(bytes);
        }
    }

    /// Reads until `count` messages arrived; also returns the most one frame held.
    async fn receive_count(&mut self, count: usize) -> (Vec<Message>, usize) {
        let (mut all, mut most) = (Vec::new(), 0);
        while all.len() < count {
            let messages = self
                .receive()
                .await
                .expect("closed while messages were due");
            most = most.max(messages.len());
            all.extend(messages);
        }
        assert_eq!(all.len(), count, "{all:?}");
        (all, most)
    }
}

#[tokio::test]
async fn batched_subprotocols_carry_several_messages_per_frame() {
    for protocol in Subprotocol::ALL.into_iter().filter(|p| p.batched) {
        let server = TestServer::start().await;
        let mut client = BatchedClient::connect(&server, protocol).await;
        // An empty batch carries nothing.
        client.send_raw(Vec::new()).await;
        client.send(&[common::hello("realm1")]).await;
        let session = match &client.receive_count(1).await.0[0] {
            Message::Welcome { session, .. } => session.get(),
            other => panic!("expected WELCOME, got {other:?}"),
        };

        let topic = "com.example.batched";
        client
            .send(&[
                Message::Subscribe {
                    request: id(1),
                    options: Dict::new(),
                    topic: Uri::new(topic),
                },
                // To itself: its EVENT and PUBLISHED are queued together, and leave in one
                // frame.
                Message::Publish {
                    request: id(2),
                    options: dict([
                        ("acknowledge", Value::Bool(true)),
                        ("exclude_me", Value::Bool(false)),
                    ]),
                    topic: Uri::new(topic),
                    payload: Payload {
                        args: vec![Value::from("hi")],
                        kwargs: Dict::new(),
                    },
                },
                Message::Call {
                    request: id(3),
                    options: Dict::new(),
                    procedure: Uri::new("wamp.session.get"),
                    payload: Payload {
                        args: vec![Value::from(session)],
                        kwargs: Dict::new(),
                    },
                },
                Message::Call {
                    request: id(4),
                    options: Dict::new(),
                    procedure: Uri::new("wamp.session.count"),
                    payload: Payload::default(),
                },
            ])
            .await;
        let (answers, most) = client.receive_count(5).await;
        // A batch is taken apart before anything is written: its answers leave together.
        assert_eq!(
            most,
            5,
            "{}: answers split over frames: {answers:?}",
            protocol.name()
        );
        let mut seen = [false; 5];
        for answer in &answers {
            match answer {
                Message::Subscribed { request, .. } if *request == id(1) => seen[0] = true,
                Message::Published { request, .. } if *request == id(2) => seen[1] = true,
                Message::Event { payload, .. } => {
                    assert_eq!(payload.args, [Value::from("hi")]);
                    seen[2] = true;
                }
                Message::Result {
                    request, payload, ..
                } if *request == id(3) => {
                    let details = payload.args[0].as_dict().unwrap();
                    let transport = details["transport"].as_dict().unwrap();
                    assert_eq!(
                        transport["protocol"].as_str(),
                        Some(protocol.name()),
                        "{details:?}"
                    );
                    seen[3] = true;
                }
                Message::Result {
                    request, payload, ..
                } if *request == id(4) => {
                    assert_eq!(payload.args, [Value::from(1)]);
                    seen[4] = true;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(seen, [true; 5], "{answers:?}");

        // 200 calls in one frame: 200 results, in order, in one frame.
        let calls: Vec<Message> = (10..210)
            .map(|request| Message::Call {
                request: id(request),
                options: Dict::new(),
                procedure: Uri::new("wamp.session.count"),
                payload: Payload::default(),
            })
            .collect();
        client.send(&calls).await;
        let (results, most) = client.receive_count(calls.len()).await;
        assert_eq!(most, calls.len(), "{}", protocol.name());
        for (request, result) in (10..210).zip(&results) {
            assert!(
                matches!(result, Message::Result { request: r, .. } if *r == id(request)),
                "{result:?}"
            );
        }

        client
            .send(&[Message::Goodbye {
                details: Dict::new(),
                reason: Uri::new("wamp.close.normal"),
            }])
            .await;
        assert!(matches!(
            &client.receive_count(1).await.0[0],
            Message::Goodbye { .. }
        ));
        server.stop().await;
    }
}

#[tokio::test]
async fn a_cut_batch_is_a_protocol_violation() {
    for serializer in [Serializer::MsgPack, Serializer::Cbor] {
        let server = TestServer::start().await;
        let mut client = BatchedClient::connect(&server, Subprotocol::batched(serializer)).await;
        client.send(&[common::hello("realm1")]).await;
        assert!(matches!(
            &client.receive_count(1).await.0[0],
            Message::Welcome { .. }
        ));
        // A whole CALL, then a message announced as 50 bytes with 2 of them.
        let mut frame = Vec::new();
        let call = Message::Call {
            request: id(1),
            options: Dict::new(),
            procedure: Uri::new("wamp.session.count"),
            payload: Payload::default(),
        };
        batch::append(serializer, &mut frame, &serializer.encode(&call));
        frame.extend_from_slice(&[0, 0, 0, 50, 1, 2]);
        client.send_raw(frame).await;
        let (answers, _) = client.receive_count(2).await;
        assert!(
            matches!(&answers[0], Message::Result { request, .. } if *request == id(1)),
            "{answers:?}"
        );
        let (reason, message) = abort_of(&answers[1]);
        assert_eq!(reason, "wamp.error.protocol_violation");
        assert!(message.contains("batched frame"), "{message}");
        assert!(client.receive().await.is_none());
        common::assert_router_works(&server).await;
        server.stop().await;
    }
}

/// Autobahn and Crossbar.io end batched JSON messages with 0x18, not the spec's 0x1E: the
/// router reads either, and answers a peer that uses 0x18 with 0x18, all it can read.
#[tokio::test]
async fn batched_json_answers_autobahn_separators_in_kind() {
    let server = TestServer::start().await;
    let protocol = Subprotocol::batched(Serializer::Json);
    let frame = |messages: &[Message], separator: u8| {
        let mut frame = Vec::new();
        for message in messages {
            batch::append_with(
                Serializer::Json,
                &mut frame,
                &Serializer::Json.encode(message),
                separator,
            );
        }
        frame
    };
    let count = |request| Message::Call {
        request: id(request),
        options: Dict::new(),
        procedure: Uri::new("wamp.session.count"),
        payload: Payload::default(),
    };

    // A peer of the spec gets the spec's separator.
    let mut spec = BatchedClient::connect(&server, protocol).await;
    spec.send_raw(frame(&[common::hello("realm1")], batch::RECORD_SEPARATOR))
        .await;
    let welcome = spec.receive_frame().await.unwrap();
    assert!(welcome.starts_with(b"[2,"), "{welcome:?}");
    assert_eq!(welcome.last(), Some(&batch::RECORD_SEPARATOR));
    assert!(!welcome.contains(&batch::AUTOBAHN_SEPARATOR));

    // Autobahn's.
    let mut autobahn = BatchedClient::connect(&server, protocol).await;
    autobahn
        .send_raw(frame(&[common::hello("realm1")], batch::AUTOBAHN_SEPARATOR))
        .await;
    let welcome = autobahn.receive_frame().await.unwrap();
    assert!(welcome.starts_with(b"[2,"), "{welcome:?}");
    assert_eq!(welcome.last(), Some(&batch::AUTOBAHN_SEPARATOR));
    assert!(!welcome.contains(&batch::RECORD_SEPARATOR));
    autobahn
        .send_raw(frame(&[count(1), count(2)], batch::AUTOBAHN_SEPARATOR))
        .await;
    let results = autobahn.receive_frame().await.unwrap();
    let pieces: Vec<&[u8]> = results.split(|&b| b == batch::AUTOBAHN_SEPARATOR).collect();
    assert_eq!(pieces.len(), 3, "{results:?}");
    assert!(pieces[2].is_empty(), "{results:?}");
    for (request, piece) in [1, 2].into_iter().zip(&pieces) {
        let message = Serializer::Json.decode(piece).unwrap();
        assert!(
            matches!(&message, Message::Result { request: r, .. } if *r == id(request)),
            "{message:?}"
        );
    }

    // The spec's peer is answered with its own still.
    spec.send_raw(frame(&[count(3)], batch::RECORD_SEPARATOR))
        .await;
    let result = spec.receive_frame().await.unwrap();
    assert_eq!(result.last(), Some(&batch::RECORD_SEPARATOR));
    assert!(!result.contains(&batch::AUTOBAHN_SEPARATOR));
    server.stop().await;
}

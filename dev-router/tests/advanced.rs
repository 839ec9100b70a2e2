//! The advanced profile and the meta API over real sockets, where the server layer takes
//! part: a killed session's connection closes, call timeouts fire on the server's clock,
//! cancels and meta events reach their peers.

mod common;

use std::time::{Duration, Instant};

use common::{Client, TestServer, assert_router_works, dict, id};
use wamp_proto::{Dict, Message, Payload, Serializer, SessionId, Uri, Value};

/// HELLO details of a client with all four roles, announcing call canceling as callee.
fn canceling_details() -> Dict {
    let features = Value::Dict(dict([("call_canceling", Value::Bool(true))]));
    let callee = Value::Dict(dict([("features", features)]));
    let empty = || Value::Dict(Dict::new());
    let roles = dict([
        ("caller", empty()),
        ("callee", callee),
        ("publisher", empty()),
        ("subscriber", empty()),
    ]);
    dict([("roles", Value::Dict(roles))])
}

/// Connects over `serializer`'s transport of choice and joins with `details`.
async fn join_with(server: &TestServer, rawsocket: bool, details: Dict) -> (Client, SessionId) {
    let mut client = if rawsocket {
        Client::rawsocket(server, Serializer::MsgPack).await
    } else {
        Client::websocket(server, Serializer::Json).await
    };
    client
        .send(&Message::Hello {
            realm: Uri::new("realm1"),
            details,
        })
        .await;
    match client.recv().await {
        Message::Welcome { session, .. } => (client, session),
        other => panic!("expected WELCOME, got {other:?}"),
    }
}

async fn call(client: &mut Client, request: u64, procedure: &str, options: Dict, payload: Payload) {
    client
        .send(&Message::Call {
            request: id(request),
            options,
            procedure: Uri::new(procedure),
            payload,
        })
        .await;
}

#[tokio::test]
async fn a_killed_session_gets_goodbye_and_its_connection_closes() {
    let server = TestServer::start().await;
    for rawsocket in [false, true] {
        let (mut killer, _) = Client::join(&server, Serializer::Cbor).await;
        let (mut victim, victim_id) = join_with(&server, rawsocket, canceling_details()).await;
        let payload = Payload {
            args: vec![victim_id.get().into()],
            kwargs: dict([("message", Value::from("maintenance"))]),
        };
        call(&mut killer, 1, "wamp.session.kill", Dict::new(), payload).await;
        match killer.recv().await {
            Message::Result {
                request, payload, ..
            } => {
                assert_eq!(request, id(1));
                assert!(payload.args.is_empty());
            }
            other => panic!("expected RESULT, got {other:?}"),
        }
        match victim.recv().await {
            Message::Goodbye { reason, details } => {
                assert_eq!(reason.as_str(), "wamp.close.killed");
                assert_eq!(details["message"], Value::from("maintenance"));
            }
            other => panic!("expected GOODBYE, got {other:?}"),
        }
        victim.expect_closed().await;

        call(
            &mut killer,
            2,
            "wamp.session.count",
            Dict::new(),
            Payload::default(),
        )
        .await;
        match killer.recv().await {
            Message::Result { payload, .. } => assert_eq!(payload.args, [Value::from(1u64)]),
            other => panic!("expected RESULT, got {other:?}"),
        }
        killer.leave().await;
    }
    assert_router_works(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn a_call_timeout_fires_in_real_time() {
    let server = TestServer::start().await;
    let (mut callee, _) = join_with(&server, true, canceling_details()).await;
    let registration = callee.register(1, "com.example.slow").await;
    let (mut caller, _) = Client::join(&server, Serializer::Json).await;

    let started = Instant::now();
    let options = dict([("timeout", Value::from(150u64))]);
    call(
        &mut caller,
        7,
        "com.example.slow",
        options,
        Payload::default(),
    )
    .await;
    let invocation = match callee.recv().await {
        Message::Invocation {
            request,
            registration: invoked,
            details,
            ..
        } => {
            assert_eq!(invoked, registration);
            assert!(!details.contains_key("timeout"), "the router enforces it");
            request
        }
        other => panic!("expected INVOCATION, got {other:?}"),
    };
    match caller.recv().await {
        Message::Error { request, error, .. } => {
            assert_eq!(request, id(7));
            assert_eq!(error.as_str(), "wamp.error.timeout");
        }
        other => panic!("expected ERROR, got {other:?}"),
    }
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(150), "{waited:?}");
    assert!(waited < Duration::from_secs(3), "{waited:?}");
    match callee.recv().await {
        Message::Interrupt { request, options } => {
            assert_eq!(request, invocation);
            assert_eq!(options["mode"], Value::from("killnowait"));
        }
        other => panic!("expected INTERRUPT, got {other:?}"),
    }
    // The late answer is dropped: the caller gets nothing more.
    callee
        .send(&Message::Yield {
            request: invocation,
            options: Dict::new(),
            payload: Payload::default(),
        })
        .await;
    call(
        &mut caller,
        8,
        "wamp.session.count",
        Dict::new(),
        Payload::default(),
    )
    .await;
    assert!(matches!(caller.recv().await, Message::Result { request, .. } if request == id(8)));
    caller.leave().await;
    callee.leave().await;
    server.stop().await;
}

#[tokio::test]
async fn cancel_reaches_both_sides() {
    let server = TestServer::start().await;
    let (mut callee, _) = join_with(&server, false, canceling_details()).await;
    callee.register(1, "com.example.slow").await;
    let (mut caller, _) = Client::join(&server, Serializer::MsgPack).await;
    call(
        &mut caller,
        3,
        "com.example.slow",
        Dict::new(),
        Payload::default(),
    )
    .await;
    let invocation = match callee.recv().await {
        Message::Invocation { request, .. } => request,
        other => panic!("expected INVOCATION, got {other:?}"),
    };
    caller
        .send(&Message::Cancel {
            request: id(3),
            options: dict([("mode", Value::from("kill"))]),
        })
        .await;
    match callee.recv().await {
        Message::Interrupt { request, options } => {
            assert_eq!(request, invocation);
            assert_eq!(options["mode"], Value::from("kill"));
        }
        other => panic!("expected INTERRUPT, got {other:?}"),
    }
    callee
        .send(&Message::Error {
            request_type: wamp_proto::MessageType::Invocation,
            request: invocation,
            details: Dict::new(),
            error: Uri::new("wamp.error.canceled"),
            payload: Payload::default(),
        })
        .await;
    match caller.recv().await {
        Message::Error { request, error, .. } => {
            assert_eq!(request, id(3));
            assert_eq!(error.as_str(), "wamp.error.canceled");
        }
        other => panic!("expected ERROR, got {other:?}"),
    }
    caller.leave().await;
    callee.leave().await;
    server.stop().await;
}

#[tokio::test]
async fn meta_events_and_advanced_features_over_the_wire() {
    let server = TestServer::start().await;
    let mut observer = Client::websocket(&server, Serializer::Json).await;
    observer
        .send(&Message::Hello {
            realm: Uri::new("realm1"),
            details: canceling_details(),
        })
        .await;
    match observer.recv().await {
        Message::Welcome { details, .. } => {
            let roles = details["roles"].as_dict().unwrap();
            let dealer = roles["dealer"].as_dict().unwrap()["features"]
                .as_dict()
                .unwrap();
            let broker = roles["broker"].as_dict().unwrap()["features"]
                .as_dict()
                .unwrap();
            for feature in [
                "call_canceling",
                "call_timeout",
                "shared_registration",
                "session_meta_api",
            ] {
                assert_eq!(dealer[feature], Value::Bool(true), "{feature}");
            }
            for feature in [
                "event_retention",
                "subscription_meta_api",
                "session_meta_api",
            ] {
                assert_eq!(broker[feature], Value::Bool(true), "{feature}");
            }
        }
        other => panic!("expected WELCOME, got {other:?}"),
    }
    let subscription = observer.subscribe(1, "wamp.session.on_join").await;
    let (joiner, joiner_id) = Client::join(&server, Serializer::Cbor).await;
    match observer.recv().await {
        Message::Event {
            subscription: delivered,
            payload,
            ..
        } => {
            assert_eq!(delivered, subscription);
            let details = payload.args[0].as_dict().unwrap();
            assert_eq!(details["session"], Value::from(joiner_id.get()));
            assert_eq!(details["authrole"], Value::from("anonymous"));
            let transport = details["transport"].as_dict().unwrap();
            assert_eq!(transport["type"], Value::from("websocket"));
            assert_eq!(transport["serializer"], Value::from("cbor"));
        }
        other => panic!("expected EVENT, got {other:?}"),
    }
    joiner.leave().await;
    observer.leave().await;
    server.stop().await;
}

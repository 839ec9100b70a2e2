//! Authentication and authorization over real sockets, with the sample configuration
//! `examples/auth.toml`: every method succeeding and failing, and a permission denial for
//! every action.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: helpers included

mod common;

use std::path::Path;

use common::{Client, TestServer, abort_of, client_details, dict, id};
use dev_router::Config;
use wamp_proto::auth::Credential;
use wamp_proto::auth::cryptosign::PrivateKey;
use wamp_proto::{Dict, Message, MessageType, Payload, Serializer, Uri, Value};

const REFUSED: &str = "authentication failed: these credentials are not valid on this realm";

async fn start() -> TestServer {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/auth.toml");
    let config = Config::load(&path).unwrap();
    config.validate().unwrap();
    TestServer::with_config(config).await
}

fn dave() -> PrivateKey {
    PrivateKey::from_seed([0xd4; 32])
}

/// Erin's second key: seed "5eed" repeated.
fn erin() -> PrivateKey {
    PrivateKey::from_hex(&"5eed".repeat(16)).unwrap()
}

/// A HELLO offering `methods`, with an authid if given, and the credential's authextra.
fn hello(
    realm: &str,
    methods: &[&str],
    authid: Option<&str>,
    credential: Option<&Credential>,
) -> Message {
    let mut details = client_details();
    if !methods.is_empty() {
        let methods = methods.iter().map(|m| Value::from(*m)).collect();
        details.insert("authmethods".into(), Value::List(methods));
    }
    if let Some(authid) = authid {
        details.insert("authid".into(), authid.into());
    }
    if let Some(credential) = credential {
        details.insert("authextra".into(), credential.hello_authextra().into());
    }
    Message::Hello {
        realm: Uri::new(realm),
        details,
    }
}

/// How a handshake ended.
enum Outcome {
    Welcome(Client, Dict),
    /// ABORT reason and message; the connection was closed after it.
    Abort(String, String),
}

impl Outcome {
    fn welcomed(self) -> (Client, Dict) {
        match self {
            Outcome::Welcome(client, details) => (client, details),
            Outcome::Abort(reason, message) => {
                panic!("expected WELCOME, got ABORT {reason}: {message}")
            }
        }
    }

    fn aborted(self) -> (String, String) {
        match self {
            Outcome::Abort(reason, message) => (reason, message),
            Outcome::Welcome(_, details) => panic!("expected ABORT, got WELCOME {details:?}"),
        }
    }
}

/// Sends `hello` over `client` and answers a CHALLENGE with `credential`.
async fn handshake(mut client: Client, hello: Message, credential: Option<&Credential>) -> Outcome {
    client.send(&hello).await;
    let mut reply = client.recv().await;
    if let Message::Challenge { auth_method, extra } = &reply {
        let credential = credential.expect("challenged without a credential");
        let signature = credential.respond(auth_method, extra).unwrap();
        client
            .send(&Message::Authenticate {
                signature,
                extra: Dict::new(),
            })
            .await;
        reply = client.recv().await;
    }
    match reply {
        Message::Welcome { session, details } => {
            assert!(session.get() >= 1);
            Outcome::Welcome(client, details)
        }
        abort @ Message::Abort { .. } => {
            let (reason, message) = abort_of(&abort);
            let outcome = Outcome::Abort(reason.to_owned(), message.to_owned());
            client.expect_closed().await;
            outcome
        }
        other => panic!("expected WELCOME or ABORT, got {other:?}"),
    }
}

/// Joins over WebSocket (JSON) with `credential` on `methods`.
async fn join(
    server: &TestServer,
    realm: &str,
    methods: &[&str],
    authid: Option<&str>,
    credential: Option<&Credential>,
) -> Outcome {
    let client = Client::websocket(server, Serializer::Json).await;
    handshake(
        client,
        hello(realm, methods, authid, credential),
        credential,
    )
    .await
}

fn assert_identity(details: &Dict, authid: &str, authrole: &str, authmethod: &str) {
    let text = |key: &str| details.get(key).and_then(Value::as_str);
    assert_eq!(text("authid"), Some(authid), "{details:?}");
    assert_eq!(text("authrole"), Some(authrole), "{details:?}");
    assert_eq!(text("authmethod"), Some(authmethod), "{details:?}");
    assert_eq!(text("authprovider"), Some("static"), "{details:?}");
}

fn assert_refused((reason, message): (String, String)) {
    assert_eq!(reason, "wamp.error.not_authorized");
    assert_eq!(message, REFUSED);
}

#[tokio::test]
async fn ticket() {
    let server = start().await;
    let good = Credential::Ticket("alice-ticket".into());
    let (client, details) = join(&server, "realm1", &["ticket"], Some("alice"), Some(&good))
        .await
        .welcomed();
    assert_identity(&details, "alice", "frontend", "ticket");
    client.leave().await;

    let wrong = Credential::Ticket("alice-ticket ".into());
    assert_refused(
        join(&server, "realm1", &["ticket"], Some("alice"), Some(&wrong))
            .await
            .aborted(),
    );
    // An unknown authid gets exactly the same answer as a wrong ticket.
    assert_refused(
        join(&server, "realm1", &["ticket"], Some("mallory"), Some(&good))
            .await
            .aborted(),
    );
    server.stop().await;
}

#[tokio::test]
async fn wampcra_plain_and_salted() {
    let server = start().await;
    let bob = Credential::WampCra("bob-secret".into());
    let (client, details) = join(&server, "realm1", &["wampcra"], Some("bob"), Some(&bob))
        .await
        .welcomed();
    assert_identity(&details, "bob", "backend", "wampcra");
    client.leave().await;
    let wrong = Credential::WampCra("bob-secret2".into());
    assert_refused(
        join(&server, "realm1", &["wampcra"], Some("bob"), Some(&wrong))
            .await
            .aborted(),
    );

    let carol = Credential::WampCra("carol-secret".into());
    let (client, details) = join(&server, "realm1", &["wampcra"], Some("carol"), Some(&carol))
        .await
        .welcomed();
    assert_identity(&details, "carol", "backend", "wampcra");
    client.leave().await;
    // Carol's secret is salted: signing with the bare secret fails.
    let mut client = Client::websocket(&server, Serializer::Json).await;
    client
        .send(&hello("realm1", &["wampcra"], Some("carol"), None))
        .await;
    let Message::Challenge { extra, .. } = client.recv().await else {
        panic!("expected CHALLENGE");
    };
    assert_eq!(
        extra.get("salt").and_then(Value::as_str),
        Some("carol-salt")
    );
    let challenge = extra.get("challenge").and_then(Value::as_str).unwrap();
    let unsalted = wamp_proto::auth::cra::sign(b"carol-secret", challenge);
    client
        .send(&Message::Authenticate {
            signature: unsalted,
            extra: Dict::new(),
        })
        .await;
    let abort = client.recv().await;
    assert_eq!(abort_of(&abort), ("wamp.error.not_authorized", REFUSED));
    client.expect_closed().await;
    server.stop().await;
}

#[tokio::test]
async fn cryptosign() {
    let server = start().await;
    let dave = Credential::Cryptosign(dave());
    let (client, details) = join(
        &server,
        "realm1",
        &["cryptosign"],
        Some("dave"),
        Some(&dave),
    )
    .await
    .welcomed();
    assert_identity(&details, "dave", "frontend", "cryptosign");
    client.leave().await;

    // Without an authid, the key finds its principal.
    let erin = Credential::Cryptosign(erin());
    let (client, details) = join(&server, "realm1", &["cryptosign"], None, Some(&erin))
        .await
        .welcomed();
    assert_identity(&details, "erin", "backend", "cryptosign");
    client.leave().await;

    // Erin's key announced as dave's, and a key nobody has: refused alike.
    assert_refused(
        join(
            &server,
            "realm1",
            &["cryptosign"],
            Some("dave"),
            Some(&erin),
        )
        .await
        .aborted(),
    );
    let stranger = Credential::Cryptosign(PrivateKey::from_seed([1; 32]));
    assert_refused(
        join(&server, "realm1", &["cryptosign"], None, Some(&stranger))
            .await
            .aborted(),
    );

    // A signature by another key than the one announced.
    let mut client = Client::websocket(&server, Serializer::Json).await;
    client
        .send(&hello("realm1", &["cryptosign"], Some("dave"), Some(&dave)))
        .await;
    let Message::Challenge { extra, .. } = client.recv().await else {
        panic!("expected CHALLENGE");
    };
    let forged = erin_signature(&extra);
    client
        .send(&Message::Authenticate {
            signature: forged,
            extra: Dict::new(),
        })
        .await;
    assert_eq!(
        abort_of(&client.recv().await),
        ("wamp.error.not_authorized", REFUSED)
    );
    client.expect_closed().await;
    server.stop().await;
}

fn erin_signature(extra: &Dict) -> String {
    erin().respond(extra).unwrap()
}

#[tokio::test]
async fn every_serializer_and_rawsocket_authenticate() {
    let server = start().await;
    let alice = Credential::Ticket("alice-ticket".into());
    let bob = Credential::WampCra("bob-secret".into());
    let dave = Credential::Cryptosign(dave());
    for serializer in [Serializer::Json, Serializer::MsgPack, Serializer::Cbor] {
        for (authid, credential) in [("alice", &alice), ("bob", &bob), ("dave", &dave)] {
            let method = credential.auth_method();
            let client = Client::rawsocket(&server, serializer).await;
            let hello = hello("realm1", &[method], Some(authid), Some(credential));
            let (client, details) = handshake(client, hello.clone(), Some(credential))
                .await
                .welcomed();
            assert_eq!(details.get("authid").and_then(Value::as_str), Some(authid));
            client.leave().await;
            let client = Client::websocket(&server, serializer).await;
            let (client, _) = handshake(client, hello, Some(credential)).await.welcomed();
            client.leave().await;
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn methods_that_are_not_enabled() {
    let server = start().await;
    // realm1 does not admit anonymous sessions, whether asked for or implied.
    for methods in [&[][..], &["anonymous"][..], &["scram"][..]] {
        let (reason, message) = join(&server, "realm1", methods, None, None).await.aborted();
        assert_eq!(reason, "wamp.error.no_auth_method", "{methods:?}");
        assert!(message.contains("ticket, wampcra, cryptosign"), "{message}");
    }
    // The client's order of preference picks among the enabled ones.
    let bob = Credential::WampCra("bob-secret".into());
    let (client, details) = join(
        &server,
        "realm1",
        &["anonymous", "wampcra", "ticket"],
        Some("bob"),
        Some(&bob),
    )
    .await
    .welcomed();
    assert_identity(&details, "bob", "backend", "wampcra");
    client.leave().await;

    // realm "public" admits anonymous sessions only, as guests.
    let (client, details) = join(&server, "public", &[], None, None).await.welcomed();
    assert_eq!(
        details.get("authrole").and_then(Value::as_str),
        Some("guest")
    );
    assert_eq!(
        details.get("authmethod").and_then(Value::as_str),
        Some("anonymous")
    );
    client.leave().await;
    let alice = Credential::Ticket("alice-ticket".into());
    let (reason, _) = join(&server, "public", &["ticket"], Some("alice"), Some(&alice))
        .await
        .aborted();
    assert_eq!(reason, "wamp.error.no_auth_method");
    server.stop().await;
}

#[tokio::test]
async fn authenticate_without_a_challenge_is_a_violation() {
    let server = start().await;
    let mut client = Client::websocket(&server, Serializer::Json).await;
    client
        .send(&Message::Authenticate {
            signature: "alice-ticket".into(),
            extra: Dict::new(),
        })
        .await;
    let abort = client.recv().await;
    assert_eq!(abort_of(&abort).0, "wamp.error.protocol_violation");
    client.expect_closed().await;
    server.stop().await;
}

/// The ERROR answering `request`, as (request type, error URI).
async fn error_for(client: &mut Client, request: u64) -> (MessageType, String) {
    match client.recv().await {
        Message::Error {
            request_type,
            request: answered,
            error,
            payload,
            ..
        } => {
            assert_eq!(answered, id(request));
            assert!(
                matches!(payload.args.first(), Some(Value::Str(_))),
                "no explanation"
            );
            (request_type, error.into_string())
        }
        other => panic!("expected ERROR, got {other:?}"),
    }
}

async fn alice(server: &TestServer) -> Client {
    let alice = Credential::Ticket("alice-ticket".into());
    join(server, "realm1", &["ticket"], Some("alice"), Some(&alice))
        .await
        .welcomed()
        .0
}

async fn bob(server: &TestServer) -> Client {
    let bob = Credential::WampCra("bob-secret".into());
    join(server, "realm1", &["wampcra"], Some("bob"), Some(&bob))
        .await
        .welcomed()
        .0
}

const NOT_AUTHORIZED: &str = "wamp.error.not_authorized";
const DISCLOSE_ME: &str = "wamp.error.option_disallowed.disclose_me";

#[tokio::test]
async fn every_action_is_denied_without_permission() {
    let server = start().await;
    let mut alice = alice(&server).await;

    // register: frontend may never register.
    alice
        .send(&Message::Register {
            request: id(1),
            options: Dict::new(),
            procedure: Uri::new("com.example.add"),
        })
        .await;
    assert_eq!(
        error_for(&mut alice, 1).await,
        (MessageType::Register, NOT_AUTHORIZED.into())
    );

    // call: nothing under com.example.private. (a longer prefix than com.example.).
    alice
        .call(2, "com.example.private.data", Payload::default())
        .await;
    assert_eq!(
        error_for(&mut alice, 2).await,
        (MessageType::Call, NOT_AUTHORIZED.into())
    );

    // subscribe.
    alice
        .send(&Message::Subscribe {
            request: id(3),
            options: Dict::new(),
            topic: Uri::new("com.example.private.feed"),
        })
        .await;
    assert_eq!(
        error_for(&mut alice, 3).await,
        (MessageType::Subscribe, NOT_AUTHORIZED.into())
    );

    // publish, acknowledged: an ERROR. Unacknowledged: dropped without a word.
    let publish = |request: u64, options: Dict| Message::Publish {
        request: id(request),
        options,
        topic: Uri::new("com.example.private.feed"),
        payload: Payload::default(),
    };
    alice.send(&publish(4, Dict::new())).await;
    alice
        .send(&publish(5, dict([("acknowledge", true.into())])))
        .await;
    assert_eq!(
        error_for(&mut alice, 5).await,
        (MessageType::Publish, NOT_AUTHORIZED.into())
    );

    // Outside every permission: denied too.
    alice.call(6, "net.example.x", Payload::default()).await;
    assert_eq!(
        error_for(&mut alice, 6).await,
        (MessageType::Call, NOT_AUTHORIZED.into())
    );

    // The exact permission beats the prefix that forbids, and the wildcard applies: these
    // pass authorization and reach the dealer, which has no such procedure.
    for (request, procedure) in [(7, "com.example.private.status"), (8, "org.acme.ping")] {
        alice.call(request, procedure, Payload::default()).await;
        assert_eq!(
            error_for(&mut alice, request).await,
            (MessageType::Call, "wamp.error.no_such_procedure".into())
        );
    }

    // The meta API is a URI like any other: not for frontends...
    alice
        .call(9, "wamp.session.count", Payload::default())
        .await;
    assert_eq!(
        error_for(&mut alice, 9).await,
        (MessageType::Call, NOT_AUTHORIZED.into())
    );
    // ... but for backends.
    let mut bob = bob(&server).await;
    bob.call(1, "wamp.session.count", Payload::default()).await;
    match bob.recv().await {
        Message::Error { error, .. } => assert_ne!(error.as_str(), NOT_AUTHORIZED),
        Message::Result { .. } => {}
        other => panic!("expected RESULT or ERROR, got {other:?}"),
    }

    alice.leave().await;
    bob.leave().await;
    server.stop().await;
}

#[tokio::test]
async fn disclosure_needs_permission() {
    let server = start().await;
    let mut alice = alice(&server).await;
    // Frontends may not disclose themselves as publishers...
    alice
        .send(&Message::Publish {
            request: id(1),
            options: dict([("acknowledge", true.into()), ("disclose_me", true.into())]),
            topic: Uri::new("com.example.news"),
            payload: Payload::default(),
        })
        .await;
    assert_eq!(
        error_for(&mut alice, 1).await,
        (MessageType::Publish, DISCLOSE_ME.into())
    );
    // ... but as callers they may: the CALL reaches the dealer.
    alice
        .send(&Message::Call {
            request: id(2),
            options: dict([("disclose_me", true.into())]),
            procedure: Uri::new("com.example.nobody"),
            payload: Payload::default(),
        })
        .await;
    assert_eq!(
        error_for(&mut alice, 2).await,
        (MessageType::Call, "wamp.error.no_such_procedure".into())
    );
    alice.leave().await;

    // Guests may call under com.example.public., but not disclose themselves.
    let (mut guest, _) = join(&server, "public", &[], None, None).await.welcomed();
    guest
        .send(&Message::Call {
            request: id(3),
            options: dict([("disclose_me", true.into())]),
            procedure: Uri::new("com.example.public.hello"),
            payload: Payload::default(),
        })
        .await;
    assert_eq!(
        error_for(&mut guest, 3).await,
        (MessageType::Call, DISCLOSE_ME.into())
    );
    guest.leave().await;
    server.stop().await;
}

#[tokio::test]
async fn permitted_actions_route_between_roles() {
    let server = start().await;
    let mut bob = bob(&server).await;
    let mut alice = alice(&server).await;
    let registration = bob.register(1, "com.example.add").await;
    let subscription = alice.subscribe(2, "com.example.news").await;

    alice
        .call(
            3,
            "com.example.add",
            Payload::args(vec![Value::from(2), Value::from(3)]),
        )
        .await;
    let invocation = match bob.recv().await {
        Message::Invocation {
            request,
            registration: of,
            payload,
            ..
        } => {
            assert_eq!(of, registration);
            assert_eq!(payload.args, [Value::from(2), Value::from(3)]);
            request
        }
        other => panic!("expected INVOCATION, got {other:?}"),
    };
    bob.send(&Message::Yield {
        request: invocation,
        options: Dict::new(),
        payload: Payload::args(vec![Value::from(5)]),
    })
    .await;
    match alice.recv().await {
        Message::Result {
            request, payload, ..
        } => {
            assert_eq!(request, id(3));
            assert_eq!(payload.args, [Value::from(5)]);
        }
        other => panic!("expected RESULT, got {other:?}"),
    }

    bob.send(&Message::Publish {
        request: id(4),
        options: dict([("disclose_me", true.into())]),
        topic: Uri::new("com.example.news"),
        payload: Payload::args(vec![Value::from("hi")]),
    })
    .await;
    match alice.recv().await {
        Message::Event {
            subscription: to, ..
        } => assert_eq!(to, subscription),
        other => panic!("expected EVENT, got {other:?}"),
    }
    alice.leave().await;
    bob.leave().await;
    server.stop().await;
}

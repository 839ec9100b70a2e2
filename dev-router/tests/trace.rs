//! The message trace over real sockets: a watcher with a filter gets batches of what other
//! sessions do, the history returns it, the trace's own traffic stays out, and a
//! handshake's secrets never show.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: helpers included

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{Client, TestServer, client_details, dict, id};
use dev_router::Config;
use dev_router::trace::{BATCH_INTERVAL_MS, HISTORY, ON_MESSAGE, REDACTED, SET_FILTER};
use wamp_proto::auth::Credential;
use wamp_proto::{Dict, Message, Payload, Serializer, SessionId, Uri, Value};

/// Calls a trace procedure with keyword arguments; returns the RESULT's first argument.
async fn trace_call(client: &mut Client, request: u64, procedure: &str, kwargs: Dict) -> Value {
    let payload = Payload {
        args: Vec::new(),
        kwargs,
    };
    client.call(request, procedure, payload).await;
    loop {
        match client.recv().await {
            Message::Result {
                request: answered,
                mut payload,
                ..
            } if answered == id(request) => return payload.args.remove(0),
            // A batch may come in between.
            Message::Event { .. } => {}
            other => panic!("expected RESULT, got {other:?}"),
        }
    }
}

fn records(value: Value) -> Vec<Dict> {
    match value {
        Value::List(records) => records
            .into_iter()
            .map(|record| match record {
                Value::Dict(record) => record,
                other => panic!("a record is a dictionary, not {other:?}"),
            })
            .collect(),
        other => panic!("expected a list of records, got {other:?}"),
    }
}

fn text<'a>(record: &'a Dict, key: &str) -> &'a str {
    record[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {record:?}"))
}

/// The next trace batch: its records and its dropped count.
async fn next_batch(watcher: &mut Client) -> (Vec<Dict>, u64) {
    match watcher.recv().await {
        Message::Event { payload, .. } => {
            let dropped = payload.kwargs["dropped"].as_u64().unwrap();
            let mut args = payload.args;
            (records(args.remove(0)), dropped)
        }
        other => panic!("expected a trace batch, got {other:?}"),
    }
}

fn add(request: u64) -> Message {
    Message::Call {
        request: id(request),
        options: Dict::new(),
        procedure: Uri::new("com.example.add"),
        payload: Payload::args(vec![Value::from(request), Value::from(1u64)]),
    }
}

#[tokio::test]
async fn a_watcher_gets_filtered_batches_and_the_history() {
    let server = TestServer::start().await;
    let (mut watcher, watcher_id) = Client::join(&server, Serializer::Json).await;
    let filter = dict([("types", Value::List(vec!["CALL".into(), "RESULT".into()]))]);
    let set = trace_call(&mut watcher, 1, SET_FILTER, filter).await;
    assert_eq!(
        set,
        Value::Dict(dict([(
            "types",
            Value::List(vec!["CALL".into(), "RESULT".into()])
        )]))
    );
    watcher.subscribe(2, ON_MESSAGE).await;

    let mut callee = Client::rawsocket(&server, Serializer::MsgPack).await;
    let callee_id = callee.establish("realm1").await;
    callee.register(1, "com.example.add").await;
    let (mut caller, caller_id) = Client::join(&server, Serializer::Cbor).await;

    const CALLS: u64 = 5;
    for request in 1..=CALLS {
        caller.send(&add(request)).await;
        let Message::Invocation {
            request: invocation,
            ..
        } = callee.recv().await
        else {
            panic!("expected INVOCATION")
        };
        callee
            .send(&Message::Yield {
                request: invocation,
                options: Dict::new(),
                payload: Payload::args(vec![Value::from(request + 1)]),
            })
            .await;
        assert!(matches!(caller.recv().await, Message::Result { .. }));
    }

    // Batches until every CALL and RESULT has come, at least an interval apart.
    let mut seen = Vec::new();
    let mut arrivals = Vec::new();
    while seen.len() < 2 * CALLS as usize {
        let (batch, dropped) = next_batch(&mut watcher).await;
        assert_eq!(dropped, 0);
        assert!(!batch.is_empty());
        arrivals.push(Instant::now());
        seen.extend(batch);
    }
    for pair in arrivals.windows(2) {
        let apart = pair[1] - pair[0];
        assert!(
            apart >= Duration::from_millis(BATCH_INTERVAL_MS - 20),
            "batches only {apart:?} apart"
        );
    }
    assert_eq!(
        seen.len(),
        2 * CALLS as usize,
        "nothing else passes the filter"
    );
    let seqs: Vec<u64> = seen.iter().map(|r| r["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|pair| pair[0] < pair[1]), "{seqs:?}");
    for (n, pair) in seen.chunks(2).enumerate() {
        let (call, result) = (&pair[0], &pair[1]);
        assert_eq!(text(call, "type"), "CALL");
        assert_eq!(text(call, "direction"), "in");
        assert_eq!(call["session"], Value::from(caller_id.get()));
        assert_eq!(text(call, "uri"), "com.example.add");
        assert_eq!(text(call, "serializer"), "cbor");
        assert_eq!(text(call, "realm"), "realm1");
        let request = n as u64 + 1;
        let sent = Serializer::Cbor.encode(&add(request));
        assert_eq!(call["size"], Value::from(sent.len() as u64));
        assert_eq!(call["message"], wamp_proto::wire::to_value(&add(request)));
        assert!(matches!(call["time_ms"], Value::Float(ms) if ms > 1.7e12));
        assert_eq!(text(result, "type"), "RESULT");
        assert_eq!(text(result, "direction"), "out");
        assert_eq!(result["session"], Value::from(caller_id.get()));
        assert_eq!(text(result, "uri"), "com.example.add", "named by its call");
    }
    // The watcher's own calls to the trace are not in it, though they are CALLs.
    assert!(seen.iter().all(|r| r["uri"] != Value::from(SET_FILTER)));

    // The history: everything, filtered by its own kwargs, oldest first.
    let calls = records(
        trace_call(
            &mut watcher,
            3,
            HISTORY,
            dict([
                ("types", Value::List(vec!["CALL".into()])),
                ("uri", "example.add".into()),
            ]),
        )
        .await,
    );
    assert_eq!(calls.len(), CALLS as usize);
    assert_eq!(calls[0]["seq"], seen[0]["seq"]);
    let last_two = records(trace_call(&mut watcher, 4, HISTORY, dict([("limit", 2.into())])).await);
    assert_eq!(last_two.len(), 2);
    let of_callee = records(
        trace_call(
            &mut watcher,
            5,
            HISTORY,
            dict([("session", Value::from(callee_id.get()))]),
        )
        .await,
    );
    let kinds: Vec<(&str, &str)> = of_callee
        .iter()
        .map(|r| (text(r, "direction"), text(r, "type")))
        .collect();
    let mut expected = vec![
        ("in", "HELLO"),
        ("out", "WELCOME"),
        ("in", "REGISTER"),
        ("out", "REGISTERED"),
    ];
    for _ in 0..CALLS {
        expected.extend([("out", "INVOCATION"), ("in", "YIELD")]);
    }
    assert_eq!(kinds, expected);
    assert!(of_callee.iter().all(|r| text(r, "serializer") == "msgpack"));

    // Recording began when the watcher subscribed (nothing before: its own handshake and
    // SUBSCRIBE are not there), and nothing of the trace's own traffic is anywhere: no
    // CALL to it, no RESULT answering one, no batch EVENT.
    let everything =
        records(trace_call(&mut watcher, 6, HISTORY, dict([("limit", 10_000.into())])).await);
    let watchers_own: Vec<(&str, &str)> = everything
        .iter()
        .filter(|r| r["session"] == Value::from(watcher_id.get()))
        .map(|r| (text(r, "direction"), text(r, "type")))
        .collect();
    assert_eq!(watchers_own, []);
    assert_eq!(
        (
            text(&everything[0], "direction"),
            text(&everything[0], "type")
        ),
        ("in", "HELLO"),
        "the callee's HELLO, the first message after the watcher subscribed"
    );
    assert_eq!(everything[0]["session"], Value::from(callee_id.get()));

    // Clearing the filter: the next batch has everything, the caller's GOODBYE included.
    assert_eq!(
        trace_call(&mut watcher, 7, SET_FILTER, Dict::new()).await,
        Value::Dict(Dict::new())
    );
    caller.leave().await;
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let (batch, _) = next_batch(&mut watcher).await;
        seen.extend(batch);
    }
    let kinds: Vec<(&str, &str)> = seen
        .iter()
        .map(|r| (text(r, "direction"), text(r, "type")))
        .collect();
    assert_eq!(kinds, [("in", "GOODBYE"), ("out", "GOODBYE")]);
    server.stop().await;
}

/// Joins `realm1` of the auth example with a ticket (alice) or WAMP-CRA (bob).
async fn authenticate(
    server: &TestServer,
    authid: &str,
    credential: &Credential,
) -> (Client, SessionId) {
    let mut client = Client::websocket(server, Serializer::Json).await;
    let mut details = client_details();
    details.insert(
        "authmethods".into(),
        Value::List(vec![credential.auth_method().into()]),
    );
    details.insert("authid".into(), authid.into());
    // A client that puts a secret in authextra too: it must not show either.
    details.insert(
        "authextra".into(),
        Value::Dict(dict([("token", "alice-token".into())])),
    );
    client
        .send(&Message::Hello {
            realm: Uri::new("realm1"),
            details,
        })
        .await;
    let Message::Challenge { auth_method, extra } = client.recv().await else {
        panic!("expected CHALLENGE")
    };
    let signature = credential.respond(&auth_method, &extra).unwrap();
    client
        .send(&Message::Authenticate {
            signature,
            extra: Dict::new(),
        })
        .await;
    match client.recv().await {
        Message::Welcome { session, .. } => (client, session),
        other => panic!("expected WELCOME, got {other:?}"),
    }
}

#[tokio::test]
async fn secrets_never_appear_and_permissions_apply() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/auth.toml");
    let config = Config::load(&path).unwrap();
    config.validate().unwrap();
    let server = TestServer::with_config(config).await;

    // bob's role (backend) may use the trace; alice's (frontend) may not.
    let (mut bob, _) =
        authenticate(&server, "bob", &Credential::WampCra("bob-secret".into())).await;
    bob.subscribe(1, ON_MESSAGE).await;
    let (mut alice, alice_id) =
        authenticate(&server, "alice", &Credential::Ticket("alice-ticket".into())).await;
    alice.call(1, HISTORY, Payload::default()).await;
    match alice.recv().await {
        Message::Error { error, .. } => assert_eq!(error.as_str(), "wamp.error.not_authorized"),
        other => panic!("expected ERROR, got {other:?}"),
    }

    // The batches carry alice's handshake, redacted.
    let mut batched = Vec::new();
    let alice_welcomed = |records: &[Dict]| {
        records
            .iter()
            .any(|r| text(r, "type") == "WELCOME" && r["session"] == Value::from(alice_id.get()))
    };
    while !alice_welcomed(&batched) {
        batched.extend(next_batch(&mut bob).await.0);
    }

    let history = records(trace_call(&mut bob, 2, HISTORY, Dict::new()).await);
    let of_alice: Vec<&Dict> = history
        .iter()
        .filter(|r| r["session"] == Value::from(alice_id.get()))
        .collect();
    let kinds: Vec<(&str, &str)> = of_alice
        .iter()
        .map(|r| (text(r, "direction"), text(r, "type")))
        .collect();
    assert_eq!(
        kinds,
        [
            ("in", "HELLO"),
            ("out", "CHALLENGE"),
            ("in", "AUTHENTICATE"),
            ("out", "WELCOME"),
        ],
        "the refused CALL and its ERROR are the trace's own traffic"
    );
    let authenticate = &of_alice[2]["message"];
    assert_eq!(
        authenticate,
        &Value::List(vec![Value::from(5u64), REDACTED.into(), REDACTED.into()])
    );
    let hello = of_alice[0]["message"].as_list().unwrap();
    let authextra = hello[2].as_dict().unwrap()["authextra"].as_dict().unwrap();
    assert_eq!(authextra["token"], Value::from(REDACTED));

    let batched_of_alice = batched
        .iter()
        .filter(|r| r["session"] == Value::from(alice_id.get()))
        .count();
    assert_eq!(batched_of_alice, 4);
    let shown = format!("{history:?}{batched:?}");
    assert!(!shown.contains("alice-ticket"), "{shown}");
    assert!(!shown.contains("alice-token"), "{shown}");
    assert!(!shown.contains("bob-secret"));
    server.stop().await;
}

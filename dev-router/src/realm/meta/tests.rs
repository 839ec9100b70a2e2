//! Unit tests of the meta API: every procedure's result shape and errors, every event's
//! arguments and order, kills and testaments.

use wamp_proto::{Dict, Id, Message, MessageType, Payload, Value};

use crate::realm::testing::*;
use crate::realm::{Delivery, Timestamp};

const REQUEST: u64 = 77;

/// Calls `procedure` as `session`: the answer (RESULT payload, or ERROR URI) and every
/// other delivery.
fn call_all(
    h: &mut Harness,
    session: u64,
    procedure: &str,
    payload: Payload,
) -> (Result<Payload, String>, Vec<Delivery>) {
    let out = h.send(
        session,
        Message::Call {
            request: id(REQUEST),
            options: Dict::new(),
            procedure: uri(procedure),
            payload,
        },
    );
    let mut answer = None;
    let mut rest = Vec::new();
    for delivery in out {
        let is_answer = delivery.to == id(session)
            && match delivery.message.message() {
                Message::Result { request, .. } => *request == id(REQUEST),
                Message::Error {
                    request_type: MessageType::Call,
                    request,
                    ..
                } => *request == id(REQUEST),
                _ => false,
            };
        if !is_answer {
            rest.push(delivery);
            continue;
        }
        assert!(answer.is_none(), "two answers");
        answer = Some(match delivery.message.message() {
            Message::Result { payload, .. } => Ok(payload.clone()),
            message => Err(error_of(message).1.to_owned()),
        });
    }
    (answer.expect("no answer"), rest)
}

/// Calls `procedure` with positional `args`; the one result value (or `Null` for none), or
/// the ERROR URI. Nothing else may be sent.
fn call(h: &mut Harness, session: u64, procedure: &str, args: Vec<Value>) -> Result<Value, String> {
    let (answer, rest) = call_all(h, session, procedure, Payload::args(args));
    assert!(rest.is_empty(), "unexpected deliveries: {rest:?}");
    answer.map(|payload| {
        assert!(payload.args.len() <= 1, "{payload:?}");
        payload.args.into_iter().next().unwrap_or(Value::Null)
    })
}

fn kwargs(pairs: &[(&str, Value)]) -> Payload {
    Payload {
        args: Vec::new(),
        kwargs: dict(pairs),
    }
}

fn ids(ids: &[u64]) -> Value {
    Value::List(ids.iter().map(|n| Value::from(*n)).collect())
}

fn strings(items: &[&str]) -> Value {
    Value::List(items.iter().map(|s| Value::from(*s)).collect())
}

fn keys(dict: &Dict) -> Vec<&str> {
    dict.keys().map(String::as_str).collect()
}

/// The topic and arguments of every EVENT in `out` for `to` whose subscription is a
/// prefix subscription to `wamp.` (as the observers below subscribe).
fn meta_events(out: &[Delivery], to: u64) -> Vec<(String, Vec<Value>)> {
    out.iter()
        .filter(|d| d.to == id(to))
        .filter_map(|d| match d.message.message() {
            Message::Event {
                details, payload, ..
            } => Some((
                details["topic"].as_str().unwrap_or_default().to_owned(),
                payload.args.clone(),
            )),
            _ => None,
        })
        .collect()
}

/// Session `observer` subscribes to every meta event under `prefix`; returns the
/// subscription ID.
fn observe(h: &mut Harness, observer: u64, prefix: &str) -> Id {
    let out = h.send(
        observer,
        Message::Subscribe {
            request: id(1),
            options: dict(&[("match", "prefix".into())]),
            topic: uri(prefix),
        },
    );
    match out[0].message.message() {
        Message::Subscribed { subscription, .. } => *subscription,
        other => panic!("expected SUBSCRIBED, got {other:?}"),
    }
}

#[test]
fn session_count_and_list_with_an_authrole_filter() {
    // Sessions n have authid "user<n>" and authrole "role<n % 2>".
    let mut h = Harness::new(4);
    assert_eq!(call(&mut h, 1, "wamp.session.count", vec![]), Ok(4.into()));
    assert_eq!(
        call(&mut h, 1, "wamp.session.count", vec![strings(&["role0"])]),
        Ok(2.into())
    );
    assert_eq!(
        call(&mut h, 1, "wamp.session.list", vec![]),
        Ok(ids(&[1, 2, 3, 4]))
    );
    let (answer, _) = call_all(
        &mut h,
        1,
        "wamp.session.list",
        kwargs(&[("filter_authroles", strings(&["role1", "nobody"]))]),
    );
    assert_eq!(answer.unwrap().args, [ids(&[1, 3])]);
    assert_eq!(
        call(&mut h, 1, "wamp.session.list", vec![Value::Null]),
        Ok(ids(&[1, 2, 3, 4])),
        "null means no filter"
    );
    for bad in [Value::from("role0"), ids(&[1])] {
        assert_eq!(
            call(&mut h, 1, "wamp.session.count", vec![bad]),
            Err("wamp.error.invalid_argument".into())
        );
    }
}

#[test]
fn session_get_describes_a_session() {
    let mut h = Harness::new(2);
    h.at(1_700_000_000_123);
    h.join(3, info("alice", "admin"));
    h.subscribe(3, "com.x", "exact");
    let details = call(&mut h, 1, "wamp.session.get", vec![3.into()]).unwrap();
    let details = details.as_dict().unwrap();
    assert_eq!(
        keys(details),
        [
            "authextra",
            "authid",
            "authmethod",
            "authprovider",
            "authrole",
            "dev_router",
            "session",
            "transport"
        ]
    );
    assert_eq!(details["session"], Value::from(3u64));
    assert_eq!(details["authid"], Value::from("alice"));
    assert_eq!(details["authrole"], Value::from("admin"));
    assert_eq!(details["authmethod"], Value::from("anonymous"));
    assert_eq!(details["authprovider"], Value::from("static"));
    let transport = details["transport"].as_dict().unwrap();
    assert_eq!(transport["type"], Value::from("websocket"));
    assert_eq!(transport["protocol"], Value::from("wamp.2.json"));
    assert_eq!(transport["serializer"], Value::from("json"));
    assert_eq!(transport["peer"], Value::from("127.0.0.1:50000"));
    let counters = details["dev_router"].as_dict().unwrap();
    assert_eq!(counters["joined"], Value::from("2023-11-14T22:13:20.123Z"));
    assert_eq!(counters["messages_in"], Value::from(1u64));
    assert_eq!(counters["messages_out"], Value::from(1u64));

    let (answer, _) = call_all(
        &mut h,
        1,
        "wamp.session.get",
        kwargs(&[("session", 1.into())]),
    );
    assert!(answer.is_ok(), "by name, and a session may describe itself");
    for (args, error) in [
        (vec![999.into()], "wamp.error.no_such_session"),
        (vec![0.into()], "wamp.error.no_such_session"),
        (vec!["3".into()], "wamp.error.invalid_argument"),
        (vec![], "wamp.error.invalid_argument"),
    ] {
        assert_eq!(
            call(&mut h, 1, "wamp.session.get", args.clone()),
            Err(error.into()),
            "{args:?}"
        );
    }
}

#[test]
fn on_join_and_on_leave() {
    let mut h = Harness::new(1);
    observe(&mut h, 1, "wamp.session.");
    let out = h.join(5, info("bob", "guest"));
    let events = meta_events(&out, 1);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].0, "wamp.session.on_join");
    let details = events[0].1[0].as_dict().unwrap();
    assert_eq!(details["session"], Value::from(5u64));
    assert_eq!(details["authid"], Value::from("bob"));
    assert_eq!(details["authrole"], Value::from("guest"));
    assert_eq!(details["authmethod"], Value::from("anonymous"));
    assert_eq!(details["authprovider"], Value::from("static"));
    assert!(details["transport"].as_dict().is_some());
    // As wamp.session.get has them: when it joined, and nothing counted yet.
    let counters = details["dev_router"].as_dict().unwrap();
    assert_eq!(counters["joined"], Value::from("1970-01-01T00:00:00.000Z"));
    assert_eq!(counters["messages_in"], Value::from(0u64));
    assert_eq!(counters["messages_out"], Value::from(0u64));

    let out = h.leave(5);
    assert_eq!(
        meta_events(&out, 1),
        [(
            "wamp.session.on_leave".to_owned(),
            vec![5u64.into(), "bob".into(), "guest".into()]
        )]
    );
}

#[test]
fn meta_events_cost_nothing_without_subscribers_and_are_shared() {
    let mut h = Harness::new(4);
    assert!(h.join(5, info("x", "y")).is_empty());
    for observer in 1..=3 {
        observe(&mut h, observer, "wamp.session.on_join");
    }
    let out = h.join(6, info("x", "y"));
    assert_eq!(out.len(), 3);
    assert!(
        out.iter().all(|d| d.message.ptr_eq(&out[0].message)),
        "one EVENT, encoded once"
    );
}

#[test]
fn kill_says_goodbye_and_removes_the_session() {
    let mut h = Harness::new(3);
    observe(&mut h, 2, "wamp.session.on_leave");
    h.register(3, "com.x", "exact");
    let payload = Payload {
        args: vec![3.into()],
        kwargs: dict(&[
            ("reason", "com.example.go_away".into()),
            ("message", "bye".into()),
        ]),
    };
    let (answer, rest) = call_all(&mut h, 1, "wamp.session.kill", payload);
    assert_eq!(answer, Ok(Payload::default()));
    let goodbye = &rest[0];
    assert_eq!(goodbye.to, id(3));
    assert!(goodbye.closes);
    assert_eq!(
        goodbye.message.message(),
        &Message::Goodbye {
            details: dict(&[("message", "bye".into())]),
            reason: uri("com.example.go_away"),
        }
    );
    assert!(rest[1..].iter().all(|d| !d.closes));
    assert_eq!(meta_events(&rest, 2)[0].1[0], Value::from(3u64));
    assert!(h.realm.session(id(3)).is_none());
    assert!(h.realm.dealer().best_match(&uri("com.x")).is_none());

    let (_, rest) = call_all(
        &mut h,
        1,
        "wamp.session.kill",
        Payload::args(vec![2.into()]),
    );
    assert_eq!(
        rest[0].message.message(),
        &Message::Goodbye {
            details: Dict::new(),
            reason: uri("wamp.close.killed"),
        }
    );
}

#[test]
fn kill_errors() {
    let mut h = Harness::new(2);
    assert_eq!(
        call(&mut h, 1, "wamp.session.kill", vec![1.into()]),
        Err("wamp.error.no_such_session".into()),
        "not itself"
    );
    assert_eq!(
        call(&mut h, 1, "wamp.session.kill", vec![42.into()]),
        Err("wamp.error.no_such_session".into())
    );
    for reason in ["not a uri", "", "a..b"] {
        let payload = Payload {
            args: vec![2.into()],
            kwargs: dict(&[("reason", reason.into())]),
        };
        let (answer, rest) = call_all(&mut h, 1, "wamp.session.kill", payload);
        assert_eq!(answer, Err("wamp.error.invalid_uri".into()), "{reason:?}");
        assert!(rest.is_empty());
    }
    assert!(h.realm.session(id(2)).is_some());
}

#[test]
fn kill_by_authid_authrole_and_all_spare_the_caller() {
    // Sessions n have authid "user<n>" and authrole "role<n % 2>".
    let mut h = Harness::new(4);
    h.join(5, info("user1", "role1"));
    h.join(6, info("user1", "other"));
    let (answer, rest) = call_all(
        &mut h,
        1,
        "wamp.session.kill_by_authid",
        Payload::args(vec!["user1".into()]),
    );
    assert_eq!(answer.unwrap().args, [ids(&[5, 6])]);
    let closed: Vec<u64> = rest
        .iter()
        .filter(|d| d.closes)
        .map(|d| d.to.get())
        .collect();
    assert_eq!(closed, [5, 6]);
    assert!(h.realm.session(id(1)).is_some());

    assert_eq!(
        call_all(
            &mut h,
            2,
            "wamp.session.kill_by_authrole",
            Payload::args(vec!["role0".into()])
        )
        .0
        .unwrap()
        .args,
        [Value::from(1u64)],
        "session 4 only: 2 is the caller"
    );
    assert_eq!(
        call_all(
            &mut h,
            1,
            "wamp.session.kill_by_authrole",
            Payload::default()
        )
        .0,
        Err("wamp.error.invalid_argument".into())
    );
    assert_eq!(
        call_all(&mut h, 1, "wamp.session.kill_all", Payload::default())
            .0
            .unwrap()
            .args,
        [Value::from(2u64)]
    );
    assert_eq!(h.realm.session_count(), 1);
    assert_eq!(
        call_all(
            &mut h,
            1,
            "wamp.session.kill_by_authid",
            Payload::args(vec!["x".into()])
        )
        .0
        .unwrap()
        .args,
        [ids(&[])]
    );
}

#[test]
fn registration_procedures() {
    let mut h = Harness::new(3);
    h.at(1_700_000_000_000);
    let exact = h.register(2, "com.app.add", "exact");
    let prefix = h.register(2, "com.app", "prefix");
    let wildcard = h.register(3, "com..add", "wildcard");
    let list = call(&mut h, 1, "wamp.registration.list", vec![]).unwrap();
    assert_eq!(
        list,
        Value::Dict(dict(&[
            ("exact", ids(&[exact.get()])),
            ("prefix", ids(&[prefix.get()])),
            ("wildcard", ids(&[wildcard.get()])),
        ]))
    );
    let mine = call(&mut h, 1, "wamp.registration.list", vec![3.into()]).unwrap();
    assert_eq!(mine.as_dict().unwrap()["wildcard"], ids(&[wildcard.get()]));
    assert_eq!(mine.as_dict().unwrap()["exact"], ids(&[]));
    assert_eq!(
        call(&mut h, 1, "wamp.registration.list", vec![99.into()]),
        Err("wamp.error.no_such_session".into())
    );

    let lookup = |h: &mut Harness, args: Vec<Value>| call(h, 1, "wamp.registration.lookup", args);
    assert_eq!(
        lookup(&mut h, vec!["com.app.add".into()]),
        Ok(exact.get().into())
    );
    let options = Value::Dict(dict(&[("match", "prefix".into())]));
    assert_eq!(
        lookup(&mut h, vec!["com.app".into(), options]),
        Ok(prefix.get().into())
    );
    assert_eq!(lookup(&mut h, vec!["com.app".into()]), Ok(Value::Null));
    let options = Value::Dict(dict(&[("match", "regex".into())]));
    assert_eq!(
        lookup(&mut h, vec!["com.app".into(), options]),
        Err("wamp.error.invalid_argument".into())
    );

    let best = |h: &mut Harness, procedure: &str| {
        call(h, 1, "wamp.registration.match", vec![procedure.into()])
    };
    assert_eq!(best(&mut h, "com.app.add"), Ok(exact.get().into()));
    assert_eq!(best(&mut h, "com.app.sub"), Ok(prefix.get().into()));
    assert_eq!(best(&mut h, "com.other.add"), Ok(wildcard.get().into()));
    assert_eq!(best(&mut h, "org.nothing"), Ok(Value::Null));

    let get = call(
        &mut h,
        1,
        "wamp.registration.get",
        vec![prefix.get().into()],
    )
    .unwrap();
    let get = get.as_dict().unwrap();
    assert_eq!(
        keys(get),
        ["created", "dev_router", "id", "invoke", "match", "uri"]
    );
    assert_eq!(get["id"], Value::from(prefix.get()));
    assert_eq!(get["created"], Value::from("2023-11-14T22:13:20.000Z"));
    assert_eq!(get["uri"], Value::from("com.app"));
    assert_eq!(get["match"], Value::from("prefix"));
    assert_eq!(get["invoke"], Value::from("single"));
    assert_eq!(get["dev_router"], Value::Dict(dict(&[("calls", 0.into())])));
    h.call(1, 1, "com.app.mul", Dict::new());
    let get = call(
        &mut h,
        1,
        "wamp.registration.get",
        vec![prefix.get().into()],
    )
    .unwrap();
    assert_eq!(
        get.as_dict().unwrap()["dev_router"],
        Value::Dict(dict(&[("calls", 1.into())]))
    );

    assert_eq!(
        call(
            &mut h,
            1,
            "wamp.registration.list_callees",
            vec![exact.get().into()]
        ),
        Ok(ids(&[2]))
    );
    assert_eq!(
        call(
            &mut h,
            1,
            "wamp.registration.count_callees",
            vec![exact.get().into()]
        ),
        Ok(1.into())
    );
    for procedure in [
        "wamp.registration.get",
        "wamp.registration.list_callees",
        "wamp.registration.count_callees",
    ] {
        assert_eq!(
            call(&mut h, 1, procedure, vec![12345.into()]),
            Err("wamp.error.no_such_registration".into()),
            "{procedure}"
        );
        assert_eq!(
            call(&mut h, 1, procedure, vec!["x".into()]),
            Err("wamp.error.invalid_argument".into()),
            "{procedure}"
        );
    }
}

#[test]
fn shared_registrations_list_their_callees_in_order() {
    let mut h = Harness::new(4);
    let register = |h: &mut Harness, session: u64| {
        let out = h.send(
            session,
            Message::Register {
                request: id(1),
                options: dict(&[("invoke", "roundrobin".into())]),
                procedure: uri("com.x"),
            },
        );
        match out[0].message.message() {
            Message::Registered { registration, .. } => *registration,
            other => panic!("{other:?}"),
        }
    };
    let registration = register(&mut h, 3);
    register(&mut h, 2);
    register(&mut h, 4);
    assert_eq!(
        call(
            &mut h,
            1,
            "wamp.registration.list_callees",
            vec![registration.get().into()]
        ),
        Ok(ids(&[3, 2, 4]))
    );
    assert_eq!(
        call(
            &mut h,
            1,
            "wamp.registration.count_callees",
            vec![registration.get().into()]
        ),
        Ok(3.into())
    );
    let get = call(
        &mut h,
        1,
        "wamp.registration.get",
        vec![registration.get().into()],
    )
    .unwrap();
    assert_eq!(get.as_dict().unwrap()["invoke"], Value::from("roundrobin"));
}

#[test]
fn registration_events_in_order() {
    let mut h = Harness::new(3);
    observe(&mut h, 1, "wamp.registration.");
    let register = |h: &mut Harness, session: u64| {
        h.send(
            session,
            Message::Register {
                request: id(1),
                options: dict(&[("invoke", "first".into())]),
                procedure: uri("com.x"),
            },
        )
    };
    let out = register(&mut h, 2);
    let registration = match out[0].message.message() {
        Message::Registered { registration, .. } => *registration,
        other => panic!("{other:?}"),
    };
    let events = meta_events(&out, 1);
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].0, "wamp.registration.on_create");
    assert_eq!(events[0].1[0], Value::from(2u64));
    let details = events[0].1[1].as_dict().unwrap();
    assert_eq!(keys(details), ["created", "id", "invoke", "match", "uri"]);
    assert_eq!(details["id"], Value::from(registration.get()));
    assert_eq!(details["invoke"], Value::from("first"));
    let session_and_id = |session: u64| vec![Value::from(session), Value::from(registration.get())];
    assert_eq!(
        events[1],
        ("wamp.registration.on_register".into(), session_and_id(2))
    );

    let events = meta_events(&register(&mut h, 3), 1);
    assert_eq!(
        events,
        [("wamp.registration.on_register".into(), session_and_id(3))]
    );

    let out = h.send(
        2,
        Message::Unregister {
            request: id(2),
            registration,
        },
    );
    assert_eq!(
        meta_events(&out, 1),
        [("wamp.registration.on_unregister".into(), session_and_id(2))]
    );
    assert_eq!(
        meta_events(&h.leave(3), 1),
        [
            ("wamp.registration.on_unregister".into(), session_and_id(3)),
            ("wamp.registration.on_delete".into(), session_and_id(3)),
        ]
    );
}

#[test]
fn subscription_procedures() {
    let mut h = Harness::new(3);
    let exact = h.subscribe(2, "com.app.tick", "exact");
    h.subscribe(3, "com.app.tick", "exact");
    let prefix = h.subscribe(2, "com.app", "prefix");
    let wildcard = h.subscribe(3, "com..tick", "wildcard");
    assert_eq!(
        call(&mut h, 1, "wamp.subscription.list", vec![]),
        Ok(Value::Dict(dict(&[
            ("exact", ids(&[exact.get()])),
            ("prefix", ids(&[prefix.get()])),
            ("wildcard", ids(&[wildcard.get()])),
        ])))
    );
    let mine = call(&mut h, 1, "wamp.subscription.list", vec![2.into()]).unwrap();
    assert_eq!(mine.as_dict().unwrap()["exact"], ids(&[exact.get()]));
    assert_eq!(mine.as_dict().unwrap()["wildcard"], ids(&[]));

    assert_eq!(
        call(
            &mut h,
            1,
            "wamp.subscription.lookup",
            vec!["com.app.tick".into()]
        ),
        Ok(exact.get().into())
    );
    let options = Value::Dict(dict(&[("match", "wildcard".into())]));
    assert_eq!(
        call(
            &mut h,
            1,
            "wamp.subscription.lookup",
            vec!["com..tick".into(), options]
        ),
        Ok(wildcard.get().into())
    );
    assert_eq!(
        call(
            &mut h,
            1,
            "wamp.subscription.lookup",
            vec!["com.nothing".into()]
        ),
        Ok(Value::Null)
    );
    let mut all = [exact.get(), prefix.get(), wildcard.get()];
    all.sort_unstable();
    assert_eq!(
        call(
            &mut h,
            1,
            "wamp.subscription.match",
            vec!["com.app.tick".into()]
        ),
        Ok(ids(&all))
    );
    assert_eq!(
        call(
            &mut h,
            1,
            "wamp.subscription.match",
            vec!["org.nothing".into()]
        ),
        Ok(Value::Null)
    );

    h.publish(1, "com.app.tick", Dict::new(), Payload::default());
    let get = call(&mut h, 1, "wamp.subscription.get", vec![exact.get().into()]).unwrap();
    let get = get.as_dict().unwrap();
    assert_eq!(keys(get), ["created", "dev_router", "id", "match", "uri"]);
    assert_eq!(get["uri"], Value::from("com.app.tick"));
    assert_eq!(get["match"], Value::from("exact"));
    assert_eq!(get["created"], Value::from("1970-01-01T00:00:00.000Z"));
    assert_eq!(
        get["dev_router"],
        Value::Dict(dict(&[("events", 2.into())]))
    );
    assert_eq!(
        call(
            &mut h,
            1,
            "wamp.subscription.list_subscribers",
            vec![exact.get().into()]
        ),
        Ok(ids(&[2, 3]))
    );
    assert_eq!(
        call(
            &mut h,
            1,
            "wamp.subscription.count_subscribers",
            vec![exact.get().into()]
        ),
        Ok(2.into())
    );
    for procedure in [
        "wamp.subscription.get",
        "wamp.subscription.list_subscribers",
        "wamp.subscription.count_subscribers",
    ] {
        assert_eq!(
            call(&mut h, 1, procedure, vec![12345.into()]),
            Err("wamp.error.no_such_subscription".into()),
            "{procedure}"
        );
    }
    assert_eq!(
        call(&mut h, 1, "wamp.subscription.match", vec![]),
        Err("wamp.error.invalid_argument".into())
    );
}

#[test]
fn subscription_events_in_order() {
    let mut h = Harness::new(3);
    observe(&mut h, 1, "wamp.subscription.");
    let out = h.send(
        2,
        Message::Subscribe {
            request: id(1),
            options: Dict::new(),
            topic: uri("com.x"),
        },
    );
    let subscription = match out[0].message.message() {
        Message::Subscribed { subscription, .. } => *subscription,
        other => panic!("{other:?}"),
    };
    let events = meta_events(&out, 1);
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].0, "wamp.subscription.on_create");
    assert_eq!(events[0].1[0], Value::from(2u64));
    let details = events[0].1[1].as_dict().unwrap();
    assert_eq!(keys(details), ["created", "id", "match", "uri"]);
    assert_eq!(details["uri"], Value::from("com.x"));
    let session_and_id = |session: u64| vec![Value::from(session), Value::from(subscription.get())];
    assert_eq!(
        events[1],
        ("wamp.subscription.on_subscribe".into(), session_and_id(2))
    );

    let subscribe = |h: &mut Harness| {
        h.send(
            3,
            Message::Subscribe {
                request: id(2),
                options: Dict::new(),
                topic: uri("com.x"),
            },
        )
    };
    assert_eq!(
        meta_events(&subscribe(&mut h), 1),
        [("wamp.subscription.on_subscribe".into(), session_and_id(3))]
    );
    let again = h.send(
        3,
        Message::Subscribe {
            request: id(2),
            options: Dict::new(),
            topic: uri("com.x"),
        },
    );
    assert!(
        meta_events(&again, 1).is_empty(),
        "subscribing twice changes nothing"
    );
    let out = h.send(
        3,
        Message::Unsubscribe {
            request: id(3),
            subscription,
        },
    );
    assert_eq!(
        meta_events(&out, 1),
        [("wamp.subscription.on_unsubscribe".into(), session_and_id(3))]
    );
    assert_eq!(
        meta_events(&h.leave(2), 1),
        [
            ("wamp.subscription.on_unsubscribe".into(), session_and_id(2)),
            ("wamp.subscription.on_delete".into(), session_and_id(2)),
        ]
    );
}

#[test]
fn testaments_are_published_when_the_session_goes() {
    let mut h = Harness::new(3);
    let destroyed = h.subscribe(3, "com.gone", "exact");
    let detached = h.subscribe(3, "com.detached", "exact");
    let add = |h: &mut Harness, topic: &str, extra: &[(&str, Value)]| {
        let mut kwargs = dict(extra);
        kwargs.insert("ignored".into(), Value::Null);
        let payload = Payload {
            args: vec![
                topic.into(),
                Value::List(vec!["bye".into()]),
                Value::Dict(dict(&[("who", "user2".into())])),
            ],
            kwargs,
        };
        call_all(h, 2, "wamp.session.add_testament", payload).0
    };
    assert_eq!(add(&mut h, "com.gone", &[]), Ok(Payload::default()));
    let disclose = Value::Dict(dict(&[
        ("disclose_me", true.into()),
        ("acknowledge", true.into()),
    ]));
    assert_eq!(
        add(
            &mut h,
            "com.detached",
            &[("scope", "detached".into()), ("publish_options", disclose)]
        ),
        Ok(Payload::default())
    );
    let out = h.leave(2);
    let events: Vec<(Id, &Dict, &Payload)> = out
        .iter()
        .map(|d| match d.message.message() {
            Message::Event {
                subscription,
                details,
                payload,
                ..
            } => (*subscription, details, payload),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(events.len(), 2, "no PUBLISHED for the acknowledge");
    assert_eq!(events[0].0, detached, "detached first");
    assert_eq!(events[0].1["publisher"], Value::from(2u64));
    assert_eq!(events[1].0, destroyed);
    assert_eq!(events[1].2.args, [Value::from("bye")]);
    assert_eq!(events[1].2.kwargs, dict(&[("who", "user2".into())]));
}

#[test]
fn testaments_can_be_flushed_per_scope() {
    let mut h = Harness::new(3);
    h.subscribe(3, "com.gone", "exact");
    let add = |h: &mut Harness, scope: &str| {
        let payload = Payload {
            args: vec![
                "com.gone".into(),
                Value::List(vec![]),
                Value::Dict(Dict::new()),
            ],
            kwargs: dict(&[("scope", scope.into())]),
        };
        call_all(h, 2, "wamp.session.add_testament", payload).0
    };
    add(&mut h, "destroyed").unwrap();
    add(&mut h, "destroyed").unwrap();
    add(&mut h, "detatched").unwrap();
    let flush = |h: &mut Harness, payload: Payload| {
        call_all(h, 2, "wamp.session.flush_testaments", payload).0
    };
    assert_eq!(
        flush(&mut h, Payload::default()).unwrap().args,
        [Value::from(2u64)]
    );
    assert_eq!(
        flush(&mut h, Payload::default()).unwrap().args,
        [Value::from(0u64)]
    );
    assert_eq!(
        flush(&mut h, kwargs(&[("scope", "detached".into())]))
            .unwrap()
            .args,
        [Value::from(1u64)]
    );
    assert_eq!(
        flush(&mut h, kwargs(&[("scope", "forever".into())])),
        Err("wamp.error.invalid_argument".into())
    );
    assert!(h.leave(2).is_empty(), "nothing left to publish");
}

#[test]
fn testament_errors() {
    let mut h = Harness::new(1);
    let add = |h: &mut Harness, args: Vec<Value>, kwargs: Dict| {
        call_all(h, 1, "wamp.session.add_testament", Payload { args, kwargs }).0
    };
    let cases = [
        (vec![], Dict::new(), "wamp.error.invalid_argument"),
        (vec!["com..x".into()], Dict::new(), "wamp.error.invalid_uri"),
        (
            vec!["wamp.session.on_leave".into()],
            Dict::new(),
            "wamp.error.invalid_uri",
        ),
        (
            vec!["com.x".into(), "args".into()],
            Dict::new(),
            "wamp.error.invalid_argument",
        ),
        (
            vec!["com.x".into(), Value::List(vec![]), 5.into()],
            Dict::new(),
            "wamp.error.invalid_argument",
        ),
        (
            vec!["com.x".into()],
            dict(&[(
                "publish_options",
                Value::Dict(dict(&[("exclude", "x".into())])),
            )]),
            "wamp.error.invalid_argument",
        ),
        (
            vec!["com.x".into()],
            dict(&[("scope", "sometimes".into())]),
            "wamp.error.invalid_argument",
        ),
    ];
    for (args, kwargs, error) in cases {
        assert_eq!(
            add(&mut h, args.clone(), kwargs.clone()),
            Err(error.to_owned()),
            "{args:?} {kwargs:?}"
        );
    }
    for _ in 0..64 {
        add(&mut h, vec!["com.x".into()], Dict::new()).unwrap();
    }
    assert_eq!(
        add(&mut h, vec!["com.x".into()], Dict::new()),
        Err("wamp.error.invalid_argument".into()),
        "bounded"
    );
}

#[test]
fn a_killed_session_leaves_its_testament() {
    let mut h = Harness::new(3);
    h.subscribe(3, "com.gone", "exact");
    let payload = Payload::args(vec!["com.gone".into()]);
    call_all(&mut h, 2, "wamp.session.add_testament", payload)
        .0
        .unwrap();
    let (_, rest) = call_all(
        &mut h,
        1,
        "wamp.session.kill",
        Payload::args(vec![2.into()]),
    );
    assert!(rest[0].closes);
    assert!(
        rest.iter()
            .any(|d| d.to == id(3) && matches!(d.message.message(), Message::Event { .. }))
    );
}

#[test]
fn other_wamp_procedures_do_not_exist() {
    let mut h = Harness::new(1);
    for procedure in ["wamp.session.nothing", "wamp.registration.remove_callee"] {
        let out = h.call(1, 1, procedure, Dict::new());
        assert_eq!(
            error_of(only(&out, 1)),
            (MessageType::Call, "wamp.error.no_such_procedure")
        );
    }
    assert_eq!(h.realm.now(), Timestamp::EPOCH);
}

/// What each `dev_router.session.on_stats` EVENT in `out` for `to` reports:
/// `(sessions as (session, in, out), registrations as (id, calls), subscriptions as (id,
/// events))`.
#[allow(clippy::type_complexity, reason = "a test's view of the kwargs")]
fn stats_events(
    out: &[Delivery],
    to: u64,
) -> Vec<(Vec<(u64, u64, u64)>, Vec<(u64, u64)>, Vec<(u64, u64)>)> {
    out.iter()
        .filter(|d| d.to == id(to))
        .map(|d| {
            assert!(d.untraced, "stats EVENTs are not traced");
            let Message::Event { payload, .. } = d.message.message() else {
                panic!("{d:?}");
            };
            let list = |key: &str| payload.kwargs[key].as_list().unwrap().clone();
            let n = |record: &Value, key: &str| record.as_dict().unwrap()[key].as_u64().unwrap();
            let sessions = list("sessions")
                .iter()
                .map(|r| (n(r, "session"), n(r, "messages_in"), n(r, "messages_out")))
                .collect();
            let registrations = list("registrations")
                .iter()
                .map(|r| (n(r, "registration"), n(r, "calls")))
                .collect();
            let subscriptions = list("subscriptions")
                .iter()
                .map(|r| (n(r, "subscription"), n(r, "events")))
                .collect();
            (sessions, registrations, subscriptions)
        })
        .collect()
}

#[test]
fn stats_are_pushed_once_a_second_while_watched_and_only_when_changed() {
    let mut h = Harness::new(3);
    let news = h.subscribe(2, "com.example.news", "exact");
    h.at(1_000);
    assert_eq!(h.realm.next_deadline(), None, "nobody watches: no timer");
    let out = h.send(
        3,
        Message::Subscribe {
            request: id(1),
            options: Dict::new(),
            topic: uri(super::ON_STATS),
        },
    );
    let subscription = match only(&out, 3) {
        Message::Subscribed { subscription, .. } => *subscription,
        other => panic!("{other:?}"),
    };
    // Due at once: the first EVENT has everything that counted anything.
    assert_eq!(h.realm.next_deadline(), Some(Timestamp::from_millis(1_000)));
    let out = h.at(1_000);
    assert_eq!(
        stats_events(&out, 3),
        [(vec![(2, 1, 1), (3, 1, 1)], vec![], vec![])]
    );
    assert_eq!(
        h.realm.next_deadline(),
        Some(Timestamp::from_millis(1_000 + super::STATS_INTERVAL_MS))
    );
    // Nothing changed (the EVENT itself counts for nobody, nor for its subscription).
    assert!(h.at(2_000).is_empty());
    // Session 1 publishes, 2 gets the event; not reported before the interval is over.
    h.publish(1, "com.example.news", Dict::new(), Payload::default());
    assert!(h.at(2_500).is_empty());
    let out = h.at(3_000);
    assert_eq!(
        stats_events(&out, 3),
        [(vec![(1, 1, 0), (2, 1, 2)], vec![], vec![(news.get(), 1)])]
    );
    let registration = h.register(2, "com.example.add", "exact");
    h.call(1, 5, "com.example.add", Dict::new());
    let out = h.at(4_000);
    let (_, registrations, subscriptions) = stats_events(&out, 3).remove(0);
    assert_eq!(registrations, [(registration.get(), 1)]);
    assert_eq!(subscriptions, []);
    // Unsubscribed: no EVENT, no timer.
    h.send(
        3,
        Message::Unsubscribe {
            request: id(2),
            subscription,
        },
    );
    h.publish(1, "com.example.news", Dict::new(), Payload::default());
    assert!(h.at(10_000).is_empty());
    assert_eq!(h.realm.next_deadline(), None);
}

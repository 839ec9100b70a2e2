//! Ending a session: GOODBYE both ways, ABORT, a lost transport; what happens to outstanding
//! requests, and what may be done afterwards.

use wamp_proto::client::{
    CallOptions, CancelMode, ClientConfig, ClientError, ClientSession, Event, Initiator,
    PublishOptions, RegisterOptions, SessionState, SubscribeOptions,
};
use wamp_proto::{Dict, MatchPolicy, Message, MessageType, Payload, Uri, Value};

use crate::router::*;

/// A joined session with one pending call (1), one pending subscribe (2) and one running
/// invocation (router request 50) on registration 77, registered with request 3.
fn busy() -> ClientSession {
    let mut session = joined();
    session
        .call(
            uri("com.myapp.slow"),
            Payload::default(),
            CallOptions::default(),
        )
        .unwrap();
    session
        .subscribe(uri("com.myapp.topic"), SubscribeOptions::default())
        .unwrap();
    register(&mut session, "com.myapp.work", 77);
    feed(
        &mut session,
        Message::Invocation {
            request: id(50),
            registration: id(77),
            details: Dict::new(),
            payload: Payload::default(),
        },
    );
    events(&mut session);
    sent(&mut session);
    session
}

/// Checks the terminal events of [`busy`]'s outstanding work, failed with `reason`.
fn assert_outstanding_failed(events: &[Event], reason: &str) {
    assert!(
        matches!(&events[0], Event::CallError { request, error, payload, .. }
            if *request == id(1) && error == reason && payload.args.len() == 1),
        "{events:?}"
    );
    assert!(
        matches!(&events[1], Event::RequestFailed { request, request_type: MessageType::Subscribe, error, .. }
            if *request == id(2) && error == reason),
        "{events:?}"
    );
    assert!(
        matches!(&events[2], Event::Interrupt { request, mode: CancelMode::KillNoWait, options }
            if *request == id(50) && options.get("reason") == Some(&Value::from(reason))),
        "{events:?}"
    );
}

#[test]
fn client_leaves() {
    let mut session = busy();
    session.leave(uri("wamp.close.close_realm")).unwrap();
    assert_eq!(
        sent_one(&mut session),
        Message::Goodbye {
            details: Dict::new(),
            reason: uri("wamp.close.close_realm")
        }
    );
    assert_eq!(session.state(), SessionState::Closing);
    let failed = events(&mut session);
    assert_eq!(failed.len(), 3);
    assert_outstanding_failed(&failed, "wamp.close.close_realm");

    // While closing, everything but GOODBYE and ABORT is ignored.
    feed(
        &mut session,
        Message::Result {
            request: id(1),
            details: Dict::new(),
            payload: Payload::default(),
        },
    );
    feed(
        &mut session,
        Message::Event {
            subscription: id(99),
            publication: id(1),
            details: Dict::new(),
            payload: Payload::default(),
        },
    );
    assert!(events(&mut session).is_empty());
    assert!(matches!(
        session.call(uri("com.a"), Payload::default(), CallOptions::default()),
        Err(ClientError::NotConnected {
            state: SessionState::Closing
        })
    ));
    assert!(session.leave(uri("wamp.close.close_realm")).is_err());

    feed(
        &mut session,
        Message::Goodbye {
            details: Dict::new(),
            reason: uri("wamp.close.goodbye_and_out"),
        },
    );
    assert_eq!(session.state(), SessionState::Closed);
    assert_eq!(
        event_one(&mut session),
        Event::Left {
            initiator: Initiator::Client,
            reason: uri("wamp.close.goodbye_and_out"),
            details: Dict::new()
        }
    );
    assert!(
        sent(&mut session).is_empty(),
        "the router's GOODBYE is not answered"
    );
}

#[test]
fn router_says_goodbye() {
    let mut session = busy();
    let details = dict([("message", Value::from("The host is shutting down now."))]);
    feed(
        &mut session,
        Message::Goodbye {
            details: details.clone(),
            reason: uri("wamp.close.system_shutdown"),
        },
    );
    assert_eq!(
        sent_one(&mut session),
        Message::Goodbye {
            details: Dict::new(),
            reason: uri("wamp.close.goodbye_and_out")
        }
    );
    assert_eq!(session.state(), SessionState::Closed);
    let events = events(&mut session);
    assert_eq!(events.len(), 4);
    assert_outstanding_failed(&events, "wamp.close.system_shutdown");
    assert_eq!(
        events[3],
        Event::Left {
            initiator: Initiator::Router,
            reason: uri("wamp.close.system_shutdown"),
            details
        }
    );
}

#[test]
fn router_aborts() {
    let mut session = busy();
    feed(
        &mut session,
        Message::Abort {
            details: Dict::new(),
            reason: uri("wamp.close.killed"),
        },
    );
    assert!(sent(&mut session).is_empty(), "ABORT is not answered");
    let events = events(&mut session);
    assert_outstanding_failed(&events, "wamp.close.killed");
    assert_eq!(
        events.last(),
        Some(&Event::Aborted {
            initiator: Initiator::Router,
            reason: uri("wamp.close.killed"),
            details: Dict::new()
        })
    );
    assert_eq!(session.state(), SessionState::Closed);
}

#[test]
fn router_aborts_while_closing() {
    let mut session = busy();
    session.leave(uri("wamp.close.close_realm")).unwrap();
    events(&mut session);
    feed(
        &mut session,
        Message::Abort {
            details: Dict::new(),
            reason: uri("wamp.error.protocol_violation"),
        },
    );
    assert!(matches!(
        event_one(&mut session),
        Event::Aborted {
            initiator: Initiator::Router,
            ..
        }
    ));
    assert_eq!(session.state(), SessionState::Closed);
}

#[test]
fn connection_lost_fails_everything_outstanding() {
    let mut session = busy();
    // Queued but never sent: dropped with the transport.
    session
        .publish(
            uri("com.myapp.topic"),
            Payload::default(),
            PublishOptions::default(),
        )
        .unwrap();
    session.connection_lost();
    assert!(sent(&mut session).is_empty());
    assert_eq!(session.state(), SessionState::Closed);
    let events = events(&mut session);
    assert_eq!(events.len(), 4);
    assert_outstanding_failed(&events, "wamp.close.transport_lost");
    assert_eq!(events[3], Event::Disconnected);

    session.connection_lost();
    assert!(self::events(&mut session).is_empty(), "only once");

    // What a driver needs to restore the session on a new transport.
    let registrations: Vec<_> = session
        .registrations()
        .map(|r| (r.registration, r.procedure.clone()))
        .collect();
    assert_eq!(registrations, [(id(77), uri("com.myapp.work"))]);
    assert_eq!(
        session.subscriptions().count(),
        0,
        "the subscribe never completed"
    );
}

#[test]
fn restore_on_a_new_session() {
    let mut old = joined();
    let request = old
        .subscribe(
            uri("com.myapp."),
            SubscribeOptions::default().match_policy(MatchPolicy::Prefix),
        )
        .unwrap();
    feed(
        &mut old,
        Message::Subscribed {
            request,
            subscription: id(5),
        },
    );
    old.register(
        uri("com.myapp.add2"),
        RegisterOptions::default().disclose_caller(true),
    )
    .unwrap();
    feed(
        &mut old,
        Message::Registered {
            request: id(2),
            registration: id(6),
        },
    );
    old.connection_lost();

    let mut new = joined();
    for subscription in old.subscriptions() {
        new.subscribe(subscription.topic.clone(), subscription.options.clone())
            .unwrap();
    }
    for registration in old.registrations() {
        new.register(registration.procedure.clone(), registration.options.clone())
            .unwrap();
    }
    assert_eq!(
        sent(&mut new),
        [
            Message::Subscribe {
                request: id(1),
                options: dict([("match", Value::from("prefix"))]),
                topic: uri("com.myapp."),
            },
            Message::Register {
                request: id(2),
                options: dict([("disclose_caller", Value::Bool(true))]),
                procedure: uri("com.myapp.add2"),
            },
        ]
    );
}

#[test]
fn connection_lost_while_establishing() {
    let mut session = ClientSession::new(ClientConfig::new("realm1").unwrap());
    session.connection_lost();
    assert!(sent(&mut session).is_empty(), "HELLO was never sent");
    assert_eq!(event_one(&mut session), Event::Disconnected);
}

#[test]
fn connection_lost_after_close_changes_nothing() {
    let mut session = joined();
    feed(
        &mut session,
        Message::Goodbye {
            details: Dict::new(),
            reason: uri("wamp.close.close_realm"),
        },
    );
    events(&mut session);
    session.connection_lost();
    assert!(events(&mut session).is_empty());
    assert_eq!(
        sent(&mut session).len(),
        1,
        "the GOODBYE reply is still there to send"
    );
}

fn assert_every_operation_refused(session: &mut ClientSession) {
    let state = session.state();
    let not_connected = ClientError::NotConnected { state };
    let topic = uri("com.myapp.topic");
    assert_eq!(
        session.call(topic.clone(), Payload::default(), CallOptions::default()),
        Err(not_connected.clone())
    );
    assert_eq!(
        session.continue_call(id(1), Payload::default(), true),
        Err(not_connected.clone())
    );
    assert_eq!(
        session.cancel(id(1), CancelMode::Kill),
        Err(not_connected.clone())
    );
    assert_eq!(
        session.register(topic.clone(), RegisterOptions::default()),
        Err(not_connected.clone())
    );
    assert_eq!(session.unregister(id(1)), Err(not_connected.clone()));
    assert_eq!(
        session.subscribe(topic.clone(), SubscribeOptions::default()),
        Err(not_connected.clone())
    );
    assert_eq!(session.unsubscribe(id(1)), Err(not_connected.clone()));
    assert_eq!(
        session.publish(topic, Payload::default(), PublishOptions::default()),
        Err(not_connected.clone())
    );
    assert_eq!(
        session.yield_result(id(1), Payload::default(), false),
        Err(not_connected.clone())
    );
    assert_eq!(
        session.yield_error(id(1), uri("wamp.error.canceled"), Payload::default()),
        Err(not_connected.clone())
    );
    assert_eq!(
        session.leave(Uri::new("wamp.close.close_realm")),
        Err(not_connected)
    );
}

#[test]
fn operations_before_the_session_is_established() {
    let mut session = ClientSession::new(ClientConfig::new("realm1").unwrap());
    sent(&mut session);
    assert_every_operation_refused(&mut session);
    feed(
        &mut session,
        Message::Challenge {
            auth_method: "ticket".into(),
            extra: Dict::new(),
        },
    );
    assert_every_operation_refused(&mut session);
    assert!(sent(&mut session).is_empty());
}

#[test]
fn operations_after_the_session_closed() {
    let mut session = joined();
    session.connection_lost();
    assert_every_operation_refused(&mut session);
    assert!(sent(&mut session).is_empty());
}

#[test]
fn messages_after_close_are_ignored() {
    let mut session = joined();
    session.connection_lost();
    events(&mut session);
    for message in [
        Message::Welcome {
            session: id(1),
            details: Dict::new(),
        },
        Message::Result {
            request: id(1),
            details: Dict::new(),
            payload: Payload::default(),
        },
        Message::Goodbye {
            details: Dict::new(),
            reason: uri("wamp.close.close_realm"),
        },
    ] {
        feed(&mut session, message);
    }
    assert!(events(&mut session).is_empty());
    assert!(sent(&mut session).is_empty());
}

//! Router messages that break the protocol: the session aborts with
//! `wamp.error.protocol_violation`, fails what is outstanding, and closes.

use wamp_proto::client::{
    CallOptions, ClientConfig, ClientError, ClientSession, Event, Initiator, SessionState,
};
use wamp_proto::{Dict, Message, MessageType, Payload, ProtocolError, Value};

use crate::router::*;

/// Feeds `message`, which must be a protocol violation mentioning `needle`, and checks the
/// ABORT, the events and the state.
fn assert_violation(session: &mut ClientSession, message: Message, needle: &str) -> Vec<Event> {
    let error = session.handle_message(message).unwrap_err();
    let ClientError::ProtocolViolation(text) = &error else {
        panic!("{error:?}");
    };
    assert!(text.contains(needle), "{text:?} should mention {needle:?}");
    assert_eq!(
        sent(session),
        [Message::Abort {
            details: dict([("message", Value::from(text.as_str()))]),
            reason: uri("wamp.error.protocol_violation"),
        }]
    );
    assert_eq!(session.state(), SessionState::Closed);
    let events = events(session);
    assert_eq!(
        events.last(),
        Some(&Event::Aborted {
            initiator: Initiator::Client,
            reason: uri("wamp.error.protocol_violation"),
            details: dict([("message", Value::from(text.as_str()))]),
        })
    );
    events
}

#[test]
fn reply_to_an_unknown_request() {
    let mut session = joined();
    session
        .call(
            uri("com.myapp.slow"),
            Payload::default(),
            CallOptions::default(),
        )
        .unwrap();
    sent(&mut session);
    let events = assert_violation(
        &mut session,
        Message::Result {
            request: id(99),
            details: Dict::new(),
            payload: Payload::default(),
        },
        "RESULT for request 99, which is not pending",
    );
    // The pending call gets its terminal event before Aborted.
    assert_eq!(events.len(), 2);
    assert!(matches!(
        &events[0],
        Event::CallError { request, error, .. }
            if *request == id(1) && error == "wamp.error.protocol_violation"
    ));
    // Nothing more is processed.
    feed(
        &mut session,
        Message::Result {
            request: id(1),
            details: Dict::new(),
            payload: Payload::default(),
        },
    );
    assert!(self::events(&mut session).is_empty());
    assert!(sent(&mut session).is_empty());
}

#[test]
fn reply_of_the_wrong_kind() {
    let mut session = joined();
    session
        .call(
            uri("com.myapp.slow"),
            Payload::default(),
            CallOptions::default(),
        )
        .unwrap();
    sent(&mut session);
    assert_violation(
        &mut session,
        Message::Registered {
            request: id(1),
            registration: id(5),
        },
        "REGISTERED for request 1, which is a CALL",
    );

    let mut session = joined();
    session
        .subscribe(uri("com.myapp.topic"), Default::default())
        .unwrap();
    sent(&mut session);
    assert_violation(
        &mut session,
        Message::Result {
            request: id(1),
            details: Dict::new(),
            payload: Payload::default(),
        },
        "RESULT for request 1, which is a SUBSCRIBE",
    );
}

#[test]
fn error_with_the_wrong_request_type() {
    let mut session = joined();
    session
        .call(
            uri("com.myapp.slow"),
            Payload::default(),
            CallOptions::default(),
        )
        .unwrap();
    sent(&mut session);
    assert_violation(
        &mut session,
        error(MessageType::Subscribe, id(1), "wamp.error.not_authorized"),
        "ERROR names request 1 a SUBSCRIBE, but it is a CALL",
    );
    let mut session = joined();
    assert_violation(
        &mut session,
        error(MessageType::Invocation, id(1), "wamp.error.canceled"),
        "not pending",
    );
}

#[test]
fn messages_the_router_never_sends_once_established() {
    let cases = [
        (
            Message::Welcome {
                session: id(1),
                details: Dict::new(),
            },
            "WELCOME after the session was established",
        ),
        (
            Message::Challenge {
                auth_method: "ticket".into(),
                extra: Dict::new(),
            },
            "CHALLENGE after",
        ),
        (
            Message::Hello {
                realm: uri("realm1"),
                details: Dict::new(),
            },
            "HELLO after",
        ),
        (
            Message::Yield {
                request: id(1),
                options: Dict::new(),
                payload: Payload::default(),
            },
            "YIELD after",
        ),
        (
            Message::Call {
                request: id(1),
                options: Dict::new(),
                procedure: uri("com.a"),
                payload: Payload::default(),
            },
            "CALL after",
        ),
    ];
    for (message, needle) in cases {
        let mut session = joined();
        assert_violation(&mut session, message, needle);
    }
}

#[test]
fn messages_before_welcome() {
    let cases = [
        (
            Message::Goodbye {
                details: Dict::new(),
                reason: uri("wamp.close.close_realm"),
            },
            "GOODBYE before the session was established",
        ),
        (
            Message::Event {
                subscription: id(1),
                publication: id(1),
                details: Dict::new(),
                payload: Payload::default(),
            },
            "EVENT before",
        ),
        (
            error(MessageType::Call, id(1), "wamp.error.x"),
            "ERROR before",
        ),
    ];
    for (message, needle) in cases {
        let mut session = ClientSession::new(ClientConfig::new("realm1").unwrap());
        sent(&mut session);
        let events = assert_violation(&mut session, message, needle);
        assert_eq!(events.len(), 1, "only Aborted");
    }
}

#[test]
fn welcome_or_challenge_while_a_challenge_is_unanswered() {
    for (message, needle) in [
        (
            Message::Welcome {
                session: id(1),
                details: Dict::new(),
            },
            "WELCOME before the CHALLENGE was answered",
        ),
        (
            Message::Challenge {
                auth_method: "ticket".into(),
                extra: Dict::new(),
            },
            "a second CHALLENGE",
        ),
    ] {
        let mut session = ClientSession::new(ClientConfig::new("realm1").unwrap());
        sent(&mut session);
        feed(
            &mut session,
            Message::Challenge {
                auth_method: "ticket".into(),
                extra: Dict::new(),
            },
        );
        events(&mut session);
        assert_violation(&mut session, message, needle);
    }
}

#[test]
fn event_and_invocation_for_unknown_ids() {
    let mut session = joined();
    assert_violation(
        &mut session,
        Message::Event {
            subscription: id(42),
            publication: id(1),
            details: Dict::new(),
            payload: Payload::default(),
        },
        "EVENT for subscription 42, which is not active",
    );
    let mut session = joined();
    assert_violation(
        &mut session,
        Message::Invocation {
            request: id(1),
            registration: id(42),
            details: Dict::new(),
            payload: Payload::default(),
        },
        "INVOCATION for registration 42, which is not active",
    );
}

#[test]
fn duplicate_invocation_request() {
    let mut session = joined();
    register(&mut session, "com.myapp.work", 77);
    let invocation = Message::Invocation {
        request: id(1),
        registration: id(77),
        details: Dict::new(),
        payload: Payload::default(),
    };
    feed(&mut session, invocation.clone());
    let events = assert_violation(&mut session, invocation, "still running");
    // The first invocation is interrupted, so the driver can stop working on it.
    assert!(matches!(events[1], Event::Interrupt { .. }), "{events:?}");
}

#[test]
fn undecodable_bytes() {
    let mut session = joined();
    session.handle_decode_error(&ProtocolError::NotAList);
    let Some(Message::Abort { details, reason }) = session.poll_transmit() else {
        panic!("ABORT");
    };
    assert_eq!(reason, "wamp.error.protocol_violation");
    assert_eq!(
        details["message"],
        Value::from("undecodable message: a WAMP message must be a non-empty list")
    );
    assert_eq!(session.state(), SessionState::Closed);
    session.handle_decode_error(&ProtocolError::NotAList);
    assert!(sent(&mut session).is_empty(), "once closed, nothing more");
}

//! Joining: HELLO, WELCOME, CHALLENGE / AUTHENTICATE, and a refused join.

use wamp_proto::client::{
    ClientConfig, ClientError, ClientSession, Event, Initiator, Roles, SessionState,
};
use wamp_proto::{Dict, Message, Value};

use crate::router::*;

fn features(details: &Dict, role: &str) -> Vec<String> {
    details["roles"].as_dict().unwrap()[role].as_dict().unwrap()["features"]
        .as_dict()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

#[test]
fn hello_announces_roles_and_features() {
    let mut session = ClientSession::new(ClientConfig::new("realm1").unwrap());
    assert_eq!(session.state(), SessionState::Establishing);
    let Message::Hello { realm, details } = sent_one(&mut session) else {
        panic!("HELLO first");
    };
    assert_eq!(realm, "realm1");
    assert!(
        details["agent"]
            .as_str()
            .unwrap()
            .starts_with("wamp-proto/")
    );
    assert_eq!(
        features(&details, "caller"),
        [
            "call_canceling",
            "call_timeout",
            "caller_identification",
            "progressive_call_invocations",
            "progressive_call_results"
        ]
    );
    assert_eq!(
        features(&details, "callee"),
        [
            "call_canceling",
            "caller_identification",
            "pattern_based_registration",
            "progressive_call_invocations",
            "progressive_call_results",
            "registration_revocation",
            "shared_registration"
        ]
    );
    assert_eq!(
        features(&details, "publisher"),
        [
            "publisher_exclusion",
            "publisher_identification",
            "subscriber_blackwhite_listing"
        ]
    );
    assert_eq!(
        features(&details, "subscriber"),
        [
            "pattern_based_subscription",
            "publisher_identification",
            "subscription_revocation"
        ]
    );
    assert!(!details.contains_key("authmethods"));
    assert!(!details.contains_key("authid"));
    assert!(events(&mut session).is_empty());
}

#[test]
fn hello_carries_authentication() {
    let config = ClientConfig::new("realm1")
        .unwrap()
        .authid("joe")
        .authmethods(["wampcra", "ticket"])
        .authextra(dict([("pubkey", Value::from("a1b2"))]))
        .roles(Roles::none().caller(true));
    let mut session = ClientSession::new(config);
    let Message::Hello { details, .. } = sent_one(&mut session) else {
        panic!("HELLO first");
    };
    assert_eq!(details["authid"], Value::from("joe"));
    assert_eq!(
        details["authmethods"],
        Value::List(vec![Value::from("wampcra"), Value::from("ticket")])
    );
    assert_eq!(
        details["authextra"],
        Value::Dict(dict([("pubkey", Value::from("a1b2"))]))
    );
    let roles = details["roles"].as_dict().unwrap();
    assert_eq!(roles.keys().collect::<Vec<_>>(), ["caller"]);
}

#[test]
fn welcome_establishes_the_session() {
    let mut session = ClientSession::new(ClientConfig::new("realm1").unwrap());
    sent(&mut session);
    feed(
        &mut session,
        Message::Welcome {
            session: id(SESSION),
            details: welcome_details(&["call_canceling"]),
        },
    );
    assert_eq!(
        session.state(),
        SessionState::Established {
            session: id(SESSION)
        }
    );
    assert_eq!(session.session_id(), Some(id(SESSION)));
    let Event::Joined(details) = event_one(&mut session) else {
        panic!("Joined");
    };
    assert_eq!(details.session, id(SESSION));
    assert_eq!(details.realm, "realm1");
    assert_eq!(details.authid.as_deref(), Some("anon-1"));
    assert_eq!(details.authrole.as_deref(), Some("anonymous"));
    assert_eq!(details.authmethod.as_deref(), Some("anonymous"));
    assert_eq!(details.agent.as_deref(), Some("scripted-router"));
    assert!(details.router_has_role("broker"));
    assert!(details.router_supports("dealer", "call_canceling"));
    assert!(!details.router_supports("dealer", "progressive_call_invocations"));
    assert_eq!(session.details(), Some(&details));
    assert!(sent(&mut session).is_empty(), "nothing to answer");
}

#[test]
fn challenge_and_authenticate() {
    let config = ClientConfig::new("realm1")
        .unwrap()
        .authid("joe")
        .authmethods(["ticket"]);
    let mut session = ClientSession::new(config);
    sent(&mut session);
    assert_eq!(
        session.authenticate("early".into(), Dict::new()),
        Err(ClientError::NoPendingChallenge)
    );
    feed(
        &mut session,
        Message::Challenge {
            auth_method: "ticket".into(),
            extra: Dict::new(),
        },
    );
    assert_eq!(session.state(), SessionState::Authenticating);
    assert_eq!(
        event_one(&mut session),
        Event::Challenge {
            auth_method: "ticket".into(),
            extra: Dict::new()
        }
    );
    session
        .authenticate("secret!!!".into(), Dict::new())
        .unwrap();
    assert_eq!(
        sent_one(&mut session),
        Message::Authenticate {
            signature: "secret!!!".into(),
            extra: Dict::new()
        }
    );
    assert_eq!(
        session.authenticate("twice".into(), Dict::new()),
        Err(ClientError::NoPendingChallenge)
    );
    feed(
        &mut session,
        Message::Welcome {
            session: id(SESSION),
            details: dict([("authid", Value::from("joe"))]),
        },
    );
    let Event::Joined(details) = event_one(&mut session) else {
        panic!("Joined");
    };
    assert_eq!(details.authid.as_deref(), Some("joe"));
    assert!(session.state().is_established());
}

#[test]
fn two_challenge_rounds() {
    let mut session = ClientSession::new(ClientConfig::new("realm1").unwrap());
    sent(&mut session);
    for round in ["first", "second"] {
        feed(
            &mut session,
            Message::Challenge {
                auth_method: "wampcra".into(),
                extra: dict([("challenge", Value::from(round))]),
            },
        );
        assert!(matches!(event_one(&mut session), Event::Challenge { .. }));
        session.authenticate(round.into(), Dict::new()).unwrap();
        assert!(matches!(
            sent_one(&mut session),
            Message::Authenticate { .. }
        ));
    }
    feed(
        &mut session,
        Message::Welcome {
            session: id(SESSION),
            details: Dict::new(),
        },
    );
    assert!(session.state().is_established());
}

#[test]
fn router_refuses_the_join() {
    let mut session = ClientSession::new(ClientConfig::new("nowhere").unwrap());
    sent(&mut session);
    let details = dict([("message", Value::from("no such realm"))]);
    feed(
        &mut session,
        Message::Abort {
            details: details.clone(),
            reason: uri("wamp.error.no_such_realm"),
        },
    );
    assert_eq!(session.state(), SessionState::Closed);
    assert_eq!(
        event_one(&mut session),
        Event::Aborted {
            initiator: Initiator::Router,
            reason: uri("wamp.error.no_such_realm"),
            details
        }
    );
    assert!(sent(&mut session).is_empty(), "ABORT is not answered");
}

#[test]
fn client_gives_up_during_authentication() {
    let mut session = ClientSession::new(ClientConfig::new("realm1").unwrap());
    sent(&mut session);
    feed(
        &mut session,
        Message::Challenge {
            auth_method: "cryptosign".into(),
            extra: Dict::new(),
        },
    );
    events(&mut session);
    session
        .abort(
            uri("wamp.error.cannot_authenticate"),
            "no key for cryptosign",
        )
        .unwrap();
    assert_eq!(
        sent_one(&mut session),
        Message::Abort {
            details: dict([("message", Value::from("no key for cryptosign"))]),
            reason: uri("wamp.error.cannot_authenticate"),
        }
    );
    assert!(matches!(
        event_one(&mut session),
        Event::Aborted {
            initiator: Initiator::Client,
            ..
        }
    ));
    assert_eq!(session.state(), SessionState::Closed);
    assert!(matches!(
        session.authenticate("late".into(), Dict::new()),
        Err(ClientError::NotConnected { .. })
    ));
    assert!(matches!(
        session.abort(uri("wamp.error.again"), ""),
        Err(ClientError::NotConnected { .. })
    ));
}

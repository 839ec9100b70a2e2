//! URIs from the application are checked before anything is queued.

use wamp_proto::client::{
    CallOptions, ClientConfig, ClientError, ClientSession, PublishOptions, RegisterOptions,
    SubscribeOptions,
};
use wamp_proto::{MatchPolicy, Payload};

use crate::router::*;

fn assert_invalid(result: Result<impl std::fmt::Debug, ClientError>, what: &str, uri: &str) {
    match result {
        Err(ClientError::InvalidUri {
            what: w, uri: u, ..
        }) => assert_eq!((w, u.as_str()), (what, uri)),
        other => panic!("{uri}: expected InvalidUri, got {other:?}"),
    }
}

#[test]
fn invalid_uris_queue_nothing() {
    let mut session = joined();
    for bad in ["", "com..myapp", "com.my app", "com.#", ".com", "com."] {
        assert_invalid(
            session.call(uri(bad), Payload::default(), CallOptions::default()),
            "procedure",
            bad,
        );
        assert_invalid(
            session.register(uri(bad), RegisterOptions::default()),
            "procedure",
            bad,
        );
        assert_invalid(
            session.subscribe(uri(bad), SubscribeOptions::default()),
            "topic",
            bad,
        );
        assert_invalid(
            session.publish(uri(bad), Payload::default(), PublishOptions::default()),
            "topic",
            bad,
        );
        assert_invalid(session.leave(uri(bad)), "reason", bad);
        assert_invalid(session.abort(uri(bad), ""), "reason", bad);
    }
    assert!(sent(&mut session).is_empty());
    assert!(events(&mut session).is_empty());
    assert!(session.state().is_established());
}

#[test]
fn patterns_allow_empty_components() {
    let mut session = joined();
    let wildcard = SubscribeOptions::default().match_policy(MatchPolicy::Wildcard);
    let prefix = SubscribeOptions::default().match_policy(MatchPolicy::Prefix);
    assert!(
        session
            .subscribe(uri("com..update"), wildcard.clone())
            .is_ok()
    );
    assert!(session.subscribe(uri("com.myapp."), prefix.clone()).is_ok());
    assert_invalid(
        session.subscribe(uri("com..update"), prefix),
        "topic",
        "com..update",
    );
    assert_invalid(
        session.subscribe(uri("com. .update"), wildcard),
        "topic",
        "com. .update",
    );
    let wildcard = RegisterOptions::default().match_policy(MatchPolicy::Wildcard);
    assert!(session.register(uri("com.myapp..get"), wildcard).is_ok());
    // A pattern is for matching; calls and publications name one concrete URI.
    assert_invalid(
        session.publish(
            uri("com..update"),
            Payload::default(),
            PublishOptions::default(),
        ),
        "topic",
        "com..update",
    );
    assert_eq!(sent(&mut session).len(), 3);
}

#[test]
fn uris_are_checked_even_when_not_connected() {
    let mut session = ClientSession::new(ClientConfig::new("realm1").unwrap());
    assert_invalid(
        session.call(uri("a..b"), Payload::default(), CallOptions::default()),
        "procedure",
        "a..b",
    );
}

#[test]
fn realm_is_checked() {
    assert_invalid(ClientConfig::new("my realm"), "realm", "my realm");
    let error = ClientConfig::new("").unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid realm URI \"\": the URI is empty"
    );
}

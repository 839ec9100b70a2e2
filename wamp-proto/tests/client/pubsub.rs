//! Publisher and subscriber: SUBSCRIBE / EVENT / UNSUBSCRIBE, PUBLISH with and without
//! acknowledgement, and revocation.

use wamp_proto::client::{ClientError, Event, PublishOptions, SubscribeOptions};
use wamp_proto::{Dict, MatchPolicy, Message, MessageType, Payload, Value};

use crate::router::*;

#[test]
fn subscribe_to_a_pattern_and_receive_events() {
    let mut session = joined();
    let request = session
        .subscribe(
            uri("com.myapp..userevent"),
            SubscribeOptions::default()
                .match_policy(MatchPolicy::Wildcard)
                .get_retained(true),
        )
        .unwrap();
    assert_eq!(
        sent_one(&mut session),
        Message::Subscribe {
            request,
            options: dict([
                ("get_retained", Value::Bool(true)),
                ("match", Value::from("wildcard"))
            ]),
            topic: uri("com.myapp..userevent"),
        }
    );
    feed(
        &mut session,
        Message::Subscribed {
            request,
            subscription: id(5512315355),
        },
    );
    assert_eq!(
        event_one(&mut session),
        Event::Subscribed {
            request,
            subscription: id(5512315355)
        }
    );
    feed(
        &mut session,
        Message::Event {
            subscription: id(5512315355),
            publication: id(4429313566),
            details: dict([
                ("topic", Value::from("com.myapp.foo.userevent")),
                ("publisher", Value::Int(3335656)),
                ("publisher_authid", Value::from("joe")),
                ("retained", Value::Bool(true)),
            ]),
            payload: args([Value::from("Hello, world!")]),
        },
    );
    let Event::Event(event) = event_one(&mut session) else {
        panic!("Event");
    };
    assert_eq!(event.subscription, id(5512315355));
    assert_eq!(event.publication, id(4429313566));
    assert_eq!(event.topic, "com.myapp.foo.userevent");
    assert_eq!(event.publisher, Some(id(3335656)));
    assert_eq!(event.publisher_authid.as_deref(), Some("joe"));
    assert_eq!(event.publisher_authrole, None);
    assert!(event.retained);
    assert_eq!(event.payload, args([Value::from("Hello, world!")]));
}

#[test]
fn event_topic_defaults_to_the_subscribed_uri() {
    let mut session = joined();
    subscribe(&mut session, "com.myapp.topic1", 7);
    feed(
        &mut session,
        Message::Event {
            subscription: id(7),
            publication: id(1),
            details: Dict::new(),
            payload: Payload::default(),
        },
    );
    let Event::Event(event) = event_one(&mut session) else {
        panic!("Event");
    };
    assert_eq!(event.topic, "com.myapp.topic1");
    assert_eq!(event.publisher, None);
    assert!(!event.retained);
}

#[test]
fn publish_without_acknowledgement() {
    let mut session = joined();
    let payload = Payload {
        args: vec![],
        kwargs: dict([("color", Value::from("orange"))]),
    };
    let answer = session
        .publish(
            uri("com.myapp.mytopic1"),
            payload.clone(),
            PublishOptions::default().exclude_me(false),
        )
        .unwrap();
    assert_eq!(answer, None);
    assert_eq!(
        sent_one(&mut session),
        Message::Publish {
            request: id(1),
            options: dict([("exclude_me", Value::Bool(false))]),
            topic: uri("com.myapp.mytopic1"),
            payload,
        }
    );
    // Nothing waits for an answer: PUBLISHED for it is a protocol violation...
    assert!(matches!(
        session.clone().handle_message(Message::Published {
            request: id(1),
            publication: id(2)
        }),
        Err(ClientError::ProtocolViolation(_))
    ));
    // ... but an ERROR for it (which some routers send) is tolerated.
    feed(
        &mut session,
        error(MessageType::Publish, id(1), "wamp.error.not_authorized"),
    );
    assert!(events(&mut session).is_empty());
    assert!(session.state().is_established());
}

#[test]
fn publish_with_acknowledgement() {
    let mut session = joined();
    let first = session
        .publish(
            uri("com.myapp.mytopic1"),
            Payload::default(),
            PublishOptions::default().acknowledge(true),
        )
        .unwrap()
        .unwrap();
    let second = session
        .publish(
            uri("com.myapp.secret"),
            Payload::default(),
            PublishOptions::default().acknowledge(true),
        )
        .unwrap()
        .unwrap();
    let options: Vec<Dict> = sent(&mut session)
        .into_iter()
        .map(|m| match m {
            Message::Publish { options, .. } => options,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(options[0], dict([("acknowledge", Value::Bool(true))]));
    feed(
        &mut session,
        Message::Published {
            request: first,
            publication: id(4429313566),
        },
    );
    feed(
        &mut session,
        error(MessageType::Publish, second, "wamp.error.not_authorized"),
    );
    assert_eq!(
        events(&mut session),
        [
            Event::Published {
                request: first,
                publication: id(4429313566)
            },
            Event::RequestFailed {
                request: second,
                request_type: MessageType::Publish,
                error: uri("wamp.error.not_authorized"),
                payload: Payload::default(),
                details: Dict::new(),
            }
        ]
    );
}

#[test]
fn unsubscribe() {
    let mut session = joined();
    subscribe(&mut session, "com.myapp.topic1", 7);
    let request = session.unsubscribe(id(7)).unwrap();
    assert_eq!(
        sent_one(&mut session),
        Message::Unsubscribe {
            request,
            subscription: id(7)
        }
    );
    // Events may still arrive until UNSUBSCRIBED.
    feed(
        &mut session,
        Message::Event {
            subscription: id(7),
            publication: id(1),
            details: Dict::new(),
            payload: Payload::default(),
        },
    );
    assert!(matches!(event_one(&mut session), Event::Event(_)));
    feed(
        &mut session,
        Message::Unsubscribed {
            request: Some(request),
            details: Dict::new(),
        },
    );
    assert_eq!(
        event_one(&mut session),
        Event::Unsubscribed {
            request,
            subscription: id(7)
        }
    );
    assert_eq!(session.subscriptions().count(), 0);
    assert_eq!(
        session.unsubscribe(id(7)),
        Err(ClientError::NoSuchSubscription(id(7)))
    );
}

#[test]
fn unsubscribe_error_for_a_subscription_the_router_forgot() {
    let mut session = joined();
    subscribe(&mut session, "com.myapp.topic1", 7);
    let request = session.unsubscribe(id(7)).unwrap();
    feed(
        &mut session,
        error(
            MessageType::Unsubscribe,
            request,
            "wamp.error.no_such_subscription",
        ),
    );
    assert!(matches!(
        event_one(&mut session),
        Event::RequestFailed {
            request_type: MessageType::Unsubscribe,
            ..
        }
    ));
    assert_eq!(session.subscriptions().count(), 0);
}

#[test]
fn repeated_subscription_shares_the_id() {
    let mut session = joined();
    subscribe(&mut session, "com.myapp.topic1", 7);
    let again = session
        .subscribe(
            uri("com.myapp.topic1"),
            SubscribeOptions::default().get_retained(true),
        )
        .unwrap();
    feed(
        &mut session,
        Message::Subscribed {
            request: again,
            subscription: id(7),
        },
    );
    assert_eq!(
        event_one(&mut session),
        Event::Subscribed {
            request: again,
            subscription: id(7)
        }
    );
    let subscriptions: Vec<_> = session.subscriptions().cloned().collect();
    assert_eq!(subscriptions.len(), 1);
    assert!(
        !subscriptions[0].options.get_retained,
        "the first entry stays"
    );
}

#[test]
fn subscribe_error() {
    let mut session = joined();
    let request = session
        .subscribe(uri("com.myapp.secret"), SubscribeOptions::default())
        .unwrap();
    feed(
        &mut session,
        error(MessageType::Subscribe, request, "wamp.error.not_authorized"),
    );
    assert!(matches!(
        event_one(&mut session),
        Event::RequestFailed { request_type: MessageType::Subscribe, error, .. }
            if error == "wamp.error.not_authorized"
    ));
    assert_eq!(session.subscriptions().count(), 0);
}

#[test]
fn subscription_revoked() {
    let mut session = joined();
    subscribe(&mut session, "com.myapp.topic1", 1293722);
    feed(
        &mut session,
        Message::Unsubscribed {
            request: None,
            details: dict([
                ("subscription", Value::Int(1293722)),
                ("reason", Value::from("no longer authorized")),
            ]),
        },
    );
    assert!(matches!(
        event_one(&mut session),
        Event::SubscriptionRevoked { subscription, reason: Some(reason), .. }
            if subscription == id(1293722) && reason == "no longer authorized"
    ));
    assert_eq!(session.subscriptions().count(), 0);
    // Events for it after the revocation are a protocol violation.
    assert!(
        session
            .handle_message(Message::Event {
                subscription: id(1293722),
                publication: id(1),
                details: Dict::new(),
                payload: Payload::default(),
            })
            .is_err()
    );
}

#[test]
fn revocation_must_name_the_subscription() {
    let mut session = joined();
    assert!(matches!(
        session.handle_message(Message::Unsubscribed {
            request: None,
            details: dict([("subscription", Value::from("seven"))]),
        }),
        Err(ClientError::ProtocolViolation(_))
    ));
}

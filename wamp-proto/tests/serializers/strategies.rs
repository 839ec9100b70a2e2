//! proptest strategies for values and for messages of every type.

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::select;
use wamp_proto::{Dict, Id, List, Message, MessageType, Payload, Uri, Value};

/// A string that JSON carries as a string (not one starting with `\0`, which means bytes).
pub(crate) fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9_.]{0,12}",
        any::<String>().prop_map(|s| s.trim_start_matches('\0').to_owned()),
        // NUL is fine anywhere but at the start.
        "[a-z]{1,4}\0[\0-\u{10ffff}]{0,4}",
    ]
}

fn int() -> impl Strategy<Value = i64> {
    prop_oneof![
        any::<i64>(),
        -300i64..300,
        select(vec![
            i64::MIN,
            i64::MAX,
            -1,
            0,
            1 << 53,
            (1 << 53) + 1,
            i64::from(u32::MAX)
        ]),
    ]
}

fn float() -> impl Strategy<Value = f64> {
    use proptest::num::f64::{NEGATIVE, NORMAL, POSITIVE, SUBNORMAL, ZERO};
    prop_oneof![
        (POSITIVE | NEGATIVE | NORMAL | SUBNORMAL | ZERO),
        select(vec![
            0.0,
            -0.0,
            1.0,
            -1.5,
            0.1,
            1e300,
            f64::MAX,
            f64::MIN_POSITIVE,
            65504.0
        ]),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        int().prop_map(Value::Int),
        (i64::MAX as u64 + 1..=u64::MAX).prop_map(Value::UInt),
        float().prop_map(Value::Float),
        text().prop_map(Value::Str),
        vec(any::<u8>(), 0..40).prop_map(Value::Bytes),
    ]
}

/// Any value with finite floats, canonical integers and at most four levels of nesting.
pub(crate) fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::List),
            btree_map(any::<String>(), inner, 0..6).prop_map(Value::Dict),
        ]
    })
}

pub(crate) fn dict() -> impl Strategy<Value = Dict> {
    btree_map(text(), value(), 0..4)
}

fn list() -> impl Strategy<Value = List> {
    vec(value(), 0..4)
}

pub(crate) fn id() -> impl Strategy<Value = Id> {
    prop_oneof![1..=Id::MAX, Just(1), Just(Id::MAX)].prop_map(|n| Id::new(n).unwrap())
}

fn uri() -> impl Strategy<Value = Uri> {
    text().prop_map(Uri::new)
}

fn payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        Just(Payload::default()),
        list().prop_map(Payload::args),
        (list(), dict()).prop_map(|(args, kwargs)| Payload { args, kwargs }),
    ]
}

/// Messages of one type. Panics for a type it does not know, which
/// `strategies_cover_every_message_type` turns into a test failure.
pub(crate) fn message_of(message_type: MessageType) -> BoxedStrategy<Message> {
    use MessageType as T;
    match message_type {
        T::Hello => (uri(), dict())
            .prop_map(|(realm, details)| Message::Hello { realm, details })
            .boxed(),
        T::Welcome => (id(), dict())
            .prop_map(|(session, details)| Message::Welcome { session, details })
            .boxed(),
        T::Abort => (dict(), uri())
            .prop_map(|(details, reason)| Message::Abort { details, reason })
            .boxed(),
        T::Challenge => (text(), dict())
            .prop_map(|(auth_method, extra)| Message::Challenge { auth_method, extra })
            .boxed(),
        T::Authenticate => (text(), dict())
            .prop_map(|(signature, extra)| Message::Authenticate { signature, extra })
            .boxed(),
        T::Goodbye => (dict(), uri())
            .prop_map(|(details, reason)| Message::Goodbye { details, reason })
            .boxed(),
        T::Error => (select(MessageType::ALL), id(), dict(), uri(), payload())
            .prop_map(
                |(request_type, request, details, error, payload)| Message::Error {
                    request_type,
                    request,
                    details,
                    error,
                    payload,
                },
            )
            .boxed(),
        T::Publish => (id(), dict(), uri(), payload())
            .prop_map(|(request, options, topic, payload)| Message::Publish {
                request,
                options,
                topic,
                payload,
            })
            .boxed(),
        T::Published => (id(), id())
            .prop_map(|(request, publication)| Message::Published {
                request,
                publication,
            })
            .boxed(),
        T::Subscribe => (id(), dict(), uri())
            .prop_map(|(request, options, topic)| Message::Subscribe {
                request,
                options,
                topic,
            })
            .boxed(),
        T::Subscribed => (id(), id())
            .prop_map(|(request, subscription)| Message::Subscribed {
                request,
                subscription,
            })
            .boxed(),
        T::Unsubscribe => (id(), id())
            .prop_map(|(request, subscription)| Message::Unsubscribe {
                request,
                subscription,
            })
            .boxed(),
        T::Unsubscribed => (proptest::option::of(id()), dict())
            .prop_map(|(request, details)| Message::Unsubscribed { request, details })
            .boxed(),
        T::Event => (id(), id(), dict(), payload())
            .prop_map(
                |(subscription, publication, details, payload)| Message::Event {
                    subscription,
                    publication,
                    details,
                    payload,
                },
            )
            .boxed(),
        T::Call => (id(), dict(), uri(), payload())
            .prop_map(|(request, options, procedure, payload)| Message::Call {
                request,
                options,
                procedure,
                payload,
            })
            .boxed(),
        T::Cancel => (id(), dict())
            .prop_map(|(request, options)| Message::Cancel { request, options })
            .boxed(),
        T::Result => (id(), dict(), payload())
            .prop_map(|(request, details, payload)| Message::Result {
                request,
                details,
                payload,
            })
            .boxed(),
        T::Register => (id(), dict(), uri())
            .prop_map(|(request, options, procedure)| Message::Register {
                request,
                options,
                procedure,
            })
            .boxed(),
        T::Registered => (id(), id())
            .prop_map(|(request, registration)| Message::Registered {
                request,
                registration,
            })
            .boxed(),
        T::Unregister => (id(), id())
            .prop_map(|(request, registration)| Message::Unregister {
                request,
                registration,
            })
            .boxed(),
        T::Unregistered => (proptest::option::of(id()), dict())
            .prop_map(|(request, details)| Message::Unregistered { request, details })
            .boxed(),
        T::Invocation => (id(), id(), dict(), payload())
            .prop_map(
                |(request, registration, details, payload)| Message::Invocation {
                    request,
                    registration,
                    details,
                    payload,
                },
            )
            .boxed(),
        T::Interrupt => (id(), dict())
            .prop_map(|(request, options)| Message::Interrupt { request, options })
            .boxed(),
        T::Yield => (id(), dict(), payload())
            .prop_map(|(request, options, payload)| Message::Yield {
                request,
                options,
                payload,
            })
            .boxed(),
        other => panic!("no strategy for {other}"),
    }
}

/// A message of any type, every type equally likely.
pub(crate) fn message() -> impl Strategy<Value = Message> {
    select(MessageType::ALL).prop_flat_map(message_of)
}

#[test]
fn strategies_cover_every_message_type() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let mut runner = TestRunner::deterministic();
    for &message_type in MessageType::ALL {
        let message = message_of(message_type)
            .new_tree(&mut runner)
            .unwrap()
            .current();
        assert_eq!(message.message_type(), message_type);
    }
}

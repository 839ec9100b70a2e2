//! Arbitrary interleavings of router messages and application requests never panic the
//! session, and every request still gets exactly one terminal event.

use std::collections::BTreeMap;

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use wamp_proto::client::{
    CallOptions, CancelMode, ClientConfig, ClientSession, Event, PublishOptions, RegisterOptions,
    SubscribeOptions,
};
use wamp_proto::{Dict, Id, MatchPolicy, Message, MessageType, Payload, ProtocolError, Uri, Value};

use crate::router::{FULL_DEALER, id, welcome_details};

/// IDs from a small range, so that replies often hit outstanding requests.
fn small_id() -> impl Strategy<Value = Id> {
    (1u64..=6).prop_map(id)
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (0i64..8).prop_map(Value::Int),
        select(vec!["kill", "killnowait", "skip", "com.a.b", "x", ""]).prop_map(Value::from),
        Just(Value::Dict(welcome_details(FULL_DEALER))),
    ]
}

fn details() -> impl Strategy<Value = Dict> {
    let keys = select(vec![
        "progress",
        "receive_progress",
        "procedure",
        "topic",
        "registration",
        "subscription",
        "mode",
        "reason",
        "caller",
        "publisher",
        "timeout",
        "retained",
        "authid",
        "roles",
    ]);
    btree_map(keys.prop_map(str::to_owned), value(), 0..4)
}

fn uri() -> impl Strategy<Value = Uri> {
    select(vec![
        "wamp.error.canceled",
        "wamp.error.no_such_registration",
        "wamp.error.no_such_subscription",
        "wamp.close.close_realm",
        "com.a.b",
        "",
        "a..b",
    ])
    .prop_map(Uri::new)
}

fn payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        Just(Payload::default()),
        vec(value(), 0..3).prop_map(Payload::args),
    ]
}

fn router_message() -> impl Strategy<Value = Message> {
    let session = prop_oneof![
        (small_id(), details())
            .prop_map(|(session, details)| Message::Welcome { session, details }),
        (details(), uri()).prop_map(|(details, reason)| Message::Abort { details, reason }),
        (select(vec!["ticket", "wampcra"]), details()).prop_map(|(m, extra)| {
            Message::Challenge {
                auth_method: m.to_owned(),
                extra,
            }
        }),
        (details(), uri()).prop_map(|(details, reason)| Message::Goodbye { details, reason }),
        (small_id(), details(), payload()).prop_map(|(request, options, payload)| {
            Message::Call {
                request,
                options,
                procedure: Uri::new("com.a.b"),
                payload,
            }
        }),
        Just(Message::Hello {
            realm: Uri::new("realm1"),
            details: Dict::new()
        }),
    ];
    let replies = prop_oneof![
        4 => (select(MessageType::ALL.to_vec()), small_id(), details(), uri(), payload()).prop_map(
            |(request_type, request, details, error, payload)| Message::Error {
                request_type,
                request,
                details,
                error,
                payload,
            }
        ),
        4 => (small_id(), details(), payload())
            .prop_map(|(request, details, payload)| Message::Result { request, details, payload }),
        3 => (small_id(), small_id())
            .prop_map(|(request, registration)| Message::Registered { request, registration }),
        2 => (proptest::option::of(small_id()), details())
            .prop_map(|(request, details)| Message::Unregistered { request, details }),
        3 => (small_id(), small_id())
            .prop_map(|(request, subscription)| Message::Subscribed { request, subscription }),
        2 => (proptest::option::of(small_id()), details())
            .prop_map(|(request, details)| Message::Unsubscribed { request, details }),
        2 => (small_id(), small_id())
            .prop_map(|(request, publication)| Message::Published { request, publication }),
    ];
    let deliveries = prop_oneof![
        (small_id(), small_id(), details(), payload()).prop_map(
            |(request, registration, details, payload)| Message::Invocation {
                request,
                registration,
                details,
                payload,
            }
        ),
        (small_id(), details())
            .prop_map(|(request, options)| Message::Interrupt { request, options }),
        (small_id(), small_id(), details(), payload()).prop_map(
            |(subscription, publication, details, payload)| Message::Event {
                subscription,
                publication,
                details,
                payload,
            }
        ),
    ];
    prop_oneof![1 => session, 5 => replies, 3 => deliveries]
}

/// One input to the session. Most are plausible router behaviour, picked from what the
/// session has outstanding (so that sessions live long); `Raw` is anything at all.
#[derive(Debug, Clone)]
enum Op {
    Raw(Message),
    /// The router answers an outstanding request: success or `ERROR`, maybe progressive.
    Answer {
        pick: Index,
        success: bool,
        progress: bool,
    },
    /// The dealer invokes a registration.
    Invoke {
        pick: Index,
        progress: bool,
        receive_progress: bool,
    },
    /// The dealer interrupts an invocation.
    Interrupt {
        pick: Index,
        mode: CancelMode,
    },
    /// The broker delivers an event on a subscription.
    Deliver {
        pick: Index,
    },
    /// The router revokes a registration or a subscription.
    Revoke {
        pick: Index,
        registration: bool,
    },
    /// The router says (or answers) `GOODBYE`.
    Goodbye,
    Call {
        progress: bool,
        receive_progress: bool,
    },
    ContinueCall {
        pick: Index,
        progress: bool,
    },
    Cancel {
        pick: Index,
        mode: CancelMode,
    },
    Register {
        wildcard: bool,
    },
    Unregister {
        pick: Index,
    },
    Subscribe {
        prefix: bool,
    },
    Unsubscribe {
        pick: Index,
    },
    Publish {
        acknowledge: bool,
    },
    Yield {
        pick: Index,
        progress: bool,
    },
    YieldError {
        pick: Index,
    },
    Authenticate,
    Leave,
    Abort,
    ConnectionLost,
    DecodeError,
}

fn op() -> impl Strategy<Value = Op> {
    let mode = || {
        select(vec![
            CancelMode::Skip,
            CancelMode::Kill,
            CancelMode::KillNoWait,
        ])
    };
    let router = prop_oneof![
        1 => router_message().prop_map(Op::Raw),
        10 => (any::<Index>(), any::<bool>(), any::<bool>())
            .prop_map(|(pick, success, progress)| Op::Answer { pick, success, progress }),
        4 => (any::<Index>(), any::<bool>(), any::<bool>()).prop_map(
            |(pick, progress, receive_progress)| Op::Invoke { pick, progress, receive_progress }
        ),
        1 => (any::<Index>(), mode()).prop_map(|(pick, mode)| Op::Interrupt { pick, mode }),
        4 => any::<Index>().prop_map(|pick| Op::Deliver { pick }),
        1 => (any::<Index>(), any::<bool>())
            .prop_map(|(pick, registration)| Op::Revoke { pick, registration }),
        1 => Just(Op::Goodbye),
    ];
    let application = prop_oneof![
        3 => (any::<bool>(), any::<bool>())
            .prop_map(|(progress, receive_progress)| Op::Call { progress, receive_progress }),
        1 => (any::<Index>(), any::<bool>())
            .prop_map(|(pick, progress)| Op::ContinueCall { pick, progress }),
        1 => (any::<Index>(), mode()).prop_map(|(pick, mode)| Op::Cancel { pick, mode }),
        2 => any::<bool>().prop_map(|wildcard| Op::Register { wildcard }),
        1 => any::<Index>().prop_map(|pick| Op::Unregister { pick }),
        2 => any::<bool>().prop_map(|prefix| Op::Subscribe { prefix }),
        1 => any::<Index>().prop_map(|pick| Op::Unsubscribe { pick }),
        2 => any::<bool>().prop_map(|acknowledge| Op::Publish { acknowledge }),
        3 => (any::<Index>(), any::<bool>())
            .prop_map(|(pick, progress)| Op::Yield { pick, progress }),
        1 => any::<Index>().prop_map(|pick| Op::YieldError { pick }),
    ];
    let lifecycle = prop_oneof![
        Just(Op::Authenticate),
        Just(Op::Leave),
        Just(Op::Abort),
        Just(Op::ConnectionLost),
        Just(Op::DecodeError),
    ];
    prop_oneof![20 => router, 16 => application, 1 => lifecycle]
}

/// What the test has seen of the session, to pick plausible router messages and
/// application requests.
#[derive(Debug, Default)]
struct Model {
    /// Requests without a terminal event yet, in order.
    outstanding: Vec<(Id, MessageType)>,
    registrations: Vec<Id>,
    subscriptions: Vec<Id>,
    invocations: Vec<Id>,
    /// The router's ID counter (registrations, subscriptions, invocations, publications).
    next_id: u64,
}

impl Model {
    fn next(&mut self) -> Id {
        self.next_id += 1;
        id(100 + self.next_id)
    }

    /// Keeps track of what an event created or ended.
    fn observe(&mut self, event: &Event) {
        if let Some((request, _)) = terminal(event) {
            self.outstanding.retain(|(r, _)| *r != request);
        }
        match event {
            Event::Registered { registration, .. } => self.registrations.push(*registration),
            Event::Subscribed { subscription, .. } => self.subscriptions.push(*subscription),
            Event::Invocation(invocation) => self.invocations.push(invocation.request),
            Event::Unregistered { registration, .. }
            | Event::RegistrationRevoked { registration, .. } => {
                self.registrations.retain(|r| r != registration)
            }
            Event::Unsubscribed { subscription, .. }
            | Event::SubscriptionRevoked { subscription, .. } => {
                self.subscriptions.retain(|s| s != subscription)
            }
            _ => {}
        }
    }
}

fn pick<T: Copy>(items: &[T], pick: Index) -> Option<T> {
    (!items.is_empty()).then(|| *pick.get(items))
}

/// The router's plausible answer to an outstanding request.
fn answer(
    model: &mut Model,
    request: Id,
    kind: MessageType,
    success: bool,
    progress: bool,
) -> Message {
    if !success {
        return Message::Error {
            request_type: kind,
            request,
            details: Dict::new(),
            error: Uri::new("wamp.error.not_authorized"),
            payload: Payload::default(),
        };
    }
    match kind {
        MessageType::Call => {
            let mut details = Dict::new();
            if progress {
                details.insert("progress".into(), Value::Bool(true));
            }
            Message::Result {
                request,
                details,
                payload: Payload::default(),
            }
        }
        MessageType::Register => Message::Registered {
            request,
            registration: model.next(),
        },
        MessageType::Subscribe => Message::Subscribed {
            request,
            subscription: model.next(),
        },
        MessageType::Unregister => Message::Unregistered {
            request: Some(request),
            details: Dict::new(),
        },
        MessageType::Unsubscribe => Message::Unsubscribed {
            request: Some(request),
            details: Dict::new(),
        },
        _ => Message::Published {
            request,
            publication: model.next(),
        },
    }
}

/// Applies `op`; returns the request it started, with the type its terminal event names.
fn apply(session: &mut ClientSession, model: &mut Model, op: Op) -> Option<(Id, MessageType)> {
    let topic = Uri::new("com.a.b");
    let flag = |key: &str, on: bool| {
        if on {
            Dict::from([(key.to_owned(), Value::Bool(true))])
        } else {
            Dict::new()
        }
    };
    let router = |session: &mut ClientSession, message: Option<Message>| {
        if let Some(message) = message {
            let _ = session.handle_message(message);
        }
        None
    };
    match op {
        Op::Raw(message) => router(session, Some(message)),
        Op::Answer {
            pick: p,
            success,
            progress,
        } => {
            let message = pick(&model.outstanding, p)
                .map(|(request, kind)| answer(model, request, kind, success, progress));
            router(session, message)
        }
        Op::Invoke {
            pick: p,
            progress,
            receive_progress,
        } => {
            let message = pick(&model.registrations, p).map(|registration| {
                let mut details = flag("progress", progress);
                details.extend(flag("receive_progress", receive_progress));
                Message::Invocation {
                    request: model.next(),
                    registration,
                    details,
                    payload: Payload::default(),
                }
            });
            router(session, message)
        }
        Op::Interrupt { pick: p, mode } => {
            let message = pick(&model.invocations, p).map(|request| Message::Interrupt {
                request,
                options: Dict::from([("mode".to_owned(), Value::from(mode.as_str()))]),
            });
            router(session, message)
        }
        Op::Deliver { pick: p } => {
            let message = pick(&model.subscriptions, p).map(|subscription| Message::Event {
                subscription,
                publication: model.next(),
                details: Dict::new(),
                payload: Payload::default(),
            });
            router(session, message)
        }
        Op::Revoke {
            pick: p,
            registration: true,
        } => {
            let message = pick(&model.registrations, p).map(|registration| Message::Unregistered {
                request: None,
                details: Dict::from([("registration".to_owned(), Value::from(registration.get()))]),
            });
            router(session, message)
        }
        Op::Revoke {
            pick: p,
            registration: false,
        } => {
            let message = pick(&model.subscriptions, p).map(|subscription| Message::Unsubscribed {
                request: None,
                details: Dict::from([("subscription".to_owned(), Value::from(subscription.get()))]),
            });
            router(session, message)
        }
        Op::Goodbye => router(
            session,
            Some(Message::Goodbye {
                details: Dict::new(),
                reason: Uri::new("wamp.close.close_realm"),
            }),
        ),
        Op::Call {
            progress,
            receive_progress,
        } => {
            let options = CallOptions::default()
                .progress(progress)
                .receive_progress(receive_progress);
            session
                .call(topic, Payload::default(), options)
                .ok()
                .map(|r| (r, MessageType::Call))
        }
        Op::ContinueCall { pick: p, progress } => {
            if let Some((request, _)) = pick(&model.outstanding, p) {
                let _ = session.continue_call(request, Payload::default(), progress);
            }
            None
        }
        Op::Cancel { pick: p, mode } => {
            if let Some((request, _)) = pick(&model.outstanding, p) {
                let _ = session.cancel(request, mode);
            }
            None
        }
        Op::Register { wildcard } => {
            let (procedure, policy) = if wildcard {
                ("com..b", MatchPolicy::Wildcard)
            } else {
                ("com.a.b", MatchPolicy::Exact)
            };
            let options = RegisterOptions::default().match_policy(policy);
            session
                .register(Uri::new(procedure), options)
                .ok()
                .map(|r| (r, MessageType::Register))
        }
        Op::Unregister { pick: p } => pick(&model.registrations, p)
            .and_then(|registration| session.unregister(registration).ok())
            .map(|r| (r, MessageType::Unregister)),
        Op::Subscribe { prefix } => {
            let policy = if prefix {
                MatchPolicy::Prefix
            } else {
                MatchPolicy::Exact
            };
            let options = SubscribeOptions::default().match_policy(policy);
            session
                .subscribe(topic, options)
                .ok()
                .map(|r| (r, MessageType::Subscribe))
        }
        Op::Unsubscribe { pick: p } => pick(&model.subscriptions, p)
            .and_then(|subscription| session.unsubscribe(subscription).ok())
            .map(|r| (r, MessageType::Unsubscribe)),
        Op::Publish { acknowledge } => {
            let options = PublishOptions::default().acknowledge(acknowledge);
            session
                .publish(topic, Payload::default(), options)
                .ok()
                .flatten()
                .map(|r| (r, MessageType::Publish))
        }
        Op::Yield { pick: p, progress } => {
            if let Some(request) = pick(&model.invocations, p) {
                let _ = session.yield_result(request, Payload::default(), progress);
            }
            None
        }
        Op::YieldError { pick: p } => {
            if let Some(request) = pick(&model.invocations, p) {
                let _ = session.yield_error(
                    request,
                    Uri::new("wamp.error.canceled"),
                    Payload::default(),
                );
            }
            None
        }
        Op::Authenticate => {
            let _ = session.authenticate("signature".into(), Dict::new());
            None
        }
        Op::Leave => {
            let _ = session.leave(Uri::new("wamp.close.close_realm"));
            None
        }
        Op::Abort => {
            let _ = session.abort(Uri::new("wamp.error.cannot_authenticate"), "giving up");
            None
        }
        Op::ConnectionLost => {
            session.connection_lost();
            None
        }
        Op::DecodeError => {
            session.handle_decode_error(&ProtocolError::NotAList);
            None
        }
    }
}

/// The request an event ends, with the type of that request.
fn terminal(event: &Event) -> Option<(Id, MessageType)> {
    match event {
        Event::Result {
            request,
            progress: false,
            ..
        }
        | Event::CallError { request, .. } => Some((*request, MessageType::Call)),
        Event::Registered { request, .. } => Some((*request, MessageType::Register)),
        Event::Unregistered { request, .. } => Some((*request, MessageType::Unregister)),
        Event::Subscribed { request, .. } => Some((*request, MessageType::Subscribe)),
        Event::Unsubscribed { request, .. } => Some((*request, MessageType::Unsubscribe)),
        Event::Published { request, .. } => Some((*request, MessageType::Publish)),
        Event::RequestFailed {
            request,
            request_type,
            ..
        } => Some((*request, *request_type)),
        _ => None,
    }
}

fn is_final(event: &Event) -> bool {
    matches!(
        event,
        Event::Left { .. } | Event::Aborted { .. } | Event::Disconnected
    )
}

/// The request ID of a message that starts a request, and whether it is a `CALL`.
fn new_request(message: &Message) -> Option<(Id, bool)> {
    match message {
        Message::Call { request, .. } => Some((*request, true)),
        Message::Register { request, .. }
        | Message::Unregister { request, .. }
        | Message::Subscribe { request, .. }
        | Message::Unsubscribe { request, .. }
        | Message::Publish { request, .. } => Some((*request, false)),
        _ => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn sessions_never_panic_and_settle_every_request(
        join_first in proptest::bool::weighted(0.9),
        ops in vec(op(), 0..60),
    ) {
        let mut session = ClientSession::new(ClientConfig::new("realm1").unwrap());
        if join_first {
            let _ = session.handle_message(Message::Welcome {
                session: id(1),
                details: welcome_details(FULL_DEALER),
            });
        }
        let mut model = Model::default();
        let mut issued: BTreeMap<Id, MessageType> = BTreeMap::new();
        let mut sent = Vec::new();
        let mut events = Vec::new();
        for op in ops {
            if let Some((request, kind)) = apply(&mut session, &mut model, op) {
                prop_assert!(issued.insert(request, kind).is_none(), "request {request} reused");
                model.outstanding.push((request, kind));
            }
            sent.extend(std::iter::from_fn(|| session.poll_transmit()));
            for event in std::iter::from_fn(|| session.poll_event()) {
                model.observe(&event);
                events.push(event);
            }
        }
        session.connection_lost();
        events.extend(std::iter::from_fn(|| session.poll_event()));
        prop_assert!(session.state().is_closed());

        // Exactly one final event, and it is the last.
        prop_assert_eq!(events.iter().filter(|e| is_final(e)).count(), 1);
        prop_assert!(events.last().is_some_and(is_final));

        // Every request has exactly one terminal event, of its own type.
        let mut settled: BTreeMap<Id, MessageType> = BTreeMap::new();
        for (request, kind) in events.iter().filter_map(terminal) {
            prop_assert!(settled.insert(request, kind).is_none(), "request {request} settled twice");
        }
        prop_assert_eq!(settled, issued);

        // New requests go out with sequential IDs; only CALL chunks repeat one.
        let mut last = 0;
        let mut calls = Vec::new();
        for (request, is_call) in sent.iter().filter_map(new_request) {
            if is_call && calls.contains(&request) {
                continue;
            }
            prop_assert_eq!(request.get(), last + 1);
            last = request.get();
            if is_call {
                calls.push(request);
            }
        }
    }
}

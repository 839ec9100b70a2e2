//! Caller and callee: CALL / RESULT / ERROR, progress both ways, CANCEL / INTERRUPT,
//! REGISTER / INVOCATION / YIELD, UNREGISTER and revocation.

use wamp_proto::client::{
    CallOptions, CancelMode, ClientConfig, ClientError, Event, InvokePolicy, RegisterOptions, Roles,
};
use wamp_proto::{Dict, MatchPolicy, Message, MessageType, Payload, Value};

use crate::router::*;

fn result(request: u64, details: Dict, payload: Payload) -> Message {
    Message::Result {
        request: id(request),
        details,
        payload,
    }
}

fn progress() -> Dict {
    dict([("progress", Value::Bool(true))])
}

#[test]
fn call_and_result() {
    let mut session = joined();
    let payload = Payload {
        args: vec![Value::from("johnny")],
        kwargs: dict([("firstname", Value::from("John"))]),
    };
    let request = session
        .call(
            uri("com.myapp.user.new"),
            payload.clone(),
            CallOptions::default().timeout_ms(500).disclose_me(true),
        )
        .unwrap();
    assert_eq!(request, id(1), "session-scope IDs start at 1");
    assert_eq!(
        sent_one(&mut session),
        Message::Call {
            request,
            options: dict([
                ("disclose_me", Value::Bool(true)),
                ("timeout", Value::Int(500))
            ]),
            procedure: uri("com.myapp.user.new"),
            payload,
        }
    );
    let second = session
        .call(
            uri("com.myapp.ping"),
            Payload::default(),
            CallOptions::default(),
        )
        .unwrap();
    assert_eq!(second, id(2));
    sent(&mut session);

    // Answers may come in any order.
    feed(&mut session, result(2, Dict::new(), Payload::default()));
    feed(&mut session, result(1, Dict::new(), args([Value::Int(30)])));
    assert_eq!(
        events(&mut session),
        [
            Event::Result {
                request: second,
                payload: Payload::default(),
                details: Dict::new(),
                progress: false
            },
            Event::Result {
                request,
                payload: args([Value::Int(30)]),
                details: Dict::new(),
                progress: false
            },
        ]
    );
    // The call is over: another RESULT for it is a protocol violation.
    assert!(matches!(
        session.handle_message(result(1, Dict::new(), Payload::default())),
        Err(ClientError::ProtocolViolation(_))
    ));
}

#[test]
fn progressive_results_keep_the_call_pending() {
    let mut session = joined();
    let request = session
        .call(
            uri("com.myapp.compute_revenue"),
            args([Value::Int(2010), Value::Int(2011)]),
            CallOptions::default().receive_progress(true),
        )
        .unwrap();
    let Message::Call { options, .. } = sent_one(&mut session) else {
        panic!("CALL");
    };
    assert_eq!(options, dict([("receive_progress", Value::Bool(true))]));
    feed(
        &mut session,
        result(1, progress(), args([Value::from("Y2010")])),
    );
    feed(
        &mut session,
        result(1, progress(), args([Value::from("Y2011")])),
    );
    feed(
        &mut session,
        result(1, Dict::new(), args([Value::Int(490)])),
    );
    let progress_flags: Vec<bool> = events(&mut session)
        .into_iter()
        .map(|event| match event {
            Event::Result {
                request: r,
                progress,
                ..
            } if r == request => progress,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(progress_flags, [true, true, false]);
    assert!(
        session
            .handle_message(result(1, progress(), Payload::default()))
            .is_err()
    );
}

#[test]
fn call_error() {
    let mut session = joined();
    let request = session
        .call(
            uri("com.myapp.nothing"),
            Payload::default(),
            CallOptions::default(),
        )
        .unwrap();
    sent(&mut session);
    feed(
        &mut session,
        Message::Error {
            request_type: MessageType::Call,
            request,
            details: dict([("x", Value::Int(1))]),
            error: uri("com.myapp.error.object_write_protected"),
            payload: args([Value::from("Object is write protected.")]),
        },
    );
    assert_eq!(
        event_one(&mut session),
        Event::CallError {
            request,
            error: uri("com.myapp.error.object_write_protected"),
            payload: args([Value::from("Object is write protected.")]),
            details: dict([("x", Value::Int(1))]),
        }
    );
}

#[test]
fn cancel_a_call() {
    let mut session = joined();
    let request = session
        .call(
            uri("com.myapp.slow"),
            Payload::default(),
            CallOptions::default(),
        )
        .unwrap();
    sent(&mut session);
    session.cancel(request, CancelMode::KillNoWait).unwrap();
    assert_eq!(
        sent_one(&mut session),
        Message::Cancel {
            request,
            options: dict([("mode", Value::from("killnowait"))])
        }
    );
    session.cancel(request, CancelMode::Kill).unwrap();
    assert!(
        sent(&mut session).is_empty(),
        "a second cancel sends nothing"
    );
    feed(
        &mut session,
        error(MessageType::Call, request, "wamp.error.canceled"),
    );
    assert!(matches!(
        event_one(&mut session),
        Event::CallError { error, .. } if error == "wamp.error.canceled"
    ));
    assert_eq!(
        session.cancel(request, CancelMode::Skip),
        Err(ClientError::NoSuchCall(request))
    );
}

#[test]
fn cancel_needs_the_dealer_feature() {
    let mut session = joined_with(ClientConfig::new("realm1").unwrap(), &[]);
    let request = session
        .call(
            uri("com.myapp.slow"),
            Payload::default(),
            CallOptions::default(),
        )
        .unwrap();
    sent(&mut session);
    assert_eq!(
        session.cancel(request, CancelMode::Skip),
        Err(ClientError::FeatureNotSupported {
            role: "dealer",
            feature: "call_canceling"
        })
    );
    assert!(sent(&mut session).is_empty());
}

#[test]
fn progressive_call_invocations() {
    let mut session = joined();
    let request = session
        .call(
            uri("com.myapp.upload"),
            args([Value::Int(1)]),
            CallOptions::default().progress(true),
        )
        .unwrap();
    session
        .continue_call(request, args([Value::Int(2)]), true)
        .unwrap();
    session
        .continue_call(request, args([Value::Int(3)]), false)
        .unwrap();
    let chunks: Vec<(Dict, Payload)> = sent(&mut session)
        .into_iter()
        .map(|message| match message {
            Message::Call {
                request: r,
                options,
                procedure,
                payload,
            } => {
                assert_eq!((r, procedure.as_str()), (request, "com.myapp.upload"));
                (options, payload)
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        chunks,
        [
            (progress(), args([Value::Int(1)])),
            (progress(), args([Value::Int(2)])),
            (Dict::new(), args([Value::Int(3)])),
        ]
    );
    assert_eq!(
        session.continue_call(request, Payload::default(), false),
        Err(ClientError::CallNotProgressive(request))
    );
    feed(&mut session, result(1, Dict::new(), Payload::default()));
    events(&mut session);
    assert_eq!(
        session.continue_call(request, Payload::default(), true),
        Err(ClientError::NoSuchCall(request))
    );

    // Not progressive from the start.
    let plain = session
        .call(
            uri("com.myapp.x"),
            Payload::default(),
            CallOptions::default(),
        )
        .unwrap();
    assert_eq!(
        session.continue_call(plain, Payload::default(), true),
        Err(ClientError::CallNotProgressive(plain))
    );
}

#[test]
fn progressive_calls_need_the_dealer_feature() {
    let mut session = joined_with(ClientConfig::new("realm1").unwrap(), &["call_canceling"]);
    assert_eq!(
        session.call(
            uri("com.myapp.upload"),
            Payload::default(),
            CallOptions::default().progress(true)
        ),
        Err(ClientError::FeatureNotSupported {
            role: "dealer",
            feature: "progressive_call_invocations"
        })
    );
    assert!(sent(&mut session).is_empty());
}

#[test]
fn register_invocation_yield() {
    let mut session = joined();
    let request = session
        .register(
            uri("com.myapp..update"),
            RegisterOptions::default()
                .match_policy(MatchPolicy::Wildcard)
                .invoke(InvokePolicy::RoundRobin)
                .disclose_caller(true),
        )
        .unwrap();
    assert_eq!(
        sent_one(&mut session),
        Message::Register {
            request,
            options: dict([
                ("disclose_caller", Value::Bool(true)),
                ("invoke", Value::from("roundrobin")),
                ("match", Value::from("wildcard")),
            ]),
            procedure: uri("com.myapp..update"),
        }
    );
    assert_eq!(session.registrations().count(), 0, "not before REGISTERED");
    feed(
        &mut session,
        Message::Registered {
            request,
            registration: id(2103333224),
        },
    );
    assert_eq!(
        event_one(&mut session),
        Event::Registered {
            request,
            registration: id(2103333224)
        }
    );
    let registrations: Vec<_> = session.registrations().cloned().collect();
    assert_eq!(registrations.len(), 1);
    assert_eq!(registrations[0].procedure, "com.myapp..update");
    assert_eq!(registrations[0].options.invoke, InvokePolicy::RoundRobin);

    feed(
        &mut session,
        Message::Invocation {
            request: id(6131533),
            registration: id(2103333224),
            details: dict([
                ("procedure", Value::from("com.myapp.user.update")),
                ("caller", Value::Int(3335656)),
                ("caller_authid", Value::from("joe")),
                ("caller_authrole", Value::from("user")),
                ("timeout", Value::Int(1000)),
            ]),
            payload: args([Value::Int(23), Value::Int(7)]),
        },
    );
    let Event::Invocation(invocation) = event_one(&mut session) else {
        panic!("Invocation");
    };
    assert_eq!(invocation.request, id(6131533));
    assert_eq!(invocation.registration, id(2103333224));
    assert_eq!(invocation.procedure, "com.myapp.user.update");
    assert_eq!(invocation.caller, Some(id(3335656)));
    assert_eq!(invocation.caller_authid.as_deref(), Some("joe"));
    assert_eq!(invocation.caller_authrole.as_deref(), Some("user"));
    assert_eq!(invocation.timeout_ms, Some(1000));
    assert!(!invocation.receive_progress && !invocation.progress && !invocation.continuation);
    assert_eq!(invocation.payload, args([Value::Int(23), Value::Int(7)]));

    session
        .yield_result(invocation.request, args([Value::Int(30)]), false)
        .unwrap();
    assert_eq!(
        sent_one(&mut session),
        Message::Yield {
            request: id(6131533),
            options: Dict::new(),
            payload: args([Value::Int(30)])
        }
    );
    assert_eq!(
        session.yield_result(invocation.request, Payload::default(), false),
        Err(ClientError::NoSuchInvocation(id(6131533)))
    );
}

#[test]
fn invocation_procedure_defaults_to_the_registered_uri() {
    let mut session = joined();
    register(&mut session, "com.myapp.add2", 77);
    feed(
        &mut session,
        Message::Invocation {
            request: id(1),
            registration: id(77),
            details: Dict::new(),
            payload: Payload::default(),
        },
    );
    let Event::Invocation(invocation) = event_one(&mut session) else {
        panic!("Invocation");
    };
    assert_eq!(invocation.procedure, "com.myapp.add2");
    assert_eq!(invocation.caller, None);
    assert_eq!(invocation.timeout_ms, None);
}

#[test]
fn yield_error() {
    let mut session = joined();
    register(&mut session, "com.myapp.write", 77);
    feed(
        &mut session,
        Message::Invocation {
            request: id(5),
            registration: id(77),
            details: Dict::new(),
            payload: Payload::default(),
        },
    );
    events(&mut session);
    assert!(matches!(
        session.yield_error(id(5), uri("com.myapp.error..x"), Payload::default()),
        Err(ClientError::InvalidUri { what: "error", .. })
    ));
    assert!(sent(&mut session).is_empty());
    session
        .yield_error(
            id(5),
            uri("com.myapp.error.object_write_protected"),
            args([Value::from("Object is write protected.")]),
        )
        .unwrap();
    assert_eq!(
        sent_one(&mut session),
        Message::Error {
            request_type: MessageType::Invocation,
            request: id(5),
            details: Dict::new(),
            error: uri("com.myapp.error.object_write_protected"),
            payload: args([Value::from("Object is write protected.")]),
        }
    );
    assert_eq!(
        session.yield_error(id(5), uri("wamp.error.canceled"), Payload::default()),
        Err(ClientError::NoSuchInvocation(id(5)))
    );
}

#[test]
fn progressive_yields_only_when_asked_for() {
    let mut session = joined();
    register(&mut session, "com.myapp.stream", 77);
    for (request, receive_progress) in [(1, true), (2, false)] {
        feed(
            &mut session,
            Message::Invocation {
                request: id(request),
                registration: id(77),
                details: dict([("receive_progress", Value::Bool(receive_progress))]),
                payload: Payload::default(),
            },
        );
    }
    events(&mut session);
    session
        .yield_result(id(1), args([Value::Int(1)]), true)
        .unwrap();
    session
        .yield_result(id(1), args([Value::Int(2)]), true)
        .unwrap();
    session
        .yield_result(id(1), Payload::default(), false)
        .unwrap();
    let options: Vec<Dict> = sent(&mut session)
        .into_iter()
        .map(|m| match m {
            Message::Yield { options, .. } => options,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(options, [progress(), progress(), Dict::new()]);
    assert_eq!(
        session.yield_result(id(2), Payload::default(), true),
        Err(ClientError::ProgressNotRequested(id(2)))
    );
    session
        .yield_result(id(2), Payload::default(), false)
        .unwrap();
}

#[test]
fn interrupts() {
    let mut session = joined();
    register(&mut session, "com.myapp.slow", 77);
    for request in [1, 2] {
        feed(
            &mut session,
            Message::Invocation {
                request: id(request),
                registration: id(77),
                details: Dict::new(),
                payload: Payload::default(),
            },
        );
    }
    events(&mut session);

    // kill: the dealer waits for our answer.
    let kill = dict([("mode", Value::from("kill"))]);
    feed(
        &mut session,
        Message::Interrupt {
            request: id(1),
            options: kill.clone(),
        },
    );
    assert_eq!(
        event_one(&mut session),
        Event::Interrupt {
            request: id(1),
            mode: CancelMode::Kill,
            options: kill
        }
    );
    session
        .yield_error(id(1), uri("wamp.error.canceled"), Payload::default())
        .unwrap();

    // killnowait: the invocation is forgotten at once.
    feed(
        &mut session,
        Message::Interrupt {
            request: id(2),
            options: dict([("mode", Value::from("killnowait"))]),
        },
    );
    assert!(matches!(
        event_one(&mut session),
        Event::Interrupt {
            mode: CancelMode::KillNoWait,
            ..
        }
    ));
    assert_eq!(
        session.yield_result(id(2), Payload::default(), false),
        Err(ClientError::NoSuchInvocation(id(2)))
    );

    // An INTERRUPT that crossed our answer is ignored.
    feed(
        &mut session,
        Message::Interrupt {
            request: id(1),
            options: Dict::new(),
        },
    );
    assert!(events(&mut session).is_empty());
    assert_eq!(
        sent(&mut session).len(),
        1,
        "only the ERROR for invocation 1"
    );
}

#[test]
fn progressive_invocation_chunks() {
    let mut session = joined();
    register(&mut session, "com.myapp.upload", 77);
    let chunk = |progress: bool, n: i64| Message::Invocation {
        request: id(9),
        registration: id(77),
        details: dict([("progress", Value::Bool(progress))]),
        payload: args([Value::Int(n)]),
    };
    // Only the first chunk carries the call's details; they hold for every chunk.
    feed(
        &mut session,
        Message::Invocation {
            request: id(9),
            registration: id(77),
            details: dict([
                ("progress", Value::Bool(true)),
                ("receive_progress", Value::Bool(true)),
                ("caller", Value::Int(3335656)),
                ("procedure", Value::from("com.myapp.upload")),
            ]),
            payload: args([Value::Int(1)]),
        },
    );
    feed(&mut session, chunk(true, 2));
    let invocations: Vec<_> = events(&mut session)
        .into_iter()
        .map(|e| match e {
            Event::Invocation(invocation) => invocation,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(invocations.len(), 2);
    assert!(!invocations[0].continuation && invocations[0].progress);
    assert!(invocations[1].continuation && invocations[1].progress);
    assert_eq!(invocations[1].procedure, "com.myapp.upload");
    assert_eq!(invocations[1].caller, Some(id(3335656)));
    assert!(invocations[1].receive_progress);
    assert_eq!(invocations[1].payload, args([Value::Int(2)]));
    assert_eq!(
        invocations[1].details,
        dict([("progress", Value::Bool(true))])
    );

    // Progressive results may interleave with the caller's chunks.
    session
        .yield_result(id(9), args([Value::from("partial")]), true)
        .unwrap();

    // We answer before the caller's last chunk: chunks that crossed our answer are dropped.
    session
        .yield_result(id(9), Payload::default(), false)
        .unwrap();
    sent(&mut session);
    feed(&mut session, chunk(false, 3));
    assert!(events(&mut session).is_empty());
    assert!(sent(&mut session).is_empty());
}

#[test]
fn a_finished_chunked_invocation_cannot_restart() {
    let mut session = joined();
    register(&mut session, "com.myapp.upload", 77);
    let chunk = |progress: bool| Message::Invocation {
        request: id(9),
        registration: id(77),
        details: dict([("progress", Value::Bool(progress))]),
        payload: Payload::default(),
    };
    feed(&mut session, chunk(true));
    feed(&mut session, chunk(false));
    events(&mut session);
    // The caller said that was the last chunk: another one is a protocol violation.
    assert!(matches!(
        session.handle_message(chunk(true)),
        Err(ClientError::ProtocolViolation(_))
    ));
}

#[test]
fn unregister() {
    let mut session = joined();
    register(&mut session, "com.myapp.add2", 77);
    let request = session.unregister(id(77)).unwrap();
    assert_eq!(
        sent_one(&mut session),
        Message::Unregister {
            request,
            registration: id(77)
        }
    );
    // Invocations may still arrive until UNREGISTERED.
    feed(
        &mut session,
        Message::Invocation {
            request: id(1),
            registration: id(77),
            details: Dict::new(),
            payload: Payload::default(),
        },
    );
    assert!(matches!(event_one(&mut session), Event::Invocation(_)));
    feed(
        &mut session,
        Message::Unregistered {
            request: Some(request),
            details: Dict::new(),
        },
    );
    assert_eq!(
        event_one(&mut session),
        Event::Unregistered {
            request,
            registration: id(77)
        }
    );
    assert_eq!(session.registrations().count(), 0);
    assert_eq!(
        session.unregister(id(77)),
        Err(ClientError::NoSuchRegistration(id(77)))
    );
    // The invocation received before still wants its answer.
    session
        .yield_result(id(1), Payload::default(), false)
        .unwrap();
}

#[test]
fn unregister_errors() {
    let mut session = joined();
    register(&mut session, "com.myapp.a", 77);
    register(&mut session, "com.myapp.b", 78);
    let a = session.unregister(id(77)).unwrap();
    let b = session.unregister(id(78)).unwrap();
    sent(&mut session);
    feed(
        &mut session,
        error(MessageType::Unregister, a, "wamp.error.not_authorized"),
    );
    feed(
        &mut session,
        error(
            MessageType::Unregister,
            b,
            "wamp.error.no_such_registration",
        ),
    );
    let failed: Vec<_> = events(&mut session)
        .into_iter()
        .map(|e| match e {
            Event::RequestFailed {
                request,
                request_type: MessageType::Unregister,
                error,
                ..
            } => (request, error.into_string()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        failed,
        [
            (a, "wamp.error.not_authorized".to_owned()),
            (b, "wamp.error.no_such_registration".to_owned())
        ]
    );
    // Refused: still registered. Unknown to the router: forgotten.
    let left: Vec<_> = session.registrations().map(|r| r.registration).collect();
    assert_eq!(left, [id(77)]);
}

#[test]
fn register_errors() {
    let mut session = joined();
    let request = session
        .register(uri("com.myapp.add2"), RegisterOptions::default())
        .unwrap();
    sent(&mut session);
    feed(
        &mut session,
        error(
            MessageType::Register,
            request,
            "wamp.error.procedure_already_exists",
        ),
    );
    assert!(matches!(
        event_one(&mut session),
        Event::RequestFailed {
            request_type: MessageType::Register,
            ..
        }
    ));
    assert_eq!(session.registrations().count(), 0);
}

#[test]
fn registration_revoked() {
    let mut session = joined();
    register(&mut session, "com.myapp.add2", 1293722);
    let details = dict([
        ("registration", Value::Int(1293722)),
        ("reason", Value::from("moving endpoint to other callee")),
    ]);
    feed(
        &mut session,
        Message::Unregistered {
            request: None,
            details: details.clone(),
        },
    );
    assert_eq!(
        event_one(&mut session),
        Event::RegistrationRevoked {
            registration: id(1293722),
            reason: Some("moving endpoint to other callee".into()),
            details: details.clone()
        }
    );
    assert_eq!(session.registrations().count(), 0);
    // Revoking again (it crossed something) is ignored.
    feed(
        &mut session,
        Message::Unregistered {
            request: None,
            details,
        },
    );
    assert!(events(&mut session).is_empty());
    // Without naming the registration it is a protocol violation.
    assert!(
        session
            .handle_message(Message::Unregistered {
                request: None,
                details: Dict::new()
            })
            .is_err()
    );
}

#[test]
fn roles_must_be_announced() {
    let config = ClientConfig::new("realm1")
        .unwrap()
        .roles(Roles::none().publisher(true));
    let mut session = joined_with(config, FULL_DEALER);
    assert_eq!(
        session.call(uri("com.a"), Payload::default(), CallOptions::default()),
        Err(ClientError::RoleNotAnnounced { role: "caller" })
    );
    assert_eq!(
        session.register(uri("com.a"), RegisterOptions::default()),
        Err(ClientError::RoleNotAnnounced { role: "callee" })
    );
    assert_eq!(
        session.subscribe(uri("com.a"), Default::default()),
        Err(ClientError::RoleNotAnnounced { role: "subscriber" })
    );
    assert!(
        session
            .publish(uri("com.a"), Payload::default(), Default::default())
            .is_ok()
    );
}

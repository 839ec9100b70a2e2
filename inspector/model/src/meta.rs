//! The WAMP meta API as the inspector uses it: procedure and topic names, and its events
//! parsed into [`MetaEvent`]s (spec: advanced profile, "Session Meta API", "Registration
//! Meta API", "Subscription Meta API").
//!
//! Payload shapes follow the spec and what Crossbar.io sends; the dev-router sends the same,
//! plus a `dev_router` dictionary of counters in the `get` procedures' results.

use wamp_proto::{Dict, Value};

use crate::endpoints::{Endpoint, EndpointKind};
use crate::sessions::SessionRow;

/// `wamp.session.list`: `[filter_authroles?]` → `[[session, ...]]`.
pub const SESSION_LIST: &str = "wamp.session.list";
/// `wamp.session.get`: `[session]` → `[details]`.
pub const SESSION_GET: &str = "wamp.session.get";
/// `wamp.session.kill`: `[session]`, `{reason?, message?}`.
pub const SESSION_KILL: &str = "wamp.session.kill";

/// Topics of the session meta events.
pub const SESSION_TOPICS: &[&str] = &["wamp.session.on_join", "wamp.session.on_leave"];

/// The procedures and topics of the meta API, offered as completions in the console.
pub const META_PROCEDURES: &[&str] = &[
    "wamp.session.count",
    "wamp.session.list",
    "wamp.session.get",
    "wamp.session.kill",
    "wamp.session.kill_by_authid",
    "wamp.session.kill_by_authrole",
    "wamp.registration.list",
    "wamp.registration.lookup",
    "wamp.registration.match",
    "wamp.registration.get",
    "wamp.registration.list_callees",
    "wamp.registration.count_callees",
    "wamp.subscription.list",
    "wamp.subscription.lookup",
    "wamp.subscription.match",
    "wamp.subscription.get",
    "wamp.subscription.list_subscribers",
    "wamp.subscription.count_subscribers",
];

/// What a meta event says happened.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum MetaEvent {
    /// `wamp.session.on_join`: a session joined, with its details.
    SessionJoined(SessionRow),
    /// `wamp.session.on_leave`: a session left.
    SessionLeft {
        /// The session that left.
        session: u64,
    },
    /// `wamp.registration.on_create` or `wamp.subscription.on_create`.
    Created {
        /// The session whose request created it.
        session: u64,
        /// The new registration or subscription (no members yet).
        endpoint: Endpoint,
    },
    /// `on_register` or `on_subscribe`: a session became a callee or subscriber.
    Joined {
        /// Registration or subscription.
        kind: EndpointKind,
        /// The callee or subscriber.
        session: u64,
        /// The registration or subscription ID.
        id: u64,
    },
    /// `on_unregister` or `on_unsubscribe`: a session stopped being a callee or subscriber.
    Left {
        /// Registration or subscription.
        kind: EndpointKind,
        /// The former callee or subscriber.
        session: u64,
        /// The registration or subscription ID.
        id: u64,
    },
    /// `on_delete`: the registration or subscription is gone (its last member left).
    Deleted {
        /// Registration or subscription.
        kind: EndpointKind,
        /// The registration or subscription ID.
        id: u64,
    },
}

impl MetaEvent {
    /// Every topic [`MetaEvent::parse`] understands.
    pub fn topics() -> Vec<String> {
        let mut topics: Vec<String> = SESSION_TOPICS.iter().map(|t| (*t).to_owned()).collect();
        for kind in [EndpointKind::Registration, EndpointKind::Subscription] {
            for event in [
                "on_create",
                kind.joined_event(),
                kind.left_event(),
                "on_delete",
            ] {
                topics.push(format!("{}.{event}", kind.meta_prefix()));
            }
        }
        topics
    }

    /// The event published on `topic` with `args`; `None` for another topic or arguments
    /// of the wrong shape.
    pub fn parse(topic: &str, args: &[Value]) -> Option<MetaEvent> {
        match topic {
            "wamp.session.on_join" => {
                let details = args.first()?.as_dict()?;
                SessionRow::from_details(details).map(MetaEvent::SessionJoined)
            }
            "wamp.session.on_leave" => Some(MetaEvent::SessionLeft {
                session: id_arg(args.first()?)?,
            }),
            _ => {
                let (prefix, event) = topic.rsplit_once('.')?;
                let kind = EndpointKind::from_meta_prefix(prefix)?;
                let session = id_arg(args.first()?)?;
                if event == "on_create" {
                    let details = args.get(1)?.as_dict()?;
                    let endpoint = Endpoint::from_details(kind, details)?;
                    return Some(MetaEvent::Created { session, endpoint });
                }
                let id = id_arg(args.get(1)?)?;
                match event {
                    e if e == kind.joined_event() => Some(MetaEvent::Joined { kind, session, id }),
                    e if e == kind.left_event() => Some(MetaEvent::Left { kind, session, id }),
                    "on_delete" => Some(MetaEvent::Deleted { kind, id }),
                    _ => None,
                }
            }
        }
    }
}

/// An ID argument: an integer, or (from some routers' Python) a dictionary with `id`.
fn id_arg(value: &Value) -> Option<u64> {
    value
        .as_u64()
        .or_else(|| value.as_dict()?.get("id")?.as_u64())
}

/// The IDs in a `list` procedure's result: `{exact: [...], prefix: [...], wildcard: [...]}`
/// (or a plain list, as `wamp.session.list` answers), in that order.
pub fn ids(value: &Value) -> Vec<u64> {
    match value {
        Value::List(items) => items.iter().filter_map(Value::as_u64).collect(),
        Value::Dict(dict) => ["exact", "prefix", "wildcard"]
            .iter()
            .filter_map(|policy| dict.get(*policy)?.as_list())
            .flatten()
            .filter_map(Value::as_u64)
            .collect(),
        _ => Vec::new(),
    }
}

/// A string field of a details dictionary.
pub(crate) fn text(details: &Dict, key: &str) -> Option<String> {
    details.get(key)?.as_str().map(str::to_owned)
}

/// The `dev_router` counters dictionary of a `get` result, if the router added one.
pub(crate) fn counters(details: &Dict) -> Option<&Dict> {
    details.get("dev_router")?.as_dict()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dict(pairs: &[(&str, Value)]) -> Dict {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn session_events_parse() {
        let details = dict(&[
            ("session", Value::Int(7)),
            ("authid", "alice".into()),
            ("authrole", "user".into()),
            ("authmethod", "ticket".into()),
            (
                "transport",
                Value::Dict(dict(&[
                    ("type", "websocket".into()),
                    ("protocol", "wamp.2.cbor".into()),
                ])),
            ),
        ]);
        let Some(MetaEvent::SessionJoined(row)) =
            MetaEvent::parse("wamp.session.on_join", &[Value::Dict(details)])
        else {
            panic!("not parsed");
        };
        assert_eq!((row.id, row.authid.as_str()), (7, "alice"));
        assert_eq!(row.serializer, "cbor", "from the subprotocol");

        assert_eq!(
            MetaEvent::parse(
                "wamp.session.on_leave",
                &[Value::Int(7), "alice".into(), "user".into()]
            ),
            Some(MetaEvent::SessionLeft { session: 7 })
        );
        assert_eq!(
            MetaEvent::parse("wamp.session.on_leave", &[Value::Int(8)]),
            Some(MetaEvent::SessionLeft { session: 8 }),
            "Crossbar.io sends the ID alone"
        );
        assert_eq!(MetaEvent::parse("wamp.session.on_leave", &[]), None);
        assert_eq!(MetaEvent::parse("com.example.x", &[Value::Int(1)]), None);
    }

    #[test]
    fn endpoint_events_parse() {
        let details = dict(&[
            ("id", Value::Int(42)),
            ("uri", "com.example.add".into()),
            ("match", "exact".into()),
            ("invoke", "single".into()),
            ("created", "2026-11-23T06:12:34Z".into()),
        ]);
        let Some(MetaEvent::Created { session, endpoint }) = MetaEvent::parse(
            "wamp.registration.on_create",
            &[Value::Int(3), Value::Dict(details)],
        ) else {
            panic!("not parsed");
        };
        assert_eq!(session, 3);
        assert_eq!(endpoint.id, 42);
        assert_eq!(endpoint.kind, EndpointKind::Registration);
        assert_eq!(endpoint.invoke.as_deref(), Some("single"));

        assert_eq!(
            MetaEvent::parse(
                "wamp.subscription.on_subscribe",
                &[Value::Int(3), Value::Int(9)]
            ),
            Some(MetaEvent::Joined {
                kind: EndpointKind::Subscription,
                session: 3,
                id: 9
            })
        );
        assert_eq!(
            MetaEvent::parse(
                "wamp.registration.on_unregister",
                &[Value::Int(3), Value::Int(9)]
            ),
            Some(MetaEvent::Left {
                kind: EndpointKind::Registration,
                session: 3,
                id: 9
            })
        );
        assert_eq!(
            MetaEvent::parse(
                "wamp.subscription.on_delete",
                &[Value::Int(3), Value::Int(9)]
            ),
            Some(MetaEvent::Deleted {
                kind: EndpointKind::Subscription,
                id: 9
            })
        );
        assert_eq!(
            MetaEvent::parse(
                "wamp.registration.on_subscribe",
                &[Value::Int(3), Value::Int(9)]
            ),
            None,
            "registrations have no subscribers"
        );
        assert_eq!(
            MetaEvent::parse(
                "wamp.subscription.on_subscribe",
                &["x".into(), Value::Int(9)]
            ),
            None
        );
    }

    #[test]
    fn every_topic_parses_to_something() {
        let topics = MetaEvent::topics();
        assert_eq!(topics.len(), 10);
        assert!(topics.contains(&"wamp.registration.on_register".to_owned()));
        assert!(topics.contains(&"wamp.subscription.on_unsubscribe".to_owned()));
    }

    #[test]
    fn id_lists() {
        let lists = Value::Dict(dict(&[
            ("exact", Value::List(vec![Value::Int(1), Value::Int(2)])),
            ("prefix", Value::List(vec![Value::Int(3)])),
            ("wildcard", Value::List(vec![])),
        ]));
        assert_eq!(ids(&lists), vec![1, 2, 3]);
        assert_eq!(ids(&Value::List(vec![Value::Int(5)])), vec![5]);
        assert_eq!(ids(&Value::Null), Vec::<u64>::new());
    }
}

//! The WAMP meta API, answered and published by the realm itself (spec: advanced profile,
//! "Session Meta API", "Registration Meta API", "Subscription Meta API" and "Session
//! Testament").
//!
//! The procedures are not registrations: [`Realm::handle`] answers a CALL to one of them
//! itself (after authorization, like any CALL), so there is no callee and no round trip.
//! The events are publications of the router's own, delivered through the broker's usual
//! path (one shared EVENT per subscription, encoded once per serializer), and built only
//! when some subscription matches their topic.
//!
//! | procedure | arguments | result |
//! |---|---|---|
//! | `wamp.session.count`, `.list` | `[filter_authroles?]` | `[count]`, `[[session, ...]]` |
//! | `wamp.session.get` | `[session]` | `[details]` |
//! | `wamp.session.kill` | `[session]`, `{reason?, message?}` | nothing |
//! | `wamp.session.kill_by_authid` | `[authid]`, `{reason?, message?}` | `[[session, ...]]` |
//! | `wamp.session.kill_by_authrole` | `[authrole]`, `{reason?, message?}` | `[count]` |
//! | `wamp.session.kill_all` | `{reason?, message?}` | `[count]` |
//! | `wamp.session.add_testament` | `[topic, args, kwargs]`, `{publish_options?, scope?}` | nothing |
//! | `wamp.session.flush_testaments` | `{scope?}` | `[count]` |
//! | `wamp.registration.list`, `wamp.subscription.list` | `[session?]` | `[{exact, prefix, wildcard}]` |
//! | `wamp.registration.lookup`, `wamp.subscription.lookup` | `[uri, options?]` | `[id or null]` |
//! | `wamp.registration.match` | `[procedure]` | `[id or null]` |
//! | `wamp.subscription.match` | `[topic]` | `[[id, ...] or null]` |
//! | `wamp.registration.get`, `wamp.subscription.get` | `[id]` | `[details]` |
//! | `wamp.registration.list_callees`, `wamp.subscription.list_subscribers` | `[id]` | `[[session, ...]]` |
//! | `wamp.registration.count_callees`, `wamp.subscription.count_subscribers` | `[id]` | `[count]` |
//!
//! Every argument may also be given by name in the keyword arguments, as Crossbar.io (whose
//! procedures are Python functions) accepts. Unknown IDs fail with
//! `wamp.error.no_such_session`, `no_such_registration` or `no_such_subscription`, arguments
//! of the wrong type with `wamp.error.invalid_argument`, and a `reason` that is not a URI
//! with `wamp.error.invalid_uri`.
//!
//! Beyond the spec: the `get` procedures add a `dev_router` dictionary of counters
//! (`joined`, `messages_in`, `messages_out` for a session; `calls` for a registration;
//! `events` for a subscription), and the `list` procedures take Crossbar.io's optional
//! session ID to list that session's registrations or subscriptions only.
//!
//! Events: `wamp.session.on_join` `[details]` and `on_leave` `[session, authid, authrole]`;
//! `wamp.registration.on_create` `[session, details]`, `on_register`, `on_unregister`,
//! `on_delete` `[session, id]`; and the same four for `wamp.subscription`.

use wamp_proto::{Dict, Id, Message, MessageType, Payload, RequestId, SessionId, Uri, Value};

use super::broker::Subscribed;
use super::dealer::Registered;
use super::{Realm, Removed, SessionInfo, error_reply, error_uri, send};
use crate::realm::Delivery;

mod endpoint;
mod registration;
mod session;
mod stats;
mod subscription;
mod testament;

pub(super) use stats::StatsClock;
#[cfg(test)]
use stats::{ON_STATS, STATS_INTERVAL_MS};
pub(super) use testament::Testaments;

/// The broker features of the meta API, announced in WELCOME.
pub(super) const BROKER_FEATURES: &[&str] = &["session_meta_api", "subscription_meta_api"];
/// The dealer features of the meta API, announced in WELCOME.
pub(super) const DEALER_FEATURES: &[&str] = &[
    "registration_meta_api",
    "session_meta_api",
    "testament_meta_api",
];

const SESSION_ON_JOIN: &str = "wamp.session.on_join";
const SESSION_ON_LEAVE: &str = "wamp.session.on_leave";
const REGISTRATION_ON_CREATE: &str = "wamp.registration.on_create";
const REGISTRATION_ON_REGISTER: &str = "wamp.registration.on_register";
const REGISTRATION_ON_UNREGISTER: &str = "wamp.registration.on_unregister";
const REGISTRATION_ON_DELETE: &str = "wamp.registration.on_delete";
const SUBSCRIPTION_ON_CREATE: &str = "wamp.subscription.on_create";
const SUBSCRIPTION_ON_SUBSCRIBE: &str = "wamp.subscription.on_subscribe";
const SUBSCRIPTION_ON_UNSUBSCRIBE: &str = "wamp.subscription.on_unsubscribe";
const SUBSCRIPTION_ON_DELETE: &str = "wamp.subscription.on_delete";

/// Why a meta procedure failed: the ERROR's URI and a human-readable explanation.
#[derive(Debug)]
struct Failure {
    error: &'static str,
    explanation: String,
}

impl Failure {
    fn new(error: &'static str, explanation: impl Into<String>) -> Failure {
        Failure {
            error,
            explanation: explanation.into(),
        }
    }

    fn invalid_argument(explanation: impl Into<String>) -> Failure {
        Failure::new(error_uri::INVALID_ARGUMENT, explanation)
    }
}

/// A meta procedure's result payload, or why it failed.
type Answer = Result<Payload, Failure>;

/// A result with one positional value.
fn answer(value: impl Into<Value>) -> Answer {
    Ok(Payload::args(vec![value.into()]))
}

/// A list of IDs as a [`Value`].
fn id_list(ids: impl IntoIterator<Item = Id>) -> Value {
    Value::List(ids.into_iter().map(|id| Value::from(id.get())).collect())
}

/// `{"exact": [...], "prefix": [...], "wildcard": [...]}`, each list sorted.
fn lists_by_policy(entries: impl IntoIterator<Item = (Id, wamp_proto::MatchPolicy)>) -> Value {
    let mut lists: [Vec<Id>; 3] = Default::default();
    for (id, policy) in entries {
        let slot = match policy {
            wamp_proto::MatchPolicy::Exact => 0,
            wamp_proto::MatchPolicy::Prefix => 1,
            wamp_proto::MatchPolicy::Wildcard => 2,
        };
        lists[slot].push(id);
    }
    let [exact, prefix, wildcard] = lists.map(|mut ids| {
        ids.sort_unstable();
        id_list(ids)
    });
    Value::Dict(Dict::from([
        ("exact".to_owned(), exact),
        ("prefix".to_owned(), prefix),
        ("wildcard".to_owned(), wildcard),
    ]))
}

/// A meta procedure's arguments: by position, or by name in the keyword arguments. A
/// `null` counts as absent (Python's `None`).
#[derive(Debug, Clone, Copy)]
struct Arguments<'a> {
    payload: &'a Payload,
}

impl<'a> Arguments<'a> {
    fn get(&self, position: Option<usize>, name: &str) -> Option<&'a Value> {
        position
            .and_then(|position| self.payload.args.get(position))
            .or_else(|| self.payload.kwargs.get(name))
            .filter(|value| !value.is_null())
    }

    fn required(&self, position: usize, name: &str) -> Result<&'a Value, Failure> {
        self.get(Some(position), name)
            .ok_or_else(|| Failure::invalid_argument(format!("missing argument '{name}'")))
    }

    /// A required non-negative integer (an ID).
    fn integer(&self, position: usize, name: &str) -> Result<u64, Failure> {
        self.required(position, name)?.as_u64().ok_or_else(|| {
            Failure::invalid_argument(format!("argument '{name}' must be an integer ID"))
        })
    }

    fn string(&self, position: usize, name: &str) -> Result<&'a str, Failure> {
        self.required(position, name)?
            .as_str()
            .ok_or_else(|| Failure::invalid_argument(format!("argument '{name}' must be a string")))
    }

    fn optional_string(
        &self,
        position: Option<usize>,
        name: &str,
    ) -> Result<Option<&'a str>, Failure> {
        self.get(position, name)
            .map(|value| {
                value.as_str().ok_or_else(|| {
                    Failure::invalid_argument(format!("argument '{name}' must be a string"))
                })
            })
            .transpose()
    }

    fn optional_dict(
        &self,
        position: Option<usize>,
        name: &str,
    ) -> Result<Option<&'a Dict>, Failure> {
        self.get(position, name)
            .map(|value| {
                value.as_dict().ok_or_else(|| {
                    Failure::invalid_argument(format!("argument '{name}' must be a dictionary"))
                })
            })
            .transpose()
    }

    fn optional_strings(
        &self,
        position: Option<usize>,
        name: &str,
    ) -> Result<Option<Vec<&'a str>>, Failure> {
        let Some(value) = self.get(position, name) else {
            return Ok(None);
        };
        let error =
            || Failure::invalid_argument(format!("argument '{name}' must be a list of strings"));
        let list = value.as_list().ok_or_else(error)?;
        list.iter()
            .map(|item| item.as_str().ok_or_else(error))
            .collect::<Result<_, _>>()
            .map(Some)
    }
}

impl Realm {
    /// Answers a CALL to one of the meta procedures (pushing RESULT or ERROR, and whatever
    /// the procedure causes, into `out`) and returns `true`; returns `false`, doing
    /// nothing, for any other procedure.
    pub(super) fn call_meta(
        &mut self,
        caller: SessionId,
        request: RequestId,
        procedure: &Uri,
        payload: &Payload,
        out: &mut Vec<Delivery>,
    ) -> bool {
        let args = Arguments { payload };
        let answer = match procedure.as_str() {
            "wamp.session.count" => self.meta_session_count(args),
            "wamp.session.list" => self.meta_session_list(args),
            "wamp.session.get" => self.meta_session_get(args),
            "wamp.session.kill" => self.meta_session_kill(caller, args, out),
            "wamp.session.kill_by_authid" => {
                self.meta_session_kill_by(caller, args, session::Victims::Authid, out)
            }
            "wamp.session.kill_by_authrole" => {
                self.meta_session_kill_by(caller, args, session::Victims::Authrole, out)
            }
            "wamp.session.kill_all" => {
                self.meta_session_kill_by(caller, args, session::Victims::All, out)
            }
            "wamp.session.add_testament" => self.meta_add_testament(caller, args),
            "wamp.session.flush_testaments" => self.meta_flush_testaments(caller, args),
            "wamp.registration.list" => self.meta_list(&self.dealer, args),
            "wamp.registration.lookup" => Realm::meta_lookup(&self.dealer, args),
            "wamp.registration.match" => self.meta_registration_match(args),
            "wamp.registration.get" => Realm::meta_get(&self.dealer, args),
            "wamp.registration.list_callees" => Realm::meta_members(&self.dealer, args, false),
            "wamp.registration.count_callees" => Realm::meta_members(&self.dealer, args, true),
            "wamp.subscription.list" => self.meta_list(&self.broker, args),
            "wamp.subscription.lookup" => Realm::meta_lookup(&self.broker, args),
            "wamp.subscription.match" => self.meta_subscription_match(args),
            "wamp.subscription.get" => Realm::meta_get(&self.broker, args),
            "wamp.subscription.list_subscribers" => Realm::meta_members(&self.broker, args, false),
            "wamp.subscription.count_subscribers" => Realm::meta_members(&self.broker, args, true),
            _ => return false,
        };
        let reply = match answer {
            Ok(payload) => Message::Result {
                request,
                details: Dict::new(),
                payload,
            },
            Err(Failure { error, explanation }) => {
                error_reply(MessageType::Call, request, error, explanation)
            }
        };
        send(out, caller, reply);
        true
    }

    /// Publishes a meta event on `topic`, if any subscription matches it; `payload` builds
    /// the arguments only then.
    fn publish_meta(
        &mut self,
        topic: &str,
        payload: impl FnOnce(&Realm) -> Payload,
        out: &mut Vec<Delivery>,
    ) {
        let topic = Uri::new(topic);
        if !self.broker.has_matching(&topic) {
            return;
        }
        let payload = payload(self);
        let publication = Id::from_random(rand::RngCore::next_u64(&mut self.rng));
        self.broker.publish_meta(&topic, publication, payload, out);
    }

    /// `wamp.session.on_join`.
    pub(super) fn publish_joined(&mut self, session: SessionId, out: &mut Vec<Delivery>) {
        self.publish_meta(
            SESSION_ON_JOIN,
            |realm| {
                let details = realm.session_details_counted(session).unwrap_or_default();
                Payload::args(vec![Value::Dict(details)])
            },
            out,
        );
    }

    /// `wamp.session.on_leave`, for a session already removed.
    pub(super) fn publish_left(
        &mut self,
        session: SessionId,
        info: &SessionInfo,
        out: &mut Vec<Delivery>,
    ) {
        self.publish_meta(
            SESSION_ON_LEAVE,
            |_| {
                Payload::args(vec![
                    session.get().into(),
                    info.authid.as_str().into(),
                    info.authrole.as_str().into(),
                ])
            },
            out,
        );
    }

    /// `wamp.subscription.on_create` (for a new subscription), then `on_subscribe` (for a
    /// new subscriber).
    pub(super) fn publish_subscribed(
        &mut self,
        session: SessionId,
        subscribed: Subscribed,
        out: &mut Vec<Delivery>,
    ) {
        if subscribed.created {
            self.publish_meta(
                SUBSCRIPTION_ON_CREATE,
                |realm| {
                    let details = realm
                        .broker
                        .subscription(subscribed.id)
                        .map(endpoint::details)
                        .unwrap_or_default();
                    Payload::args(vec![session.get().into(), Value::Dict(details)])
                },
                out,
            );
        }
        if subscribed.added {
            let payload = session_and_id(session, subscribed.id);
            self.publish_meta(SUBSCRIPTION_ON_SUBSCRIBE, payload, out);
        }
    }

    /// `wamp.subscription.on_unsubscribe`, then `on_delete` if it was the last subscriber.
    pub(super) fn publish_unsubscribed(
        &mut self,
        session: SessionId,
        removed: Removed,
        out: &mut Vec<Delivery>,
    ) {
        let payload = session_and_id(session, removed.id);
        self.publish_meta(SUBSCRIPTION_ON_UNSUBSCRIBE, payload, out);
        if removed.deleted {
            let payload = session_and_id(session, removed.id);
            self.publish_meta(SUBSCRIPTION_ON_DELETE, payload, out);
        }
    }

    /// `wamp.registration.on_create` (for a new registration), then `on_register`.
    pub(super) fn publish_registered(
        &mut self,
        session: SessionId,
        registered: Registered,
        out: &mut Vec<Delivery>,
    ) {
        if registered.created {
            self.publish_meta(
                REGISTRATION_ON_CREATE,
                |realm| {
                    let details = realm
                        .dealer
                        .registration(registered.id)
                        .map(endpoint::details)
                        .unwrap_or_default();
                    Payload::args(vec![session.get().into(), Value::Dict(details)])
                },
                out,
            );
        }
        let payload = session_and_id(session, registered.id);
        self.publish_meta(REGISTRATION_ON_REGISTER, payload, out);
    }

    /// `wamp.registration.on_unregister`, then `on_delete` if it was the last callee.
    pub(super) fn publish_unregistered(
        &mut self,
        session: SessionId,
        removed: Removed,
        out: &mut Vec<Delivery>,
    ) {
        let payload = session_and_id(session, removed.id);
        self.publish_meta(REGISTRATION_ON_UNREGISTER, payload, out);
        if removed.deleted {
            let payload = session_and_id(session, removed.id);
            self.publish_meta(REGISTRATION_ON_DELETE, payload, out);
        }
    }
}

/// The `[session, id]` arguments of most meta events.
fn session_and_id(session: SessionId, id: Id) -> impl FnOnce(&Realm) -> Payload {
    move |_| Payload::args(vec![session.get().into(), id.get().into()])
}

#[cfg(test)]
mod tests;

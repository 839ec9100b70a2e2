//! Session testaments (spec: "Session Testament"): publications a session leaves behind,
//! made by the router when the session goes.
//!
//! This router has no session resumption, so a session is detached and destroyed at the
//! same moment; both buckets are kept anyway, so that `flush_testaments` works per scope,
//! and the `detached` ones are published first, as the spec asks.

use wamp_proto::{Dict, Id, Payload, SessionId, Uri, Value};

use super::{Answer, Arguments, Failure, answer};
use crate::realm::broker::{self, Publish};
use crate::realm::{Context, Delivery, Realm, error_uri, index};

/// The most testaments a session may keep per scope: they cost memory until it leaves.
const MAX_PER_SCOPE: usize = 64;

/// A session's testaments, in the order they were added.
#[derive(Debug, Default)]
pub(in crate::realm) struct Testaments {
    detached: Vec<Testament>,
    destroyed: Vec<Testament>,
}

#[derive(Debug)]
struct Testament {
    topic: Uri,
    payload: Payload,
    options: Dict,
}

/// When a testament is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Detached,
    Destroyed,
}

impl Testaments {
    fn bucket(&mut self, scope: Scope) -> &mut Vec<Testament> {
        match scope {
            Scope::Detached => &mut self.detached,
            Scope::Destroyed => &mut self.destroyed,
        }
    }
}

/// The `scope` argument: `destroyed` by default; Crossbar.io's spelling `detatched` is
/// accepted for `detached`.
fn scope(args: Arguments<'_>, position: Option<usize>) -> Result<Scope, Failure> {
    match args.optional_string(position, "scope")? {
        None | Some("destroyed") => Ok(Scope::Destroyed),
        Some("detached" | "detatched") => Ok(Scope::Detached),
        Some(other) => Err(Failure::invalid_argument(format!(
            "scope '{other}' is neither 'destroyed' nor 'detached'"
        ))),
    }
}

impl Realm {
    /// `wamp.session.add_testament(topic, args, kwargs, publish_options=?, scope=?)`.
    pub(super) fn meta_add_testament(&mut self, caller: SessionId, args: Arguments<'_>) -> Answer {
        let topic = Uri::new(args.string(0, "topic")?);
        if !topic.is_valid(self.config.uri_rule, false) || index::is_reserved(&topic) {
            return Err(Failure::new(
                error_uri::INVALID_URI,
                format!(
                    "'{}' is not a topic this session may publish to",
                    topic.as_str()
                ),
            ));
        }
        let positional = match args.get(Some(1), "args") {
            None => Vec::new(),
            Some(Value::List(list)) => list.clone(),
            Some(_) => return Err(Failure::invalid_argument("argument 'args' must be a list")),
        };
        let keywords = args.optional_dict(Some(2), "kwargs")?.cloned();
        let mut options = args
            .optional_dict(Some(3), "publish_options")?
            .cloned()
            .unwrap_or_default();
        // Nobody is left to read an acknowledgement, and the session is gone by then.
        options.remove("acknowledge");
        options.insert("exclude_me".into(), Value::Bool(true));
        broker::check_publish_options(&options, caller).map_err(Failure::invalid_argument)?;
        let scope = scope(args, Some(4))?;
        let Some(activity) = self.activity.get_mut(&caller) else {
            return Err(Failure::new(
                error_uri::NO_SUCH_SESSION,
                "the caller has left",
            ));
        };
        let bucket = activity.testaments.bucket(scope);
        if bucket.len() >= MAX_PER_SCOPE {
            return Err(Failure::invalid_argument(format!(
                "a session may keep at most {MAX_PER_SCOPE} testaments per scope"
            )));
        }
        bucket.push(Testament {
            topic,
            payload: Payload {
                args: positional,
                kwargs: keywords.unwrap_or_default(),
            },
            options,
        });
        Ok(Payload::default())
    }

    /// `wamp.session.flush_testaments(scope=?)`: drops them, and says how many.
    pub(super) fn meta_flush_testaments(
        &mut self,
        caller: SessionId,
        args: Arguments<'_>,
    ) -> Answer {
        let scope = scope(args, Some(0))?;
        let flushed = self.activity.get_mut(&caller).map_or(0, |activity| {
            std::mem::take(activity.testaments.bucket(scope)).len()
        });
        answer(flushed as u64)
    }

    /// Publishes a leaving session's testaments, `detached` ones first, as if it published
    /// them itself (while it is still in the session table, so that `disclose_me` works).
    pub(in crate::realm) fn publish_testaments(
        &mut self,
        session: SessionId,
        testaments: Testaments,
        out: &mut Vec<Delivery>,
    ) {
        let Testaments {
            detached,
            destroyed,
        } = testaments;
        for testament in detached.into_iter().chain(destroyed) {
            let publication = Id::from_random(rand::RngCore::next_u64(&mut self.rng));
            let publish = Publish {
                publisher: session,
                // Never answered: `acknowledge` was removed when the testament was added.
                request: publication,
                options: testament.options,
                topic: testament.topic,
                payload: testament.payload,
                publication,
            };
            let context = Context {
                sessions: &self.sessions,
                rule: self.config.uri_rule,
                now: self.now,
            };
            self.broker.publish(publish, &context, out);
        }
    }
}

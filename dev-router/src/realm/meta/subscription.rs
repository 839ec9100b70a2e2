//! `wamp.subscription.*`: listing and describing subscriptions.

use wamp_proto::{Dict, Id, Uri, Value};

use super::{Answer, Arguments, Failure, answer, id_list, lists_by_policy};
use crate::realm::broker::Subscription;
use crate::realm::{Realm, error_uri, index};

/// `{id, created, uri, match}`, as `wamp.subscription.on_create` reports it.
pub(super) fn details(subscription: &Subscription) -> Dict {
    Dict::from([
        ("id".to_owned(), subscription.id().get().into()),
        (
            "created".to_owned(),
            subscription.created().rfc3339().into(),
        ),
        ("uri".to_owned(), subscription.topic().as_str().into()),
        ("match".to_owned(), subscription.policy().as_str().into()),
    ])
}

impl Realm {
    /// The subscription named by the `subscription` argument.
    fn subscription_argument(&self, args: Arguments<'_>) -> Result<&Subscription, Failure> {
        let id = args.integer(0, "subscription")?;
        Id::new(id)
            .and_then(|id| self.broker.subscription(id))
            .ok_or_else(|| {
                Failure::new(
                    error_uri::NO_SUCH_SUBSCRIPTION,
                    format!("no subscription with ID {id} in this realm"),
                )
            })
    }

    /// `wamp.subscription.list(session?)`.
    pub(super) fn meta_subscription_list(&self, args: Arguments<'_>) -> Answer {
        let session = args.get(Some(0), "session");
        let lists = match session {
            None => lists_by_policy(
                self.broker
                    .subscriptions()
                    .map(|subscription| (subscription.id(), subscription.policy())),
            ),
            Some(session) => {
                let session = session
                    .as_u64()
                    .and_then(Id::new)
                    .filter(|session| self.sessions.contains_key(session))
                    .ok_or_else(|| {
                        Failure::new(
                            error_uri::NO_SUCH_SESSION,
                            format!("no session {session:?} in this realm"),
                        )
                    })?;
                lists_by_policy(self.broker.subscriptions_of(session).filter_map(|id| {
                    self.broker
                        .subscription(id)
                        .map(|subscription| (id, subscription.policy()))
                }))
            }
        };
        answer(lists)
    }

    /// `wamp.subscription.lookup(topic, options?)`: the subscription for exactly this topic
    /// and `options.match`, or null.
    pub(super) fn meta_subscription_lookup(&self, args: Arguments<'_>) -> Answer {
        let topic = Uri::new(args.string(0, "topic")?);
        let options = args.optional_dict(Some(1), "options")?;
        let policy = index::match_policy(options.unwrap_or(&Dict::new()))
            .map_err(Failure::invalid_argument)?;
        let id = self.broker.lookup(&topic, policy).map(Subscription::id);
        answer(id.map_or(Value::Null, |id| id.get().into()))
    }

    /// `wamp.subscription.match(topic)`: every subscription a publication would reach, or
    /// null when there is none.
    pub(super) fn meta_subscription_match(&self, args: Arguments<'_>) -> Answer {
        let topic = Uri::new(args.string(0, "topic")?);
        let mut ids: Vec<Id> = self.broker.matching(&topic).map(Subscription::id).collect();
        if ids.is_empty() {
            return answer(Value::Null);
        }
        ids.sort_unstable();
        answer(id_list(ids))
    }

    /// `wamp.subscription.get(subscription)`, with the `dev_router` counters.
    pub(super) fn meta_subscription_get(&self, args: Arguments<'_>) -> Answer {
        let subscription = self.subscription_argument(args)?;
        let mut details = details(subscription);
        let counters = Dict::from([("events".to_owned(), subscription.events().into())]);
        details.insert("dev_router".into(), Value::Dict(counters));
        answer(details)
    }

    /// `wamp.subscription.list_subscribers(subscription)`, or `count_subscribers` when
    /// `count`.
    pub(super) fn meta_subscription_subscribers(&self, args: Arguments<'_>, count: bool) -> Answer {
        let subscription = self.subscription_argument(args)?;
        if count {
            return answer(subscription.subscribers().len() as u64);
        }
        let mut subscribers = subscription.subscribers().to_vec();
        subscribers.sort_unstable();
        answer(id_list(subscribers))
    }
}

//! `wamp.subscription.*`: the broker's subscriptions as [`Endpoints`], and `match`.

use wamp_proto::{Id, MatchPolicy, SessionId, Uri, Value};

use super::endpoint::{Endpoint, Endpoints};
use super::{Answer, Arguments, answer, id_list};
use crate::realm::broker::{Broker, Subscription};
use crate::realm::{Realm, Timestamp, error_uri};

impl Endpoint for Subscription {
    fn id(&self) -> Id {
        Subscription::id(self)
    }

    fn uri(&self) -> &Uri {
        self.topic()
    }

    fn policy(&self) -> MatchPolicy {
        Subscription::policy(self)
    }

    fn created(&self) -> Timestamp {
        Subscription::created(self)
    }

    /// Sorted by session ID (subscribers have no order).
    fn members(&self) -> Vec<SessionId> {
        let mut subscribers = self.subscribers().to_vec();
        subscribers.sort_unstable();
        subscribers
    }

    fn member_count(&self) -> usize {
        self.subscribers().len()
    }

    fn counter(&self) -> (&'static str, u64) {
        ("events", self.events())
    }
}

impl Endpoints for Broker {
    type Endpoint = Subscription;
    const ID_ARGUMENT: &'static str = "subscription";
    const URI_ARGUMENT: &'static str = "topic";
    const NO_SUCH: &'static str = error_uri::NO_SUCH_SUBSCRIPTION;

    fn endpoint(&self, id: Id) -> Option<&Subscription> {
        self.subscription(id)
    }

    fn endpoints(&self) -> impl Iterator<Item = &Subscription> {
        self.subscriptions()
    }

    fn endpoints_of(&self, session: SessionId) -> impl Iterator<Item = Id> {
        self.subscriptions_of(session)
    }

    fn lookup(&self, uri: &Uri, policy: MatchPolicy) -> Option<&Subscription> {
        Broker::lookup(self, uri, policy)
    }
}

impl Realm {
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
}

//! Publish and subscribe (spec: bp_pubsub_*.md; advanced: pattern-based subscriptions,
//! publisher exclusion, subscriber black- and whitelisting, publisher identification, event
//! retention).
//!
//! Subscriptions are shared: every session that subscribes to the same topic with the same
//! match policy joins the same [`Subscription`] and gets the same ID. A publication builds
//! one EVENT per matching subscription and hands the same [`Outgoing`] to all of its
//! subscribers.
//!
//! The broker reports what changed (a subscription created, a subscriber added or removed,
//! a subscription deleted) to the realm, which turns it into meta events.

use foldhash::{HashMap, HashSet};

use wamp_proto::{
    Dict, Id, IdSequence, MatchPolicy, Message, MessageType, Payload, RequestId, SessionId, Uri,
    Value,
};

use super::about::Retired;
use super::index::{self, PatternIndex};
use super::{
    Context, Delivery, Outgoing, Removed, SessionInfo, Timestamp, error_reply, error_uri, send,
};

/// The broker features announced in WELCOME, all implemented here (the meta API's are
/// announced by the realm).
pub(crate) const FEATURES: &[&str] = &[
    "event_retention",
    "pattern_based_subscription",
    "publisher_exclusion",
    "publisher_identification",
    "subscriber_blackwhite_listing",
];

/// One topic pattern and match policy, and the sessions subscribed to it.
#[derive(Debug)]
pub struct Subscription {
    id: Id,
    topic: Uri,
    policy: MatchPolicy,
    created: Timestamp,
    subscribers: SessionSet,
    events: u64,
}

impl Subscription {
    /// The subscription ID, the same for every subscriber.
    pub fn id(&self) -> Id {
        self.id
    }

    /// The topic, or topic pattern.
    pub fn topic(&self) -> &Uri {
        &self.topic
    }

    /// How the topic matches publications.
    pub fn policy(&self) -> MatchPolicy {
        self.policy
    }

    /// When the first subscriber created it.
    pub fn created(&self) -> Timestamp {
        self.created
    }

    /// The subscribed sessions, in no particular order; never empty.
    pub fn subscribers(&self) -> &[SessionId] {
        &self.subscribers.members
    }

    /// How many EVENTs it has delivered, counting each subscriber's copy (retained events
    /// included).
    pub fn events(&self) -> u64 {
        self.events
    }
}

/// The realm's subscriptions and retained events.
#[derive(Debug, Default)]
pub struct Broker {
    subscriptions: HashMap<Id, Subscription>,
    index: PatternIndex,
    /// Each session's subscriptions, to clean up when it leaves.
    by_session: HashMap<SessionId, HashSet<Id>>,
    ids: IdSequence,
    /// The last publication with `retain` per topic (spec: event retention).
    retained: HashMap<Uri, Retained>,
    /// Counts changes of who is subscribed to what; see [`Broker::revision`].
    revision: u64,
    /// The topics of the latest deleted subscriptions, for the trace.
    retired: Retired,
}

/// A retained publication, kept to be replayed to later subscribers that ask for it.
#[derive(Debug)]
struct Retained {
    publication: Id,
    publisher: SessionId,
    /// The publish options, for the black- and whitelists.
    options: Dict,
    /// The EVENT details it was published with (publisher disclosure).
    details: Dict,
    payload: Payload,
}

/// A PUBLISH, with the publication ID the realm drew for it.
#[derive(Debug)]
pub(crate) struct Publish {
    pub(crate) publisher: SessionId,
    pub(crate) request: RequestId,
    pub(crate) options: Dict,
    pub(crate) topic: Uri,
    pub(crate) payload: Payload,
    pub(crate) publication: Id,
}

/// A SUBSCRIBE that succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Subscribed {
    pub(crate) id: Id,
    /// The subscription did not exist before.
    pub(crate) created: bool,
    /// The session was not subscribed before (subscribing twice changes nothing).
    pub(crate) added: bool,
}

impl Broker {
    /// A subscription by ID.
    pub fn subscription(&self, id: Id) -> Option<&Subscription> {
        self.subscriptions.get(&id)
    }

    /// The topic (or pattern) of a subscription, or of one deleted lately.
    pub(crate) fn topic_of(&self, id: Id) -> Option<&Uri> {
        match self.subscriptions.get(&id) {
            Some(subscription) => Some(&subscription.topic),
            None => self.retired.get(id),
        }
    }

    /// Every subscription, in no particular order.
    pub fn subscriptions(&self) -> impl Iterator<Item = &Subscription> {
        self.subscriptions.values()
    }

    /// The subscription for exactly this topic pattern and policy.
    pub fn lookup(&self, topic: &Uri, policy: MatchPolicy) -> Option<&Subscription> {
        self.index
            .get(topic, policy)
            .and_then(|id| self.subscriptions.get(&id))
    }

    /// Every subscription a publication to `topic` would reach.
    pub fn matching<'a>(&'a self, topic: &'a Uri) -> impl Iterator<Item = &'a Subscription> + 'a {
        self.index
            .matching(topic)
            .filter_map(|(id, _)| self.subscriptions.get(&id))
    }

    /// The IDs of a session's subscriptions, in no particular order.
    pub fn subscriptions_of(&self, session: SessionId) -> impl Iterator<Item = Id> + '_ {
        self.by_session.get(&session).into_iter().flatten().copied()
    }

    /// How many topics have a retained event.
    pub fn retained_count(&self) -> usize {
        self.retained.len()
    }

    /// Whether a publication to `topic` would reach any subscription: lets the realm skip
    /// building meta events that nobody receives.
    pub(crate) fn has_matching(&self, topic: &Uri) -> bool {
        self.index.matching(topic).next().is_some()
    }

    /// A number that changes whenever a session subscribes or stops being subscribed: lets
    /// the server notice, at the cost of one comparison, that who watches a topic may have
    /// changed.
    pub(crate) fn revision(&self) -> u64 {
        self.revision
    }

    /// `SUBSCRIBE`: joins (or creates) the subscription for `(topic, match policy)` and
    /// answers SUBSCRIBED, followed by the retained events it matches if
    /// `options.get_retained` is set; or ERROR with `invalid_argument` (bad `match`) or
    /// `invalid_uri`, and `None`.
    pub(crate) fn subscribe(
        &mut self,
        session: SessionId,
        request: RequestId,
        options: &Dict,
        topic: Uri,
        context: &Context<'_>,
        out: &mut Vec<Delivery>,
    ) -> Option<Subscribed> {
        let policy = match index::match_policy(options) {
            Ok(policy) => policy,
            Err(explanation) => {
                let reply = error_reply(
                    MessageType::Subscribe,
                    request,
                    error_uri::INVALID_ARGUMENT,
                    explanation,
                );
                send(out, session, reply);
                return None;
            }
        };
        if !index::is_valid_pattern(&topic, policy, context.rule) {
            let explanation = format!(
                "invalid topic URI '{}' for {} matching",
                topic.as_str(),
                policy
            );
            let reply = error_reply(
                MessageType::Subscribe,
                request,
                error_uri::INVALID_URI,
                explanation,
            );
            send(out, session, reply);
            return None;
        }
        let (id, created) = match self.index.get(&topic, policy) {
            Some(id) => (id, false),
            None => {
                let id = self.ids.next();
                self.index.insert(topic.clone(), policy, id);
                self.subscriptions.insert(
                    id,
                    Subscription {
                        id,
                        topic,
                        policy,
                        created: context.now,
                        subscribers: SessionSet::default(),
                        events: 0,
                    },
                );
                (id, true)
            }
        };
        let added = self.by_session.entry(session).or_default().insert(id);
        send(
            out,
            session,
            Message::Subscribed {
                request,
                subscription: id,
            },
        );
        let subscription = self.subscriptions.get_mut(&id)?;
        subscription.subscribers.insert(session);
        self.revision += 1;
        if options.get("get_retained").and_then(Value::as_bool) == Some(true) {
            subscription.events +=
                deliver_retained(&self.retained, subscription, session, context.sessions, out);
        }
        Some(Subscribed { id, created, added })
    }

    /// `UNSUBSCRIBE`: answers UNSUBSCRIBED, or ERROR `no_such_subscription` (and `None`)
    /// when the session is not subscribed under that ID. The last subscriber's leaving
    /// deletes the subscription.
    pub(crate) fn unsubscribe(
        &mut self,
        session: SessionId,
        request: RequestId,
        subscription: Id,
        out: &mut Vec<Delivery>,
    ) -> Option<Removed> {
        let subscribed = self
            .by_session
            .get_mut(&session)
            .is_some_and(|ids| ids.remove(&subscription));
        if !subscribed {
            let explanation =
                format!("session is not subscribed under subscription {subscription}");
            let reply = error_reply(
                MessageType::Unsubscribe,
                request,
                error_uri::NO_SUCH_SUBSCRIPTION,
                explanation,
            );
            send(out, session, reply);
            return None;
        }
        let removed = self.remove_subscriber(subscription, session);
        send(
            out,
            session,
            Message::Unsubscribed {
                request: Some(request),
                details: Dict::new(),
            },
        );
        Some(removed)
    }

    /// `PUBLISH`: one EVENT per matching subscription, shared by its subscribers, and
    /// PUBLISHED if `acknowledge` is set; with `retain`, the publication becomes the topic's
    /// retained event. Errors (`invalid_uri`, `invalid_argument`) are sent only if
    /// `acknowledge` is set, as the spec asks; otherwise a bad publication is dropped.
    pub(crate) fn publish(
        &mut self,
        publish: Publish,
        context: &Context<'_>,
        out: &mut Vec<Delivery>,
    ) {
        let sessions = context.sessions;
        let Publish {
            publisher,
            request,
            options,
            topic,
            payload,
            publication,
        } = publish;
        let acknowledge = options
            .get("acknowledge")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let fail = |out: &mut Vec<Delivery>, error: &str, explanation: String| {
            if acknowledge {
                send(
                    out,
                    publisher,
                    error_reply(MessageType::Publish, request, error, explanation),
                );
            }
        };
        if !topic.is_valid(context.rule, false) {
            return fail(
                out,
                error_uri::INVALID_URI,
                format!("invalid topic URI '{}'", topic.as_str()),
            );
        }
        if index::is_reserved(&topic) {
            let explanation = format!(
                "topic '{}' is in a namespace reserved for the router ({})",
                topic.as_str(),
                index::RESERVED
            );
            return fail(out, error_uri::INVALID_URI, explanation);
        }
        let recipients = match Recipients::from_options(&options, publisher) {
            Ok(recipients) => recipients,
            Err(explanation) => return fail(out, error_uri::INVALID_ARGUMENT, explanation),
        };
        if acknowledge {
            send(
                out,
                publisher,
                Message::Published {
                    request,
                    publication,
                },
            );
        }

        let mut details = Dict::new();
        if options.get("disclose_me").and_then(Value::as_bool) == Some(true) {
            details.insert("publisher".into(), publisher.get().into());
            if let Some(info) = sessions.get(&publisher) {
                details.insert("publisher_authid".into(), info.authid.as_str().into());
                details.insert("publisher_authrole".into(), info.authrole.as_str().into());
            }
        }
        let retain = options.get("retain").and_then(Value::as_bool) == Some(true);
        let retained_payload = retain.then(|| payload.clone());
        self.deliver(
            &topic,
            publication,
            &details,
            payload,
            |subscriber| recipients.admits(subscriber, sessions),
            out,
        );
        if let Some(payload) = retained_payload {
            let mut options = options.clone();
            options.remove("acknowledge");
            self.retained.insert(
                topic,
                Retained {
                    publication,
                    publisher,
                    options,
                    details,
                    payload,
                },
            );
        }
    }

    /// Publishes an event of the router's own (a meta event) to every subscriber of
    /// `topic`: no publisher, so no exclusion and no lists.
    pub(crate) fn publish_meta(
        &mut self,
        topic: &Uri,
        publication: Id,
        payload: Payload,
        out: &mut Vec<Delivery>,
    ) {
        self.deliver(topic, publication, &Dict::new(), payload, |_| true, out);
    }

    /// [`Broker::publish_meta`] for monitoring traffic, which the subscriptions' event
    /// counters leave out (so that reporting the counters does not change them).
    pub(crate) fn publish_uncounted(
        &mut self,
        topic: &Uri,
        publication: Id,
        payload: Payload,
        out: &mut Vec<Delivery>,
    ) {
        let start = out.len();
        self.deliver(topic, publication, &Dict::new(), payload, |_| true, out);
        for delivery in out.get(start..).unwrap_or_default() {
            if let Message::Event { subscription, .. } = delivery.message.message()
                && let Some(subscription) = self.subscriptions.get_mut(subscription)
            {
                subscription.events = subscription.events.saturating_sub(1);
            }
        }
    }

    /// One EVENT per subscription matching `topic` with at least one subscriber that
    /// `admits`, shared by all of them.
    fn deliver(
        &mut self,
        topic: &Uri,
        publication: Id,
        details: &Dict,
        mut payload: Payload,
        admits: impl Fn(SessionId) -> bool,
        out: &mut Vec<Delivery>,
    ) {
        let matched: Vec<Id> = self.index.matching(topic).map(|(id, _)| id).collect();
        let last = matched.len().saturating_sub(1);
        for (i, id) in matched.into_iter().enumerate() {
            let Some(subscription) = self.subscriptions.get_mut(&id) else {
                continue;
            };
            // Built on the first admitted subscriber, so that subscriptions nobody receives
            // cost nothing; encoded later, once per serializer, by whoever sends it first.
            let mut event: Option<Outgoing> = None;
            let mut delivered = 0;
            for &subscriber in &subscription.subscribers.members {
                if !admits(subscriber) {
                    continue;
                }
                let event = event.get_or_insert_with(|| {
                    let mut details = details.clone();
                    if subscription.policy != MatchPolicy::Exact {
                        details.insert("topic".into(), topic.as_str().into());
                    }
                    let payload = if i == last {
                        std::mem::take(&mut payload)
                    } else {
                        payload.clone()
                    };
                    Outgoing::new(Message::Event {
                        subscription: subscription.id,
                        publication,
                        details,
                        payload,
                    })
                });
                out.push(Delivery::new(subscriber, event.clone()));
                delivered += 1;
            }
            subscription.events += delivered;
        }
    }

    /// Drops every subscription of a session that left, and says which.
    pub(crate) fn leave(&mut self, session: SessionId) -> Vec<Removed> {
        let mut ids: Vec<Id> = self
            .by_session
            .remove(&session)
            .unwrap_or_default()
            .into_iter()
            .collect();
        ids.sort_unstable();
        ids.into_iter()
            .map(|id| self.remove_subscriber(id, session))
            .collect()
    }

    fn remove_subscriber(&mut self, id: Id, session: SessionId) -> Removed {
        self.revision += 1;
        let Some(subscription) = self.subscriptions.get_mut(&id) else {
            return Removed { id, deleted: false };
        };
        subscription.subscribers.remove(session);
        let deleted = subscription.subscribers.members.is_empty();
        if deleted {
            self.index.remove(&subscription.topic, subscription.policy);
            if let Some(subscription) = self.subscriptions.remove(&id) {
                self.retired.remember(id, subscription.topic);
            }
        }
        Removed { id, deleted }
    }
}

/// Checks publish options as PUBLISH does (`exclude_me`, black- and whitelists), for
/// publications the realm makes on a session's behalf later (testaments).
///
/// # Errors
/// The explanation for `wamp.error.invalid_argument`.
pub(crate) fn check_publish_options(options: &Dict, publisher: SessionId) -> Result<(), String> {
    Recipients::from_options(options, publisher).map(|_| ())
}

/// Sends `session` the retained events that `subscription` matches and that the session
/// may receive, marked `retained`; returns how many.
fn deliver_retained(
    retained: &HashMap<Uri, Retained>,
    subscription: &Subscription,
    session: SessionId,
    sessions: &HashMap<SessionId, SessionInfo>,
    out: &mut Vec<Delivery>,
) -> u64 {
    let candidates: Vec<(&Uri, &Retained)> = match subscription.policy {
        MatchPolicy::Exact => retained
            .get_key_value(&subscription.topic)
            .into_iter()
            .collect(),
        policy => {
            let mut matching: Vec<(&Uri, &Retained)> = retained
                .iter()
                .filter(|(topic, _)| policy.matches(subscription.topic.as_str(), topic.as_str()))
                .collect();
            // Topic order, so that the replay is the same every time.
            matching.sort_unstable_by(|a, b| a.0.cmp(b.0));
            matching
        }
    };
    let mut delivered = 0;
    for (topic, event) in candidates {
        let admitted = Recipients::from_options(&event.options, event.publisher)
            .is_ok_and(|recipients| recipients.admits(session, sessions));
        if !admitted {
            continue;
        }
        let mut details = event.details.clone();
        details.insert("retained".into(), Value::Bool(true));
        if subscription.policy != MatchPolicy::Exact {
            details.insert("topic".into(), topic.as_str().into());
        }
        send(
            out,
            session,
            Message::Event {
                subscription: subscription.id,
                publication: event.publication,
                details,
                payload: event.payload.clone(),
            },
        );
        delivered += 1;
    }
    delivered
}

/// Who may receive a publication: the publisher only with `exclude_me: false`, and the
/// black- and whitelists of the publish options.
#[derive(Debug)]
struct Recipients<'a> {
    publisher: SessionId,
    exclude_me: bool,
    exclude: Option<HashSet<u64>>,
    eligible: Option<HashSet<u64>>,
    exclude_authid: Option<Vec<&'a str>>,
    exclude_authrole: Option<Vec<&'a str>>,
    eligible_authid: Option<Vec<&'a str>>,
    eligible_authrole: Option<Vec<&'a str>>,
}

impl<'a> Recipients<'a> {
    fn from_options(options: &'a Dict, publisher: SessionId) -> Result<Self, String> {
        let exclude_me = match options.get("exclude_me") {
            None => true,
            Some(value) => value
                .as_bool()
                .ok_or("option 'exclude_me' must be a boolean")?,
        };
        Ok(Recipients {
            publisher,
            exclude_me,
            exclude: session_ids(options, "exclude")?,
            eligible: session_ids(options, "eligible")?,
            exclude_authid: strings(options, "exclude_authid")?,
            exclude_authrole: strings(options, "exclude_authrole")?,
            eligible_authid: strings(options, "eligible_authid")?,
            eligible_authrole: strings(options, "eligible_authrole")?,
        })
    }

    fn admits(&self, session: SessionId, sessions: &HashMap<SessionId, SessionInfo>) -> bool {
        if self.exclude_me && session == self.publisher {
            return false;
        }
        let id = session.get();
        if self.exclude.as_ref().is_some_and(|ids| ids.contains(&id))
            || self.eligible.as_ref().is_some_and(|ids| !ids.contains(&id))
        {
            return false;
        }
        if self.exclude_authid.is_none()
            && self.exclude_authrole.is_none()
            && self.eligible_authid.is_none()
            && self.eligible_authrole.is_none()
        {
            return true;
        }
        let Some(info) = sessions.get(&session) else {
            return false;
        };
        let listed =
            |list: &Option<Vec<&str>>, value: &str| list.as_ref().map(|list| list.contains(&value));
        listed(&self.exclude_authid, &info.authid) != Some(true)
            && listed(&self.exclude_authrole, &info.authrole) != Some(true)
            && listed(&self.eligible_authid, &info.authid) != Some(false)
            && listed(&self.eligible_authrole, &info.authrole) != Some(false)
    }
}

fn session_ids(options: &Dict, key: &str) -> Result<Option<HashSet<u64>>, String> {
    let Some(value) = options.get(key) else {
        return Ok(None);
    };
    let error = || format!("option '{key}' must be a list of session IDs");
    let list = value.as_list().ok_or_else(error)?;
    list.iter()
        .map(|id| id.as_u64().ok_or_else(error))
        .collect::<Result<_, _>>()
        .map(Some)
}

fn strings<'a>(options: &'a Dict, key: &str) -> Result<Option<Vec<&'a str>>, String> {
    let Some(value) = options.get(key) else {
        return Ok(None);
    };
    let error = || format!("option '{key}' must be a list of strings");
    let list = value.as_list().ok_or_else(error)?;
    list.iter()
        .map(|s| s.as_str().ok_or_else(error))
        .collect::<Result<_, _>>()
        .map(Some)
}

/// The subscribers of one subscription: a dense list to iterate on every publication, and
/// positions for O(1) insert and remove.
#[derive(Debug, Default)]
struct SessionSet {
    members: Vec<SessionId>,
    positions: HashMap<SessionId, usize>,
}

impl SessionSet {
    fn insert(&mut self, session: SessionId) {
        if let std::collections::hash_map::Entry::Vacant(entry) = self.positions.entry(session) {
            entry.insert(self.members.len());
            self.members.push(session);
        }
    }

    fn remove(&mut self, session: SessionId) {
        let Some(position) = self.positions.remove(&session) else {
            return;
        };
        self.members.swap_remove(position);
        if let Some(moved) = self.members.get(position) {
            self.positions.insert(*moved, position);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::realm::RealmConfig;
    use wamp_proto::{Serializer, UriRule};

    fn ack() -> Dict {
        dict(&[("acknowledge", true.into())])
    }

    fn hello() -> Payload {
        Payload {
            args: vec!["hello".into()],
            kwargs: dict(&[("n", 1.into())]),
        }
    }

    fn event_of(delivery: &Delivery) -> (Id, Id, &Dict, &Payload) {
        match delivery.message.message() {
            Message::Event {
                subscription,
                publication,
                details,
                payload,
            } => (*subscription, *publication, details, payload),
            other => panic!("expected EVENT, got {other:?}"),
        }
    }

    fn recipients(out: &[Delivery]) -> Vec<u64> {
        let mut to: Vec<u64> = out.iter().map(|d| d.to.get()).collect();
        to.sort_unstable();
        to
    }

    #[test]
    fn subscriptions_are_shared_per_topic_and_policy() {
        let mut h = Harness::new(3);
        let a = h.subscribe(1, "com.x", "exact");
        assert_eq!(
            h.subscribe(2, "com.x", "exact"),
            a,
            "second subscriber, same ID"
        );
        assert_eq!(
            h.subscribe(2, "com.x", "exact"),
            a,
            "subscribing twice, same ID"
        );
        let prefix = h.subscribe(3, "com.x", "prefix");
        assert_ne!(prefix, a, "another policy is another subscription");
        let subscription = h.realm.broker().subscription(a).unwrap();
        assert_eq!(subscription.topic().as_str(), "com.x");
        assert_eq!(subscription.policy(), MatchPolicy::Exact);
        assert_eq!(subscription.subscribers().len(), 2);
        assert_eq!(
            h.realm
                .broker()
                .lookup(&uri("com.x"), MatchPolicy::Prefix)
                .unwrap()
                .id(),
            prefix
        );
        assert_eq!(h.realm.broker().subscriptions().count(), 2);
    }

    #[test]
    fn subscribed_answers_the_request() {
        let mut h = Harness::new(1);
        let out = h.send(
            1,
            Message::Subscribe {
                request: id(77),
                options: Dict::new(),
                topic: uri("com.x"),
            },
        );
        assert!(matches!(only(&out, 1), Message::Subscribed { request, .. } if *request == id(77)));
    }

    #[test]
    fn one_event_is_shared_by_every_subscriber() {
        let mut h = Harness::new(101);
        for n in 2..=101 {
            h.subscribe(n, "com.x", "exact");
        }
        let out = h.publish(1, "com.x", Dict::new(), hello());
        assert_eq!(out.len(), 100);
        assert_eq!(recipients(&out), (2..=101).collect::<Vec<_>>());
        let first = &out[0].message;
        assert!(
            out.iter().all(|d| d.message.ptr_eq(first)),
            "every subscriber shares one Outgoing"
        );
        let (_, _, details, payload) = event_of(&out[0]);
        assert!(
            details.is_empty(),
            "no topic detail for exact subscriptions"
        );
        assert_eq!(payload, &hello());
    }

    #[test]
    fn shared_events_are_encoded_once() {
        let mut h = Harness::new(3);
        h.subscribe(2, "com.x", "exact");
        h.subscribe(3, "com.x", "exact");
        let out = h.publish(1, "com.x", Dict::new(), hello());
        let a = out[0].message.encoded(Serializer::Json);
        let b = out[1].message.encoded(Serializer::Json);
        assert_eq!(
            a.as_ptr(),
            b.as_ptr(),
            "the second recipient reuses the first one's bytes"
        );
    }

    #[test]
    fn the_publisher_is_excluded_unless_it_asks() {
        let mut h = Harness::new(2);
        h.subscribe(1, "com.x", "exact");
        h.subscribe(2, "com.x", "exact");
        assert_eq!(
            recipients(&h.publish(1, "com.x", Dict::new(), hello())),
            [2]
        );
        let options = dict(&[("exclude_me", false.into())]);
        assert_eq!(recipients(&h.publish(1, "com.x", options, hello())), [1, 2]);
        let options = dict(&[("exclude_me", true.into())]);
        assert_eq!(recipients(&h.publish(1, "com.x", options, hello())), [2]);
    }

    #[test]
    fn acknowledge_answers_published_with_the_events_publication() {
        let mut h = Harness::new(2);
        h.subscribe(2, "com.x", "exact");
        let out = h.publish(1, "com.x", Dict::new(), hello());
        assert_eq!(recipients(&out), [2], "no PUBLISHED without acknowledge");

        let out = h.publish(1, "com.x", ack(), hello());
        assert_eq!(recipients(&out), [1, 2]);
        let published = out.iter().find(|d| d.to == id(1)).unwrap();
        let Message::Published {
            request,
            publication,
        } = published.message.message()
        else {
            panic!("expected PUBLISHED, got {published:?}")
        };
        assert_eq!(*request, id(9));
        let event = out.iter().find(|d| d.to == id(2)).unwrap();
        assert_eq!(event_of(event).1, *publication);
    }

    #[test]
    fn publishing_to_nobody_is_fine() {
        let mut h = Harness::new(1);
        assert!(h.publish(1, "com.nobody", Dict::new(), hello()).is_empty());
        let out = h.publish(1, "com.nobody", ack(), hello());
        assert!(matches!(only(&out, 1), Message::Published { .. }));
    }

    #[test]
    fn invalid_topics_are_errors_only_when_acknowledged() {
        let mut h = Harness::new(2);
        h.subscribe(2, "com", "prefix");
        for bad in ["com..x", "com.x.", "com.a b", ""] {
            assert!(h.publish(1, bad, Dict::new(), hello()).is_empty(), "{bad}");
            let out = h.publish(1, bad, ack(), hello());
            assert_eq!(
                error_of(only(&out, 1)),
                (MessageType::Publish, "wamp.error.invalid_uri"),
                "{bad}"
            );
        }
    }

    #[test]
    fn reserved_namespaces_are_for_subscribing_not_publishing() {
        let mut h = Harness::new(2);
        for topic in ["wamp.session.on_join", "dev_router.trace.on_message"] {
            h.subscribe(2, topic, "exact");
            let out = h.publish(1, topic, ack(), hello());
            assert_eq!(
                error_of(only(&out, 1)),
                (MessageType::Publish, "wamp.error.invalid_uri"),
                "{topic}"
            );
        }
    }

    #[test]
    fn the_revision_changes_with_subscribers() {
        let mut h = Harness::new(2);
        let start = h.realm.broker().revision();
        let id = h.subscribe(1, "com.a", "exact");
        let subscribed = h.realm.broker().revision();
        assert_ne!(subscribed, start);
        h.publish(2, "com.a", ack(), hello());
        assert_eq!(
            h.realm.broker().revision(),
            subscribed,
            "publishing changes nothing"
        );
        h.send(
            1,
            Message::Unsubscribe {
                request: super::super::testing::id(2),
                subscription: id,
            },
        );
        let unsubscribed = h.realm.broker().revision();
        assert_ne!(unsubscribed, subscribed);
        h.subscribe(2, "com.b", "exact");
        h.leave(2);
        assert_ne!(h.realm.broker().revision(), unsubscribed);
    }

    #[test]
    fn strict_rule_rejects_loose_uris() {
        let config = RealmConfig {
            uri_rule: UriRule::Strict,
            ..RealmConfig::default()
        };
        let mut h = Harness::with_config(2, config);
        let out = h.send(
            1,
            Message::Subscribe {
                request: id(1),
                options: Dict::new(),
                topic: uri("com.MyApp"),
            },
        );
        assert_eq!(
            error_of(only(&out, 1)),
            (MessageType::Subscribe, "wamp.error.invalid_uri")
        );
        let out = h.publish(1, "com.my-app", ack(), hello());
        assert_eq!(
            error_of(only(&out, 1)),
            (MessageType::Publish, "wamp.error.invalid_uri")
        );
        h.subscribe(1, "com.my_app", "exact");

        let mut loose = Harness::new(1);
        loose.subscribe(1, "com.MyApp", "exact");
    }

    #[test]
    fn topic_patterns_are_checked_for_their_policy() {
        let mut h = Harness::new(1);
        let invalid = |h: &mut Harness, topic: &str, policy: &str| {
            let options = dict(&[("match", policy.into())]);
            let out = h.send(
                1,
                Message::Subscribe {
                    request: id(1),
                    options,
                    topic: uri(topic),
                },
            );
            error_of(only(&out, 1)) == (MessageType::Subscribe, "wamp.error.invalid_uri")
        };
        assert!(invalid(&mut h, "com..x", "exact"));
        assert!(invalid(&mut h, "com.x.", "exact"));
        assert!(invalid(&mut h, "com..x", "prefix"));
        assert!(invalid(&mut h, "com.a b", "wildcard"));
        h.subscribe(1, "com.x.", "prefix");
        h.subscribe(1, "com..x", "wildcard");
        // The empty prefix matches everything, the meta events of its own creation
        // included.
        let out = h.send(
            1,
            Message::Subscribe {
                request: id(2),
                options: dict(&[("match", "prefix".into())]),
                topic: uri(""),
            },
        );
        assert!(matches!(
            out[0].message.message(),
            Message::Subscribed { .. }
        ));
        let topics: Vec<&Value> = out[1..].iter().map(|d| &event_of(d).2["topic"]).collect();
        assert_eq!(
            topics,
            [
                &Value::from("wamp.subscription.on_create"),
                &Value::from("wamp.subscription.on_subscribe")
            ]
        );
    }

    #[test]
    fn unknown_match_policies_are_invalid_arguments() {
        let mut h = Harness::new(1);
        for policy in [Value::from("regex"), Value::Int(1)] {
            let options = dict(&[("match", policy)]);
            let out = h.send(
                1,
                Message::Subscribe {
                    request: id(1),
                    options,
                    topic: uri("com.x"),
                },
            );
            assert_eq!(
                error_of(only(&out, 1)),
                (MessageType::Subscribe, "wamp.error.invalid_argument")
            );
        }
    }

    #[test]
    fn pattern_subscriptions_get_the_concrete_topic() {
        let mut h = Harness::new(4);
        let exact = h.subscribe(2, "com.app.user.created", "exact");
        let prefix = h.subscribe(3, "com.app.user", "prefix");
        let wildcard = h.subscribe(4, "com.app..created", "wildcard");
        let out = h.publish(1, "com.app.user.created", Dict::new(), hello());
        assert_eq!(recipients(&out), [2, 3, 4]);
        let publications: HashSet<Id> = out.iter().map(|d| event_of(d).1).collect();
        assert_eq!(publications.len(), 1, "one publication ID for all");
        for delivery in &out {
            let (subscription, _, details, payload) = event_of(delivery);
            assert_eq!(payload, &hello());
            if subscription == exact {
                assert!(details.get("topic").is_none());
            } else {
                assert!(subscription == prefix || subscription == wildcard);
                assert_eq!(details["topic"], Value::from("com.app.user.created"));
            }
        }
        // Prefix is by string, wildcard by whole components.
        assert_eq!(
            recipients(&h.publish(1, "com.app.username", Dict::new(), hello())),
            [3]
        );
        assert_eq!(
            recipients(&h.publish(1, "com.app.order.created", Dict::new(), hello())),
            [4]
        );
        assert!(
            h.publish(1, "com.app.order.created.late", Dict::new(), hello())
                .is_empty()
        );
        assert!(h.publish(1, "com.ap", Dict::new(), hello()).is_empty());
    }

    #[test]
    fn one_event_per_matching_subscription_of_a_session() {
        let mut h = Harness::new(2);
        let a = h.subscribe(2, "com.x", "exact");
        let b = h.subscribe(2, "com", "prefix");
        let c = h.subscribe(2, "com.", "prefix");
        let out = h.publish(1, "com.x", Dict::new(), hello());
        assert_eq!(recipients(&out), [2, 2, 2]);
        let subscriptions: HashSet<Id> = out.iter().map(|d| event_of(d).0).collect();
        assert_eq!(subscriptions, [a, b, c].into_iter().collect::<HashSet<_>>());
        assert!(
            out.iter().all(|d| event_of(d).3 == &hello()),
            "every event carries the payload"
        );
    }

    #[test]
    fn unsubscribe_errors_and_cleanup() {
        let mut h = Harness::new(3);
        let a = h.subscribe(1, "com.x", "exact");
        h.subscribe(2, "com.x", "exact");

        let unsubscribe = |subscription| Message::Unsubscribe {
            request: id(5),
            subscription,
        };
        let out = h.send(1, unsubscribe(id(999)));
        assert_eq!(
            error_of(only(&out, 1)),
            (MessageType::Unsubscribe, "wamp.error.no_such_subscription")
        );
        let out = h.send(3, unsubscribe(a));
        assert_eq!(
            error_of(only(&out, 3)),
            (MessageType::Unsubscribe, "wamp.error.no_such_subscription")
        );

        let out = h.send(1, unsubscribe(a));
        assert!(
            matches!(only(&out, 1), Message::Unsubscribed { request: Some(r), .. } if *r == id(5))
        );
        let out = h.send(1, unsubscribe(a));
        assert_eq!(
            error_of(only(&out, 1)),
            (MessageType::Unsubscribe, "wamp.error.no_such_subscription")
        );
        assert_eq!(
            h.realm.broker().subscription(a).unwrap().subscribers(),
            [id(2)]
        );
        assert_eq!(
            recipients(&h.publish(3, "com.x", Dict::new(), hello())),
            [2]
        );

        h.send(2, unsubscribe(a));
        assert!(
            h.realm.broker().subscription(a).is_none(),
            "the last subscriber deletes it"
        );
        assert!(
            h.realm
                .broker()
                .lookup(&uri("com.x"), MatchPolicy::Exact)
                .is_none()
        );
        assert!(h.publish(3, "com.x", Dict::new(), hello()).is_empty());
        assert_ne!(
            h.subscribe(1, "com.x", "exact"),
            a,
            "a new subscription gets a new ID"
        );
    }

    #[test]
    fn leaving_drops_subscriptions() {
        let mut h = Harness::new(3);
        let a = h.subscribe(1, "com.x", "exact");
        let b = h.subscribe(1, "com.y", "exact");
        h.subscribe(2, "com.x", "exact");
        assert!(h.leave(1).is_empty());
        assert!(h.realm.broker().subscription(b).is_none());
        assert_eq!(
            h.realm.broker().subscription(a).unwrap().subscribers(),
            [id(2)]
        );
        assert_eq!(
            recipients(&h.publish(3, "com.x", Dict::new(), hello())),
            [2]
        );
    }

    #[test]
    fn black_and_white_lists() {
        // Sessions n have authid "user<n>" and authrole "role<n % 2>".
        let mut h = Harness::new(5);
        for n in 2..=5 {
            h.subscribe(n, "com.x", "exact");
        }
        let ids = |ids: &[u64]| Value::List(ids.iter().map(|n| Value::from(*n)).collect());
        let strs = |s: &[&str]| Value::List(s.iter().map(|s| Value::from(*s)).collect());
        let mut to = |options: Dict| recipients(&h.publish(1, "com.x", options, hello()));
        assert_eq!(to(dict(&[("exclude", ids(&[2, 3]))])), [4, 5]);
        assert_eq!(to(dict(&[("eligible", ids(&[2, 3, 99]))])), [2, 3]);
        assert_eq!(
            to(dict(&[("eligible", ids(&[2, 3])), ("exclude", ids(&[2]))])),
            [3]
        );
        assert_eq!(
            to(dict(&[
                ("eligible", ids(&[1])),
                ("exclude_me", false.into())
            ])),
            Vec::<u64>::new()
        );
        assert_eq!(to(dict(&[("exclude_authid", strs(&["user4"]))])), [2, 3, 5]);
        assert_eq!(
            to(dict(&[("eligible_authid", strs(&["user4", "user5"]))])),
            [4, 5]
        );
        assert_eq!(to(dict(&[("exclude_authrole", strs(&["role0"]))])), [3, 5]);
        assert_eq!(to(dict(&[("eligible_authrole", strs(&["role0"]))])), [2, 4]);
        assert_eq!(
            to(dict(&[
                ("eligible_authrole", strs(&["role0"])),
                ("exclude", ids(&[4]))
            ])),
            [2]
        );
    }

    #[test]
    fn malformed_publish_options_are_invalid_arguments_when_acknowledged() {
        let mut h = Harness::new(2);
        h.subscribe(2, "com.x", "exact");
        for (key, value) in [
            ("exclude", Value::from("2")),
            ("eligible_authid", Value::List(vec![1.into()])),
        ] {
            assert!(
                h.publish(1, "com.x", dict(&[(key, value.clone())]), hello())
                    .is_empty(),
                "{key}"
            );
            let options = dict(&[(key, value), ("acknowledge", true.into())]);
            let out = h.publish(1, "com.x", options, hello());
            assert_eq!(
                error_of(only(&out, 1)),
                (MessageType::Publish, "wamp.error.invalid_argument"),
                "{key}"
            );
        }
    }

    #[test]
    fn disclose_me_identifies_the_publisher() {
        let mut h = Harness::new(2);
        h.subscribe(2, "com.x", "exact");
        let out = h.publish(1, "com.x", Dict::new(), hello());
        assert!(event_of(&out[0]).2.is_empty());
        let out = h.publish(1, "com.x", dict(&[("disclose_me", true.into())]), hello());
        let details = event_of(&out[0]).2;
        assert_eq!(details["publisher"], Value::from(1u64));
        assert_eq!(details["publisher_authid"], Value::from("user1"));
        assert_eq!(details["publisher_authrole"], Value::from("role1"));
    }

    #[test]
    fn session_set_keeps_positions_consistent() {
        let mut set = SessionSet::default();
        for n in 1..=5 {
            set.insert(id(n));
        }
        set.insert(id(3));
        assert_eq!(set.members.len(), 5);
        set.remove(id(1));
        set.remove(id(1));
        set.remove(id(5));
        set.remove(id(3));
        let mut members: Vec<u64> = set.members.iter().map(|id| id.get()).collect();
        members.sort_unstable();
        assert_eq!(members, [2, 4]);
        for (position, member) in set.members.iter().enumerate() {
            assert_eq!(set.positions[member], position);
        }
    }

    fn subscribe_retained(
        h: &mut Harness,
        session: u64,
        topic: &str,
        policy: &str,
    ) -> Vec<Delivery> {
        let options = dict(&[("match", policy.into()), ("get_retained", true.into())]);
        let out = h.send(
            session,
            Message::Subscribe {
                request: id(3),
                options,
                topic: uri(topic),
            },
        );
        assert!(
            matches!(out[0].message.message(), Message::Subscribed { .. }),
            "{out:?}"
        );
        out[1..].to_vec()
    }

    fn retain() -> Dict {
        dict(&[("retain", true.into())])
    }

    #[test]
    fn the_retained_event_follows_subscribed() {
        let mut h = Harness::new(3);
        assert!(subscribe_retained(&mut h, 2, "com.temp", "exact").is_empty());
        let out = h.publish(1, "com.temp", retain(), hello());
        assert_eq!(
            recipients(&out),
            [2],
            "a retained publication is delivered as usual"
        );
        let publication = event_of(&out[0]).1;
        assert_eq!(h.realm.broker().retained_count(), 1);

        let out = subscribe_retained(&mut h, 3, "com.temp", "exact");
        assert_eq!(recipients(&out), [3]);
        let (subscription, retained_publication, details, payload) = event_of(&out[0]);
        assert_eq!(
            subscription,
            h.realm
                .broker()
                .lookup(&uri("com.temp"), MatchPolicy::Exact)
                .unwrap()
                .id()
        );
        assert_eq!(retained_publication, publication);
        assert_eq!(details, &dict(&[("retained", true.into())]));
        assert_eq!(payload, &hello());
        // Without get_retained, nothing.
        let out = h.send(
            3,
            Message::Subscribe {
                request: id(4),
                options: Dict::new(),
                topic: uri("com.temp"),
            },
        );
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn only_the_latest_retained_publication_is_kept() {
        let mut h = Harness::new(2);
        h.publish(1, "com.temp", retain(), Payload::args(vec![1.into()]));
        h.publish(1, "com.temp", retain(), Payload::args(vec![2.into()]));
        h.publish(1, "com.temp", Dict::new(), Payload::args(vec![3.into()]));
        let out = subscribe_retained(&mut h, 2, "com.temp", "exact");
        assert_eq!(recipients(&out), [2]);
        assert_eq!(event_of(&out[0]).3.args, [Value::Int(2)]);
        // Invalid publications retain nothing.
        h.publish(1, "com..bad", retain(), hello());
        h.publish(1, "wamp.session.on_join", retain(), hello());
        assert_eq!(h.realm.broker().retained_count(), 1);
    }

    #[test]
    fn pattern_subscriptions_get_every_matching_retained_event() {
        let mut h = Harness::new(2);
        h.publish(1, "com.sensor.b", retain(), Payload::args(vec!["b".into()]));
        h.publish(1, "com.sensor.a", retain(), Payload::args(vec!["a".into()]));
        h.publish(1, "com.other", retain(), hello());
        let out = subscribe_retained(&mut h, 2, "com.sensor", "prefix");
        let topics: Vec<&Value> = out.iter().map(|d| &event_of(d).2["topic"]).collect();
        assert_eq!(
            topics,
            [&Value::from("com.sensor.a"), &Value::from("com.sensor.b")]
        );
        assert!(
            out.iter()
                .all(|d| event_of(d).2["retained"] == Value::Bool(true))
        );
        let out = subscribe_retained(&mut h, 2, "com..b", "wildcard");
        assert_eq!(out.len(), 1);
        assert_eq!(event_of(&out[0]).3.args, [Value::from("b")]);
    }

    #[test]
    fn retained_events_respect_the_lists_and_publisher_exclusion() {
        // Sessions n have authid "user<n>" and authrole "role<n % 2>".
        let mut h = Harness::new(4);
        let options = dict(&[
            ("retain", true.into()),
            ("exclude_authrole", Value::List(vec!["role0".into()])),
            ("disclose_me", true.into()),
        ]);
        h.publish(1, "com.x", options, hello());
        assert!(
            subscribe_retained(&mut h, 2, "com.x", "exact").is_empty(),
            "role0 excluded"
        );
        assert!(
            subscribe_retained(&mut h, 1, "com.x", "exact").is_empty(),
            "the publisher is excluded"
        );
        let out = subscribe_retained(&mut h, 3, "com.x", "exact");
        let details = event_of(&out[0]).2;
        assert_eq!(details["publisher"], Value::from(1u64));
        assert_eq!(details["retained"], Value::Bool(true));
        let subscription = event_of(&out[0]).0;
        assert_eq!(
            h.realm
                .broker()
                .subscription(subscription)
                .unwrap()
                .events(),
            1
        );
    }

    #[test]
    fn subscriptions_count_their_events() {
        let mut h = Harness::new(3);
        let a = h.subscribe(2, "com.x", "exact");
        h.subscribe(3, "com.x", "exact");
        h.publish(1, "com.x", Dict::new(), hello());
        h.publish(
            1,
            "com.x",
            dict(&[("exclude", Value::List(vec![3.into()]))]),
            hello(),
        );
        assert_eq!(h.realm.broker().subscription(a).unwrap().events(), 3);
    }
}

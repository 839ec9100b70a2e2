//! `dev_router.session.on_stats`: the router's counters (messages per session, calls per
//! registration, events per subscription), pushed once a second to whoever subscribes, so
//! that a monitor (the inspector's tables) stays current without polling `wamp.*.get`.
//!
//! Each EVENT has `kwargs = {sessions: [{session, messages_in, messages_out}, ...],
//! registrations: [{registration, calls}, ...], subscriptions: [{subscription, events},
//! ...]}`, each list with only what changed since the last EVENT (everything with a
//! non-zero count in the first after nobody watched), sorted by ID. Nothing is sent while
//! nothing changed, and nothing at all, not even a timer, while nobody subscribes. The
//! EVENTs themselves count as no session's messages and are not traced, so that watching
//! does not feed itself.

use std::cell::Cell;

use foldhash::HashMap;
use wamp_proto::{Dict, Id, Payload, Uri, Value};

use crate::realm::{Delivery, Realm, Timestamp};

/// The topic.
pub(crate) const ON_STATS: &str = "dev_router.session.on_stats";
/// The time between two EVENTs.
pub(crate) const STATS_INTERVAL_MS: u64 = 1000;

/// When the next EVENT is due, whether anybody watches, and what was told last.
#[derive(Debug, Default)]
pub(crate) struct StatsClock {
    /// `(broker revision, watched)`: refreshed when the broker's subscriptions change.
    watched: Cell<Option<(u64, bool)>>,
    /// When the next EVENT is due; `None` while nobody watched at the last look.
    next: Option<Timestamp>,
    /// Calls per registration and events per subscription as last told (sessions keep
    /// theirs in their activity).
    calls: HashMap<Id, u64>,
    events: HashMap<Id, u64>,
}

/// The entries of `counts` that differ from `told` (absent counts as 0), sorted by ID, as
/// `{id_key: id, count_key: n}` dictionaries; `told` becomes `counts`.
fn changed(
    counts: impl Iterator<Item = (Id, u64)>,
    told: &mut HashMap<Id, u64>,
    id_key: &str,
    count_key: &str,
) -> Value {
    let mut now = HashMap::default();
    let mut changed = Vec::new();
    for (id, count) in counts {
        if told.get(&id).copied().unwrap_or(0) != count {
            changed.push((id, count));
        }
        now.insert(id, count);
    }
    *told = now;
    changed.sort_unstable_by_key(|(id, _)| *id);
    Value::List(
        changed
            .into_iter()
            .map(|(id, count)| {
                Value::Dict(Dict::from([
                    (id_key.to_owned(), id.get().into()),
                    (count_key.to_owned(), count.into()),
                ]))
            })
            .collect(),
    )
}

impl Realm {
    /// Whether some subscription matches [`ON_STATS`]: one comparison when the broker's
    /// subscriptions did not change since the last look.
    fn stats_watched(&self) -> bool {
        let revision = self.broker.revision();
        match self.stats.watched.get() {
            Some((seen, watched)) if seen == revision => watched,
            _ => {
                let watched = self.broker.has_matching(&Uri::new(ON_STATS));
                self.stats.watched.set(Some((revision, watched)));
                watched
            }
        }
    }

    /// When the next stats EVENT is due: [`STATS_INTERVAL_MS`] after the last if somebody
    /// watches (now, if they just started); `None` otherwise.
    pub(crate) fn next_stats(&self) -> Option<Timestamp> {
        match self.stats_watched() {
            true => Some(self.stats.next.unwrap_or(self.now)),
            false => None,
        }
    }

    /// Publishes the counters that changed, if an EVENT is due at `self.now`.
    pub(crate) fn publish_stats(&mut self, out: &mut Vec<Delivery>) {
        if !self.stats_watched() {
            if self.stats.next.take().is_some() {
                // Whoever watches next starts from nothing told.
                self.stats.calls.clear();
                self.stats.events.clear();
                for activity in self.activity.values_mut() {
                    activity.reported = (0, 0);
                }
            }
            return;
        }
        if self.stats.next.is_some_and(|next| self.now < next) {
            return;
        }
        self.stats.next = Some(self.now.plus_millis(STATS_INTERVAL_MS));

        let mut sessions: Vec<_> = self
            .activity
            .iter_mut()
            .filter(|(_, activity)| {
                activity.reported != (activity.messages_in, activity.messages_out)
            })
            .map(|(session, activity)| {
                activity.reported = (activity.messages_in, activity.messages_out);
                (*session, activity.reported)
            })
            .collect();
        sessions.sort_unstable_by_key(|(session, _)| *session);
        let sessions = Value::List(
            sessions
                .into_iter()
                .map(|(session, (messages_in, messages_out))| {
                    Value::Dict(Dict::from([
                        ("session".to_owned(), session.get().into()),
                        ("messages_in".to_owned(), messages_in.into()),
                        ("messages_out".to_owned(), messages_out.into()),
                    ]))
                })
                .collect(),
        );
        let calls = self.dealer.registrations().map(|r| (r.id(), r.calls()));
        let registrations = changed(calls, &mut self.stats.calls, "registration", "calls");
        let events = self.broker.subscriptions().map(|s| (s.id(), s.events()));
        let subscriptions = changed(events, &mut self.stats.events, "subscription", "events");

        let empty = |value: &Value| value.as_list().is_some_and(|list| list.is_empty());
        if empty(&sessions) && empty(&registrations) && empty(&subscriptions) {
            return;
        }
        let payload = Payload {
            args: Vec::new(),
            kwargs: Dict::from([
                ("sessions".to_owned(), sessions),
                ("registrations".to_owned(), registrations),
                ("subscriptions".to_owned(), subscriptions),
            ]),
        };
        let start = out.len();
        let publication = Id::from_random(rand::RngCore::next_u64(&mut self.rng));
        self.broker
            .publish_uncounted(&Uri::new(ON_STATS), publication, payload, out);
        for delivery in out.get_mut(start..).unwrap_or_default() {
            delivery.untraced = true;
        }
    }
}

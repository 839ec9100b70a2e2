//! `dev_router.session.on_stats`: every session's message counters, pushed once a second to
//! whoever subscribes, so that a monitor (the inspector's session table) stays current
//! without polling `wamp.session.get`.
//!
//! Each EVENT has `args = [[{session, messages_in, messages_out}, ...]]`: the sessions whose
//! counters changed since the last one (all of them in the first after nobody watched).
//! Nothing is sent while nothing changed, and nothing at all, not even a timer, while
//! nobody subscribes. The EVENTs themselves count as no session's messages and are not
//! traced, so that watching does not feed itself.

use std::cell::Cell;

use wamp_proto::{Dict, Payload, Uri, Value};

use crate::realm::{Delivery, Realm, Timestamp};

/// The topic.
pub(crate) const ON_STATS: &str = "dev_router.session.on_stats";
/// The time between two EVENTs.
pub(crate) const STATS_INTERVAL_MS: u64 = 1000;

/// When the next EVENT is due, and whether anybody watches (as of a broker revision).
#[derive(Debug, Default)]
pub(crate) struct StatsClock {
    /// `(broker revision, watched)`: refreshed when the broker's subscriptions change.
    watched: Cell<Option<(u64, bool)>>,
    /// When the next EVENT is due; `None` while nobody watched at the last look.
    next: Option<Timestamp>,
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
            self.stats.next = None;
            return;
        }
        if self.stats.next.is_some_and(|next| self.now < next) {
            return;
        }
        self.stats.next = Some(self.now.plus_millis(STATS_INTERVAL_MS));
        let mut changed: Vec<_> = self
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
        if changed.is_empty() {
            return;
        }
        changed.sort_unstable_by_key(|(session, _)| *session);
        let records = changed
            .into_iter()
            .map(|(session, (messages_in, messages_out))| {
                Value::Dict(Dict::from([
                    ("session".to_owned(), session.get().into()),
                    ("messages_in".to_owned(), messages_in.into()),
                    ("messages_out".to_owned(), messages_out.into()),
                ]))
            })
            .collect();
        let start = out.len();
        self.publish_meta(ON_STATS, |_| Payload::args(vec![Value::List(records)]), out);
        for delivery in out.get_mut(start..).unwrap_or_default() {
            delivery.untraced = true;
        }
    }
}

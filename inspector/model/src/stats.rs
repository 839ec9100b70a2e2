//! The dev-router's counters, pushed once a second on `dev_router.session.on_stats` (see the
//! dev-router's README, "Meta API"): messages per session, calls per registration, events
//! per subscription, each only when it changed. Other routers have no such topic; their
//! tables simply show no counters.

use wamp_proto::{Dict, Value};

use crate::endpoints::{EndpointKind, EndpointTable};
use crate::sessions::SessionsTable;

/// The topic.
pub const ON_STATS: &str = "dev_router.session.on_stats";

/// One `on_stats` event: the counters that changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// `(session, messages_in, messages_out)`.
    pub sessions: Vec<(u64, u64, u64)>,
    /// `(registration, calls)`.
    pub registrations: Vec<(u64, u64)>,
    /// `(subscription, events)`.
    pub subscriptions: Vec<(u64, u64)>,
}

impl Stats {
    /// Reads an event's keyword arguments; entries of the wrong shape are skipped, and a
    /// missing list is empty.
    pub fn from_kwargs(kwargs: &Dict) -> Stats {
        let records = |key: &str| -> Vec<&Dict> {
            kwargs
                .get(key)
                .and_then(Value::as_list)
                .map(|list| list.iter().filter_map(Value::as_dict).collect())
                .unwrap_or_default()
        };
        let number = |record: &Dict, key: &str| record.get(key).and_then(Value::as_u64);
        Stats {
            sessions: records("sessions")
                .into_iter()
                .filter_map(|r| {
                    Some((
                        number(r, "session")?,
                        number(r, "messages_in")?,
                        number(r, "messages_out")?,
                    ))
                })
                .collect(),
            registrations: records("registrations")
                .into_iter()
                .filter_map(|r| Some((number(r, "registration")?, number(r, "calls")?)))
                .collect(),
            subscriptions: records("subscriptions")
                .into_iter()
                .filter_map(|r| Some((number(r, "subscription")?, number(r, "events")?)))
                .collect(),
        }
    }

    /// Whether it reports nothing.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty() && self.registrations.is_empty() && self.subscriptions.is_empty()
    }
}

impl SessionsTable {
    /// Sets the message counters of the sessions in the table; returns whether any changed.
    pub fn apply_stats(&mut self, stats: &Stats) -> bool {
        let mut changed = false;
        for &(session, messages_in, messages_out) in &stats.sessions {
            changed |= self.set_counters(session, messages_in, messages_out);
        }
        changed
    }
}

impl EndpointTable {
    /// Sets the calls or events counted for the registrations or subscriptions in the table
    /// (whichever this table holds); returns whether any changed.
    pub fn apply_stats(&mut self, stats: &Stats) -> bool {
        let counts = match self.kind() {
            EndpointKind::Registration => &stats.registrations,
            EndpointKind::Subscription => &stats.subscriptions,
        };
        let mut changed = false;
        for &(id, count) in counts {
            changed |= self.set_count(id, count);
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoints::Endpoint;
    use crate::sessions::SessionRow;

    fn record(pairs: &[(&str, u64)]) -> Value {
        Value::Dict(
            pairs
                .iter()
                .map(|(key, value)| ((*key).to_owned(), Value::from(*value)))
                .collect(),
        )
    }

    fn kwargs() -> Dict {
        Dict::from([
            (
                "sessions".to_owned(),
                Value::List(vec![
                    record(&[("session", 1), ("messages_in", 5), ("messages_out", 7)]),
                    record(&[("session", 9), ("messages_in", 1), ("messages_out", 1)]),
                    record(&[("session", 2)]),
                ]),
            ),
            (
                "registrations".to_owned(),
                Value::List(vec![record(&[("registration", 3), ("calls", 4)])]),
            ),
            (
                "subscriptions".to_owned(),
                Value::List(vec![record(&[("subscription", 3), ("events", 8)])]),
            ),
        ])
    }

    #[test]
    fn reads_what_changed_and_skips_what_it_cannot_read() {
        let stats = Stats::from_kwargs(&kwargs());
        assert_eq!(stats.sessions, [(1, 5, 7), (9, 1, 1)]);
        assert_eq!(stats.registrations, [(3, 4)]);
        assert_eq!(stats.subscriptions, [(3, 8)]);
        assert!(Stats::from_kwargs(&Dict::new()).is_empty());
        let wrong = Dict::from([("sessions".to_owned(), Value::from("no"))]);
        assert!(Stats::from_kwargs(&wrong).is_empty());
    }

    #[test]
    fn tables_take_the_counters_of_what_they_hold() {
        let stats = Stats::from_kwargs(&kwargs());
        let mut sessions = SessionsTable::new();
        let details = Dict::from([("session".to_owned(), Value::from(1u64))]);
        sessions.upsert(SessionRow::from_details(&details).unwrap());
        assert!(sessions.apply_stats(&stats));
        let row = sessions.row(1).unwrap();
        assert_eq!((row.messages_in, row.messages_out), (Some(5), Some(7)));
        assert!(!sessions.contains(9), "unknown sessions are not added");
        assert!(!sessions.apply_stats(&stats), "nothing new");

        let mut registrations = EndpointTable::new(EndpointKind::Registration);
        let details = Dict::from([
            ("id".to_owned(), Value::from(3u64)),
            ("uri".to_owned(), Value::from("com.example.add")),
        ]);
        registrations
            .set_details(Endpoint::from_details(EndpointKind::Registration, &details).unwrap());
        assert!(registrations.apply_stats(&stats));
        assert_eq!(registrations.endpoint(3).unwrap().count, Some(4));
        let mut subscriptions = EndpointTable::new(EndpointKind::Subscription);
        assert!(
            !subscriptions.apply_stats(&stats),
            "no such subscription here"
        );
        assert!(subscriptions.endpoint(3).is_none());
    }
}

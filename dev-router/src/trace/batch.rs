//! The costly half of the trace API, run outside the realm's lock: decoding records,
//! filtering them by URI, and building the batches and history results.
//!
//! The realm's lock is held only to copy out what is needed (records are cheap to clone);
//! [`BatchPlan::build`] and [`HistoryQuery::answer`] then do the decoding while routing goes
//! on, and the server queues what they return.

use foldhash::{HashMap, HashMapExt};
use std::sync::Arc;

use wamp_proto::{Dict, Id, Message, Payload, RequestId, SessionId, Value};

use super::filter::Filter;
use super::record::Record;
use super::{MAX_BATCH, ON_MESSAGE};
use crate::realm::{Outgoing, Realm};

/// One batch interval's new records and who watches them, taken from the realm by
/// [`super::Trace::plan_batch`].
#[derive(Debug)]
pub(crate) struct BatchPlan {
    pub(super) realm: Arc<str>,
    /// The new records, oldest first.
    pub(super) records: Vec<Record>,
    pub(super) recipients: Vec<Recipient>,
}

/// One subscriber of the trace topic, through one subscription.
#[derive(Debug, Clone)]
pub(super) struct Recipient {
    pub(super) session: SessionId,
    pub(super) subscription: Id,
    pub(super) pattern: bool,
    pub(super) filter: Filter,
    /// Records it missed so far, reported in this batch.
    pub(super) dropped: u64,
}

/// A batch for one watcher.
#[derive(Debug)]
pub(crate) struct Batch {
    pub(crate) to: SessionId,
    /// The EVENT; watchers with the same filter and the same news share it.
    pub(crate) event: Outgoing,
    /// How many records it carries.
    pub(crate) records: u64,
    /// How many more there were, beyond [`MAX_BATCH`].
    pub(crate) skipped: u64,
    /// How many dropped records it reports: those it missed before, and `skipped`.
    pub(crate) reported: u64,
}

impl BatchPlan {
    /// Names the records' subjects in `realm`: the part of the work that needs the realm,
    /// done under its lock before [`BatchPlan::build`].
    pub(crate) fn name_subjects(&mut self, realm: &Realm) {
        for record in &mut self.records {
            record.name_subject(realm);
        }
    }

    /// One EVENT per distinct (filter, subscription, dropped count), shared by the watchers
    /// it is for: `args = [[record, ...]]`, `kwargs = {dropped: n}`. At most [`MAX_BATCH`]
    /// records each, the newest; the older ones count as dropped. Every record is decoded at
    /// most once, and only if some watcher's filter may want it. A watcher with nothing new
    /// and nothing dropped gets nothing.
    pub(crate) fn build(self) -> Vec<Batch> {
        let BatchPlan {
            realm,
            records,
            recipients,
        } = self;
        let mut cache: Vec<Option<(Option<String>, Value)>> = vec![None; records.len()];
        let mut selections: HashMap<Filter, Vec<usize>> = HashMap::new();
        for recipient in &recipients {
            if selections.contains_key(&recipient.filter) {
                continue;
            }
            let filter = &recipient.filter;
            let mut selected = Vec::new();
            for (index, record) in records.iter().enumerate() {
                if !filter.admits_cheaply(record) {
                    continue;
                }
                let (uri, _) = cache[index].get_or_insert_with(|| {
                    let materialized = record.materialize();
                    let uri = materialized.uri.clone();
                    (uri, record.to_value(&realm, materialized))
                });
                if filter.admits_uri(uri.as_deref()) {
                    selected.push(index);
                }
            }
            selections.insert(filter.clone(), selected);
        }

        let mut shared: HashMap<Audience, Batch> = HashMap::new();
        let mut batches = Vec::new();
        for recipient in recipients {
            let selected = selections
                .get(&recipient.filter)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let skipped = selected.len().saturating_sub(MAX_BATCH);
            let audience = Audience {
                subscription: recipient.subscription,
                pattern: recipient.pattern,
                dropped: recipient.dropped + skipped as u64,
                filter: recipient.filter,
            };
            if selected.is_empty() && audience.dropped == 0 {
                continue;
            }
            let batch = shared.entry(audience).or_insert_with_key(|audience| {
                let kept = &selected[skipped..];
                let list = kept
                    .iter()
                    .filter_map(|index| cache[*index].as_ref().map(|(_, value)| value.clone()))
                    .collect();
                Batch {
                    to: recipient.session,
                    event: event(audience, Value::List(list)),
                    records: kept.len() as u64,
                    skipped: skipped as u64,
                    reported: audience.dropped,
                }
            });
            batches.push(Batch {
                to: recipient.session,
                event: batch.event.clone(),
                ..*batch
            });
        }
        batches
    }
}

/// Watchers that get the same EVENT.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Audience {
    filter: Filter,
    subscription: Id,
    /// Subscribed by a pattern: the EVENT names the topic in its details.
    pattern: bool,
    /// What the EVENT reports as dropped.
    dropped: u64,
}

/// The EVENT of a batch for `audience`.
fn event(audience: &Audience, records: Value) -> Outgoing {
    let mut details = Dict::new();
    if audience.pattern {
        details.insert("topic".into(), ON_MESSAGE.into());
    }
    let payload = Payload {
        args: vec![records],
        kwargs: Dict::from([("dropped".to_owned(), Value::from(audience.dropped))]),
    };
    Outgoing::new(Message::Event {
        subscription: audience.subscription,
        publication: Id::from_random(rand::random()),
        details,
        payload,
    })
}

/// A `dev_router.trace.history` call, with the candidate records taken from the realm.
#[derive(Debug)]
pub(crate) struct HistoryQuery {
    pub(super) request: RequestId,
    pub(super) realm: Arc<str>,
    /// Records that pass the filter's session and type parts, newest first.
    pub(super) candidates: Vec<Record>,
    pub(super) filter: Filter,
    pub(super) limit: usize,
}

impl HistoryQuery {
    /// Names the candidates' subjects in `realm`, under its lock (see
    /// [`BatchPlan::name_subjects`]).
    pub(crate) fn name_subjects(&mut self, realm: &Realm) {
        for record in &mut self.candidates {
            record.name_subject(realm);
        }
    }

    /// The RESULT: `args = [[record, ...]]`, the newest `limit` matching records, oldest
    /// first.
    pub(crate) fn answer(self) -> Message {
        let mut found = Vec::new();
        for record in &self.candidates {
            if found.len() >= self.limit {
                break;
            }
            let materialized = record.materialize();
            if self.filter.admits_uri(materialized.uri.as_deref()) {
                found.push(record.to_value(&self.realm, materialized));
            }
        }
        found.reverse();
        Message::Result {
            request: self.request,
            details: Dict::new(),
            payload: Payload::args(vec![Value::List(found)]),
        }
    }
}

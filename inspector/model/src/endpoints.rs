//! The registrations and subscriptions tables: one type, [`EndpointTable`], for both
//! ([`EndpointKind`] says which). Seeded from `list` + `get` + `list_callees` /
//! `list_subscribers`, kept current by the `on_create`, `on_register` / `on_subscribe`,
//! `on_unregister` / `on_unsubscribe` and `on_delete` events.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use wamp_proto::Dict;

use crate::format;
use crate::meta::{self, MetaEvent};

/// Registrations (procedures and their callees) or subscriptions (topics and their
/// subscribers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndpointKind {
    /// `wamp.registration.*`.
    Registration,
    /// `wamp.subscription.*`.
    Subscription,
}

impl EndpointKind {
    /// `wamp.registration` or `wamp.subscription`.
    pub fn meta_prefix(self) -> &'static str {
        match self {
            EndpointKind::Registration => "wamp.registration",
            EndpointKind::Subscription => "wamp.subscription",
        }
    }

    /// The kind whose meta procedures start with `prefix`.
    pub fn from_meta_prefix(prefix: &str) -> Option<EndpointKind> {
        match prefix {
            "wamp.registration" => Some(EndpointKind::Registration),
            "wamp.subscription" => Some(EndpointKind::Subscription),
            _ => None,
        }
    }

    /// The event of a new member: `on_register` or `on_subscribe`.
    pub fn joined_event(self) -> &'static str {
        match self {
            EndpointKind::Registration => "on_register",
            EndpointKind::Subscription => "on_subscribe",
        }
    }

    /// The event of a member leaving: `on_unregister` or `on_unsubscribe`.
    pub fn left_event(self) -> &'static str {
        match self {
            EndpointKind::Registration => "on_unregister",
            EndpointKind::Subscription => "on_unsubscribe",
        }
    }

    /// The procedure listing members: `list_callees` or `list_subscribers`.
    pub fn members_procedure(self) -> String {
        match self {
            EndpointKind::Registration => "wamp.registration.list_callees".to_owned(),
            EndpointKind::Subscription => "wamp.subscription.list_subscribers".to_owned(),
        }
    }

    /// A meta procedure of this kind, e.g. `procedure("get")`.
    pub fn procedure(self, name: &str) -> String {
        format!("{}.{name}", self.meta_prefix())
    }

    /// `callees` or `subscribers`.
    pub fn members_name(self) -> &'static str {
        match self {
            EndpointKind::Registration => "callees",
            EndpointKind::Subscription => "subscribers",
        }
    }

    /// `calls` or `events`: what the router counts for one.
    pub fn count_name(self) -> &'static str {
        match self {
            EndpointKind::Registration => "calls",
            EndpointKind::Subscription => "events",
        }
    }
}

/// A registration (procedure) or subscription (topic).
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    /// Registration or subscription.
    pub kind: EndpointKind,
    /// The registration or subscription ID.
    pub id: u64,
    /// The procedure or topic URI (a pattern for `prefix` and `wildcard`).
    pub uri: String,
    /// `exact`, `prefix` or `wildcard`.
    pub match_policy: String,
    /// For registrations: `single`, `roundrobin`, `random`, `first` or `last`.
    pub invoke: Option<String>,
    /// When it was created (Unix ms), if the router says.
    pub created_ms: Option<f64>,
    /// The callees or subscribers.
    pub members: BTreeSet<u64>,
    /// Calls or events the router counted, if it counts them.
    pub count: Option<u64>,
    /// Whether its details (URI, policies) are known: false for an ID seen only in an
    /// `on_register` / `on_subscribe` event so far.
    pub complete: bool,
    /// Changes whenever the row does: a key for re-rendering.
    pub revision: u64,
}

impl Endpoint {
    /// From a `get` result or an `on_create` event's details; `None` without an ID.
    pub fn from_details(kind: EndpointKind, details: &Dict) -> Option<Endpoint> {
        let id = details.get("id")?.as_u64()?;
        let count = meta::counters(details).and_then(|c| c.get(kind.count_name())?.as_u64());
        Some(Endpoint {
            kind,
            id,
            uri: meta::text(details, "uri").unwrap_or_default(),
            match_policy: meta::text(details, "match").unwrap_or_else(|| "exact".to_owned()),
            invoke: match kind {
                EndpointKind::Registration => meta::text(details, "invoke"),
                EndpointKind::Subscription => None,
            },
            created_ms: meta::text(details, "created").and_then(|t| format::parse_rfc3339(&t)),
            members: BTreeSet::new(),
            count,
            complete: true,
            revision: 0,
        })
    }

    /// A row known only by its ID so far.
    fn placeholder(kind: EndpointKind, id: u64) -> Endpoint {
        Endpoint {
            kind,
            id,
            uri: String::new(),
            match_policy: "exact".to_owned(),
            invoke: None,
            created_ms: None,
            members: BTreeSet::new(),
            count: None,
            complete: false,
            revision: 0,
        }
    }

    /// Whether its URI is a pattern (`prefix` or `wildcard` match).
    pub fn is_pattern(&self) -> bool {
        self.match_policy != "exact"
    }

    /// Whether it belongs to the meta API or the dev-router's own URIs.
    pub fn is_meta(&self) -> bool {
        is_meta_uri(&self.uri)
    }
}

/// Whether a URI belongs to the WAMP meta API (`wamp.`) or the dev-router (`dev_router.`).
pub fn is_meta_uri(uri: &str) -> bool {
    uri.starts_with("wamp.") || uri.starts_with("dev_router.")
}

/// What the app must ask the router after an event: the details of an endpoint it has not
/// seen created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fetch {
    /// Registration or subscription.
    pub kind: EndpointKind,
    /// Its ID.
    pub id: u64,
}

/// The registrations or the subscriptions of the realm.
#[derive(Debug, Clone)]
pub struct EndpointTable {
    kind: EndpointKind,
    rows: BTreeMap<u64, Endpoint>,
    /// Endpoints deleted: a late `get` result must not bring them back.
    gone: HashSet<u64>,
    revision: u64,
}

impl EndpointTable {
    /// An empty table of `kind`.
    pub fn new(kind: EndpointKind) -> Self {
        EndpointTable {
            kind,
            rows: BTreeMap::new(),
            gone: HashSet::new(),
            revision: 0,
        }
    }

    /// Registrations or subscriptions.
    pub fn kind(&self) -> EndpointKind {
        self.kind
    }

    /// Forgets everything (before seeding again after a reconnect).
    pub fn reset(&mut self) {
        self.rows.clear();
        self.gone.clear();
        self.bump();
    }

    /// Changes with every change of the table.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    fn bump(&mut self) -> u64 {
        self.revision += 1;
        self.revision
    }

    /// Runs `change` on the row `id` (made as a placeholder if missing) and bumps its
    /// revision if it changed. Does nothing for a deleted ID.
    fn change(&mut self, id: u64, change: impl FnOnce(&mut Endpoint)) -> bool {
        if self.gone.contains(&id) {
            return false;
        }
        let kind = self.kind;
        let row = self
            .rows
            .entry(id)
            .or_insert_with(|| Endpoint::placeholder(kind, id));
        let before = row.clone();
        change(row);
        if *row == before && row.revision != 0 {
            return false;
        }
        self.revision += 1;
        if let Some(row) = self.rows.get_mut(&id) {
            row.revision = self.revision;
        }
        true
    }

    /// Sets an endpoint's details (from `get`), keeping its members and, if the details
    /// lack it, its count.
    pub fn set_details(&mut self, endpoint: Endpoint) -> bool {
        if endpoint.kind != self.kind {
            return false;
        }
        self.change(endpoint.id, |row| {
            let members = std::mem::take(&mut row.members);
            let count = row.count;
            let revision = row.revision;
            *row = Endpoint {
                members,
                count: endpoint.count.or(count),
                revision,
                ..endpoint
            };
        })
    }

    /// Sets what an endpoint counted (from `dev_router.session.on_stats`), if it is in the
    /// table; returns whether it changed.
    pub fn set_count(&mut self, id: u64, count: u64) -> bool {
        if self.endpoint(id).is_none_or(|row| row.count == Some(count)) {
            return false;
        }
        self.change(id, |row| row.count = Some(count))
    }

    /// Sets an endpoint's members (from `list_callees` / `list_subscribers`).
    pub fn set_members(&mut self, id: u64, members: impl IntoIterator<Item = u64>) -> bool {
        let members: BTreeSet<u64> = members.into_iter().collect();
        self.change(id, |row| row.members = members)
    }

    /// Removes an endpoint.
    pub fn remove(&mut self, id: u64) -> bool {
        self.gone.insert(id);
        let removed = self.rows.remove(&id).is_some();
        if removed {
            self.bump();
        }
        removed
    }

    /// Applies a meta event. Returns the endpoint whose details must be fetched (one seen
    /// in an `on_register` / `on_subscribe` before its details are known), if any.
    pub fn apply(&mut self, event: &MetaEvent) -> Option<Fetch> {
        match event {
            MetaEvent::Created { endpoint, .. } if endpoint.kind == self.kind => {
                self.set_details(endpoint.clone());
                None
            }
            MetaEvent::Joined { kind, session, id } if *kind == self.kind => {
                self.change(*id, |row| {
                    row.members.insert(*session);
                });
                let complete = self.rows.get(id).is_some_and(|row| row.complete);
                (!complete && !self.gone.contains(id)).then_some(Fetch {
                    kind: self.kind,
                    id: *id,
                })
            }
            MetaEvent::Left { kind, session, id } if *kind == self.kind => {
                if self.rows.contains_key(id) {
                    self.change(*id, |row| {
                        row.members.remove(session);
                    });
                }
                None
            }
            MetaEvent::Deleted { kind, id } if *kind == self.kind => {
                self.remove(*id);
                None
            }
            MetaEvent::SessionLeft { session } => {
                self.forget_member(*session);
                None
            }
            _ => None,
        }
    }

    /// Removes a session that left from every endpoint, and the endpoints it was the last
    /// member of (the router deletes those; not every router says so).
    pub fn forget_member(&mut self, session: u64) {
        let affected: Vec<u64> = self
            .rows
            .values()
            .filter(|row| row.members.contains(&session))
            .map(|row| row.id)
            .collect();
        for id in affected {
            self.change(id, |row| {
                row.members.remove(&session);
            });
            if self.rows.get(&id).is_some_and(|row| row.members.is_empty()) {
                self.remove(id);
            }
        }
    }

    /// One endpoint.
    pub fn endpoint(&self, id: u64) -> Option<&Endpoint> {
        self.rows.get(&id)
    }

    /// How many endpoints.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Every endpoint ID, ascending.
    pub fn ids(&self) -> Vec<u64> {
        self.rows.keys().copied().collect()
    }

    /// Every endpoint, in ID order.
    pub fn iter(&self) -> impl Iterator<Item = &Endpoint> {
        self.rows.values()
    }

    /// The endpoints `session` is a member of, by URI.
    pub fn of_session(&self, session: u64) -> Vec<Endpoint> {
        let mut rows: Vec<Endpoint> = self
            .rows
            .values()
            .filter(|row| row.members.contains(&session))
            .cloned()
            .collect();
        rows.sort_by(|a, b| a.uri.cmp(&b.uri).then(a.id.cmp(&b.id)));
        rows
    }

    /// The rows whose URI or ID contains `query` (case insensitive), by URI; without the
    /// meta API's own unless `include_meta`.
    pub fn rows(&self, query: &str, include_meta: bool) -> Vec<Endpoint> {
        let query = query.trim().to_lowercase();
        let mut rows: Vec<Endpoint> = self
            .rows
            .values()
            .filter(|row| include_meta || !row.is_meta())
            .filter(|row| {
                query.is_empty()
                    || row.uri.to_lowercase().contains(&query)
                    || row.id.to_string().contains(&query)
            })
            .cloned()
            .collect();
        rows.sort_by(|a, b| a.uri.cmp(&b.uri).then(a.id.cmp(&b.id)));
        rows
    }

    /// The exact URIs (not patterns), sorted and without duplicates: completions.
    pub fn exact_uris(&self) -> Vec<String> {
        let uris: BTreeSet<&str> = self
            .rows
            .values()
            .filter(|row| row.complete && !row.is_pattern() && !row.uri.is_empty())
            .map(|row| row.uri.as_str())
            .collect();
        uris.into_iter().map(str::to_owned).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(kind: EndpointKind, id: u64, uri: &str) -> Endpoint {
        let details: Dict = [
            ("id".to_owned(), id.into()),
            ("uri".to_owned(), uri.into()),
            ("match".to_owned(), "exact".into()),
            ("invoke".to_owned(), "single".into()),
        ]
        .into();
        Endpoint::from_details(kind, &details).unwrap()
    }

    const REG: EndpointKind = EndpointKind::Registration;
    const SUB: EndpointKind = EndpointKind::Subscription;

    #[test]
    fn the_registration_life_cycle() {
        let mut table = EndpointTable::new(REG);
        let created = MetaEvent::Created {
            session: 1,
            endpoint: endpoint(REG, 10, "com.example.add"),
        };
        assert_eq!(table.apply(&created), None);
        let joined = MetaEvent::Joined {
            kind: REG,
            session: 1,
            id: 10,
        };
        assert_eq!(table.apply(&joined), None, "details known");
        let row = table.endpoint(10).unwrap();
        assert_eq!(row.uri, "com.example.add");
        assert_eq!(row.members.iter().copied().collect::<Vec<_>>(), vec![1]);
        assert_eq!(table.of_session(1).len(), 1);

        table.apply(&MetaEvent::Left {
            kind: REG,
            session: 1,
            id: 10,
        });
        assert!(table.endpoint(10).unwrap().members.is_empty());
        table.apply(&MetaEvent::Deleted { kind: REG, id: 10 });
        assert!(table.is_empty());
        assert_eq!(table.apply(&joined), None, "a deleted ID stays deleted");
        assert!(table.is_empty());
    }

    #[test]
    fn a_member_of_an_unknown_endpoint_asks_for_its_details() {
        let mut table = EndpointTable::new(SUB);
        let fetch = table.apply(&MetaEvent::Joined {
            kind: SUB,
            session: 2,
            id: 20,
        });
        assert_eq!(fetch, Some(Fetch { kind: SUB, id: 20 }));
        assert!(!table.endpoint(20).unwrap().complete);
        assert!(table.exact_uris().is_empty(), "no URI yet");
        table.set_details(endpoint(SUB, 20, "com.example.news"));
        let row = table.endpoint(20).unwrap();
        assert!(row.complete);
        assert!(row.members.contains(&2), "members kept");
        assert_eq!(table.exact_uris(), vec!["com.example.news".to_owned()]);
    }

    #[test]
    fn events_of_the_other_kind_are_ignored() {
        let mut table = EndpointTable::new(SUB);
        table.apply(&MetaEvent::Created {
            session: 1,
            endpoint: endpoint(REG, 10, "com.example.add"),
        });
        table.apply(&MetaEvent::Joined {
            kind: REG,
            session: 1,
            id: 10,
        });
        assert!(table.is_empty());
    }

    #[test]
    fn a_session_that_leaves_takes_its_last_endpoints_with_it() {
        let mut table = EndpointTable::new(SUB);
        table.set_details(endpoint(SUB, 1, "a"));
        table.set_members(1, [7, 8]);
        table.set_details(endpoint(SUB, 2, "b"));
        table.set_members(2, [7]);
        table.apply(&MetaEvent::SessionLeft { session: 7 });
        assert_eq!(table.ids(), vec![1]);
        assert_eq!(
            table
                .endpoint(1)
                .unwrap()
                .members
                .iter()
                .copied()
                .collect::<Vec<_>>(),
            vec![8]
        );
    }

    #[test]
    fn revisions_change_only_with_content() {
        let mut table = EndpointTable::new(REG);
        table.set_details(endpoint(REG, 1, "a"));
        let revision = table.endpoint(1).unwrap().revision;
        assert!(!table.set_details(endpoint(REG, 1, "a")));
        assert_eq!(table.endpoint(1).unwrap().revision, revision);
        assert!(table.set_members(1, [3]));
        assert!(table.endpoint(1).unwrap().revision > revision);
    }

    #[test]
    fn rows_hide_the_meta_api_and_filter() {
        let mut table = EndpointTable::new(SUB);
        table.set_details(endpoint(SUB, 1, "wamp.session.on_join"));
        table.set_details(endpoint(SUB, 2, "com.example.b"));
        table.set_details(endpoint(SUB, 3, "com.example.a"));
        let uris = |rows: Vec<Endpoint>| rows.into_iter().map(|r| r.uri).collect::<Vec<_>>();
        assert_eq!(
            uris(table.rows("", false)),
            vec!["com.example.a", "com.example.b"]
        );
        assert_eq!(table.rows("", true).len(), 3);
        assert_eq!(uris(table.rows("EXAMPLE.B", false)), vec!["com.example.b"]);
    }
}

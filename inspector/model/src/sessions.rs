//! The sessions table: seeded from `wamp.session.list` and `wamp.session.get`, kept current
//! by `wamp.session.on_join` and `on_leave`.

use std::collections::{BTreeMap, HashSet};

use wamp_proto::Dict;

use crate::format;
use crate::meta::{self, MetaEvent};

/// One row of the sessions table.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRow {
    /// The session ID.
    pub id: u64,
    /// Who it authenticated as (`anonymous` or an authid).
    pub authid: String,
    /// Its role.
    pub authrole: String,
    /// How it authenticated: `anonymous`, `ticket`, `wampcra`, `cryptosign`, ...
    pub authmethod: String,
    /// `websocket` or `rawsocket`.
    pub transport: String,
    /// `json`, `msgpack` or `cbor`.
    pub serializer: String,
    /// The peer's address, as the router reports it.
    pub peer: String,
    /// When it joined (Unix ms), if the router says.
    pub joined_ms: Option<f64>,
    /// Messages the router received from it, if the router counts them.
    pub messages_in: Option<u64>,
    /// Messages the router sent to it, if the router counts them.
    pub messages_out: Option<u64>,
    /// Changes whenever the row does: a key for re-rendering.
    pub revision: u64,
}

impl SessionRow {
    /// A row from a `wamp.session.get` result or a `wamp.session.on_join` event; `None`
    /// without a session ID.
    pub fn from_details(details: &Dict) -> Option<SessionRow> {
        let id = details.get("session")?.as_u64()?;
        let transport = details.get("transport").and_then(|t| t.as_dict());
        let transport_text = |key: &str| transport.and_then(|t| meta::text(t, key));
        // Crossbar.io names the subprotocol only (`websocket_protocol`: `wamp.2.json`,
        // `wamp.2.cbor.batched`) and the transport's framing as `channel_framing`.
        let serializer = meta::text(details, "serializer")
            .or_else(|| transport_text("serializer"))
            .or_else(|| {
                transport_text("protocol")
                    .or_else(|| transport_text("websocket_protocol"))
                    .and_then(|p| {
                        p.strip_prefix("wamp.2.")
                            .map(|s| s.split('.').next().unwrap_or(s).to_owned())
                    })
            })
            .unwrap_or_default();
        let transport_type = transport_text("type")
            .or_else(|| transport_text("channel_framing"))
            .unwrap_or_default();
        let counters = meta::counters(details);
        let counter = |key: &str| counters.and_then(|c| c.get(key)?.as_u64());
        let joined_ms =
            counters.and_then(|c| c.get("joined")?.as_str().and_then(format::parse_rfc3339));
        Some(SessionRow {
            id,
            authid: meta::text(details, "authid").unwrap_or_default(),
            authrole: meta::text(details, "authrole").unwrap_or_default(),
            authmethod: meta::text(details, "authmethod").unwrap_or_default(),
            transport: transport_type,
            serializer,
            peer: transport_text("peer").unwrap_or_default(),
            joined_ms,
            messages_in: counter("messages_in"),
            messages_out: counter("messages_out"),
            revision: 0,
        })
    }
}

/// A column to sort the sessions table by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SessionColumn {
    /// Session ID.
    Id,
    /// Authid.
    Authid,
    /// Authrole.
    Authrole,
    /// Auth method.
    Authmethod,
    /// Transport.
    Transport,
    /// Serializer.
    Serializer,
    /// Join time (the default).
    #[default]
    Joined,
    /// Messages in.
    MessagesIn,
    /// Messages out.
    MessagesOut,
}

/// The sessions of the realm, as far as the meta API told us.
#[derive(Debug, Clone, Default)]
pub struct SessionsTable {
    rows: BTreeMap<u64, SessionRow>,
    /// Sessions that left: a late `get` result must not bring them back.
    gone: HashSet<u64>,
    revision: u64,
}

impl SessionsTable {
    /// An empty table.
    pub fn new() -> Self {
        SessionsTable::default()
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

    /// Adds or replaces a row (from `get` or `on_join`). Counters the new row lacks keep
    /// their old values. A session that already left is not added again.
    ///
    /// Returns whether the table changed.
    pub fn upsert(&mut self, mut row: SessionRow) -> bool {
        if self.gone.contains(&row.id) {
            return false;
        }
        if let Some(old) = self.rows.get(&row.id) {
            row.messages_in = row.messages_in.or(old.messages_in);
            row.messages_out = row.messages_out.or(old.messages_out);
            row.joined_ms = row.joined_ms.or(old.joined_ms);
            row.revision = old.revision;
            if *old == row {
                return false;
            }
        }
        row.revision = self.bump();
        self.rows.insert(row.id, row);
        true
    }

    /// Sets a session's message counters (from `dev_router.session.on_stats`), if it is in
    /// the table; returns whether they changed.
    pub fn set_counters(&mut self, id: u64, messages_in: u64, messages_out: u64) -> bool {
        let Some(row) = self.rows.get(&id) else {
            return false;
        };
        if (row.messages_in, row.messages_out) == (Some(messages_in), Some(messages_out)) {
            return false;
        }
        let revision = self.bump();
        if let Some(row) = self.rows.get_mut(&id) {
            row.messages_in = Some(messages_in);
            row.messages_out = Some(messages_out);
            row.revision = revision;
        }
        true
    }

    /// Removes a session that left.
    pub fn remove(&mut self, id: u64) -> Option<SessionRow> {
        self.gone.insert(id);
        let removed = self.rows.remove(&id);
        if removed.is_some() {
            self.bump();
        }
        removed
    }

    /// Applies a meta event; returns whether the table changed. Events about registrations
    /// and subscriptions change nothing here.
    pub fn apply(&mut self, event: &MetaEvent) -> bool {
        match event {
            MetaEvent::SessionJoined(row) => self.upsert(row.clone()),
            MetaEvent::SessionLeft { session } => self.remove(*session).is_some(),
            _ => false,
        }
    }

    /// Whether the session is in the table.
    pub fn contains(&self, id: u64) -> bool {
        self.rows.contains_key(&id)
    }

    /// The row of a session.
    pub fn row(&self, id: u64) -> Option<&SessionRow> {
        self.rows.get(&id)
    }

    /// How many sessions.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no sessions.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Every session ID, ascending.
    pub fn ids(&self) -> Vec<u64> {
        self.rows.keys().copied().collect()
    }

    /// The rows whose ID, authid, authrole, auth method or peer contain `query` (case
    /// insensitive), sorted by `column`.
    pub fn rows(&self, query: &str, column: SessionColumn, descending: bool) -> Vec<SessionRow> {
        let query = query.trim().to_lowercase();
        let mut rows: Vec<SessionRow> = self
            .rows
            .values()
            .filter(|row| {
                query.is_empty()
                    || row.id.to_string().contains(&query)
                    || row.authid.to_lowercase().contains(&query)
                    || row.authrole.to_lowercase().contains(&query)
                    || row.authmethod.to_lowercase().contains(&query)
                    || row.peer.to_lowercase().contains(&query)
            })
            .cloned()
            .collect();
        rows.sort_by(|a, b| {
            let order = match column {
                SessionColumn::Id => a.id.cmp(&b.id),
                SessionColumn::Authid => a.authid.cmp(&b.authid),
                SessionColumn::Authrole => a.authrole.cmp(&b.authrole),
                SessionColumn::Authmethod => a.authmethod.cmp(&b.authmethod),
                SessionColumn::Transport => a
                    .transport
                    .cmp(&b.transport)
                    .then(a.serializer.cmp(&b.serializer)),
                SessionColumn::Serializer => a.serializer.cmp(&b.serializer),
                SessionColumn::Joined => a
                    .joined_ms
                    .unwrap_or(f64::MAX)
                    .total_cmp(&b.joined_ms.unwrap_or(f64::MAX)),
                SessionColumn::MessagesIn => a.messages_in.cmp(&b.messages_in),
                SessionColumn::MessagesOut => a.messages_out.cmp(&b.messages_out),
            }
            .then(a.id.cmp(&b.id));
            if descending { order.reverse() } else { order }
        });
        rows
    }

    /// The sum of every session's message counters, if the router counts them.
    pub fn total_messages(&self) -> Option<u64> {
        let mut total = None;
        for row in self.rows.values() {
            if let (Some(received), Some(sent)) = (row.messages_in, row.messages_out) {
                total = Some(total.unwrap_or(0) + received + sent);
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: u64, authid: &str) -> SessionRow {
        SessionRow {
            id,
            authid: authid.to_owned(),
            authrole: "user".to_owned(),
            authmethod: "anonymous".to_owned(),
            transport: "websocket".to_owned(),
            serializer: "json".to_owned(),
            peer: "127.0.0.1:5000".to_owned(),
            joined_ms: Some(id as f64),
            messages_in: None,
            messages_out: None,
            revision: 0,
        }
    }

    #[test]
    fn events_add_and_remove_rows() {
        let mut table = SessionsTable::new();
        assert!(table.apply(&MetaEvent::SessionJoined(row(1, "alice"))));
        assert!(table.apply(&MetaEvent::SessionJoined(row(2, "bob"))));
        assert_eq!(table.ids(), vec![1, 2]);
        assert!(table.apply(&MetaEvent::SessionLeft { session: 1 }));
        assert_eq!(table.ids(), vec![2]);
        assert!(
            !table.apply(&MetaEvent::SessionLeft { session: 1 }),
            "twice"
        );
        assert!(!table.apply(&MetaEvent::Deleted {
            kind: crate::EndpointKind::Registration,
            id: 2
        }));
    }

    #[test]
    fn a_late_get_result_does_not_revive_a_session_that_left() {
        let mut table = SessionsTable::new();
        table.upsert(row(1, "alice"));
        table.remove(1);
        assert!(!table.upsert(row(1, "alice")));
        assert!(table.is_empty());
        table.reset();
        assert!(table.upsert(row(1, "alice")), "a reset forgets who left");
    }

    #[test]
    fn upserts_keep_counters_and_bump_revisions_only_on_change() {
        let mut table = SessionsTable::new();
        let mut counted = row(1, "alice");
        counted.messages_in = Some(10);
        counted.messages_out = Some(12);
        table.upsert(counted.clone());
        let revision = table.row(1).unwrap().revision;
        assert!(!table.upsert(row(1, "alice")), "no counters: nothing new");
        assert_eq!(table.row(1).unwrap().messages_in, Some(10));
        assert_eq!(table.row(1).unwrap().revision, revision);
        counted.messages_in = Some(11);
        assert!(table.upsert(counted));
        assert!(table.row(1).unwrap().revision > revision);
        assert_eq!(table.total_messages(), Some(23));
    }

    #[test]
    fn rows_filter_and_sort() {
        let mut table = SessionsTable::new();
        table.upsert(row(3, "carol"));
        table.upsert(row(1, "alice"));
        table.upsert(row(2, "bob"));
        let ids = |rows: Vec<SessionRow>| rows.iter().map(|r| r.id).collect::<Vec<_>>();
        assert_eq!(
            ids(table.rows("", SessionColumn::Joined, false)),
            vec![1, 2, 3]
        );
        assert_eq!(
            ids(table.rows("", SessionColumn::Authid, true)),
            vec![3, 2, 1]
        );
        assert_eq!(ids(table.rows("BO", SessionColumn::Id, false)), vec![2]);
        assert_eq!(ids(table.rows("3", SessionColumn::Id, false)), vec![3]);
    }

    #[test]
    fn crossbar_details() {
        let transport: Dict = [
            ("channel_framing".to_owned(), "websocket".into()),
            ("websocket_protocol".to_owned(), "wamp.2.msgpack".into()),
            ("peer".to_owned(), "tcp4:127.0.0.1:49524".into()),
        ]
        .into();
        let details: Dict = [
            ("session".to_owned(), 5.into()),
            ("authid".to_owned(), "VL56-HTRK".into()),
            ("serializer".to_owned(), wamp_proto::Value::Null),
            ("transport".to_owned(), wamp_proto::Value::Dict(transport)),
        ]
        .into();
        let row = SessionRow::from_details(&details).unwrap();
        assert_eq!(row.transport, "websocket");
        assert_eq!(row.serializer, "msgpack");
        assert_eq!(row.peer, "tcp4:127.0.0.1:49524");
        assert_eq!(row.messages_in, None);
    }

    #[test]
    fn details_with_counters() {
        let details: Dict = [
            ("session".to_owned(), 5.into()),
            ("authid".to_owned(), "x".into()),
            (
                "dev_router".to_owned(),
                wamp_proto::Value::Dict(
                    [
                        ("joined".to_owned(), "1970-01-01T00:00:01Z".into()),
                        ("messages_in".to_owned(), 3.into()),
                        ("messages_out".to_owned(), 4.into()),
                    ]
                    .into(),
                ),
            ),
        ]
        .into();
        let row = SessionRow::from_details(&details).unwrap();
        assert_eq!(row.joined_ms, Some(1000.0));
        assert_eq!((row.messages_in, row.messages_out), (Some(3), Some(4)));
        assert_eq!(SessionRow::from_details(&Dict::new()), None);
    }
}

//! The realm at a glance: sessions linked to the procedures they register or call and the
//! topics they subscribe or publish to, laid out in three layers (procedures, sessions,
//! topics) ordered to keep lines from crossing.
//!
//! Registrations and subscriptions come from the meta API tables; calls and publications
//! from the trace ([`Usage`]), so without a trace only the first two show.

use std::collections::{BTreeMap, HashMap};

use crate::endpoints::{EndpointTable, is_meta_uri};
use crate::sessions::SessionsTable;
use crate::trace::{Direction, TraceRecord};

/// Who called which procedure and published to which topic, counted from the trace.
#[derive(Debug, Clone, Default)]
pub struct Usage {
    calls: BTreeMap<(u64, String), u64>,
    publications: BTreeMap<(u64, String), u64>,
}

impl Usage {
    /// Nothing counted.
    pub fn new() -> Self {
        Usage::default()
    }

    /// Counts a `CALL` or `PUBLISH` a session sent. Returns whether the graph should be
    /// drawn again: a new link, or a count reaching the next power of ten (the line's
    /// width), so that steady traffic does not redraw it every frame.
    pub fn record(&mut self, record: &TraceRecord) -> bool {
        if record.direction != Direction::In {
            return false;
        }
        let Some(uri) = &record.uri else {
            return false;
        };
        let map = match record.kind.as_str() {
            "CALL" => &mut self.calls,
            "PUBLISH" => &mut self.publications,
            _ => return false,
        };
        let count = map.entry((record.session, uri.clone())).or_default();
        *count += 1;
        let mut power = 1;
        while power < *count {
            power *= 10;
        }
        power == *count
    }

    /// Forgets a session that left.
    pub fn forget_session(&mut self, session: u64) {
        self.calls.retain(|(s, _), _| *s != session);
        self.publications.retain(|(s, _), _| *s != session);
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.calls.clear();
        self.publications.clear();
    }
}

/// What a node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeKind {
    /// A procedure (left layer).
    Procedure,
    /// A session (middle layer).
    Session,
    /// A topic (right layer).
    Topic,
}

/// A node, placed.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// What it stands for.
    pub kind: NodeKind,
    /// Unique among nodes: `s:ID`, `p:URI` or `t:URI`.
    pub key: String,
    /// The session ID, or the URI.
    pub label: String,
    /// A second line: the session's authid, or the match policy of a pattern.
    pub detail: String,
    /// The session, for session nodes.
    pub session: Option<u64>,
    /// Horizontal centre.
    pub x: f64,
    /// Vertical centre.
    pub y: f64,
}

/// What a link means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EdgeKind {
    /// The session is a callee of the procedure.
    Registers,
    /// The session called the procedure (seen in the trace).
    Calls,
    /// The session subscribes to the topic.
    Subscribes,
    /// The session published to the topic (seen in the trace).
    Publishes,
}

impl EdgeKind {
    /// `registers`, `calls`, `subscribes` or `publishes`.
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Registers => "registers",
            EdgeKind::Calls => "calls",
            EdgeKind::Subscribes => "subscribes",
            EdgeKind::Publishes => "publishes",
        }
    }
}

/// A link between a session node and a procedure or topic node.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// Index of the session node.
    pub session: usize,
    /// Index of the procedure or topic node.
    pub target: usize,
    /// What it means.
    pub kind: EdgeKind,
    /// Calls or publications counted (1 for registrations and subscriptions).
    pub count: u64,
}

/// What the graph is drawn from.
#[derive(Debug, Clone, Copy)]
pub struct GraphInput<'a> {
    /// The sessions.
    pub sessions: &'a SessionsTable,
    /// The registrations.
    pub registrations: &'a EndpointTable,
    /// The subscriptions.
    pub subscriptions: &'a EndpointTable,
    /// Calls and publications from the trace.
    pub usage: &'a Usage,
    /// Show the meta API's procedures and topics (`wamp.*`, `dev_router.*`) too.
    pub include_meta: bool,
    /// The inspector's own session: left out unless it has links other than meta ones.
    pub own_session: Option<u64>,
    /// The drawing's width in pixels.
    pub width: f64,
}

/// Space between two nodes of a layer.
pub const ROW_HEIGHT: f64 = 34.0;
/// The most nodes per layer; the rest are counted in [`Graph::hidden`].
pub const MAX_PER_LAYER: usize = 60;
const MARGIN: f64 = 24.0;

/// The laid-out graph.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Graph {
    /// Nodes, placed.
    pub nodes: Vec<Node>,
    /// Links.
    pub edges: Vec<Edge>,
    /// Drawing width.
    pub width: f64,
    /// Drawing height.
    pub height: f64,
    /// Nodes left out for space.
    pub hidden: usize,
}

impl Graph {
    /// Builds and lays out the graph.
    pub fn build(input: GraphInput<'_>) -> Graph {
        let wanted = |uri: &str| input.include_meta || !is_meta_uri(uri);
        // (session, layer, uri, detail) → edge kind and count.
        let mut links: BTreeMap<(u64, NodeKind, String), BTreeMap<EdgeKind, u64>> = BTreeMap::new();
        let mut details: HashMap<(NodeKind, String), String> = HashMap::new();
        let tables = [
            (
                input.registrations,
                NodeKind::Procedure,
                EdgeKind::Registers,
            ),
            (input.subscriptions, NodeKind::Topic, EdgeKind::Subscribes),
        ];
        for (table, layer, kind) in tables {
            for endpoint in table.iter().filter(|e| e.complete && wanted(&e.uri)) {
                if endpoint.is_pattern() {
                    details.insert((layer, endpoint.uri.clone()), endpoint.match_policy.clone());
                }
                for session in &endpoint.members {
                    links
                        .entry((*session, layer, endpoint.uri.clone()))
                        .or_default()
                        .insert(kind, 1);
                }
            }
        }
        let used = [
            (&input.usage.calls, NodeKind::Procedure, EdgeKind::Calls),
            (
                &input.usage.publications,
                NodeKind::Topic,
                EdgeKind::Publishes,
            ),
        ];
        for (map, layer, kind) in used {
            for ((session, uri), count) in map {
                if wanted(uri) && input.sessions.contains(*session) {
                    links
                        .entry((*session, layer, uri.clone()))
                        .or_default()
                        .insert(kind, *count);
                }
            }
        }

        let linked: std::collections::HashSet<u64> = links.keys().map(|(s, _, _)| *s).collect();
        let mut sessions: Vec<u64> = input
            .sessions
            .ids()
            .into_iter()
            .filter(|id| Some(*id) != input.own_session || linked.contains(id))
            .collect();
        let mut procedures: Vec<String> = Vec::new();
        let mut topics: Vec<String> = Vec::new();
        for (_, layer, uri) in links.keys() {
            let list = match layer {
                NodeKind::Procedure => &mut procedures,
                _ => &mut topics,
            };
            if !list.contains(uri) {
                list.push(uri.clone());
            }
        }
        procedures.sort();
        topics.sort();
        let mut hidden = 0;
        for list_len in [sessions.len(), procedures.len(), topics.len()] {
            hidden += list_len.saturating_sub(MAX_PER_LAYER);
        }
        sessions.truncate(MAX_PER_LAYER);
        procedures.truncate(MAX_PER_LAYER);
        topics.truncate(MAX_PER_LAYER);

        // Adjacency by layer positions.
        let session_at: HashMap<u64, usize> =
            sessions.iter().enumerate().map(|(i, s)| (*s, i)).collect();
        let procedure_at: HashMap<&str, usize> = procedures
            .iter()
            .enumerate()
            .map(|(i, u)| (u.as_str(), i))
            .collect();
        let topic_at: HashMap<&str, usize> = topics
            .iter()
            .enumerate()
            .map(|(i, u)| (u.as_str(), i))
            .collect();
        // (session index, layer, target index)
        let pairs: Vec<(usize, NodeKind, usize)> = links
            .keys()
            .filter_map(|(session, layer, uri)| {
                let s = *session_at.get(session)?;
                let t = match layer {
                    NodeKind::Procedure => *procedure_at.get(uri.as_str())?,
                    _ => *topic_at.get(uri.as_str())?,
                };
                Some((s, *layer, t))
            })
            .collect();

        let order = order_layers(sessions.len(), procedures.len(), topics.len(), &pairs);

        let height_rows = sessions
            .len()
            .max(procedures.len())
            .max(topics.len())
            .max(1);
        let height = MARGIN * 2.0 + (height_rows.saturating_sub(1)) as f64 * ROW_HEIGHT;
        let width = input.width.max(480.0);
        let column_x = [width * 0.17, width * 0.5, width * 0.83];
        let place = |rank: usize, count: usize| {
            let offset = (height_rows - count) as f64 * ROW_HEIGHT / 2.0;
            MARGIN + offset + rank as f64 * ROW_HEIGHT
        };

        let mut nodes = Vec::with_capacity(sessions.len() + procedures.len() + topics.len());
        for (i, uri) in procedures.iter().enumerate() {
            nodes.push(Node {
                kind: NodeKind::Procedure,
                key: format!("p:{uri}"),
                label: uri.clone(),
                detail: details
                    .get(&(NodeKind::Procedure, uri.clone()))
                    .cloned()
                    .unwrap_or_default(),
                session: None,
                x: column_x[0],
                y: place(order.procedures[i], procedures.len()),
            });
        }
        let session_base = nodes.len();
        for (i, id) in sessions.iter().enumerate() {
            let row = input.sessions.row(*id);
            let mut detail = row.map(|r| r.authid.clone()).unwrap_or_default();
            if Some(*id) == input.own_session {
                detail = "this inspector".to_owned();
            }
            nodes.push(Node {
                kind: NodeKind::Session,
                key: format!("s:{id}"),
                label: id.to_string(),
                detail,
                session: Some(*id),
                x: column_x[1],
                y: place(order.sessions[i], sessions.len()),
            });
        }
        let topic_base = nodes.len();
        for (i, uri) in topics.iter().enumerate() {
            nodes.push(Node {
                kind: NodeKind::Topic,
                key: format!("t:{uri}"),
                label: uri.clone(),
                detail: details
                    .get(&(NodeKind::Topic, uri.clone()))
                    .cloned()
                    .unwrap_or_default(),
                session: None,
                x: column_x[2],
                y: place(order.topics[i], topics.len()),
            });
        }

        let mut edges = Vec::new();
        for ((session, layer, uri), kinds) in &links {
            let (Some(s), Some(t)) = (
                session_at.get(session),
                match layer {
                    NodeKind::Procedure => procedure_at.get(uri.as_str()).copied(),
                    _ => topic_at.get(uri.as_str()).map(|i| *i + topic_base),
                },
            ) else {
                continue;
            };
            for (kind, count) in kinds {
                edges.push(Edge {
                    session: session_base + s,
                    target: t,
                    kind: *kind,
                    count: *count,
                });
            }
        }

        Graph {
            nodes,
            edges,
            width,
            height,
            hidden,
        }
    }
}

/// Ranks (positions within their layer) of every node.
struct Order {
    sessions: Vec<usize>,
    procedures: Vec<usize>,
    topics: Vec<usize>,
}

/// Orders the three layers by the barycentre heuristic: each node moves towards the mean
/// position of its neighbours, a few sweeps back and forth.
fn order_layers(
    sessions: usize,
    procedures: usize,
    topics: usize,
    pairs: &[(usize, NodeKind, usize)],
) -> Order {
    // Positions normalized to 0..1 so that layers of different sizes compare.
    let normalize = |rank: usize, count: usize| {
        if count <= 1 {
            0.5
        } else {
            rank as f64 / (count - 1) as f64
        }
    };
    let mut session_rank: Vec<usize> = (0..sessions).collect();
    let mut procedure_rank: Vec<usize> = (0..procedures).collect();
    let mut topic_rank: Vec<usize> = (0..topics).collect();

    // Sorts a layer by the mean normalized position of each node's neighbours; nodes
    // without neighbours keep their own position.
    let reorder = |ranks: &mut Vec<usize>, sums: Vec<(f64, usize)>| {
        let count = ranks.len();
        let mut keys: Vec<(f64, usize, usize)> = (0..count)
            .map(|node| {
                let (sum, n) = sums[node];
                let own = normalize(ranks[node], count);
                let key = if n == 0 { own } else { sum / n as f64 };
                (key, ranks[node], node)
            })
            .collect();
        keys.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (rank, (_, _, node)) in keys.into_iter().enumerate() {
            ranks[node] = rank;
        }
    };

    for _ in 0..4 {
        let mut procedure_sums = vec![(0.0, 0); procedures];
        let mut topic_sums = vec![(0.0, 0); topics];
        for (s, layer, t) in pairs {
            let position = normalize(session_rank[*s], sessions);
            let slot = match layer {
                NodeKind::Procedure => &mut procedure_sums[*t],
                _ => &mut topic_sums[*t],
            };
            slot.0 += position;
            slot.1 += 1;
        }
        reorder(&mut procedure_rank, procedure_sums);
        reorder(&mut topic_rank, topic_sums);

        let mut session_sums = vec![(0.0, 0); sessions];
        for (s, layer, t) in pairs {
            let position = match layer {
                NodeKind::Procedure => normalize(procedure_rank[*t], procedures),
                _ => normalize(topic_rank[*t], topics),
            };
            session_sums[*s].0 += position;
            session_sums[*s].1 += 1;
        }
        reorder(&mut session_rank, session_sums);
    }
    Order {
        sessions: session_rank,
        procedures: procedure_rank,
        topics: topic_rank,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoints::{Endpoint, EndpointKind};
    use crate::sessions::SessionRow;
    use crate::trace::tests::record;
    use wamp_proto::Dict;

    fn session(id: u64) -> SessionRow {
        let details: Dict = [
            ("session".to_owned(), id.into()),
            ("authid".to_owned(), format!("user{id}").into()),
        ]
        .into();
        SessionRow::from_details(&details).unwrap()
    }

    fn endpoint(kind: EndpointKind, id: u64, uri: &str, policy: &str) -> Endpoint {
        let details: Dict = [
            ("id".to_owned(), id.into()),
            ("uri".to_owned(), uri.into()),
            ("match".to_owned(), policy.into()),
        ]
        .into();
        Endpoint::from_details(kind, &details).unwrap()
    }

    struct Realm {
        sessions: SessionsTable,
        registrations: EndpointTable,
        subscriptions: EndpointTable,
        usage: Usage,
    }

    impl Realm {
        fn new() -> Realm {
            let mut sessions = SessionsTable::new();
            for id in 1..=3 {
                sessions.upsert(session(id));
            }
            let mut registrations = EndpointTable::new(EndpointKind::Registration);
            registrations.set_details(endpoint(EndpointKind::Registration, 10, "com.add", "exact"));
            registrations.set_members(10, [3]);
            let mut subscriptions = EndpointTable::new(EndpointKind::Subscription);
            subscriptions.set_details(endpoint(
                EndpointKind::Subscription,
                20,
                "com.news",
                "prefix",
            ));
            subscriptions.set_members(20, [1, 2]);
            subscriptions.set_details(endpoint(
                EndpointKind::Subscription,
                21,
                "wamp.session.on_join",
                "exact",
            ));
            subscriptions.set_members(21, [1]);
            let mut usage = Usage::new();
            usage.record(&record(1, 1, "CALL", Some("com.add")));
            usage.record(&record(2, 1, "CALL", Some("com.add")));
            usage.record(&record(3, 2, "PUBLISH", Some("com.news.today")));
            Realm {
                sessions,
                registrations,
                subscriptions,
                usage,
            }
        }

        fn graph(&self, include_meta: bool) -> Graph {
            Graph::build(GraphInput {
                sessions: &self.sessions,
                registrations: &self.registrations,
                subscriptions: &self.subscriptions,
                usage: &self.usage,
                include_meta,
                own_session: None,
                width: 900.0,
            })
        }
    }

    fn edge_names(graph: &Graph) -> Vec<String> {
        let mut names: Vec<String> = graph
            .edges
            .iter()
            .map(|e| {
                format!(
                    "{} {} {} x{}",
                    graph.nodes[e.session].label,
                    e.kind.as_str(),
                    graph.nodes[e.target].label,
                    e.count
                )
            })
            .collect();
        names.sort();
        names
    }

    #[test]
    fn links_come_from_tables_and_trace() {
        let graph = Realm::new().graph(false);
        assert_eq!(
            edge_names(&graph),
            vec![
                "1 calls com.add x2",
                "1 subscribes com.news x1",
                "2 publishes com.news.today x1",
                "2 subscribes com.news x1",
                "3 registers com.add x1",
            ]
        );
        let news = graph.nodes.iter().find(|n| n.label == "com.news").unwrap();
        assert_eq!(news.detail, "prefix");
        assert_eq!(news.kind, NodeKind::Topic);
        assert_eq!(graph.hidden, 0);
    }

    #[test]
    fn the_meta_api_shows_only_when_asked() {
        let realm = Realm::new();
        assert!(
            !realm
                .graph(false)
                .nodes
                .iter()
                .any(|n| n.label.starts_with("wamp."))
        );
        assert!(
            realm
                .graph(true)
                .nodes
                .iter()
                .any(|n| n.label == "wamp.session.on_join")
        );
    }

    #[test]
    fn layers_are_columns_and_nodes_do_not_overlap() {
        let graph = Realm::new().graph(true);
        for kind in [NodeKind::Procedure, NodeKind::Session, NodeKind::Topic] {
            let mut ys: Vec<f64> = graph
                .nodes
                .iter()
                .filter(|n| n.kind == kind)
                .map(|n| n.y)
                .collect();
            ys.sort_by(f64::total_cmp);
            for pair in ys.windows(2) {
                assert!(pair[1] - pair[0] >= ROW_HEIGHT - 0.01, "{ys:?}");
            }
            let xs: Vec<f64> = graph
                .nodes
                .iter()
                .filter(|n| n.kind == kind)
                .map(|n| n.x)
                .collect();
            assert!(xs.windows(2).all(|p| p[0] == p[1]));
        }
        for node in &graph.nodes {
            assert!(node.y >= 0.0 && node.y <= graph.height);
        }
    }

    #[test]
    fn barycentres_untangle_a_crossing() {
        // Session 1 registers "z", session 2 registers "a": alphabetical order would cross.
        let mut realm = Realm::new();
        realm.subscriptions = EndpointTable::new(EndpointKind::Subscription);
        realm.usage.clear();
        realm.sessions.remove(3);
        realm.registrations = EndpointTable::new(EndpointKind::Registration);
        realm
            .registrations
            .set_details(endpoint(EndpointKind::Registration, 1, "z", "exact"));
        realm.registrations.set_members(1, [1]);
        realm
            .registrations
            .set_details(endpoint(EndpointKind::Registration, 2, "a", "exact"));
        realm.registrations.set_members(2, [2]);
        let graph = realm.graph(false);
        let y = |label: &str| graph.nodes.iter().find(|n| n.label == label).unwrap().y;
        assert_eq!(y("1") < y("2"), y("z") < y("a"), "no crossing");
    }

    #[test]
    fn usage_forgets_sessions_and_ignores_other_messages() {
        let mut usage = Usage::new();
        assert!(!usage.record(&record(1, 1, "RESULT", None)));
        assert!(usage.record(&record(2, 1, "CALL", Some("x"))), "a new link");
        let redraws: Vec<bool> = (3..=12)
            .map(|seq| usage.record(&record(seq, 1, "CALL", Some("x"))))
            .collect();
        assert_eq!(
            redraws.iter().filter(|r| **r).count(),
            1,
            "only at 10 calls"
        );
        assert!(redraws[8]);
        usage.forget_session(1);
        assert!(usage.calls.is_empty());
    }

    #[test]
    fn the_inspector_itself_is_left_out_unless_it_does_something() {
        let realm = Realm::new();
        let build = |own| {
            Graph::build(GraphInput {
                sessions: &realm.sessions,
                registrations: &realm.registrations,
                subscriptions: &realm.subscriptions,
                usage: &realm.usage,
                include_meta: false,
                own_session: Some(own),
                width: 900.0,
            })
        };
        assert!(
            build(3).nodes.iter().any(|n| n.label == "3"),
            "3 registers com.add"
        );
        let mut realm = Realm::new();
        realm.registrations = EndpointTable::new(EndpointKind::Registration);
        let graph = Graph::build(GraphInput {
            sessions: &realm.sessions,
            registrations: &realm.registrations,
            subscriptions: &realm.subscriptions,
            usage: &Usage::new(),
            include_meta: false,
            own_session: Some(3),
            width: 900.0,
        });
        assert!(!graph.nodes.iter().any(|n| n.label == "3"));
    }
}

//! The graph of the realm: procedures (left), sessions (middle) and topics (right), linked
//! by registrations and subscriptions (solid) and by calls and publications seen in the
//! trace (dashed). Hover a node to see its links; click it to open it.

use inspector_model::graph::{EdgeKind, Graph, GraphInput, NodeKind};
use inspector_model::json::truncate;
use inspector_model::{CallRequest, PublishRequest, Request};
use leptos::ev;
use leptos::html;
use leptos::prelude::*;

use crate::state::{AppState, Availability, Tab};

/// Half the width of a session box.
const SESSION_HALF: f64 = 78.0;
/// Characters of a URI label before it is cut.
const LABEL_CHARS: usize = 44;

#[component]
pub(crate) fn RealmGraph() -> impl IntoView {
    let state = AppState::get();
    let container = NodeRef::<html::Div>::new();
    let width = RwSignal::new(1000.0_f64);
    let include_meta = RwSignal::new(false);
    let hovered = RwSignal::new(None::<usize>);

    let measure = move || {
        if let Some(element) = container.get_untracked() {
            let measured = f64::from(element.client_width());
            if measured > 0.0 && (measured - width.get_untracked()).abs() > 1.0 {
                width.set(measured);
            }
        }
    };
    request_animation_frame(measure);
    let resize = window_event_listener(ev::resize, move |_| measure());
    on_cleanup(move || resize.remove());

    let graph = Memo::new(move |_| {
        let include_meta = include_meta.get();
        let own_session = state.own_session.get();
        let width = width.get() - 2.0;
        state.sessions.with(|sessions| {
            state.registrations.with(|registrations| {
                state.subscriptions.with(|subscriptions| {
                    state.usage.with(|usage| {
                        Graph::build(GraphInput {
                            sessions,
                            registrations,
                            subscriptions,
                            usage,
                            include_meta,
                            own_session,
                            width,
                        })
                    })
                })
            })
        })
    });

    let open = move |node: usize| {
        let Some(node) = graph.with_untracked(|g| g.nodes.get(node).cloned()) else {
            return;
        };
        match node.kind {
            NodeKind::Session => {
                state.selected_session.set(node.session);
                state.tab.set(Tab::Sessions);
            }
            NodeKind::Procedure => {
                state.edit(Request::Call(CallRequest {
                    procedure: node.label,
                    ..CallRequest::default()
                }));
                state.tab.set(Tab::Console);
            }
            NodeKind::Topic => {
                state.edit(Request::Publish(PublishRequest {
                    topic: node.label,
                    ..PublishRequest::default()
                }));
                state.tab.set(Tab::Console);
            }
        }
    };

    let drawing = move || {
        let graph = graph.get();
        let focus = hovered.get();
        let linked = |edge: &inspector_model::graph::Edge| {
            focus.is_none_or(|node| edge.session == node || edge.target == node)
        };
        let edges = graph
            .edges
            .iter()
            .map(|edge| {
                let session = &graph.nodes[edge.session];
                let target = &graph.nodes[edge.target];
                let (x1, x2) = if target.kind == NodeKind::Procedure {
                    (session.x - SESSION_HALF, target.x + 6.0)
                } else {
                    (session.x + SESSION_HALF, target.x - 6.0)
                };
                let middle = (x1 + x2) / 2.0;
                let d = format!(
                    "M{x1:.1} {:.1} C{middle:.1} {:.1} {middle:.1} {:.1} {x2:.1} {:.1}",
                    session.y, session.y, target.y, target.y
                );
                let weight = 1.2 + (edge.count as f64).log10().max(0.0);
                let class = format!(
                    "edge {}{}",
                    edge.kind.as_str(),
                    if linked(edge) { "" } else { " dim" }
                );
                let title = format!(
                    "{} {} {}{}",
                    session.label,
                    edge.kind.as_str(),
                    target.label,
                    match edge.kind {
                        EdgeKind::Calls | EdgeKind::Publishes => format!(" ({}×)", edge.count),
                        _ => String::new(),
                    }
                );
                view! {
                    <path class=class d=d stroke-width=format!("{weight:.1}")>
                        <title>{title}</title>
                    </path>
                }
            })
            .collect_view();
        let touches = |node: usize| {
            focus.is_none_or(|h| {
                h == node
                    || graph.edges.iter().any(|e| {
                        (e.session == h && e.target == node) || (e.target == h && e.session == node)
                    })
            })
        };
        let nodes = graph
            .nodes
            .iter()
            .enumerate()
            .map(|(i, node)| {
                let dim = if touches(i) { "" } else { " dim" };
                let body = match node.kind {
                    NodeKind::Session => {
                        let detail = truncate(&node.detail, 22);
                        view! {
                            <rect
                                x=node.x - SESSION_HALF
                                y=node.y - 14.0
                                width=SESSION_HALF * 2.0
                                height="28"
                                rx="6"
                            ></rect>
                            <text x=node.x y=node.y - 1.5 text-anchor="middle">{node.label.clone()}</text>
                            <text class="node-detail" x=node.x y=node.y + 10.0 text-anchor="middle">{detail}</text>
                        }
                            .into_any()
                    }
                    NodeKind::Procedure | NodeKind::Topic => {
                        let left = node.kind == NodeKind::Procedure;
                        let text_x = if left { node.x - 12.0 } else { node.x + 12.0 };
                        let mut label = truncate(&node.label, LABEL_CHARS);
                        if !node.detail.is_empty() {
                            label = format!("{label} ({})", node.detail);
                        }
                        view! {
                            <circle cx=node.x cy=node.y r="6"></circle>
                            <text
                                x=text_x
                                y=node.y + 4.0
                                text-anchor=if left { "end" } else { "start" }
                            >
                                {label}
                            </text>
                        }
                        .into_any()
                    }
                };
                let kind = match node.kind {
                    NodeKind::Session => "session",
                    NodeKind::Procedure => "procedure",
                    NodeKind::Topic => "topic",
                };
                let title = match node.kind {
                    NodeKind::Session => format!("session {} ({}): open", node.label, node.detail),
                    NodeKind::Procedure => format!("{}: call it from the console", node.label),
                    NodeKind::Topic => format!("{}: publish to it from the console", node.label),
                };
                let aria_label = title.clone();
                view! {
                    <g
                        class=format!("node {kind}{dim}")
                        tabindex="0"
                        role="button"
                        aria-label=aria_label
                        on:mouseenter=move |_| hovered.set(Some(i))
                        on:mouseleave=move |_| hovered.set(None)
                        on:focus=move |_| hovered.set(Some(i))
                        on:blur=move |_| hovered.set(None)
                        on:click=move |_| open(i)
                        on:keydown=move |event: ev::KeyboardEvent| {
                            if event.key() == "Enter" || event.key() == " " {
                                event.prevent_default();
                                open(i);
                            }
                        }
                    >
                        <title>{title}</title>
                        {body}
                    </g>
                }
            })
            .collect_view();
        let width = graph.width;
        let height = graph.height.max(120.0);
        let column = |x: f64, label: &'static str| {
            view! {
                <text class="column-label" x=x y="12" text-anchor="middle">
                    {label}
                </text>
            }
        };
        view! {
            <svg
                class="graph"
                width=width
                height=height + 28.0
                viewBox=format!("0 -8 {width} {}", height + 28.0)
                role="img"
                aria-label="Sessions linked to the procedures and topics they use"
            >
                {column(width * 0.17, "PROCEDURES")}
                {column(width * 0.5, "SESSIONS")}
                {column(width * 0.83, "TOPICS")}
                <g transform="translate(0 18)">
                    <g class="edges">{edges}</g>
                    <g class="nodes">{nodes}</g>
                </g>
            </svg>
        }
    };

    view! {
        <div class="card graph-card">
            <div class="graph-head">
                <span class="card-label">"Who uses what"</span>
                <span class="legend">
                    <span class="legend-key registers">"registers"</span>
                    <span class="legend-key calls">"calls"</span>
                    <span class="legend-key subscribes">"subscribes"</span>
                    <span class="legend-key publishes">"publishes"</span>
                </span>
                <span class="spacer"></span>
                {move || {
                    (!state.trace_status.with(Availability::is_ready))
                        .then(|| view! { <span class="muted">"calls and publications need the trace"</span> })
                }}
                {move || {
                    let hidden = graph.with(|g| g.hidden);
                    (hidden > 0).then(|| view! { <span class="muted">{format!("{hidden} more not shown")}</span> })
                }}
                <label class="check">
                    <input
                        type="checkbox"
                        prop:checked=move || include_meta.get()
                        on:change=move |event| include_meta.set(event_target_checked(&event))
                    />
                    "Show meta API"
                </label>
            </div>
            <div class="graph-scroll" node_ref=container>
                {move || {
                    if graph.with(|g| g.nodes.is_empty()) {
                        view! { <p class="empty">"No sessions to show yet."</p> }.into_any()
                    } else {
                        drawing().into_any()
                    }
                }}
            </div>
        </div>
    }
}

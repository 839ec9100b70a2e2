//! The registrations or the subscriptions table, live from the meta events; who is behind
//! the selected one beside it.

use inspector_model::endpoints::{Endpoint, EndpointKind};
use inspector_model::format;
use leptos::ev;
use leptos::prelude::*;

use super::endpoint_detail::EndpointDetail;
use super::notice::Notice;
use crate::browser;
use crate::state::{AppState, Availability};

#[component]
pub(crate) fn EndpointsPanel(kind: EndpointKind) -> impl IntoView {
    let state = AppState::get();
    let (table, selected) = match kind {
        EndpointKind::Registration => (state.registrations, state.selected_registration),
        EndpointKind::Subscription => (state.subscriptions, state.selected_subscription),
    };
    let query = RwSignal::new(String::new());
    let include_meta = RwSignal::new(false);
    let rows = Memo::new(move |_| {
        let include_meta = include_meta.get();
        query.with(|query| table.with(|table| table.rows(query, include_meta)))
    });
    let (noun, members, counted) = match kind {
        EndpointKind::Registration => ("registrations", "Callees", "Calls"),
        EndpointKind::Subscription => ("subscriptions", "Subscribers", "Events"),
    };
    let registration = kind == EndpointKind::Registration;

    let on_keydown = move |event: ev::KeyboardEvent| {
        let ids: Vec<u64> = rows.with_untracked(|rows| rows.iter().map(|row| row.id).collect());
        let position = selected
            .get_untracked()
            .and_then(|id| ids.iter().position(|other| *other == id));
        let next = match (event.key().as_str(), position) {
            ("ArrowDown", Some(p)) => ids.get(p + 1).copied(),
            ("ArrowDown", None) | ("Home", _) => ids.first().copied(),
            ("ArrowUp", Some(p)) => ids.get(p.saturating_sub(1)).copied(),
            ("ArrowUp", None) | ("End", _) => ids.last().copied(),
            ("Escape", _) => {
                selected.set(None);
                return;
            }
            _ => return,
        };
        event.prevent_default();
        if let Some(id) = next {
            selected.set(Some(id));
            browser::reveal(&format!("endpoint-{id}"));
        }
    };

    view! {
        <section class="panel" aria-label=noun>
            <div class="toolbar">
                <input
                    class="search"
                    type="search"
                    placeholder=if registration { "Filter by procedure or ID" } else { "Filter by topic or ID" }
                    aria-label=format!("Filter {noun}")
                    prop:value=move || query.get()
                    on:input=move |event| query.set(event_target_value(&event))
                />
                <label class="check">
                    <input
                        type="checkbox"
                        prop:checked=move || include_meta.get()
                        on:change=move |event| include_meta.set(event_target_checked(&event))
                    />
                    "Show meta API"
                </label>
                <span class="muted">
                    {move || {
                        let shown = rows.with(Vec::len);
                        format!("{shown} {noun}")
                    }}
                </span>
                <span class="spacer"></span>
                <span class="hint">"↑↓ select · Esc clear"</span>
            </div>
            {move || {
                state
                    .endpoint_meta
                    .get()
                    .notice()
                    .map(|text| view! { <Notice tone="warn" text=text/> })
            }}
            <div class="split">
                <div class="table-wrap" tabindex="0" on:keydown=on_keydown>
                    <table class="grid" id=format!("{noun}-table")>
                        <thead>
                            <tr>
                                <th>{if registration { "Procedure" } else { "Topic" }}</th>
                                <th>"Match"</th>
                                {registration.then(|| view! { <th>"Invoke"</th> })}
                                <th class="num">{members}</th>
                                <th class="num">{counted}</th>
                                <th>"Created"</th>
                                <th>"ID"</th>
                            </tr>
                        </thead>
                        <tbody>
                            <For
                                each=move || rows.get()
                                key=|row| (row.id, row.revision)
                                children=move |row: Endpoint| {
                                    let id = row.id;
                                    let created = row
                                        .created_ms
                                        .map(|ms| format::clock(ms, state.utc_offset))
                                        .unwrap_or_else(|| "—".to_owned());
                                    let uri = if row.complete { row.uri.clone() } else { "(loading…)".to_owned() };
                                    view! {
                                        <tr
                                            id=format!("endpoint-{id}")
                                            class:selected=move || selected.get() == Some(id)
                                            on:click=move |_| selected.set(Some(id))
                                        >
                                            <td class="mono">{uri}</td>
                                            <td>
                                                <span class=format!("pill match-{}", row.match_policy)>{row.match_policy.clone()}</span>
                                            </td>
                                            {registration.then(|| view! { <td>{row.invoke.clone().unwrap_or_default()}</td> })}
                                            <td class="num">{row.members.len()}</td>
                                            <td class="num">{row.count.map_or_else(|| "—".to_owned(), format::count)}</td>
                                            <td class="mono">{created}</td>
                                            <td class="mono muted">{id}</td>
                                        </tr>
                                    }
                                }
                            />
                        </tbody>
                    </table>
                    <Show when=move || rows.with(Vec::is_empty)>
                        <p class="empty">
                            {move || match state.endpoint_meta.get() {
                                Availability::Ready if !query.with(String::is_empty) => format!("No {noun} match the filter."),
                                Availability::Ready => format!("No {noun} yet (besides the meta API's own, if any)."),
                                Availability::Loading => format!("Loading {noun}…"),
                                Availability::Unknown => "Not connected.".to_owned(),
                                _ => format!("The {noun} are not available."),
                            }}
                        </p>
                    </Show>
                </div>
                <EndpointDetail kind=kind/>
            </div>
        </section>
    }
}

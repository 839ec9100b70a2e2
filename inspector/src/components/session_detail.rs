//! The selected session: who it is, what it registered and subscribed to, and its recent
//! messages from the trace.

use inspector_model::endpoints::Endpoint;
use inspector_model::format;
use leptos::prelude::*;

use crate::state::{AppState, Availability, Tab};

#[component]
pub(crate) fn SessionDetail(on_kill: Callback<u64>) -> impl IntoView {
    let state = AppState::get();
    let selected = state.selected_session;
    view! {
        <aside class="detail" aria-label="Session details">
            {move || match selected.get() {
                None => {
                    view! {
                        <p class="placeholder">
                            "Select a session to see its registrations, subscriptions and recent messages."
                        </p>
                    }
                        .into_any()
                }
                Some(id) => session_facts(id, on_kill).into_any(),
            }}
        </aside>
    }
}

/// Everything about session `id`.
fn session_facts(id: u64, on_kill: Callback<u64>) -> impl IntoView {
    let state = AppState::get();
    let row = Memo::new(move |_| state.sessions.with(|t| t.row(id).cloned()));
    let own = move || state.own_session.get() == Some(id);
    let registrations = Memo::new(move |_| state.registrations.with(|t| t.of_session(id)));
    let subscriptions = Memo::new(move |_| state.subscriptions.with(|t| t.of_session(id)));
    let recent = Memo::new(move |_| state.trace.with(|t| t.recent_of_session(id, 25)));

    let endpoint_list = move |endpoints: Memo<Vec<Endpoint>>, tab: Tab, empty: &'static str| {
        view! {
            <ul class="link-list">
                <For
                    each=move || endpoints.get()
                    key=|endpoint| (endpoint.id, endpoint.revision)
                    children=move |endpoint: Endpoint| {
                        let endpoint_id = endpoint.id;
                        view! {
                            <li>
                                <button
                                    class="link mono"
                                    on:click=move |_| {
                                        if tab == Tab::Registrations {
                                            state.selected_registration.set(Some(endpoint_id));
                                        } else {
                                            state.selected_subscription.set(Some(endpoint_id));
                                        }
                                        state.tab.set(tab);
                                    }
                                >
                                    {endpoint.uri.clone()}
                                </button>
                                {endpoint.is_pattern().then(|| view! { <span class="pill">{endpoint.match_policy.clone()}</span> })}
                            </li>
                        }
                    }
                />
                <Show when=move || endpoints.with(Vec::is_empty)>
                    <li class="muted">{empty}</li>
                </Show>
            </ul>
        }
    };

    view! {
        <div class="detail-head">
            <h2 class="mono">"Session " {id}</h2>
            <Show when=own>
                <span class="pill accent">"this inspector"</span>
            </Show>
            <span class="spacer"></span>
            <button
                class="button"
                title="Show only this session's messages in the trace"
                on:click=move |_| state.trace_session(id)
            >
                "Trace"
            </button>
            <button
                class="button danger"
                disabled=move || own() || row.with(Option::is_none)
                title=move || if own() { "The inspector cannot kill its own session" } else { "Kill this session (Del)" }
                on:click=move |_| on_kill.run(id)
            >
                "Kill…"
            </button>
        </div>
        {move || match row.get() {
            None => view! { <p class="notice-inline">"This session has left the realm."</p> }.into_any(),
            Some(row) => {
                let joined = row
                    .joined_ms
                    .map(|ms| {
                        format!(
                            "{} ({} ago)",
                            format::clock(ms, state.utc_offset),
                            format::age(ms, state.clock.get_untracked()),
                        )
                    })
                    .unwrap_or_else(|| "—".to_owned());
                let counter = |value: Option<u64>| value.map_or_else(|| "—".to_owned(), format::count);
                view! {
                    <dl class="facts">
                        <dt>"Authid"</dt>
                        <dd>{row.authid.clone()}</dd>
                        <dt>"Role"</dt>
                        <dd>{row.authrole.clone()}</dd>
                        <dt>"Auth method"</dt>
                        <dd>{row.authmethod.clone()}</dd>
                        <dt>"Transport"</dt>
                        <dd>{format!("{} · {}", row.transport, row.serializer)}</dd>
                        <dt>"Peer"</dt>
                        <dd class="mono">{if row.peer.is_empty() { "—".to_owned() } else { row.peer.clone() }}</dd>
                        <dt>"Joined"</dt>
                        <dd>{joined}</dd>
                        <dt>"Messages"</dt>
                        <dd>{format!("{} in · {} out", counter(row.messages_in), counter(row.messages_out))}</dd>
                    </dl>
                }
                    .into_any()
            }
        }}
        <h3>"Registrations " <span class="muted">{move || registrations.with(Vec::len)}</span></h3>
        {endpoint_list(registrations, Tab::Registrations, "Registers no procedure.")}
        <h3>"Subscriptions " <span class="muted">{move || subscriptions.with(Vec::len)}</span></h3>
        {endpoint_list(subscriptions, Tab::Subscriptions, "Subscribes to no topic.")}
        <h3>"Recent messages"</h3>
        {move || match state.trace_status.get() {
            Availability::Ready => {
                let records = recent.get();
                if records.is_empty() {
                    view! { <p class="muted">"No messages of this session in the trace buffer."</p> }.into_any()
                } else {
                    view! {
                        <table class="mini recent-messages">
                            <colgroup>
                                <col class="time"/>
                                <col class="dir"/>
                                <col class="type"/>
                                <col/>
                            </colgroup>
                            <tbody>
                                {records
                                    .into_iter()
                                    .rev()
                                    .map(|record| {
                                        view! {
                                            <tr>
                                                <td class="mono muted">{format::clock_millis(record.time_ms, state.utc_offset)}</td>
                                                <td class=format!("dir {}", record.direction.as_str())>
                                                    {if record.direction == inspector_model::Direction::In { "↑" } else { "↓" }}
                                                </td>
                                                <td><span class=format!("type t-{}", record.kind.to_lowercase())>{record.kind.clone()}</span></td>
                                                <td class="mono ellipsis">
                                                    {match state.uri_of(&record) {
                                                        (uri, _) if uri.is_empty() => record.summary.clone(),
                                                        (uri, _) => uri,
                                                    }}
                                                </td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    }
                        .into_any()
                }
            }
            Availability::Loading | Availability::Unknown => view! { <p class="muted">"Loading the trace…"</p> }.into_any(),
            other => {
                view! {
                    <p class="muted">
                        {other.notice().unwrap_or_default()}
                    </p>
                }
                    .into_any()
            }
        }}
    }
}

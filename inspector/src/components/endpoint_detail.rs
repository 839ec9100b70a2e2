//! The selected registration or subscription: its facts and the sessions behind it, with
//! ways to use it from the console.

use inspector_model::endpoints::EndpointKind;
use inspector_model::{CallRequest, PublishRequest, Request, SubscribeRequest, format};
use leptos::prelude::*;

use crate::state::{AppState, Tab};

#[component]
pub(crate) fn EndpointDetail(kind: EndpointKind) -> impl IntoView {
    let state = AppState::get();
    let (table, selected) = match kind {
        EndpointKind::Registration => (state.registrations, state.selected_registration),
        EndpointKind::Subscription => (state.subscriptions, state.selected_subscription),
    };
    let endpoint = Memo::new(move |_| {
        selected
            .get()
            .and_then(|id| table.with(|t| t.endpoint(id).cloned()))
    });
    let members_name = kind.members_name();
    let use_in_console = move |request: Request| {
        state.edit(request);
        state.tab.set(Tab::Console);
    };
    view! {
        <aside class="detail" aria-label="Details">
            {move || match (selected.get(), endpoint.get()) {
                (None, _) => {
                    view! {
                        <p class="placeholder">
                            {format!("Select a row to see its {members_name}.")}
                        </p>
                    }
                        .into_any()
                }
                (Some(id), None) => {
                    view! { <p class="notice-inline">{format!("{id} is gone: its last member left.")}</p> }.into_any()
                }
                (Some(_), Some(endpoint)) => {
                    let uri = endpoint.uri.clone();
                    let pattern = endpoint.is_pattern();
                    let policy = endpoint.match_policy.clone();
                    let actions = match kind {
                        EndpointKind::Registration => {
                            let procedure = uri.clone();
                            view! {
                                <button
                                    class="button primary"
                                    disabled=pattern
                                    title=if pattern { "A pattern: call a concrete procedure from the console" } else { "Open in the console" }
                                    on:click=move |_| {
                                        use_in_console(Request::Call(CallRequest {
                                            procedure: procedure.clone(),
                                            ..CallRequest::default()
                                        }))
                                    }
                                >
                                    "Call…"
                                </button>
                            }
                                .into_any()
                        }
                        EndpointKind::Subscription => {
                            let topic = uri.clone();
                            let watched = uri.clone();
                            let watched_policy = policy.clone();
                            view! {
                                <button
                                    class="button"
                                    disabled=pattern
                                    on:click=move |_| {
                                        use_in_console(Request::Publish(PublishRequest {
                                            topic: topic.clone(),
                                            ..PublishRequest::default()
                                        }))
                                    }
                                >
                                    "Publish…"
                                </button>
                                <button
                                    class="button"
                                    on:click=move |_| {
                                        use_in_console(Request::Subscribe(SubscribeRequest {
                                            topic: watched.clone(),
                                            match_policy: watched_policy.clone(),
                                        }))
                                    }
                                >
                                    "Watch…"
                                </button>
                            }
                                .into_any()
                        }
                    };
                    let members: Vec<u64> = endpoint.members.iter().copied().collect();
                    view! {
                        <div class="detail-head">
                            <h2 class="mono wrap">{uri.clone()}</h2>
                            <span class="spacer"></span>
                            {actions}
                        </div>
                        <dl class="facts">
                            <dt>"ID"</dt>
                            <dd class="mono">{endpoint.id}</dd>
                            <dt>"Match"</dt>
                            <dd>{policy.clone()}</dd>
                            {endpoint
                                .invoke
                                .clone()
                                .map(|invoke| view! { <dt>"Invoke"</dt> <dd>{invoke}</dd> })}
                            <dt>"Created"</dt>
                            <dd>
                                {endpoint
                                    .created_ms
                                    .map(|ms| format::clock(ms, state.utc_offset))
                                    .unwrap_or_else(|| "—".to_owned())}
                            </dd>
                            <dt>{if kind == EndpointKind::Registration { "Calls" } else { "Events" }}</dt>
                            <dd>{endpoint.count.map_or_else(|| "—".to_owned(), format::count)}</dd>
                        </dl>
                        <h3>
                            {if kind == EndpointKind::Registration { "Callees " } else { "Subscribers " }}
                            <span class="muted">{members.len()}</span>
                        </h3>
                        <table class="mini members">
                            <tbody>
                                {members
                                    .into_iter()
                                    .map(|session| {
                                        let row = state.sessions.with_untracked(|t| t.row(session).cloned());
                                        let (authid, authrole) = row
                                            .map(|row| (row.authid, row.authrole))
                                            .unwrap_or_default();
                                        view! {
                                            <tr>
                                                <td>
                                                    <button
                                                        class="link mono"
                                                        on:click=move |_| {
                                                            state.selected_session.set(Some(session));
                                                            state.tab.set(Tab::Sessions);
                                                        }
                                                    >
                                                        {session}
                                                    </button>
                                                    {(state.own_session.get_untracked() == Some(session))
                                                        .then(|| view! { <span class="pill">"you"</span> })}
                                                </td>
                                                <td>{authid}</td>
                                                <td class="muted">{authrole}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    }
                        .into_any()
                }
            }}
        </aside>
    }
}

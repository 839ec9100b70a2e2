//! The sessions table, live from the meta events; the selected session's details beside it.

use inspector_model::format;
use inspector_model::sessions::{SessionColumn, SessionRow};
use leptos::ev;
use leptos::prelude::*;

use super::confirm_dialog::ConfirmDialog;
use super::notice::Notice;
use super::session_detail::SessionDetail;
use crate::browser;
use crate::state::{AppState, Availability};

#[component]
pub(crate) fn SessionsPanel() -> impl IntoView {
    let state = AppState::get();
    let query = RwSignal::new(String::new());
    let sort = RwSignal::new((SessionColumn::Joined, false));
    let rows = Memo::new(move |_| {
        let (column, descending) = sort.get();
        query.with(|query| {
            state
                .sessions
                .with(|table| table.rows(query, column, descending))
        })
    });
    let to_kill = RwSignal::new(None::<u64>);
    let selected = state.selected_session;

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
            ("Delete", Some(_)) => {
                to_kill.set(
                    selected
                        .get_untracked()
                        .filter(|id| Some(*id) != state.own_session.get_untracked()),
                );
                return;
            }
            _ => return,
        };
        event.prevent_default();
        if let Some(id) = next {
            selected.set(Some(id));
            browser::reveal(&format!("session-{id}"));
        }
    };

    let header = move |label: &'static str, column: SessionColumn, numeric: bool| {
        let active = move || sort.get().0 == column;
        let arrow = move || match (active(), sort.get().1) {
            (false, _) => "",
            (true, false) => " ▲",
            (true, true) => " ▼",
        };
        view! {
            <th
                class:num=numeric
                class:sorted=active
                aria-sort=move || match (active(), sort.get().1) {
                    (false, _) => "none",
                    (true, false) => "ascending",
                    (true, true) => "descending",
                }
            >
                <button
                    class="th-button"
                    on:click=move |_| {
                        sort.update(|(current, descending)| {
                            if *current == column {
                                *descending = !*descending;
                            } else {
                                *current = column;
                                *descending = numeric;
                            }
                        })
                    }
                >
                    {label}
                    <span class="sort-arrow">{arrow}</span>
                </button>
            </th>
        }
    };

    view! {
        <section class="panel" aria-label="Sessions">
            <div class="toolbar">
                <input
                    class="search"
                    type="search"
                    placeholder="Filter by ID, authid, role, method or peer"
                    aria-label="Filter sessions"
                    prop:value=move || query.get()
                    on:input=move |event| query.set(event_target_value(&event))
                />
                <span class="muted">
                    {move || {
                        let shown = rows.with(Vec::len);
                        let all = state.sessions.with(|t| t.len());
                        if shown == all { format!("{all} sessions") } else { format!("{shown} of {all} sessions") }
                    }}
                </span>
                <span class="spacer"></span>
                <span class="hint">"↑↓ select · Del kill · Esc clear"</span>
            </div>
            {move || {
                state
                    .session_meta
                    .get()
                    .notice()
                    .map(|text| view! { <Notice tone="warn" text=text/> })
            }}
            {move || {
                state
                    .realm_error
                    .get()
                    .map(|text| {
                        view! {
                            <Notice
                                tone="error"
                                text=text
                                on_close=Callback::new(move |()| state.realm_error.set(None))
                            />
                        }
                    })
            }}
            <div class="split">
                <div class="table-wrap" tabindex="0" on:keydown=on_keydown aria-label="Sessions table">
                    <table class="grid" id="sessions-table">
                        <thead>
                            <tr>
                                {header("Session", SessionColumn::Id, false)}
                                {header("Authid", SessionColumn::Authid, false)}
                                {header("Role", SessionColumn::Authrole, false)}
                                {header("Auth", SessionColumn::Authmethod, false)}
                                {header("Transport", SessionColumn::Transport, false)}
                                {header("Joined", SessionColumn::Joined, false)}
                                {header("In", SessionColumn::MessagesIn, true)}
                                {header("Out", SessionColumn::MessagesOut, true)}
                            </tr>
                        </thead>
                        <tbody>
                            <For
                                each=move || rows.get()
                                key=|row| (row.id, row.revision)
                                children=move |row: SessionRow| {
                                    let id = row.id;
                                    let own = move || state.own_session.get() == Some(id);
                                    let transport = match (row.transport.as_str(), row.serializer.as_str()) {
                                        ("", "") => "—".to_owned(),
                                        (kind, "") => kind.to_owned(),
                                        ("", serializer) => serializer.to_owned(),
                                        (kind, serializer) => format!("{kind} · {serializer}"),
                                    };
                                    let joined = row
                                        .joined_ms
                                        .map(|ms| format::clock(ms, state.utc_offset))
                                        .unwrap_or_else(|| "—".to_owned());
                                    let counter = |value: Option<u64>| value.map_or_else(|| "—".to_owned(), format::count);
                                    view! {
                                        <tr
                                            id=format!("session-{id}")
                                            class:selected=move || selected.get() == Some(id)
                                            on:click=move |_| selected.set(Some(id))
                                        >
                                            <td class="mono">
                                                {id}
                                                <Show when=own>
                                                    <span class="pill">"you"</span>
                                                </Show>
                                            </td>
                                            <td class="authid" title=row.authid.clone()>{row.authid.clone()}</td>
                                            <td>{row.authrole.clone()}</td>
                                            <td>{row.authmethod.clone()}</td>
                                            <td>{transport}</td>
                                            <td class="mono">{joined}</td>
                                            <td class="num">{counter(row.messages_in)}</td>
                                            <td class="num">{counter(row.messages_out)}</td>
                                        </tr>
                                    }
                                }
                            />
                        </tbody>
                    </table>
                    <Show when=move || rows.with(Vec::is_empty)>
                        <p class="empty">
                            {move || match state.session_meta.get() {
                                Availability::Ready if !query.with(String::is_empty) => "No session matches the filter.",
                                Availability::Ready => "No sessions.",
                                Availability::Loading => "Loading sessions…",
                                Availability::Unknown => "Not connected.",
                                _ => "The session list is not available.",
                            }}
                        </p>
                    </Show>
                </div>
                <SessionDetail on_kill=Callback::new(move |id| to_kill.set(Some(id)))/>
            </div>
            {move || {
                to_kill
                    .get()
                    .map(|id| {
                        let who = state
                            .sessions
                            .with_untracked(|t| t.row(id).map(|row| format!(" ({} as {})", row.authid, row.authrole)))
                            .unwrap_or_default();
                        view! {
                            <ConfirmDialog
                                title=format!("Kill session {id}?")
                                body=format!(
                                    "The router will close session {id}{who} with wamp.close.killed. Its registrations and subscriptions end with it.",
                                )
                                confirm_label="Kill session"
                                on_confirm=Callback::new(move |()| {
                                    to_kill.set(None);
                                    state.kill_session(id);
                                })
                                on_cancel=Callback::new(move |()| to_kill.set(None))
                            />
                        }
                    })
            }}
        </section>
    }
}

//! The status bar: what the connection is doing, in words, and the realm's numbers.

use leptos::prelude::*;

use crate::state::{AppState, Availability};

#[component]
pub(crate) fn StatusBar() -> impl IntoView {
    let state = AppState::get();
    let rate = move || state.rate.with(|rate| rate.last_second(state.clock.get()));
    let trace_word = move || match state.trace_status.get() {
        _ if !state.connection.with(|c| c.is_open()) => "",
        Availability::Ready => {
            if state.trace.with(|t| t.is_paused()) {
                "trace paused"
            } else {
                "trace live"
            }
        }
        Availability::Loading => "trace loading",
        Availability::Unknown => "",
        _ => "no trace",
    };
    view! {
        <footer class="statusbar" role="status" aria-live="polite">
            <span class=move || format!("status-dot {}", state.connection.with(|s| s.tone()))></span>
            <span class="status-text" id="connection-status">
                {move || state.connection.with(|s| format!("{} · {}", s.word(), s.detail()))}
            </span>
            <span class="spacer"></span>
            <span>{move || format!("{} sessions", state.sessions.with(|t| t.len()))}</span>
            <span>{move || format!("{} registrations", state.registrations.with(|t| t.rows("", false).len()))}</span>
            <span>{move || format!("{} subscriptions", state.subscriptions.with(|t| t.rows("", false).len()))}</span>
            <Show when=move || state.has_rate()>
                <span>{move || format!("{} msg/s", rate())}</span>
            </Show>
            <span>{trace_word}</span>
        </footer>
    }
}

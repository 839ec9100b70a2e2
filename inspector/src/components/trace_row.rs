//! One row of the trace: a message on one line.

use std::sync::Arc;

use inspector_model::{Direction, TraceRecord, format};
use leptos::prelude::*;

use crate::state::AppState;

#[component]
pub(crate) fn TraceRow(index: u64, record: Arc<TraceRecord>) -> impl IntoView {
    let state = AppState::get();
    let controls = state.trace_controls;
    let selected = move || controls.selected.get() == Some(index);
    let (arrow, direction_title) = match record.direction {
        Direction::In => ("↑", "to the router"),
        Direction::Out => ("↓", "from the router"),
    };
    let own = state.own_session.get_untracked() == Some(record.session);
    let (uri, inferred) = state.uri_of(&record);
    let kind = record.kind.clone();
    view! {
        <div
            class="trace-row trace-grid"
            class:selected=selected
            class:error=kind == "ERROR" || kind == "ABORT"
            role="row"
            aria-selected=move || selected().to_string()
            on:click=move |_| controls.selected.set(Some(index))
        >
            <span class="num muted">{record.seq}</span>
            <span class="mono">{format::clock_millis(record.time_ms, state.utc_offset)}</span>
            <span class=format!("dir {}", record.direction.as_str()) title=direction_title>{arrow}</span>
            <span class="mono">
                {record.session}
                {own.then(|| view! { <span class="pill">"you"</span> })}
            </span>
            <span>
                <span class=format!("type t-{}", kind.to_lowercase())>{kind.clone()}</span>
            </span>
            <span
                class="mono ellipsis"
                class:inferred=inferred
                title=if inferred { format!("{uri} (from its ID)") } else { uri.clone() }
            >
                {uri.clone()}
            </span>
            <span class="num muted">{format::bytes(record.size)}</span>
            <span class="mono ellipsis summary" title=record.summary.clone()>{record.summary.clone()}</span>
        </div>
    }
}

//! The selected trace message in full: its facts and the message as formatted JSON.

use inspector_model::{Direction, format};
use leptos::prelude::*;

use super::json_view::JsonView;
use crate::state::AppState;

#[component]
pub(crate) fn MessageDetail() -> impl IntoView {
    let state = AppState::get();
    let controls = state.trace_controls;
    let record = Memo::new(move |_| {
        controls
            .selected
            .get()
            .and_then(|index| state.trace.with(|t| t.record(index)))
    });
    view! {
        <aside class="detail message-detail" aria-label="Message">
            {move || match record.get() {
                None => {
                    view! {
                        <p class="placeholder">"This message left the buffer (it keeps the newest messages)."</p>
                    }
                        .into_any()
                }
                Some(record) => {
                    let direction = match record.direction {
                        Direction::In => "session → router",
                        Direction::Out => "router → session",
                    };
                    view! {
                        <div class="detail-head">
                            <h2>
                                <span class=format!("type t-{}", record.kind.to_lowercase())>{record.kind.clone()}</span>
                                " "
                                <span class="muted">{format!("#{}", record.seq)}</span>
                            </h2>
                            <span class="spacer"></span>
                            <button class="icon-button" title="Close (Esc)" on:click=move |_| controls.selected.set(None)>
                                "×"
                            </button>
                        </div>
                        <dl class="facts">
                            <dt>"URI"</dt>
                            <dd class="mono wrap">
                                {match state.uri_of(&record) {
                                    (uri, _) if uri.is_empty() => "—".to_owned(),
                                    (uri, true) => format!("{uri} (from its ID)"),
                                    (uri, false) => uri,
                                }}
                            </dd>
                            <dt>"Session"</dt>
                            <dd class="mono">{record.session} " · " {direction}</dd>
                            <dt>"Time"</dt>
                            <dd class="mono">{format::clock_millis(record.time_ms, state.utc_offset)}</dd>
                            <dt>"Size"</dt>
                            <dd>{format!("{} ({})", format::bytes(record.size), record.serializer)}</dd>
                            {record.request_id().map(|id| view! { <dt>"Request"</dt> <dd class="mono">{id}</dd> })}
                        </dl>
                        <JsonView value=record.message.clone()/>
                    }
                        .into_any()
                }
            }}
        </aside>
    }
}

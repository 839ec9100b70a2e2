//! The requests issued from the console, newest first: run again, or edit.

use inspector_model::HistoryEntry;
use inspector_model::format;
use leptos::prelude::*;

use crate::state::AppState;

#[component]
pub(crate) fn HistoryList() -> impl IntoView {
    let state = AppState::get();
    let entries = move || {
        state
            .history
            .with(|h| h.entries().cloned().collect::<Vec<HistoryEntry>>())
    };
    view! {
        <div class="history" id="history">
            <div class="section-head">
                <h3>"History"</h3>
                <span class="muted">{move || state.history.with(|h| h.len())}</span>
                <span class="spacer"></span>
                <button
                    class="link small"
                    disabled=move || state.history.with(|h| h.is_empty())
                    on:click=move |_| {
                        state.history.update(|h| h.clear());
                        state.store_history();
                    }
                >
                    "Clear"
                </button>
            </div>
            <Show when=move || state.history.with(|h| h.is_empty())>
                <p class="muted small">"Calls, publications and subscriptions you make are kept here, also across visits."</p>
            </Show>
            <ul class="history-list">
                <For
                    each=entries
                    key=|entry| (entry.id, entry.outcome.clone())
                    children=move |entry: HistoryEntry| {
                        let id = entry.id;
                        let request = entry.request.clone();
                        let outcome = entry.outcome.clone().unwrap_or_else(|| "…".to_owned());
                        view! {
                            <li class="history-entry">
                                <span class=format!("verb {}", entry.request.verb())>{entry.request.verb()}</span>
                                <button
                                    class="link mono ellipsis grow"
                                    title="Put it back in its form"
                                    on:click=move |_| state.edit(request.clone())
                                >
                                    {entry.request.uri().to_owned()}
                                    " "
                                    <span class="muted">{entry.request.summary()}</span>
                                </button>
                                <span class="outcome" class:failed=entry.failed title=outcome.clone()>
                                    {outcome.clone()}
                                </span>
                                <span class="muted mono">{format::clock(entry.time_ms, state.utc_offset)}</span>
                                <button
                                    class="icon-button"
                                    title="Run again"
                                    aria-label="Run again"
                                    on:click=move |_| state.rerun(id)
                                >
                                    "↻"
                                </button>
                            </li>
                        }
                    }
                />
            </ul>
        </div>
    }
}

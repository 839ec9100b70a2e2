//! The topics the console watches, each with its latest events, newest first.

use inspector_model::console::{Watch, WatchedEvent, payload_value};
use inspector_model::format;
use inspector_model::json::{payload_line, pretty};
use leptos::prelude::*;

use crate::state::AppState;

#[component]
pub(crate) fn WatchList() -> impl IntoView {
    let state = AppState::get();
    let watches = state.console.watches;
    view! {
        <div class="watches" id="watches">
            <Show when=move || watches.with(Vec::is_empty)>
                <p class="placeholder">
                    "Subscribe to a topic or a pattern to watch its events here. Publications from this console show up too when exclude_me is off."
                </p>
            </Show>
            <For
                each=move || watches.get()
                key=|watch| (watch.id, watch.received)
                children=move |watch: Watch| {
                    let id = watch.id;
                    let events: Vec<WatchedEvent> = watch.events.iter().rev().cloned().collect();
                    let pattern = watch.match_policy != "exact";
                    view! {
                        <section class="watch" aria-label=format!("Events of {}", watch.topic)>
                            <div class="watch-head">
                                <code>{watch.topic.clone()}</code>
                                {pattern.then(|| view! { <span class="pill">{watch.match_policy.clone()}</span> })}
                                <span class="muted">{format!("{} events", watch.received)}</span>
                                <span class="spacer"></span>
                                <button class="button small" on:click=move |_| state.unwatch(id)>
                                    "Unsubscribe"
                                </button>
                            </div>
                            {if events.is_empty() {
                                view! { <p class="muted small">"Waiting for events…"</p> }.into_any()
                            } else {
                                view! {
                                    <ol class="events">
                                        {events
                                            .into_iter()
                                            .map(|event| {
                                                let value = payload_value(&event.args, &event.kwargs);
                                                let line = payload_line(&event.args, &event.kwargs, 240);
                                                let publisher = event
                                                    .publisher
                                                    .map(|p| format!("from {p}"))
                                                    .unwrap_or_default();
                                                view! {
                                                    <li title=pretty(&value)>
                                                        <span class="mono muted">
                                                            {format::clock_millis(event.time_ms, state.utc_offset)}
                                                        </span>
                                                        {pattern.then(|| view! { <code class="topic">{event.topic.clone()}</code> })}
                                                        <code class="payload">{line}</code>
                                                        <span class="muted">{publisher}</span>
                                                    </li>
                                                }
                                            })
                                            .collect_view()}
                                    </ol>
                                }
                                    .into_any()
                            }}
                        </section>
                    }
                }
            />
        </div>
    }
}

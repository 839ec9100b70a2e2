//! The trace filters: session, message types and URI text (applied at once here and, once
//! typing stops, on the router), and hiding the inspector's own messages.

use std::collections::BTreeSet;

use inspector_model::trace::type_names;
use leptos::prelude::*;

use crate::state::AppState;

/// The types most people filter on, offered first.
const COMMON: &[&str] = &[
    "CALL",
    "RESULT",
    "ERROR",
    "PUBLISH",
    "EVENT",
    "REGISTER",
    "SUBSCRIBE",
    "INVOCATION",
    "YIELD",
];

#[component]
pub(crate) fn TraceFilterBar() -> impl IntoView {
    let state = AppState::get();
    let controls = state.trace_controls;
    let apply = move || state.apply_trace_filter();
    let types_label = move || {
        controls.types.with(|types| match types.len() {
            0 => "All types".to_owned(),
            1 | 2 => types.iter().cloned().collect::<Vec<_>>().join(", "),
            n => format!("{n} types"),
        })
    };
    let names: Vec<&'static str> = COMMON
        .iter()
        .copied()
        .chain(
            type_names()
                .into_iter()
                .filter(|name| !COMMON.contains(name)),
        )
        .collect();
    let type_box = move |name: &'static str| {
        view! {
            <label class="check">
                <input
                    type="checkbox"
                    prop:checked=move || controls.types.with(|types| types.contains(name))
                    on:change=move |event| {
                        let on = event_target_checked(&event);
                        controls
                            .types
                            .update(|types| {
                                if on {
                                    types.insert(name.to_owned());
                                } else {
                                    types.remove(name);
                                }
                            });
                        apply();
                    }
                />
                <span class=format!("type t-{}", name.to_lowercase())>{name}</span>
            </label>
        }
    };
    view! {
        <div class="filters" role="group" aria-label="Trace filters">
            <input
                id="trace-session"
                class="filter-input narrow"
                class:invalid=move || controls.session_error.with(Option::is_some)
                type="search"
                inputmode="numeric"
                placeholder="Session"
                aria-label="Only the messages of this session"
                title=move || controls.session_error.get().unwrap_or_else(|| "Only the messages of this session ID".to_owned())
                prop:value=move || controls.session_text.get()
                on:input=move |event| {
                    controls.session_text.set(event_target_value(&event));
                    apply();
                }
            />
            <details class="menu" id="trace-types">
                <summary class="button" title="Only these message types">{types_label}</summary>
                <div class="menu-body">
                    <div class="menu-actions">
                        <button
                            class="link"
                            on:click=move |_| {
                                controls.types.set(BTreeSet::new());
                                apply();
                            }
                        >
                            "All types"
                        </button>
                        <button
                            class="link"
                            on:click=move |_| {
                                controls.types.set(["CALL", "RESULT", "ERROR"].map(str::to_owned).into());
                                apply();
                            }
                        >
                            "RPC"
                        </button>
                        <button
                            class="link"
                            on:click=move |_| {
                                controls.types.set(["PUBLISH", "PUBLISHED", "EVENT"].map(str::to_owned).into());
                                apply();
                            }
                        >
                            "Pub/Sub"
                        </button>
                    </div>
                    <div class="menu-grid">{names.into_iter().map(type_box).collect_view()}</div>
                </div>
            </details>
            <input
                id="trace-uri"
                class="filter-input"
                type="search"
                placeholder="URI contains…  ( / )"
                aria-label="Only messages whose URI contains this text"
                prop:value=move || controls.uri_text.get()
                on:input=move |event| {
                    controls.uri_text.set(event_target_value(&event));
                    apply();
                }
            />
            <label class="check" title="Hide the inspector's own meta API requests and events (what you do in the console stays)">
                <input
                    id="trace-hide-background"
                    type="checkbox"
                    prop:checked=move || controls.hide_background.get()
                    on:change=move |event| {
                        controls.hide_background.set(event_target_checked(&event));
                        apply();
                    }
                />
                "Hide inspector"
            </label>
            {move || {
                controls
                    .session_error
                    .get()
                    .map(|error| view! { <span class="field-error inline" role="alert">{error}</span> })
            }}
        </div>
    }
}

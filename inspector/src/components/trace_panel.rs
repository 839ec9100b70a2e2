//! The trace: the live message stream like a network panel, its filters, and the selected
//! message in full.

use leptos::ev;
use leptos::prelude::*;

use super::message_detail::MessageDetail;
use super::notice::Notice;
use super::trace_filter_bar::TraceFilterBar;
use super::trace_list::TraceList;
use crate::browser;
use crate::state::{AppState, Availability};

#[component]
pub(crate) fn TracePanel() -> impl IntoView {
    let state = AppState::get();
    let controls = state.trace_controls;
    let paused = move || state.trace.with(|t| t.is_paused());
    // `/` focuses the URI filter, `p` pauses, `Escape` closes the message.
    let on_keydown = move |event: ev::KeyboardEvent| {
        if browser::is_typing(&event) || event.ctrl_key() || event.meta_key() || event.alt_key() {
            return;
        }
        match event.key().as_str() {
            "/" => {
                event.prevent_default();
                browser::focus("trace-uri");
            }
            "p" => state.toggle_trace_pause(),
            "Escape" => controls.selected.set(None),
            _ => {}
        }
    };
    let ready = move || state.trace_status.with(Availability::is_ready);
    view! {
        <section class="panel" aria-label="Trace" on:keydown=on_keydown>
            <div class="toolbar">
                <button
                    id="trace-pause"
                    class="button"
                    class:active=paused
                    disabled=move || !ready()
                    title="Pause or resume the live view (P)"
                    on:click=move |_| state.toggle_trace_pause()
                >
                    {move || if paused() { "▶ Resume" } else { "❚❚ Pause" }}
                </button>
                <button
                    id="trace-clear"
                    class="button"
                    disabled=move || !ready()
                    title="Empty the view"
                    on:click=move |_| state.clear_trace()
                >
                    "Clear"
                </button>
                <button
                    id="trace-export"
                    class="button"
                    disabled=move || !ready() || state.trace.with(|t| t.visible_len() == 0)
                    title="Download the messages shown as JSON"
                    on:click=move |_| state.export_trace()
                >
                    "Export JSON"
                </button>
                <span class="divider"></span>
                <TraceFilterBar/>
                <span class="spacer"></span>
                <span class="muted" id="trace-count">
                    {move || {
                        state
                            .trace
                            .with(|t| {
                                let (held, dropped) = t.held();
                                let mut text = format!("{} of {} messages", t.visible_len(), t.len());
                                if t.is_paused() {
                                    text.push_str(&format!(" · paused, {held} waiting"));
                                    if dropped > 0 {
                                        text.push_str(&format!(" ({dropped} dropped)"));
                                    }
                                } else if t.evicted() > 0 {
                                    text.push_str(&format!(" · oldest {} dropped", t.evicted()));
                                }
                                let lost = controls.router_dropped.get();
                                if lost > 0 {
                                    text.push_str(&format!(" · {lost} not delivered by the router"));
                                }
                                text
                            })
                    }}
                </span>
            </div>
            {move || {
                state
                    .trace_status
                    .get()
                    .notice()
                    .map(|text| view! { <Notice tone="warn" text=text/> })
            }}
            {move || {
                controls
                    .error
                    .get()
                    .map(|text| {
                        view! {
                            <Notice tone="error" text=text on_close=Callback::new(move |()| controls.error.set(None))/>
                        }
                    })
            }}
            <div class="split trace-split" class:with-detail=move || controls.selected.with(Option::is_some)>
                <TraceList/>
                <Show when=move || controls.selected.with(Option::is_some)>
                    <MessageDetail/>
                </Show>
            </div>
        </section>
    }
}

//! The trace rows, virtualized: only the rows in view (and a few around them) are in the
//! DOM, so that tens of thousands of messages scroll smoothly. It follows the newest row
//! while scrolled to the bottom.

use std::sync::Arc;

use inspector_model::TraceRecord;
use leptos::ev;
use leptos::html;
use leptos::prelude::*;

use super::trace_row::TraceRow;
use crate::state::{AppState, Availability};

/// Height of a row in pixels; the CSS says the same (`--row`).
const ROW: f64 = 22.0;
/// Rows rendered beyond the visible ones, above and below.
const OVERSCAN: usize = 10;

#[component]
pub(crate) fn TraceList() -> impl IntoView {
    let state = AppState::get();
    let controls = state.trace_controls;
    let scroller = NodeRef::<html::Div>::new();
    let scroll_top = RwSignal::new(0.0_f64);
    let viewport = RwSignal::new(0.0_f64);

    let total = Memo::new(move |_| state.trace.with(|t| t.visible_len()));
    let range = Memo::new(move |_| {
        let first = ((scroll_top.get() / ROW) as usize).saturating_sub(OVERSCAN);
        let count = (viewport.get() / ROW).ceil() as usize + 2 * OVERSCAN;
        (first, first + count)
    });
    let rows = move || -> Vec<(u64, Arc<TraceRecord>)> {
        let (start, end) = range.get();
        state.trace.with(|t| t.visible_rows(start, end))
    };

    let measure = move || {
        if let Some(element) = scroller.get_untracked() {
            viewport.set(f64::from(element.client_height()));
            scroll_top.set(f64::from(element.scroll_top()));
        }
    };
    request_animation_frame(measure);
    let resize = window_event_listener(ev::resize, move |_| measure());
    on_cleanup(move || resize.remove());

    // Syncs the scroll position with the outside world: keeps the newest row in view while
    // following.
    Effect::new(move |_| {
        let _ = state.trace.with(|t| t.revision());
        let _ = total.get();
        if controls.follow.get()
            && let Some(element) = scroller.get_untracked()
        {
            element.set_scroll_top(element.scroll_height());
        }
    });

    let on_scroll = move |_| {
        if let Some(element) = scroller.get_untracked() {
            let top = f64::from(element.scroll_top());
            let height = f64::from(element.client_height());
            let full = f64::from(element.scroll_height());
            scroll_top.set(top);
            viewport.set(height);
            let at_bottom = top + height >= full - ROW;
            if controls.follow.get_untracked() != at_bottom {
                controls.follow.set(at_bottom);
            }
        }
    };

    // Moves the selection by `step` rows (or to an end) and scrolls it into view.
    let select_at = move |position: usize| {
        let Some(index) = state.trace.with_untracked(|t| t.index_at(position)) else {
            return;
        };
        controls.selected.set(Some(index));
        if let Some(element) = scroller.get_untracked() {
            let top = position as f64 * ROW;
            let height = f64::from(element.client_height());
            let current = f64::from(element.scroll_top());
            if top < current {
                element.set_scroll_top(top as i32);
            } else if top + ROW > current + height {
                element.set_scroll_top((top + ROW - height).ceil() as i32);
            }
        }
    };
    let on_keydown = move |event: ev::KeyboardEvent| {
        let count = total.get_untracked();
        if count == 0 {
            return;
        }
        let current = controls
            .selected
            .get_untracked()
            .and_then(|index| state.trace.with_untracked(|t| t.position(index)));
        let page = (viewport.get_untracked() / ROW).max(1.0) as usize;
        let target = match (event.key().as_str(), current) {
            ("ArrowDown", Some(p)) => (p + 1).min(count - 1),
            ("ArrowUp", Some(p)) => p.saturating_sub(1),
            ("PageDown", Some(p)) => (p + page).min(count - 1),
            ("PageUp", Some(p)) => p.saturating_sub(page),
            ("ArrowDown" | "ArrowUp" | "PageDown" | "PageUp", None) => count - 1,
            ("Home", _) => 0,
            ("End", _) => {
                event.prevent_default();
                controls.follow.set(true);
                select_at(count - 1);
                return;
            }
            _ => return,
        };
        event.prevent_default();
        controls
            .follow
            .set(target + 1 == count && controls.follow.get_untracked());
        select_at(target);
    };

    view! {
        <div class="trace-table" role="grid" aria-label="Messages" aria-rowcount=move || total.get()>
            <div class="trace-head trace-grid" role="row">
                <span role="columnheader" class="num">"#"</span>
                <span role="columnheader">"Time"</span>
                <span role="columnheader" title="↑ to the router, ↓ from the router"></span>
                <span role="columnheader">"Session"</span>
                <span role="columnheader">"Type"</span>
                <span role="columnheader">"URI"</span>
                <span role="columnheader" class="num">"Size"</span>
                <span role="columnheader">"Summary"</span>
            </div>
            <div
                class="trace-scroll"
                id="trace-scroll"
                node_ref=scroller
                tabindex="0"
                on:scroll=on_scroll
                on:keydown=on_keydown
            >
                <div class="trace-spacer" style:height=move || format!("{}px", total.get() as f64 * ROW)>
                    <div
                        class="trace-rows"
                        style:transform=move || format!("translateY({}px)", range.get().0.min(total.get()) as f64 * ROW)
                    >
                        <For
                            each=rows
                            key=|(index, _)| *index
                            children=move |(index, record)| view! { <TraceRow index=index record=record/> }
                        />
                    </div>
                </div>
                <Show when=move || total.get() == 0>
                    <p class="empty">
                        {move || {
                            if !state.trace_status.with(Availability::is_ready) {
                                "No trace from this router."
                            } else if state.trace.with(|t| t.is_empty()) {
                                "No messages yet. The router records while the inspector watches: activity in the realm shows up here as it happens."
                            } else {
                                "No message matches the filters."
                            }
                        }}
                    </p>
                </Show>
            </div>
            <div class="trace-foot">
                <span class="hint">"↑↓ select · End newest · P pause · / filter URI · Esc close"</span>
                <span class="spacer"></span>
                <Show when=move || !controls.follow.get() && (total.get() > 0)>
                    <button
                        class="link"
                        on:click=move |_| {
                            controls.follow.set(true);
                        }
                    >
                        "↓ Jump to newest"
                    </button>
                </Show>
            </div>
        </div>
    }
}

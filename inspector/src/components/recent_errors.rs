//! The latest errors in the realm (ERROR and ABORT messages from the trace): what failed,
//! for whom, at a glance. A click opens the message in the trace.

use inspector_model::format;
use leptos::prelude::*;

use crate::state::{AppState, Availability, Tab};

/// Errors shown.
const SHOWN: usize = 8;

#[component]
pub(crate) fn RecentErrors() -> impl IntoView {
    let state = AppState::get();
    let errors = Memo::new(move |_| state.trace.with(|t| t.recent_errors(SHOWN)));
    view! {
        <div class="card errors-card">
            <div class="graph-head">
                <span class="card-label">"Recent errors"</span>
                <span class="muted">"ERROR and ABORT messages in the trace"</span>
            </div>
            {move || match state.trace_status.get() {
                Availability::Ready => {
                    let errors = errors.get();
                    if errors.is_empty() {
                        view! { <p class="muted pad">"No errors so far."</p> }.into_any()
                    } else {
                        view! {
                            <table class="mini errors">
                                <tbody>
                                    {errors
                                        .into_iter()
                                        .map(|(index, record)| {
                                            let message = record.error_message().unwrap_or_default().to_owned();
                                            view! {
                                                <tr
                                                    class="clickable"
                                                    title="Open in the trace"
                                                    on:click=move |_| {
                                                        state.trace_controls.selected.set(Some(index));
                                                        state.tab.set(Tab::Trace);
                                                    }
                                                >
                                                    <td class="mono muted">{format::clock_millis(record.time_ms, state.utc_offset)}</td>
                                                    <td>
                                                        <span class=format!("type t-{}", record.kind.to_lowercase())>{record.kind.clone()}</span>
                                                    </td>
                                                    <td class="mono">{record.session}</td>
                                                    <td class="mono error-uri">{record.uri.clone().unwrap_or_default()}</td>
                                                    <td class="ellipsis wide-cell">{message}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        }
                            .into_any()
                    }
                }
                Availability::Loading => view! { <p class="muted pad">"Loading the trace…"</p> }.into_any(),
                Availability::Unknown => view! { <p class="muted pad">"Not connected."</p> }.into_any(),
                _ => view! { <p class="muted pad">"Needs the dev-router's message trace."</p> }.into_any(),
            }}
        </div>
    }
}

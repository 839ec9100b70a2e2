//! The last call: running (with progressive results as they come), its result, or its
//! error with the URI; the round-trip time.

use inspector_model::console::{CallOutcome, payload_value};
use inspector_model::{Value, format};
use leptos::prelude::*;

use super::json_view::JsonView;
use crate::state::AppState;

#[component]
pub(crate) fn CallResultView() -> impl IntoView {
    let state = AppState::get();
    let call = state.console.call;
    view! {
        <div class="result" id="call-result" aria-live="polite">
            {move || match call.get() {
                None => {
                    view! {
                        <p class="placeholder">
                            "Results show here: arguments, keyword arguments, progressive results, errors with their URI, and the round-trip time."
                        </p>
                    }
                        .into_any()
                }
                Some(call) => {
                    let progress = call
                        .progress
                        .iter()
                        .enumerate()
                        .map(|(i, (after_ms, args, kwargs))| {
                            view! {
                                <li>
                                    <span class="muted mono">{format!("#{} · +{}", i + 1, format::duration_ms(*after_ms))}</span>
                                    <code>{inspector_model::json::compact_truncated(&payload_value(args, kwargs), 300)}</code>
                                </li>
                            }
                        })
                        .collect_view();
                    let has_progress = !call.progress.is_empty();
                    let outcome = match call.outcome.clone() {
                        None => {
                            view! {
                                <div class="result-head running">
                                    <span class="spinner" aria-hidden="true"></span>
                                    <span>"Calling "<code>{call.procedure.clone()}</code>" …"</span>
                                </div>
                            }
                                .into_any()
                        }
                        Some(CallOutcome::Result { rtt_ms, args, kwargs }) => {
                            view! {
                                <div class="result-head ok">
                                    <span class="mark">"✓"</span>
                                    <span>"Result of "<code>{call.procedure.clone()}</code></span>
                                    <span class="spacer"></span>
                                    <span class="rtt" title="round-trip time">{format::duration_ms(rtt_ms)}</span>
                                </div>
                                {payload(&args, &kwargs)}
                            }
                                .into_any()
                        }
                        Some(CallOutcome::Error { rtt_ms, uri, args, kwargs }) => {
                            let message = args.first().and_then(Value::as_str).map(str::to_owned);
                            view! {
                                <div class="result-head error">
                                    <span class="mark">"✗"</span>
                                    <span class="mono" id="call-error-uri">{uri}</span>
                                    <span class="spacer"></span>
                                    <span class="rtt" title="round-trip time">{format::duration_ms(rtt_ms)}</span>
                                </div>
                                {message.map(|message| view! { <p class="error-message">{message}</p> })}
                                {payload(&args, &kwargs)}
                            }
                                .into_any()
                        }
                        Some(CallOutcome::Failed { message }) => {
                            view! {
                                <div class="result-head error">
                                    <span class="mark">"✗"</span>
                                    <span>"No answer: " {message}</span>
                                </div>
                            }
                                .into_any()
                        }
                    };
                    view! {
                        {outcome}
                        {has_progress
                            .then(|| {
                                view! {
                                    <h3>"Progressive results"</h3>
                                    <ol class="progress-list">{progress}</ol>
                                }
                            })}
                    }
                        .into_any()
                }
            }}
        </div>
    }
}

/// The arguments and keyword arguments, each as JSON (just the arguments when there are
/// no keyword arguments).
fn payload(args: &[Value], kwargs: &inspector_model::Dict) -> impl IntoView {
    let args_view = (!args.is_empty() || kwargs.is_empty()).then(|| {
        view! {
            <h3>"Arguments"</h3>
            <JsonView value=Value::List(args.to_vec())/>
        }
    });
    let kwargs_view = (!kwargs.is_empty()).then(|| {
        view! {
            <h3>"Keyword arguments"</h3>
            <JsonView value=Value::Dict(kwargs.clone())/>
        }
    });
    view! {
        {args_view}
        {kwargs_view}
    }
}

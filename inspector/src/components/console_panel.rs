//! The console: call, publish or subscribe on the left with the history below; the result
//! or the watched events on the right.

use leptos::prelude::*;

use super::call_form::CallForm;
use super::call_result::CallResultView;
use super::history_list::HistoryList;
use super::notice::Notice;
use super::publish_form::PublishForm;
use super::subscribe_form::SubscribeForm;
use super::watch_list::WatchList;
use crate::state::{AppState, ConsoleMode};

#[component]
pub(crate) fn ConsolePanel() -> impl IntoView {
    let state = AppState::get();
    let mode = state.console.mode;
    let button = move |label: &'static str, id: &'static str, target: ConsoleMode| {
        view! {
            <button
                id=id
                class="segment"
                class:selected=move || mode.get() == target
                role="tab"
                aria-selected=move || (mode.get() == target).to_string()
                on:click=move |_| mode.set(target)
            >
                {label}
            </button>
        }
    };
    view! {
        <section class="panel console" aria-label="Console">
            {move || {
                (!state.connection.with(|c| c.is_open()))
                    .then(|| {
                        view! {
                            <Notice
                                tone="warn"
                                text=Signal::derive(move || {
                                    format!("Not connected ({}): requests fail until the inspector is connected again.", state.connection.with(|c| c.detail()))
                                })
                            />
                        }
                    })
            }}
            <div class="console-grid">
                <div class="console-left">
                    <div class="segmented" role="tablist" aria-label="Request">
                        {button("Call", "mode-call", ConsoleMode::Call)}
                        {button("Publish", "mode-publish", ConsoleMode::Publish)}
                        {button("Subscribe", "mode-subscribe", ConsoleMode::Subscribe)}
                    </div>
                    {move || match mode.get() {
                        ConsoleMode::Call => view! { <CallForm/> }.into_any(),
                        ConsoleMode::Publish => view! { <PublishForm/> }.into_any(),
                        ConsoleMode::Subscribe => view! { <SubscribeForm/> }.into_any(),
                    }}
                    <HistoryList/>
                </div>
                <div class="console-right">
                    {move || match mode.get() {
                        ConsoleMode::Call => view! { <CallResultView/> }.into_any(),
                        _ => view! { <WatchList/> }.into_any(),
                    }}
                </div>
            </div>
        </section>
    }
}

//! The subscribe form: a topic or pattern and its match policy.

use leptos::prelude::*;

use super::notice::Notice;
use super::uri_field::{UriField, uri_completions};
use crate::state::AppState;

#[component]
pub(crate) fn SubscribeForm() -> impl IntoView {
    let state = AppState::get();
    let console = state.console;
    let form = console.subscribe_form;
    let attempted = RwSignal::new(false);
    let problem =
        Memo::new(move |_| form.with(|f| f.problems().into_iter().next().map(|p| p.message)));
    let topics = uri_completions(
        |state| state.subscriptions,
        "subscribe",
        &["wamp.session.on_join", "wamp.session.on_leave"],
    );
    view! {
        <form
            class="console-form"
            id="subscribe-form"
            on:submit=move |event| {
                event.prevent_default();
                attempted.set(true);
                if problem.with_untracked(Option::is_none) {
                    state.run_subscribe();
                }
            }
        >
            <UriField
                id="subscribe-topic"
                label="Topic or pattern"
                placeholder="com.example.news"
                value=Signal::derive(move || form.with(|f| f.topic.clone()))
                on_input=Callback::new(move |text| form.update(|f| f.topic = text))
                problem=problem
                attempted=attempted
                completions=topics
                help="prefix: com.example matches com.example.news · wildcard: com..news matches com.example.news"
            >
                <select
                    id="subscribe-match"
                    aria-label="Match policy"
                    prop:value=move || form.with(|f| f.match_policy.clone())
                    on:change=move |event| form.update(|f| f.match_policy = event_target_value(&event))
                >
                    <option value="exact">"exact"</option>
                    <option value="prefix">"prefix"</option>
                    <option value="wildcard">"wildcard"</option>
                </select>
                <button id="subscribe-button" class="button primary" type="submit">
                    "Subscribe"
                </button>
            </UriField>
            {move || {
                console
                    .subscribe_error
                    .get()
                    .map(|text| view! { <Notice tone="error" text=text/> })
            }}
        </form>
    }
}

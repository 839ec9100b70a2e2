//! The subscribe form: a topic or pattern and its match policy.

use inspector_model::console::completions;
use leptos::prelude::*;

use super::notice::Notice;
use crate::state::AppState;

#[component]
pub(crate) fn SubscribeForm() -> impl IntoView {
    let state = AppState::get();
    let console = state.console;
    let form = console.subscribe_form;
    let attempted = RwSignal::new(false);
    let problem =
        Memo::new(move |_| form.with(|f| f.problems().into_iter().next().map(|p| p.message)));
    let topics = Memo::new(move |_| {
        let known: Vec<String> = state.subscriptions.with(|t| {
            t.exact_uris()
                .into_iter()
                .filter(|uri| !inspector_model::endpoints::is_meta_uri(uri))
                .collect()
        });
        let recent = state.history.with(|h| h.uris("subscribe"));
        completions(
            &known,
            &recent,
            &["wamp.session.on_join", "wamp.session.on_leave"],
        )
    });
    let uri_error = move || {
        let shown = attempted.get() || form.with(|f| !f.topic.trim().is_empty());
        problem.get().filter(|_| shown)
    };
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
            <div class="field">
                <label for="subscribe-topic">"Topic or pattern"</label>
                <div class="row">
                    <input
                        id="subscribe-topic"
                        class="mono grow"
                        class:invalid=move || uri_error().is_some()
                        list="subscribe-topics"
                        placeholder="com.example.news"
                        autocomplete="off"
                        spellcheck="false"
                        prop:value=move || form.with(|f| f.topic.clone())
                        on:input=move |event| form.update(|f| f.topic = event_target_value(&event))
                    />
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
                </div>
                <datalist id="subscribe-topics">
                    <For each=move || topics.get() key=|uri| uri.clone() let:uri>
                        <option value=uri></option>
                    </For>
                </datalist>
                <div class="field-error" role="status">{move || uri_error().unwrap_or_default()}</div>
                <p class="help">
                    "prefix: com.example matches com.example.news · wildcard: com..news matches com.example.news"
                </p>
            </div>
            {move || {
                console
                    .subscribe_error
                    .get()
                    .map(|text| view! { <Notice tone="error" text=text/> })
            }}
        </form>
    }
}

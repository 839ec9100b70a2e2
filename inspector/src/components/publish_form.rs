//! The publish form: topic (with completions), arguments, keyword arguments and options.

use inspector_model::console::Field;
use leptos::prelude::*;

use super::json_editor::JsonEditor;
use super::notice::Notice;
use super::uri_field::{UriField, uri_completions};
use crate::state::AppState;

#[component]
pub(crate) fn PublishForm() -> impl IntoView {
    let state = AppState::get();
    let console = state.console;
    let form = console.publish_form;
    let attempted = RwSignal::new(false);
    let problems = Memo::new(move |_| form.with(|f| f.problems()));
    let problem = move |field: Field| {
        problems.with(|problems| {
            problems
                .iter()
                .find(|p| p.field == field)
                .map(|p| p.message.clone())
        })
    };
    let topics = uri_completions(|state| state.subscriptions, "publish", &[]);
    let submit = Callback::new(move |()| {
        attempted.set(true);
        if problems.with_untracked(Vec::is_empty) {
            state.run_publish();
        }
    });
    let option = move |label: &'static str,
                       title: &'static str,
                       get: fn(&inspector_model::PublishRequest) -> bool,
                       set: fn(&mut inspector_model::PublishRequest, bool)| {
        view! {
            <label class="check" title=title>
                <input
                    type="checkbox"
                    prop:checked=move || form.with(get)
                    on:change=move |event| {
                        let on = event_target_checked(&event);
                        form.update(|f| set(f, on));
                    }
                />
                {label}
            </label>
        }
    };
    view! {
        <form
            class="console-form"
            id="publish-form"
            on:submit=move |event| {
                event.prevent_default();
                submit.run(());
            }
        >
            <UriField
                id="publish-topic"
                label="Topic"
                placeholder="com.example.news"
                value=Signal::derive(move || form.with(|f| f.topic.clone()))
                on_input=Callback::new(move |text| form.update(|f| f.topic = text))
                problem=Signal::derive(move || problem(Field::Uri))
                attempted=attempted
                completions=topics
            />
            <JsonEditor
                id="publish-args"
                label="Arguments — a JSON list"
                placeholder="[\"hello\"]"
                value=Signal::derive(move || form.with(|f| f.args.clone()))
                on_input=Callback::new(move |text| form.update(|f| f.args = text))
                error=Signal::derive(move || problem(Field::Args))
                on_submit=submit
            />
            <JsonEditor
                id="publish-kwargs"
                label="Keyword arguments — a JSON object"
                placeholder="{\"from\": \"inspector\"}"
                value=Signal::derive(move || form.with(|f| f.kwargs.clone()))
                on_input=Callback::new(move |text| form.update(|f| f.kwargs = text))
                error=Signal::derive(move || problem(Field::Kwargs))
                on_submit=submit
            />
            <div class="options">
                {option("acknowledge", "Ask the router to confirm (and to report errors)", |f| f.acknowledge, |f, on| f.acknowledge = on)}
                {option("exclude_me", "Do not send the event to this inspector's own subscriptions", |f| f.exclude_me, |f, on| f.exclude_me = on)}
                {option("disclose_me", "Tell subscribers who published", |f| f.disclose_me, |f, on| f.disclose_me = on)}
                {option("retain", "Ask the router to keep the event for late subscribers", |f| f.retain, |f, on| f.retain = on)}
            </div>
            <div class="actions">
                <button id="publish-button" class="button primary" type="submit" disabled=move || !problems.with(Vec::is_empty) && attempted.get()>
                    "Publish"
                </button>
                <span class="hint">"Ctrl+Enter"</span>
            </div>
            {move || {
                console
                    .publish_outcome
                    .get()
                    .map(|(failed, text)| {
                        view! { <Notice tone=if failed { "error" } else { "info" } text=text/> }
                    })
            }}
        </form>
    }
}

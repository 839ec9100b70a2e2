//! The call form: procedure (with completions), arguments, keyword arguments and options.

use inspector_model::console::Field;
use inspector_model::meta::META_PROCEDURES;
use leptos::prelude::*;

use super::json_editor::JsonEditor;
use super::uri_field::{UriField, uri_completions};
use crate::state::AppState;

#[component]
pub(crate) fn CallForm() -> impl IntoView {
    let state = AppState::get();
    let console = state.console;
    let form = console.call_form;
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
    let procedures = uri_completions(|state| state.registrations, "call", META_PROCEDURES);
    let submit = Callback::new(move |()| {
        attempted.set(true);
        if problems.with_untracked(Vec::is_empty) {
            state.run_call();
        }
    });
    view! {
        <form
            class="console-form"
            id="call-form"
            on:submit=move |event| {
                event.prevent_default();
                submit.run(());
            }
        >
            <UriField
                id="call-procedure"
                label="Procedure"
                placeholder="com.example.add"
                value=Signal::derive(move || form.with(|f| f.procedure.clone()))
                on_input=Callback::new(move |text| form.update(|f| f.procedure = text))
                problem=Signal::derive(move || problem(Field::Uri))
                attempted=attempted
                completions=procedures
            />
            <JsonEditor
                id="call-args"
                label="Arguments — a JSON list"
                placeholder="[2, 3]"
                value=Signal::derive(move || form.with(|f| f.args.clone()))
                on_input=Callback::new(move |text| form.update(|f| f.args = text))
                error=Signal::derive(move || problem(Field::Args))
                on_submit=submit
            />
            <JsonEditor
                id="call-kwargs"
                label="Keyword arguments — a JSON object"
                placeholder="{\"precision\": 2}"
                value=Signal::derive(move || form.with(|f| f.kwargs.clone()))
                on_input=Callback::new(move |text| form.update(|f| f.kwargs = text))
                error=Signal::derive(move || problem(Field::Kwargs))
                on_submit=submit
            />
            <div class="options">
                <label class="inline-field">
                    "Timeout"
                    <input
                        id="call-timeout"
                        class="narrow mono"
                        class:invalid=move || problem(Field::Timeout).is_some()
                        inputmode="numeric"
                        placeholder="none"
                        title=move || problem(Field::Timeout).unwrap_or_else(|| "Milliseconds; empty or 0 for none".to_owned())
                        prop:value=move || form.with(|f| f.timeout.clone())
                        on:input=move |event| form.update(|f| f.timeout = event_target_value(&event))
                    />
                    "ms"
                </label>
                <label class="check">
                    <input
                        type="checkbox"
                        prop:checked=move || form.with(|f| f.disclose_me)
                        on:change=move |event| form.update(|f| f.disclose_me = event_target_checked(&event))
                    />
                    "disclose_me"
                </label>
                <label class="check">
                    <input
                        type="checkbox"
                        id="call-progress"
                        prop:checked=move || form.with(|f| f.receive_progress)
                        on:change=move |event| form.update(|f| f.receive_progress = event_target_checked(&event))
                    />
                    "receive progress"
                </label>
            </div>
            <div class="field-error" role="status">{move || problem(Field::Timeout).unwrap_or_default()}</div>
            <div class="actions">
                <button
                    id="call-button"
                    class="button primary"
                    type="submit"
                    disabled=move || !problems.with(Vec::is_empty) && attempted.get()
                >
                    "Call"
                </button>
                <Show when=move || console.is_calling()>
                    <button id="cancel-button" class="button danger" type="button" on:click=move |_| state.cancel_call()>
                        "Cancel call"
                    </button>
                </Show>
                <span class="hint">"Ctrl+Enter"</span>
            </div>
        </form>
    }
}

//! A JSON text field with validation as you type: the problem, with line and column, shows
//! under it in a line reserved for it (so nothing jumps). Ctrl+Enter submits the form.

use inspector_model::json;
use leptos::ev;
use leptos::prelude::*;

#[component]
pub(crate) fn JsonEditor(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    #[prop(into)] placeholder: String,
    #[prop(into)] value: Signal<String>,
    on_input: Callback<String>,
    #[prop(into)] error: Signal<Option<String>>,
    on_submit: Callback<()>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let on_keydown = move |event: ev::KeyboardEvent| {
        if event.key() == "Enter" && (event.ctrl_key() || event.meta_key()) {
            event.prevent_default();
            on_submit.run(());
        }
    };
    // Re-indents valid JSON; leaves anything else alone.
    let format = move |_| {
        let text = value.get_untracked();
        if let Ok(parsed) = json::parse_value(&text) {
            on_input.run(json::pretty(&parsed));
        }
    };
    view! {
        <div class="field">
            <div class="field-head">
                <label for=id.clone()>{label}</label>
                <span class="spacer"></span>
                <button
                    class="link small"
                    type="button"
                    tabindex="-1"
                    disabled=move || error.with(Option::is_some) || value.with(|v| v.trim().is_empty())
                    on:click=format
                >
                    "Format"
                </button>
            </div>
            <textarea
                id=id
                class="code"
                class:invalid=move || error.with(Option::is_some)
                rows="4"
                spellcheck="false"
                autocomplete="off"
                placeholder=placeholder
                aria-invalid=move || error.with(Option::is_some).to_string()
                aria-describedby=error_id.clone()
                prop:value=move || value.get()
                on:input=move |event| on_input.run(event_target_value(&event))
                on:keydown=on_keydown
            ></textarea>
            <div class="field-error" id=error_id role="status">
                {move || error.get().unwrap_or_default()}
            </div>
        </div>
    }
}

//! A URI text field with completions: the procedure of the call form, the topic of the
//! publish and subscribe forms. Its problem shows under it in a line reserved for it (so
//! nothing jumps), once the user typed something or tried to submit.

use inspector_model::EndpointTable;
use inspector_model::console::completions;
use inspector_model::endpoints::is_meta_uri;
use leptos::prelude::*;

use crate::state::AppState;

/// Completions for a URI field: the exact URIs of `table` (the meta API's own left out),
/// then those recently used in the console's `history_kind` requests, then `extra`.
pub(crate) fn uri_completions(
    table: impl Fn(&AppState) -> RwSignal<EndpointTable> + Send + Sync + 'static,
    history_kind: &'static str,
    extra: &'static [&'static str],
) -> Memo<Vec<String>> {
    let state = AppState::get();
    Memo::new(move |_| {
        let known: Vec<String> = table(&state).with(|t| {
            t.exact_uris()
                .into_iter()
                .filter(|uri| !is_meta_uri(uri))
                .collect()
        });
        let recent = state.history.with(|h| h.uris(history_kind));
        completions(&known, &recent, extra)
    })
}

#[component]
pub(crate) fn UriField(
    id: &'static str,
    label: &'static str,
    placeholder: &'static str,
    #[prop(into)] value: Signal<String>,
    on_input: Callback<String>,
    /// What is wrong with the value, if anything.
    #[prop(into)]
    problem: Signal<Option<String>>,
    /// Whether the user tried to submit: the problem of an empty field shows only then.
    #[prop(into)]
    attempted: Signal<bool>,
    completions: Memo<Vec<String>>,
    /// A line of help under the field.
    #[prop(optional)]
    help: Option<&'static str>,
    /// Controls beside the input, on the same row (the subscribe form's match policy and
    /// button).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let list_id = format!("{id}-completions");
    let error = move || {
        let shown = attempted.get() || value.with(|text| !text.trim().is_empty());
        problem.get().filter(|_| shown)
    };
    let in_row = children.is_some();
    let input = view! {
        <input
            id=id
            class="mono"
            class:grow=in_row
            class:invalid=move || error().is_some()
            list=list_id.clone()
            placeholder=placeholder
            autocomplete="off"
            spellcheck="false"
            prop:value=move || value.get()
            on:input=move |event| on_input.run(event_target_value(&event))
        />
    };
    let control = match children {
        Some(beside) => view! { <div class="row">{input}{beside()}</div> }.into_any(),
        None => input.into_any(),
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {control}
            <datalist id=list_id>
                <For each=move || completions.get() key=|uri| uri.clone() let:uri>
                    <option value=uri></option>
                </For>
            </datalist>
            <div class="field-error" role="status">{move || error().unwrap_or_default()}</div>
            {help.map(|text| view! { <p class="help">{text}</p> })}
        </div>
    }
}

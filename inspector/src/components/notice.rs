//! A notice in the panel, where the user is looking: why something is missing or failed.

use leptos::prelude::*;

/// `tone`: `info`, `warn` or `error`. `on_close`, if given, shows a close button.
#[component]
pub(crate) fn Notice(
    #[prop(into)] tone: String,
    #[prop(into)] text: Signal<String>,
    #[prop(optional)] on_close: Option<Callback<()>>,
) -> impl IntoView {
    let role = if tone == "error" { "alert" } else { "status" };
    view! {
        <div class=format!("notice {tone}") role=role>
            <span class="notice-icon" aria-hidden="true">
                {if tone == "info" { "i" } else { "!" }}
            </span>
            <span class="notice-text">{move || text.get()}</span>
            {on_close
                .map(|close| {
                    view! {
                        <button class="icon-button" title="Dismiss" on:click=move |_| close.run(())>
                            "×"
                        </button>
                    }
                })}
        </div>
    }
}

//! A modal question with a dangerous answer (e.g. killing a session). Escape or Cancel
//! closes it; the confirm button has the focus.

use leptos::ev;
use leptos::prelude::*;

use crate::browser;

#[component]
pub(crate) fn ConfirmDialog(
    #[prop(into)] title: String,
    #[prop(into)] body: String,
    #[prop(into)] confirm_label: String,
    on_confirm: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    request_animation_frame(|| browser::focus("confirm-button"));
    let on_keydown = move |event: ev::KeyboardEvent| {
        if event.key() == "Escape" {
            event.prevent_default();
            on_cancel.run(());
        }
    };
    view! {
        <div class="overlay" on:keydown=on_keydown>
            <div class="dialog small" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title">
                <h2 id="confirm-title">{title}</h2>
                <p>{body}</p>
                <div class="dialog-actions">
                    <button class="button" on:click=move |_| on_cancel.run(())>
                        "Cancel"
                    </button>
                    <button id="confirm-button" class="button danger solid" on:click=move |_| on_confirm.run(())>
                        {confirm_label}
                    </button>
                </div>
            </div>
        </div>
    }
}

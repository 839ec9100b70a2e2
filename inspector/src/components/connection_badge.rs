//! The connection state, always in view; a click opens the connect dialog.

use leptos::prelude::*;

use crate::state::AppState;

#[component]
pub(crate) fn ConnectionBadge() -> impl IntoView {
    let state = AppState::get();
    let status = move || state.connection.get();
    view! {
        <button
            class=move || format!("badge conn {}", status().tone())
            id="connection-badge"
            title=move || format!("{}: {} (click to connect elsewhere)", status().word(), status().detail())
            on:click=move |_| state.show_connect.set(true)
        >
            <span class="dot" aria-hidden="true"></span>
            <span class="conn-word">{move || status().word()}</span>
            <span class="conn-detail">{move || state.profile.with(|p| format!("{} @ {}", p.realm, p.url))}</span>
        </button>
    }
}

//! The app root: the state, the layout (top bar, the panel of the current tab, status bar,
//! dialogs) and the global keyboard shortcuts.

// `#[component]` makes a public props struct.
#![allow(unreachable_pub)]

use leptos::ev;
use leptos::prelude::*;

use crate::browser;
use crate::components::connect_dialog::ConnectDialog;
use crate::components::console_panel::ConsolePanel;
use crate::components::endpoints_panel::EndpointsPanel;
use crate::components::overview_panel::OverviewPanel;
use crate::components::sessions_panel::SessionsPanel;
use crate::components::status_bar::StatusBar;
use crate::components::top_bar::TopBar;
use crate::components::trace_panel::TracePanel;
use crate::state::{AppState, ConnectionStatus, Tab};
use inspector_model::endpoints::EndpointKind;

/// The whole app.
#[component]
pub(crate) fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);
    state.auto_connect();

    let keys = window_event_listener(ev::keydown, move |event| shortcut(state, &event));
    on_cleanup(move || keys.remove());

    view! {
        <div class="app">
            <TopBar/>
            <main
                class="main"
                id="main"
                class:stale=move || !state.connection.with(|c| c.is_open())
            >
                <Show when=move || {
                    state.connection.with(|c| matches!(c, ConnectionStatus::Reconnecting { .. }))
                }>
                    <div class="toast" role="status">
                        <span class="spinner" aria-hidden="true"></span>
                        "Reconnecting… what is shown is the realm as it was when the connection dropped."
                    </div>
                </Show>
                {move || match state.tab.get() {
                    Tab::Overview => view! { <OverviewPanel/> }.into_any(),
                    Tab::Sessions => view! { <SessionsPanel/> }.into_any(),
                    Tab::Registrations => {
                        view! { <EndpointsPanel kind=EndpointKind::Registration/> }.into_any()
                    }
                    Tab::Subscriptions => {
                        view! { <EndpointsPanel kind=EndpointKind::Subscription/> }.into_any()
                    }
                    Tab::Trace => view! { <TracePanel/> }.into_any(),
                    Tab::Console => view! { <ConsolePanel/> }.into_any(),
                }}
            </main>
            <StatusBar/>
            <Show when=move || state.show_connect.get()>
                <ConnectDialog/>
            </Show>
        </div>
    }
}

/// Alt+1 … Alt+6 switch panels (also without Alt when not typing).
fn shortcut(state: AppState, event: &ev::KeyboardEvent) {
    if event.ctrl_key() || event.meta_key() || state.show_connect.get_untracked() {
        return;
    }
    if !event.alt_key() && browser::is_typing(event) {
        return;
    }
    // Alt+digit arrives as another character on some layouts: the code is stable.
    let digit = event
        .code()
        .strip_prefix("Digit")
        .and_then(|d| d.parse::<usize>().ok());
    if let Some(tab) = digit
        .and_then(|d| d.checked_sub(1))
        .and_then(|i| Tab::ALL.get(i))
    {
        event.prevent_default();
        state.tab.set(*tab);
        browser::focus(tab.id());
    }
}

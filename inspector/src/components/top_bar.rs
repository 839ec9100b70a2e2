//! The top bar: the name, the panel tabs and the connection badge.

use leptos::prelude::*;

use super::connection_badge::ConnectionBadge;
use super::tab_bar::TabBar;

#[component]
pub(crate) fn TopBar() -> impl IntoView {
    view! {
        <header class="topbar">
            <div class="brand" title="WAMP Inspector: DevTools for a live WAMP realm">
                <svg class="logo" viewBox="0 0 24 24" aria-hidden="true">
                    <circle cx="6" cy="7" r="3"></circle>
                    <circle cx="18" cy="7" r="3"></circle>
                    <circle cx="12" cy="18" r="3"></circle>
                    <path d="M8.5 8.5 L10.5 15.5 M15.5 8.5 L13.5 15.5 M9 7 H15"></path>
                </svg>
                <span>"WAMP Inspector"</span>
            </div>
            <TabBar/>
            <div class="spacer"></div>
            <ConnectionBadge/>
        </header>
    }
}

//! The panel tabs, with live counts; arrow keys move between them.

use leptos::ev;
use leptos::prelude::*;

use crate::browser;
use crate::state::{AppState, Tab};

#[component]
pub(crate) fn TabBar() -> impl IntoView {
    let state = AppState::get();
    let count = move |tab: Tab| -> Option<usize> {
        match tab {
            Tab::Sessions => Some(state.sessions.with(|t| t.len())),
            Tab::Registrations => Some(state.registrations.with(|t| t.rows("", false).len())),
            Tab::Subscriptions => Some(state.subscriptions.with(|t| t.rows("", false).len())),
            _ => None,
        }
    };
    let on_keydown = move |event: ev::KeyboardEvent| {
        let current = Tab::ALL
            .iter()
            .position(|tab| *tab == state.tab.get_untracked())
            .unwrap_or(0);
        let next = match event.key().as_str() {
            "ArrowRight" => (current + 1) % Tab::ALL.len(),
            "ArrowLeft" => (current + Tab::ALL.len() - 1) % Tab::ALL.len(),
            "Home" => 0,
            "End" => Tab::ALL.len() - 1,
            _ => return,
        };
        event.prevent_default();
        state.tab.set(Tab::ALL[next]);
        browser::focus(Tab::ALL[next].id());
    };
    view! {
        <nav class="tabs" role="tablist" aria-label="Panels" on:keydown=on_keydown>
            {Tab::ALL
                .iter()
                .enumerate()
                .map(|(i, tab)| {
                    let tab = *tab;
                    let selected = move || state.tab.get() == tab;
                    view! {
                        <button
                            id=tab.id()
                            class="tab"
                            class:selected=selected
                            role="tab"
                            aria-selected=move || selected().to_string()
                            tabindex=move || if selected() { "0" } else { "-1" }
                            title=format!("{} (Alt+{})", tab.label(), i + 1)
                            on:click=move |_| state.tab.set(tab)
                        >
                            {tab.label()}
                            {move || {
                                count(tab).map(|n| view! { <span class="tab-count">{n}</span> })
                            }}
                        </button>
                    }
                })
                .collect_view()}
        </nav>
    }
}

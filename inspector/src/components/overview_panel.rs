//! The realm at a glance: counts, messages per second, and the graph of who uses what.

use leptos::prelude::*;

use super::notice::Notice;
use super::realm_graph::RealmGraph;
use super::recent_errors::RecentErrors;
use super::sparkline::Sparkline;
use crate::state::{AppState, Availability, Tab};

#[component]
pub(crate) fn OverviewPanel() -> impl IntoView {
    let state = AppState::get();
    let series = Signal::derive(move || state.rate.with(|rate| rate.series(state.clock.get())));
    let rate_now = move || {
        if state.has_rate() {
            series.with(|s| s.last().copied().unwrap_or(0)).to_string()
        } else {
            "—".to_owned()
        }
    };
    let rate_source = move || {
        if state.trace_status.with(Availability::is_ready) {
            if state.trace.with(|t| t.filter().to_kwargs().is_empty()) {
                "from the trace"
            } else {
                "from the trace (filtered)"
            }
        } else if state.has_rate() {
            "from the session counters"
        } else {
            "this router offers neither a trace nor message counters"
        }
    };
    let card = move |label: &'static str, value: Signal<String>, tab: Tab, note: Signal<String>| {
        view! {
            <button class="card" on:click=move |_| state.tab.set(tab) title=format!("Open {label}")>
                <span class="card-label">{label}</span>
                <span class="card-value">{move || value.get()}</span>
                <span class="card-note">{move || note.get()}</span>
            </button>
        }
    };
    let sessions = Signal::derive(move || state.sessions.with(|t| t.len().to_string()));
    let registrations = Signal::derive(move || {
        state
            .registrations
            .with(|t| t.rows("", false).len().to_string())
    });
    let subscriptions = Signal::derive(move || {
        state
            .subscriptions
            .with(|t| t.rows("", false).len().to_string())
    });
    let roles = Signal::derive(move || {
        state.sessions.with(|t| {
            let mut roles: Vec<String> = t
                .rows("", Default::default(), false)
                .into_iter()
                .map(|r| r.authrole)
                .collect();
            roles.sort();
            roles.dedup();
            match roles.len() {
                0 => "no sessions".to_owned(),
                1..=3 => format!("roles: {}", roles.join(", ")),
                n => format!("{n} roles"),
            }
        })
    });
    let callees = Signal::derive(move || {
        state.registrations.with(|t| {
            let patterns = t.iter().filter(|e| e.is_pattern() && !e.is_meta()).count();
            format!("{patterns} patterns")
        })
    });
    let topics = Signal::derive(move || {
        state.subscriptions.with(|t| {
            let patterns = t.iter().filter(|e| e.is_pattern() && !e.is_meta()).count();
            format!("{patterns} patterns")
        })
    });
    view! {
        <section class="panel overview" aria-label="Overview">
            {move || {
                state
                    .session_meta
                    .get()
                    .notice()
                    .map(|text| view! { <Notice tone="warn" text=text/> })
            }}
            <div class="cards">
                {card("Sessions", sessions, Tab::Sessions, roles)}
                {card("Registrations", registrations, Tab::Registrations, callees)}
                {card("Subscriptions", subscriptions, Tab::Subscriptions, topics)}
                <div class="card wide">
                    <span class="card-label">"Messages per second"</span>
                    <div class="rate">
                        <span class="card-value" id="rate-now">{rate_now}</span>
                        <Sparkline series=series width=260.0 height=44.0/>
                    </div>
                    <span class="card-note">{move || format!("last 60 s · {}", rate_source())}</span>
                </div>
            </div>
            <RealmGraph/>
            <RecentErrors/>
        </section>
    }
}

//! The sessions, registrations and subscriptions tables: seeded from the meta API's `list`
//! and `get` procedures, kept current by its events, their counters pushed by the
//! dev-router (`dev_router.session.on_stats`) or, from a router that does not push them,
//! re-read while on screen; and killing a session.

use inspector_model::endpoints::{EndpointKind, Fetch};
use inspector_model::{EndpointTable, MetaEvent, Stats};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{AppState, Availability, Tab};
use crate::api::{ApiError, Client};
use crate::browser;

/// The most sessions or endpoints whose counters are refreshed at once.
const MAX_REFRESH: usize = 200;

/// How a failed meta API request reads in the panel.
fn availability(error: &ApiError, api: &str, procedure: &str) -> Availability {
    if error.is_no_such_procedure() {
        Availability::Unsupported(format!(
            "This router does not implement the WAMP {api} meta API ({procedure} is not a procedure here)."
        ))
    } else if error.is_not_authorized() {
        Availability::Denied(format!(
            "The router does not allow this session to use the {api} meta API ({}). Connect with a role that may call wamp.{}.*.",
            error.describe(),
            procedure.split('.').nth(1).unwrap_or("session")
        ))
    } else {
        Availability::Failed(format!(
            "Asking the router for its {api}s failed: {}",
            error.describe()
        ))
    }
}

impl AppState {
    /// Fills the tables afresh; the first time (`subscribe`), subscribes to the meta events
    /// before anything else, so that nothing that happens while seeding is missed.
    pub(super) fn seed_realm(&self, client: Client, generation: u64, subscribe: bool) {
        let state = *self;
        self.session_meta.set(Availability::Loading);
        self.endpoint_meta.set(Availability::Loading);
        spawn_local(async move {
            if subscribe {
                for topic in MetaEvent::topics() {
                    let watched = client
                        .watch_meta(&topic, move |event| state.apply_meta_event(event))
                        .await;
                    match watched {
                        Ok(subscription) => {
                            // Its events are the inspector's background traffic.
                            let id = subscription.id().map(|id| id.get());
                            state.trace.update(|trace| {
                                trace.set_own_session(state.own_session.get_untracked(), id)
                            });
                            state
                                .inner
                                .update_value(|inner| inner.subscriptions.push(subscription));
                        }
                        Err(_) if !state.is_current(generation) => return,
                        // Refused topics show up as refused procedures below.
                        Err(_) => {}
                    }
                }
                if let Ok(subscription) = client
                    .watch_stats(move |stats| state.apply_stats(&stats))
                    .await
                {
                    state.inner.update_value(|inner| {
                        inner.subscriptions.push(subscription);
                        inner.stats_pushed = true;
                    });
                }
            }
            if !state.is_current(generation) {
                return;
            }
            state.sessions.update(|table| table.reset());
            state.registrations.update(EndpointTable::reset);
            state.subscriptions.update(EndpointTable::reset);
            state.usage.update(|usage| usage.clear());

            match client.session_ids().await {
                Ok(ids) if state.is_current(generation) => {
                    state.session_meta.set(Availability::Ready);
                    for id in ids {
                        state.fetch_session(client.clone(), generation, id);
                    }
                }
                Ok(_) => return,
                Err(error) => {
                    state
                        .session_meta
                        .set(availability(&error, "session", "wamp.session.list"))
                }
            }
            let mut endpoint_status = Availability::Ready;
            for kind in [EndpointKind::Registration, EndpointKind::Subscription] {
                match client.endpoint_ids(kind).await {
                    Ok(ids) if state.is_current(generation) => {
                        for id in ids {
                            state.fetch_endpoint(client.clone(), generation, Fetch { kind, id });
                        }
                    }
                    Ok(_) => return,
                    Err(error) => {
                        let api = match kind {
                            EndpointKind::Registration => "registration",
                            EndpointKind::Subscription => "subscription",
                        };
                        endpoint_status = availability(&error, api, &kind.procedure("list"));
                    }
                }
            }
            if state.is_current(generation) {
                state.endpoint_meta.set(endpoint_status);
            }
        });
    }

    /// Asks for one session's details and puts them in the table.
    fn fetch_session(&self, client: Client, generation: u64, id: u64) {
        let state = *self;
        spawn_local(async move {
            if let Ok(Some(row)) = client.session(id).await
                && state.is_current(generation)
            {
                state.sessions.maybe_update(|table| table.upsert(row));
            }
        });
    }

    /// Asks for one registration's or subscription's details and members.
    fn fetch_endpoint(&self, client: Client, generation: u64, fetch: Fetch) {
        let state = *self;
        spawn_local(async move {
            let Ok(Some((endpoint, members))) = client.endpoint(fetch.kind, fetch.id).await else {
                return;
            };
            if !state.is_current(generation) {
                return;
            }
            state.table(fetch.kind).maybe_update(|table| {
                let details = table.set_details(endpoint);
                let members = table.set_members(fetch.id, members);
                details || members
            });
        });
    }

    fn table(&self, kind: EndpointKind) -> RwSignal<EndpointTable> {
        match kind {
            EndpointKind::Registration => self.registrations,
            EndpointKind::Subscription => self.subscriptions,
        }
    }

    /// A meta event arrived.
    fn apply_meta_event(&self, event: MetaEvent) {
        self.sessions.maybe_update(|table| table.apply(&event));
        let mut fetches = Vec::new();
        for kind in [EndpointKind::Registration, EndpointKind::Subscription] {
            let relevant = match &event {
                MetaEvent::Created { endpoint, .. } => endpoint.kind == kind,
                MetaEvent::Joined { kind: k, .. }
                | MetaEvent::Left { kind: k, .. }
                | MetaEvent::Deleted { kind: k, .. } => *k == kind,
                MetaEvent::SessionLeft { .. } => true,
                _ => false,
            };
            if relevant
                && let Some(fetch) = self
                    .table(kind)
                    .try_update(|table| table.apply(&event))
                    .flatten()
            {
                fetches.push(fetch);
            }
        }
        if let MetaEvent::SessionLeft { session } = event {
            self.usage.update(|usage| usage.forget_session(session));
        }
        if let Some(client) = self.client() {
            let generation = self.generation();
            for fetch in fetches {
                self.fetch_endpoint(client.clone(), generation, fetch);
            }
        }
    }

    /// The dev-router's counters changed.
    fn apply_stats(&self, stats: &Stats) {
        self.sessions.maybe_update(|table| table.apply_stats(stats));
        self.registrations
            .maybe_update(|table| table.apply_stats(stats));
        self.subscriptions
            .maybe_update(|table| table.apply_stats(stats));
    }

    /// Every few seconds: without a trace, feeds the rate meter from the sessions' message
    /// counters; from a router that does not push its counters, re-reads those on screen.
    pub(super) fn refresh_counters(&self) {
        let Some(client) = self.client() else {
            return;
        };
        if !self.connection.with_untracked(|status| status.is_open()) {
            return;
        }
        let generation = self.generation();
        if !self.trace_status.with_untracked(Availability::is_ready) {
            let total = self.sessions.with_untracked(|table| table.total_messages());
            let previous = self
                .inner
                .try_update_value(|inner| std::mem::replace(&mut inner.last_total, total))
                .flatten();
            if let (Some(total), Some(previous)) = (total, previous) {
                let delta = total.saturating_sub(previous);
                let now = browser::now_ms();
                self.rate.update(|rate| {
                    for second in 0..3 {
                        rate.add(now - f64::from(second) * 1000.0, delta / 3);
                    }
                });
            }
        }
        if self.inner.with_value(|inner| inner.stats_pushed) {
            return;
        }
        match self.tab.get_untracked() {
            Tab::Sessions | Tab::Overview
                if self.session_meta.with_untracked(Availability::is_ready) =>
            {
                let ids = self.sessions.with_untracked(|table| table.ids());
                for id in ids.into_iter().take(MAX_REFRESH) {
                    self.fetch_session(client.clone(), generation, id);
                }
            }
            tab @ (Tab::Registrations | Tab::Subscriptions)
                if self.endpoint_meta.with_untracked(Availability::is_ready) =>
            {
                let kind = if tab == Tab::Registrations {
                    EndpointKind::Registration
                } else {
                    EndpointKind::Subscription
                };
                let ids = self.table(kind).with_untracked(|table| table.ids());
                for id in ids.into_iter().take(MAX_REFRESH) {
                    self.fetch_endpoint(client.clone(), generation, Fetch { kind, id });
                }
            }
            _ => {}
        }
    }

    /// Closes another session (`wamp.session.kill`); a failure shows above the table.
    pub(crate) fn kill_session(&self, id: u64) {
        let Some(client) = self.client() else {
            return;
        };
        let state = *self;
        self.realm_error.set(None);
        spawn_local(async move {
            if let Err(error) = client.kill_session(id).await {
                let reason = if error.is_not_authorized() {
                    format!(
                        "the router does not allow this session to kill others ({})",
                        error.describe()
                    )
                } else {
                    error.describe()
                };
                state
                    .realm_error
                    .set(Some(format!("Could not kill session {id}: {reason}")));
            }
        });
    }
}

//! Connecting, the session's lifecycle and reconnecting.

use inspector_model::ConnectionProfile;
use inspector_model::connection::DEFAULT_REALM;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wamp_wasm::SessionEvent;

use super::{AppState, Availability};
use crate::api::Client;
use crate::browser;

/// Where the connection is, as the status badge shows it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ConnectionStatus {
    /// Not connected: never, or after a failure (in words) or leaving.
    Disconnected { error: Option<String> },
    /// The first attempt is under way.
    Connecting { target: String },
    /// Joined.
    Open {
        target: String,
        session: u64,
        authid: String,
        authrole: String,
    },
    /// The connection dropped; the client tries again by itself.
    Reconnecting {
        target: String,
        attempt: u32,
        delay_ms: f64,
        reason: String,
    },
}

impl ConnectionStatus {
    /// One word for the badge.
    pub(crate) fn word(&self) -> &'static str {
        match self {
            ConnectionStatus::Disconnected { .. } => "Disconnected",
            ConnectionStatus::Connecting { .. } => "Connecting",
            ConnectionStatus::Open { .. } => "Connected",
            ConnectionStatus::Reconnecting { .. } => "Reconnecting",
        }
    }

    /// The badge's colour: `ok`, `busy` or `bad`.
    pub(crate) fn tone(&self) -> &'static str {
        match self {
            ConnectionStatus::Open { .. } => "ok",
            ConnectionStatus::Connecting { .. } | ConnectionStatus::Reconnecting { .. } => "busy",
            ConnectionStatus::Disconnected { .. } => "bad",
        }
    }

    /// The details beside the word.
    pub(crate) fn detail(&self) -> String {
        match self {
            ConnectionStatus::Disconnected { error: Some(error) } => error.clone(),
            ConnectionStatus::Disconnected { error: None } => "not connected".to_owned(),
            ConnectionStatus::Connecting { target } => target.clone(),
            ConnectionStatus::Open {
                target,
                session,
                authid,
                authrole,
            } => format!("{target} · session {session} · {authid} ({authrole})"),
            ConnectionStatus::Reconnecting {
                target,
                attempt,
                delay_ms,
                reason,
            } => format!(
                "{target} · {reason} · attempt {attempt} in {:.1} s",
                delay_ms / 1000.0
            ),
        }
    }

    pub(crate) fn is_open(&self) -> bool {
        matches!(self, ConnectionStatus::Open { .. })
    }
}

/// `realm1 @ ws://host/ws`.
fn target(profile: &ConnectionProfile) -> String {
    format!("{} @ {}", profile.realm.trim(), profile.url.trim())
}

impl AppState {
    /// At start: connects to the router given in the address (`?url=...&realm=...`), else
    /// to the dev-router that served the page (same origin, `/ws`, `realm1`), else opens
    /// the connect dialog. `?connect=manual` always opens the dialog.
    pub(crate) fn auto_connect(&self) {
        let (protocol, host) = browser::location();
        let realm = browser::query_parameter("realm").unwrap_or_else(|| DEFAULT_REALM.to_owned());
        let manual = browser::query_parameter("connect").as_deref() == Some("manual");
        let profile = if let Some(url) = browser::query_parameter("url") {
            Some(ConnectionProfile {
                url,
                realm,
                ..ConnectionProfile::default()
            })
        } else if (protocol == "http:" || protocol == "https:") && !host.is_empty() {
            Some(ConnectionProfile {
                realm,
                ..ConnectionProfile::same_origin(&protocol, &host)
            })
        } else {
            None
        };
        match profile {
            Some(profile) if !manual => self.connect(profile, String::new()),
            Some(profile) => {
                self.profile.set(profile);
                self.show_connect.set(true);
            }
            None => self.show_connect.set(true),
        }
    }

    /// Connects with `profile` (leaving any current connection first). On success the
    /// profile is remembered (without the secret) and the tables fill; on failure the
    /// connect dialog opens with the reason.
    pub(crate) fn connect(&self, profile: ConnectionProfile, secret: String) {
        let state = *self;
        self.drop_client();
        self.profile.set(profile.clone());
        self.connection.set(ConnectionStatus::Connecting {
            target: target(&profile),
        });
        let generation = self.inner.with_value(|inner| inner.generation);
        spawn_local(async move {
            let result = Client::connect(&profile, &secret).await;
            if !state.is_current(generation) {
                // Another connect or a disconnect came first.
                if let Ok(client) = result {
                    client.leave().await;
                }
                return;
            }
            match result {
                Ok(client) => {
                    state.saved.update(|saved| saved.remember(profile.clone()));
                    state.store_saved();
                    state.show_connect.set(false);
                    let listener = client.on_event(move |event| state.handle_event(event));
                    state.inner.update_value(|inner| {
                        inner.client = Some(client);
                        inner.listener = Some(listener);
                    });
                    state.joined(false);
                }
                Err(error) => {
                    state.connection.set(ConnectionStatus::Disconnected {
                        error: Some(format!(
                            "Could not connect to {}: {}",
                            target(&profile),
                            error.describe()
                        )),
                    });
                    state.show_connect.set(true);
                }
            }
        });
    }

    /// Leaves the realm; nothing reconnects.
    pub(crate) fn disconnect(&self) {
        self.drop_client();
        self.connection
            .set(ConnectionStatus::Disconnected { error: None });
    }

    /// Forgets the current client (leaving its session) and everything it fed.
    fn drop_client(&self) {
        let (client, listener) = self
            .inner
            .try_update_value(|inner| {
                inner.generation += 1;
                inner.subscriptions.clear();
                inner.pending.clear();
                inner.trace_loading = false;
                (inner.client.take(), inner.listener.take())
            })
            .unwrap_or((None, None));
        if let Some(client) = client {
            if let Some(listener) = listener {
                client.remove_listener(listener);
            }
            spawn_local(async move { client.leave().await });
        }
        self.own_session.set(None);
        self.session_meta.set(Availability::Unknown);
        self.endpoint_meta.set(Availability::Unknown);
        self.trace_status.set(Availability::Unknown);
        self.console.reset();
    }

    /// The client's lifecycle.
    fn handle_event(&self, event: &SessionEvent) {
        let profile = self.profile.get_untracked();
        match event {
            SessionEvent::Open(info) if info.reconnected => self.joined(true),
            SessionEvent::Open(_) => {}
            SessionEvent::Close(info) if info.will_reconnect => {
                self.connection.set(ConnectionStatus::Reconnecting {
                    target: target(&profile),
                    attempt: 1,
                    delay_ms: 0.0,
                    reason: close_words(&info.reason, info.message.as_deref()),
                });
            }
            SessionEvent::Close(info) => {
                self.inner.update_value(|inner| inner.generation += 1);
                self.connection.set(ConnectionStatus::Disconnected {
                    error: Some(format!(
                        "the session ended: {}",
                        close_words(&info.reason, info.message.as_deref())
                    )),
                });
                self.own_session.set(None);
            }
            SessionEvent::Reconnecting { attempt, delay_ms } => {
                let reason = match self.connection.get_untracked() {
                    ConnectionStatus::Reconnecting { reason, .. } => reason,
                    _ => "connection lost".to_owned(),
                };
                self.connection.set(ConnectionStatus::Reconnecting {
                    target: target(&profile),
                    attempt: *attempt,
                    delay_ms: *delay_ms,
                    reason,
                });
            }
            SessionEvent::Error(error) => {
                self.realm_error
                    .set(Some(format!("the client reported: {error}")));
            }
            _ => {}
        }
    }

    /// The session (re)joined: the badge turns green and every table is filled afresh.
    fn joined(&self, reconnected: bool) {
        let Some(client) = self.client() else {
            return;
        };
        let generation = self.inner.try_update_value(|inner| {
            inner.generation += 1;
            inner.last_total = None;
            inner.stats_pushed = false;
            inner.generation
        });
        let Some(generation) = generation else {
            return;
        };
        let profile = self.profile.get_untracked();
        let (authid, authrole) = client.identity();
        let session = client.id().unwrap_or_default();
        self.own_session.set(Some(session));
        self.connection.set(ConnectionStatus::Open {
            target: target(&profile),
            session,
            authid: authid.unwrap_or_else(|| "anonymous".to_owned()),
            authrole: authrole.unwrap_or_default(),
        });
        self.realm_error.set(None);
        let now = browser::now_ms();
        self.rate.update(|rate| {
            rate.clear();
            rate.start(now);
        });
        // After a reconnect the client restored the meta subscriptions under new IDs.
        let subscriptions: Vec<u64> = self.inner.with_value(|inner| {
            inner
                .subscriptions
                .iter()
                .filter_map(|subscription| subscription.id().map(|id| id.get()))
                .collect()
        });
        self.trace
            .update(|trace| trace.set_own_session(Some(session), subscriptions));
        self.seed_realm(client.clone(), generation, !reconnected);
        self.start_trace(client, generation, !reconnected);
    }
}

/// `wamp.close.transport_lost: the connection was lost` in fewer, plainer words.
fn close_words(reason: &str, message: Option<&str>) -> String {
    let plain = match reason {
        "wamp.close.transport_lost" => "the connection was lost",
        "wamp.close.system_shutdown" => "the router shut down",
        "wamp.close.killed" => "the session was killed",
        "wamp.close.close_realm" | "wamp.close.normal" => "the session was closed",
        "wamp.close.goodbye_and_out" => "the session was closed",
        other => other,
    };
    match message {
        Some(message) if !message.is_empty() && message != plain => format!("{plain} ({message})"),
        _ => plain.to_owned(),
    }
}

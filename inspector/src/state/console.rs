//! The console: its forms, the running call (progress, result, cancel), publications,
//! watched topics, and the history of requests.

use inspector_model::console::{CallState, Watch};
use inspector_model::{CallRequest, PublishRequest, Request, SubscribeRequest};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wamp_wasm::{CallResult, CancelToken, Subscription};

use super::AppState;
use crate::api::ApiError;
use crate::browser;

/// Which form the console shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConsoleMode {
    Call,
    Publish,
    Subscribe,
}

/// The console's state.
#[derive(Clone, Copy)]
pub(crate) struct ConsoleState {
    pub(crate) mode: RwSignal<ConsoleMode>,
    pub(crate) call_form: RwSignal<CallRequest>,
    pub(crate) publish_form: RwSignal<PublishRequest>,
    pub(crate) subscribe_form: RwSignal<SubscribeRequest>,
    /// The last call: running, or how it ended.
    pub(crate) call: RwSignal<Option<CallState>>,
    /// How the last publication went: `(failed, words)`.
    pub(crate) publish_outcome: RwSignal<Option<(bool, String)>>,
    /// Why the last subscription failed.
    pub(crate) subscribe_error: RwSignal<Option<String>>,
    /// Topics subscribed to from the console, newest first.
    pub(crate) watches: RwSignal<Vec<Watch>>,
    /// Identifies the running call, so that a stale answer never lands on a newer call.
    call_number: StoredValue<u64>,
    cancel: StoredValue<Option<CancelToken>, LocalStorage>,
    handles: StoredValue<Vec<(u64, Subscription)>, LocalStorage>,
    next_watch: StoredValue<u64>,
}

impl ConsoleState {
    pub(crate) fn new() -> Self {
        ConsoleState {
            mode: RwSignal::new(ConsoleMode::Call),
            call_form: RwSignal::new(CallRequest::default()),
            publish_form: RwSignal::new(PublishRequest::default()),
            subscribe_form: RwSignal::new(SubscribeRequest::default()),
            call: RwSignal::new(None),
            publish_outcome: RwSignal::new(None),
            subscribe_error: RwSignal::new(None),
            watches: RwSignal::new(Vec::new()),
            call_number: StoredValue::new(0),
            cancel: StoredValue::new_local(None),
            handles: StoredValue::new_local(Vec::new()),
            next_watch: StoredValue::new(1),
        }
    }

    /// Forgets what belonged to the previous session (its subscriptions end with it).
    pub(super) fn reset(&self) {
        self.handles.set_value(Vec::new());
        self.watches.set(Vec::new());
        if let Some(token) = self.cancel.try_update_value(Option::take).flatten() {
            token.cancel();
        }
    }

    /// Whether a call is running.
    pub(crate) fn is_calling(&self) -> bool {
        self.call
            .with(|call| call.as_ref().is_some_and(CallState::is_running))
    }
}

const NOT_CONNECTED: &str = "not connected to a router: connect first";

impl AppState {
    fn remember(&self, request: Request) -> u64 {
        let now = browser::now_ms();
        let id = self
            .history
            .try_update(|history| history.push(request, now))
            .unwrap_or_default();
        self.store_history();
        id
    }

    fn note_outcome(&self, id: u64, outcome: String, failed: bool) {
        self.history
            .update(|history| history.set_outcome(id, outcome, failed));
        self.store_history();
    }

    /// Sends the call form's call (if valid).
    pub(crate) fn run_call(&self) {
        let console = self.console;
        let request = console.call_form.get_untracked();
        let Ok(call) = request.validate() else {
            return;
        };
        self.cancel_call();
        let number = console.call_number.try_update_value(|n| {
            *n += 1;
            *n
        });
        let started = browser::monotonic_ms();
        console
            .call
            .set(Some(CallState::new(&call.procedure, started)));
        let entry = self.remember(Request::Call(request));
        let Some(client) = self.client() else {
            console.call.update(|state| {
                if let Some(state) = state {
                    state.abandon(NOT_CONNECTED);
                }
            });
            self.note_outcome(entry, NOT_CONNECTED.to_owned(), true);
            return;
        };
        let token = CancelToken::new();
        console.cancel.set_value(Some(token.clone()));
        let current = move || console.call_number.get_value() == number.unwrap_or_default();
        let on_progress = move |progress: CallResult| {
            if current() {
                let now = browser::monotonic_ms();
                console.call.update(|state| {
                    if let Some(state) = state {
                        state.progress(now, progress.args, progress.kwargs);
                    }
                });
            }
        };
        let reply = client.console_call(&call, on_progress, token);
        let state = *self;
        spawn_local(async move {
            let result = reply.await;
            if !current() {
                return;
            }
            let now = browser::monotonic_ms();
            console.call.update(|call| {
                let Some(call) = call else {
                    return;
                };
                match result {
                    Ok(result) => call.finish(now, result.args, result.kwargs),
                    Err(error) => {
                        let error = ApiError::from(error);
                        match error.uri {
                            Some(uri) if !uri.starts_with("wamp.close.") => {
                                call.fail(now, uri, error.args, error.kwargs);
                            }
                            _ => call.abandon(error.message),
                        }
                    }
                }
            });
            console.cancel.set_value(None);
            let outcome = console
                .call
                .with_untracked(|call| call.as_ref().and_then(CallState::outcome_line));
            if let Some((outcome, failed)) = outcome {
                state.note_outcome(entry, outcome, failed);
            }
        });
    }

    /// Cancels the running call, if any: it fails with `wamp.error.canceled`.
    pub(crate) fn cancel_call(&self) {
        if let Some(token) = self.console.cancel.try_update_value(Option::take).flatten() {
            token.cancel();
        }
    }

    /// Sends the publish form's publication (if valid).
    pub(crate) fn run_publish(&self) {
        let console = self.console;
        let request = console.publish_form.get_untracked();
        let Ok(publish) = request.validate() else {
            return;
        };
        let entry = self.remember(Request::Publish(request.clone()));
        let Some(client) = self.client() else {
            console
                .publish_outcome
                .set(Some((true, NOT_CONNECTED.to_owned())));
            self.note_outcome(entry, NOT_CONNECTED.to_owned(), true);
            return;
        };
        console.publish_outcome.set(None);
        let state = *self;
        let topic = publish.topic.clone();
        spawn_local(async move {
            let started = browser::monotonic_ms();
            let result = client.console_publish(&request, publish).await;
            let took = inspector_model::format::duration_ms(browser::monotonic_ms() - started);
            let (failed, words, outcome) = match result {
                Ok(Some(id)) => (
                    false,
                    format!("Published to {topic}: acknowledged as publication {id} in {took}."),
                    format!("ok · {took}"),
                ),
                Ok(None) => (
                    false,
                    format!(
                        "Sent to {topic} (not acknowledged: tick \"acknowledge\" to hear about errors)."
                    ),
                    "sent".to_owned(),
                ),
                Err(error) => (
                    true,
                    format!("The router refused the publication: {}", error.describe()),
                    error.uri.clone().unwrap_or(error.message.clone()),
                ),
            };
            console.publish_outcome.set(Some((failed, words)));
            state.note_outcome(entry, outcome, failed);
        });
    }

    /// Subscribes to the subscribe form's topic (if valid) and starts watching its events.
    pub(crate) fn run_subscribe(&self) {
        let console = self.console;
        let request = console.subscribe_form.get_untracked();
        if !request.problems().is_empty() {
            return;
        }
        let topic = request.topic.trim().to_owned();
        let policy = request.match_policy.clone();
        let duplicate = console.watches.with_untracked(|watches| {
            watches
                .iter()
                .any(|w| w.topic == topic && w.match_policy == policy)
        });
        if duplicate {
            console
                .subscribe_error
                .set(Some(format!("Already watching {topic} ({policy} match).")));
            return;
        }
        let entry = self.remember(Request::Subscribe(request));
        let Some(client) = self.client() else {
            console.subscribe_error.set(Some(NOT_CONNECTED.to_owned()));
            self.note_outcome(entry, NOT_CONNECTED.to_owned(), true);
            return;
        };
        console.subscribe_error.set(None);
        let id = console
            .next_watch
            .try_update_value(|next| {
                *next += 1;
                *next - 1
            })
            .unwrap_or_default();
        let state = *self;
        spawn_local(async move {
            let watches = console.watches;
            let handler = move |event: &wamp_wasm::wamp_proto::client::TopicEvent| {
                let now = browser::now_ms();
                watches.update(|watches| {
                    if let Some(watch) = watches.iter_mut().find(|w| w.id == id) {
                        watch.push(
                            now,
                            event.topic.as_str().to_owned(),
                            event.publisher.map(|p| p.get()),
                            event.payload.args.clone(),
                            event.payload.kwargs.clone(),
                        );
                    }
                });
            };
            // The watch exists before the first event can arrive.
            watches.update(|watches| watches.insert(0, Watch::new(id, &topic, &policy)));
            match client.console_subscribe(&topic, &policy, handler).await {
                Ok(subscription) => {
                    console
                        .handles
                        .update_value(|handles| handles.push((id, subscription)));
                    state.note_outcome(entry, "subscribed".to_owned(), false);
                }
                Err(error) => {
                    watches.update(|watches| watches.retain(|w| w.id != id));
                    console.subscribe_error.set(Some(format!(
                        "The router refused the subscription to {topic}: {}",
                        error.describe()
                    )));
                    state.note_outcome(entry, error.uri.unwrap_or(error.message), true);
                }
            }
        });
    }

    /// Stops watching (unsubscribes).
    pub(crate) fn unwatch(&self, id: u64) {
        let console = self.console;
        console
            .watches
            .update(|watches| watches.retain(|w| w.id != id));
        let handle = console
            .handles
            .try_update_value(|handles| {
                let at = handles.iter().position(|(watch, _)| *watch == id)?;
                Some(handles.remove(at).1)
            })
            .flatten();
        if let Some(subscription) = handle {
            spawn_local(async move {
                let _ = subscription.unsubscribe().await;
            });
        }
    }

    /// Puts a history entry back in its form and runs it again.
    pub(crate) fn rerun(&self, entry: u64) {
        let Some(request) = self
            .history
            .with_untracked(|history| history.entry(entry).map(|e| e.request.clone()))
        else {
            return;
        };
        self.edit(request.clone());
        match request {
            Request::Call(_) => self.run_call(),
            Request::Publish(_) => self.run_publish(),
            Request::Subscribe(_) => self.run_subscribe(),
        }
    }

    /// Puts a request in its form, without running it.
    pub(crate) fn edit(&self, request: Request) {
        let console = self.console;
        match request {
            Request::Call(call) => {
                console.call_form.set(call);
                console.mode.set(ConsoleMode::Call);
            }
            Request::Publish(publish) => {
                console.publish_form.set(publish);
                console.mode.set(ConsoleMode::Publish);
            }
            Request::Subscribe(subscribe) => {
                console.subscribe_form.set(subscribe);
                console.mode.set(ConsoleMode::Subscribe);
            }
        }
    }
}

//! The trace pipeline: history when joining or when the router's filter changes, live
//! batches gathered and rendered at most once per animation frame, the filter bar, pause,
//! clear and export.

use std::collections::BTreeSet;
use std::time::Duration;

use inspector_model::endpoints::EndpointKind;
use inspector_model::{Dict, TraceFilter, TraceRecord};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{AppState, Availability, TRACE_CAPACITY};
use crate::api::{ApiError, Client};
use crate::browser;

/// Records asked for when (re)loading the history.
const HISTORY_LIMIT: usize = 5_000;
/// How long the filter bar must be still before the router is told.
const FILTER_DEBOUNCE: Duration = Duration::from_millis(300);

/// The trace panel's controls, shared so that other panels can point the trace somewhere
/// (e.g. "show this session's messages").
#[derive(Clone, Copy)]
pub(crate) struct TraceControls {
    /// The session field, as typed.
    pub(crate) session_text: RwSignal<String>,
    /// The message types ticked (none: all).
    pub(crate) types: RwSignal<BTreeSet<String>>,
    /// The URI field, as typed.
    pub(crate) uri_text: RwSignal<String>,
    /// Hide the inspector's own background traffic (meta API requests and events).
    pub(crate) hide_background: RwSignal<bool>,
    /// Why the session field is not usable.
    pub(crate) session_error: RwSignal<Option<String>>,
    /// The selected record (its local index in the buffer).
    pub(crate) selected: RwSignal<Option<u64>>,
    /// Keep the newest row in view as records arrive.
    pub(crate) follow: RwSignal<bool>,
    /// A failure of a trace action, in words.
    pub(crate) error: RwSignal<Option<String>>,
    /// Records the router could not deliver to this inspector (too many, or it lagged).
    pub(crate) router_dropped: RwSignal<u64>,
    /// Increases with each filter change, so that only the last one reaches the router.
    edits: StoredValue<u64>,
    /// The filter the router has, as sent.
    sent: StoredValue<Option<Dict>>,
}

impl TraceControls {
    pub(crate) fn new() -> Self {
        TraceControls {
            session_text: RwSignal::new(String::new()),
            types: RwSignal::new(BTreeSet::new()),
            uri_text: RwSignal::new(String::new()),
            hide_background: RwSignal::new(true),
            session_error: RwSignal::new(None),
            selected: RwSignal::new(None),
            follow: RwSignal::new(true),
            error: RwSignal::new(None),
            router_dropped: RwSignal::new(0),
            edits: StoredValue::new(0),
            sent: StoredValue::new(None),
        }
    }

    /// The filter the controls describe.
    fn filter(&self) -> Result<TraceFilter, String> {
        let session = TraceFilter::parse_session(&self.session_text.get_untracked())?;
        Ok(TraceFilter {
            session,
            types: self.types.get_untracked(),
            uri: self.uri_text.get_untracked(),
            hide_background: self.hide_background.get_untracked(),
        })
    }
}

/// How a failed trace request reads in the panel.
fn availability(error: &ApiError) -> Availability {
    if error.is_no_such_procedure() {
        Availability::Unsupported(
            "This router does not offer the dev-router's message trace (dev_router.trace.history is not a procedure here). \
             The trace works with the dev-router; sessions, registrations and subscriptions work with any router that implements the WAMP meta API."
                .to_owned(),
        )
    } else if error.is_not_authorized() {
        Availability::Denied(format!(
            "The router does not allow this session to read the message trace ({}). Connect with a role that may call dev_router.trace.*.",
            error.describe()
        ))
    } else {
        Availability::Failed(format!("Loading the trace failed: {}", error.describe()))
    }
}

impl AppState {
    /// Starts the trace after joining: the first time (`subscribe`), subscribes to the live
    /// batches; then sets the router's filter and loads the history.
    pub(super) fn start_trace(&self, client: Client, generation: u64, subscribe: bool) {
        let state = *self;
        self.trace_status.set(Availability::Loading);
        self.trace_controls.sent.set_value(None);
        spawn_local(async move {
            if subscribe {
                let watched = client
                    .watch_trace(move |batch, dropped| {
                        if dropped > 0 {
                            state
                                .trace_controls
                                .router_dropped
                                .update(|total| *total += dropped);
                        }
                        state.receive_trace(batch);
                    })
                    .await;
                match watched {
                    Ok(subscription) => state
                        .inner
                        .update_value(|inner| inner.subscriptions.push(subscription)),
                    Err(error) => {
                        if state.is_current(generation) {
                            state.trace_status.set(availability(&error));
                        }
                        return;
                    }
                }
            }
            state.load_trace(client, generation).await;
        });
    }

    /// Tells the router the filter and replaces the buffer with its history.
    async fn load_trace(&self, client: Client, generation: u64) {
        let Ok(filter) = self.trace_controls.filter() else {
            return;
        };
        self.inner.update_value(|inner| inner.trace_loading = true);
        let kwargs = filter.to_kwargs();
        let result = async {
            client.set_trace_filter(&filter).await?;
            client.trace_history(&filter, HISTORY_LIMIT).await
        }
        .await;
        if !self.is_current(generation) {
            return;
        }
        match result {
            Ok(records) => {
                self.trace_controls.sent.set_value(Some(kwargs));
                self.trace
                    .update(|trace| trace.replace_with_history(records));
                // The graph is about the realm's applications, not the inspector's own
                // background requests.
                self.trace.with_untracked(|trace| {
                    self.usage.update(|usage| {
                        usage.clear();
                        for record in trace.iter().filter(|r| !r.background) {
                            usage.record(record);
                        }
                    })
                });
                self.trace_controls.router_dropped.set(0);
                self.trace_controls.selected.set(None);
                self.trace_status.set(Availability::Ready);
                self.trace_controls.follow.set(true);
            }
            Err(error) => self.trace_status.set(availability(&error)),
        }
        self.inner.update_value(|inner| inner.trace_loading = false);
        self.schedule_trace_flush();
    }

    /// A live batch arrived: kept until the next animation frame.
    fn receive_trace(&self, batch: Vec<TraceRecord>) {
        self.inner.update_value(|inner| {
            inner.pending.extend(batch);
            // A hidden page gets no animation frames: keep only what the buffer could show.
            if inner.pending.len() > TRACE_CAPACITY {
                let excess = inner.pending.len() - TRACE_CAPACITY;
                inner.pending.drain(..excess);
            }
        });
        self.schedule_trace_flush();
    }

    fn schedule_trace_flush(&self) {
        let state = *self;
        let schedule = self
            .inner
            .try_update_value(|inner| {
                let wanted =
                    !inner.frame_scheduled && !inner.trace_loading && !inner.pending.is_empty();
                inner.frame_scheduled |= wanted;
                wanted
            })
            .unwrap_or(false);
        if schedule {
            request_animation_frame(move || state.flush_trace());
        }
    }

    /// Once per frame: the records gathered since the last frame go into the buffer.
    fn flush_trace(&self) {
        let records = self
            .inner
            .try_update_value(|inner| {
                inner.frame_scheduled = false;
                if inner.trace_loading {
                    Vec::new()
                } else {
                    std::mem::take(&mut inner.pending)
                }
            })
            .unwrap_or_default();
        if records.is_empty() {
            return;
        }
        let taken = self
            .trace
            .try_update(|trace| trace.take(records))
            .unwrap_or_default();
        // The rate and the graph are about the realm's applications, not the inspector's
        // own background requests.
        let fresh: Vec<&TraceRecord> = taken
            .iter()
            .map(|record| &**record)
            .filter(|record| !record.background)
            .collect();
        let now = browser::now_ms();
        let count = fresh.len() as u64;
        self.rate.update(|rate| rate.add(now, count));
        self.usage.maybe_update(|usage| {
            let mut changed = false;
            for record in &fresh {
                changed |= usage.record(record);
            }
            changed
        });
    }

    /// The filter bar changed: applied here at once, and on the router once typing stops.
    pub(crate) fn apply_trace_filter(&self) {
        let controls = self.trace_controls;
        let filter = match controls.filter() {
            Ok(filter) => filter,
            Err(error) => {
                controls.session_error.set(Some(error));
                return;
            }
        };
        controls.session_error.set(None);
        let kwargs = filter.to_kwargs();
        self.trace.update(|trace| trace.set_filter(filter));
        if controls.sent.get_value().as_ref() == Some(&kwargs)
            || !self.trace_status.with_untracked(Availability::is_ready)
        {
            return;
        }
        let edit = controls.edits.try_update_value(|edits| {
            *edits += 1;
            *edits
        });
        let state = *self;
        set_timeout(
            move || {
                if controls.edits.get_value() != edit.unwrap_or_default() {
                    return;
                }
                if let Some(client) = state.client() {
                    let generation = state.generation();
                    spawn_local(async move { state.load_trace(client, generation).await });
                }
            },
            FILTER_DEBOUNCE,
        );
    }

    /// The URI to show for a record: its own, else (`true`) the topic or procedure of the
    /// subscription or registration it names by ID; empty if neither is known.
    pub(crate) fn uri_of(&self, record: &TraceRecord) -> (String, bool) {
        if let Some(uri) = &record.uri {
            return (uri.clone(), false);
        }
        let known = record.endpoint_ref().and_then(|(kind, id)| {
            let table = match kind {
                EndpointKind::Registration => self.registrations,
                EndpointKind::Subscription => self.subscriptions,
            };
            table.with_untracked(|t| t.endpoint(id).map(|e| e.uri.clone()))
        });
        match known {
            Some(uri) if !uri.is_empty() => (uri, true),
            _ => (String::new(), false),
        }
    }

    /// Shows only `session`'s messages, on the trace panel.
    pub(crate) fn trace_session(&self, session: u64) {
        self.trace_controls.session_text.set(session.to_string());
        self.apply_trace_filter();
        self.tab.set(super::Tab::Trace);
    }

    /// Pauses or resumes the live view.
    pub(crate) fn toggle_trace_pause(&self) {
        self.trace.update(|trace| {
            if trace.is_paused() {
                trace.resume();
            } else {
                trace.pause();
            }
        });
    }

    /// Empties the trace view.
    pub(crate) fn clear_trace(&self) {
        self.trace.update(|trace| trace.clear());
        self.trace_controls.router_dropped.set(0);
        self.trace_controls.selected.set(None);
        self.trace_controls.follow.set(true);
    }

    /// Downloads the records shown as a JSON file.
    pub(crate) fn export_trace(&self) {
        let text = self.trace.with_untracked(|trace| trace.export(true));
        let stamp =
            inspector_model::format::clock(browser::now_ms(), self.utc_offset).replace(':', "");
        let name = format!("wamp-trace-{stamp}.json");
        if let Err(error) = browser::download(&name, &text, "application/json") {
            self.trace_controls
                .error
                .set(Some(format!("Could not export the trace: {error}")));
        }
    }
}

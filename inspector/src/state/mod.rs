//! The app's state: the model types in signals, and the actions that keep them in step with
//! the router (through [`crate::api`]). Components read the signals and call the actions;
//! they never talk WAMP themselves.
//!
//! - this file: [`AppState`], provided as context by the app root;
//! - `connection`: connecting, the session's lifecycle, reconnecting;
//! - `realm`: the sessions, registrations and subscriptions tables (seed, events, counters,
//!   kill);
//! - `trace`: the trace pipeline (history, live batches once per frame, filters, export);
//! - `console`: the console's forms, the running call, watched topics, the history.

mod connection;
mod console;
mod realm;
mod trace;

pub(crate) use connection::ConnectionStatus;
pub(crate) use console::{ConsoleMode, ConsoleState};
pub(crate) use trace::TraceControls;

use std::time::Duration;

use inspector_model::endpoints::EndpointKind;
use inspector_model::{
    ConnectionProfile, EndpointTable, History, RateMeter, SavedConnections, SessionsTable,
    TraceBuffer, Usage,
};
use leptos::prelude::*;
use wamp_wasm::Subscription;

use crate::api::Client;
use crate::browser;

/// The panels, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Tab {
    Overview,
    Sessions,
    Registrations,
    Subscriptions,
    Trace,
    Console,
}

impl Tab {
    pub(crate) const ALL: [Tab; 6] = [
        Tab::Overview,
        Tab::Sessions,
        Tab::Registrations,
        Tab::Subscriptions,
        Tab::Trace,
        Tab::Console,
    ];

    pub(crate) fn label(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Sessions => "Sessions",
            Tab::Registrations => "Registrations",
            Tab::Subscriptions => "Subscriptions",
            Tab::Trace => "Trace",
            Tab::Console => "Console",
        }
    }

    /// The id of the tab's button, for tests and keyboard focus.
    pub(crate) fn id(self) -> &'static str {
        match self {
            Tab::Overview => "tab-overview",
            Tab::Sessions => "tab-sessions",
            Tab::Registrations => "tab-registrations",
            Tab::Subscriptions => "tab-subscriptions",
            Tab::Trace => "tab-trace",
            Tab::Console => "tab-console",
        }
    }
}

/// Whether a part of the router's API works for this session.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum Availability {
    /// Not asked yet (not connected).
    #[default]
    Unknown,
    /// Asked, no answer yet.
    Loading,
    /// Works.
    Ready,
    /// The router does not implement it: what is missing, in words.
    Unsupported(String),
    /// The router refuses it to this session, in words.
    Denied(String),
    /// Something else failed, in words.
    Failed(String),
}

impl Availability {
    pub(crate) fn is_ready(&self) -> bool {
        matches!(self, Availability::Ready)
    }

    /// The notice to show instead of the panel's content, if any.
    pub(crate) fn notice(&self) -> Option<String> {
        match self {
            Availability::Unsupported(text)
            | Availability::Denied(text)
            | Availability::Failed(text) => Some(text.clone()),
            _ => None,
        }
    }
}

/// What is kept outside signals: handles and queues that never render.
#[derive(Default)]
struct Inner {
    client: Option<Client>,
    /// Increases with every join, so that answers to an older connection's requests are
    /// dropped.
    generation: u64,
    /// Keeps the meta and trace subscriptions alive (restored by the client on reconnect).
    subscriptions: Vec<Subscription>,
    /// The client's lifecycle listener.
    listener: Option<u64>,
    /// Trace records waiting for the next animation frame.
    pending: Vec<inspector_model::TraceRecord>,
    frame_scheduled: bool,
    /// True while history is loading: live records wait, then are de-duplicated.
    trace_loading: bool,
    /// The message total of the previous counter refresh, for the rate without a trace.
    last_total: Option<u64>,
    /// The router pushes its counters (`dev_router.session.on_stats`): no need to re-read
    /// them.
    stats_pushed: bool,
}

/// Everything the components share. `Copy`: every field is a signal handle.
#[derive(Clone, Copy)]
pub(crate) struct AppState {
    pub(crate) tab: RwSignal<Tab>,
    pub(crate) connection: RwSignal<ConnectionStatus>,
    /// The connect dialog is open.
    pub(crate) show_connect: RwSignal<bool>,
    pub(crate) saved: RwSignal<SavedConnections>,
    /// The profile of the current (or last) connection.
    pub(crate) profile: RwSignal<ConnectionProfile>,
    /// This inspector's session ID, while joined.
    pub(crate) own_session: RwSignal<Option<u64>>,

    pub(crate) sessions: RwSignal<SessionsTable>,
    pub(crate) registrations: RwSignal<EndpointTable>,
    pub(crate) subscriptions: RwSignal<EndpointTable>,
    /// The session meta API.
    pub(crate) session_meta: RwSignal<Availability>,
    /// The registration and subscription meta API.
    pub(crate) endpoint_meta: RwSignal<Availability>,
    pub(crate) selected_session: RwSignal<Option<u64>>,
    pub(crate) selected_registration: RwSignal<Option<u64>>,
    pub(crate) selected_subscription: RwSignal<Option<u64>>,
    /// A failure of an action in the realm panels (kill), in words.
    pub(crate) realm_error: RwSignal<Option<String>>,

    pub(crate) trace: RwSignal<TraceBuffer>,
    pub(crate) trace_status: RwSignal<Availability>,
    pub(crate) trace_controls: TraceControls,
    pub(crate) usage: RwSignal<Usage>,
    pub(crate) rate: RwSignal<RateMeter>,

    pub(crate) console: ConsoleState,
    pub(crate) history: RwSignal<History>,

    /// Unix ms, ticking every second: for ages and the sparkline.
    pub(crate) clock: RwSignal<f64>,
    /// Minutes east of UTC, for times of day.
    pub(crate) utc_offset: i32,

    inner: StoredValue<Inner, LocalStorage>,
}

/// How many trace records the panel keeps.
pub(crate) const TRACE_CAPACITY: usize = 20_000;
/// Requests kept in the console's history.
pub(crate) const HISTORY_CAPACITY: usize = 50;
const SAVED_KEY: &str = "wamp-inspector.connections";
const HISTORY_KEY: &str = "wamp-inspector.history";

impl AppState {
    /// Creates the state (restoring what local storage remembers) and starts its timers.
    pub(crate) fn new() -> AppState {
        let saved = browser::load(SAVED_KEY)
            .map(|text| SavedConnections::from_json(&text))
            .unwrap_or_default();
        let history = browser::load(HISTORY_KEY)
            .map(|text| History::from_json(&text, HISTORY_CAPACITY))
            .unwrap_or_else(|| History::new(HISTORY_CAPACITY));
        let state = AppState {
            tab: RwSignal::new(Tab::Overview),
            connection: RwSignal::new(ConnectionStatus::Disconnected { error: None }),
            show_connect: RwSignal::new(false),
            profile: RwSignal::new(saved.last().cloned().unwrap_or_default()),
            saved: RwSignal::new(saved),
            own_session: RwSignal::new(None),
            sessions: RwSignal::new(SessionsTable::new()),
            registrations: RwSignal::new(EndpointTable::new(EndpointKind::Registration)),
            subscriptions: RwSignal::new(EndpointTable::new(EndpointKind::Subscription)),
            session_meta: RwSignal::new(Availability::Unknown),
            endpoint_meta: RwSignal::new(Availability::Unknown),
            selected_session: RwSignal::new(None),
            selected_registration: RwSignal::new(None),
            selected_subscription: RwSignal::new(None),
            realm_error: RwSignal::new(None),
            trace: RwSignal::new(TraceBuffer::new(TRACE_CAPACITY)),
            trace_status: RwSignal::new(Availability::Unknown),
            trace_controls: TraceControls::new(),
            usage: RwSignal::new(Usage::new()),
            rate: RwSignal::new(RateMeter::new(60)),
            console: ConsoleState::new(),
            history: RwSignal::new(history),
            clock: RwSignal::new(browser::now_ms()),
            utc_offset: browser::utc_offset_minutes(),
            inner: StoredValue::new_local(Inner::default()),
        };
        state.start_timers();
        state
    }

    /// The state provided by the app root.
    pub(crate) fn get() -> AppState {
        expect_context::<AppState>()
    }

    /// The client, while connected.
    pub(crate) fn client(&self) -> Option<Client> {
        self.inner.with_value(|inner| inner.client.clone())
    }

    fn generation(&self) -> u64 {
        self.inner.with_value(|inner| inner.generation)
    }

    /// Whether `generation` is still the current connection's.
    fn is_current(&self, generation: u64) -> bool {
        self.generation() == generation
    }

    /// The clock (every second) and the counter refresh (every 3 s, only for what is on
    /// screen).
    fn start_timers(self) {
        let clock = self.clock;
        let _ =
            set_interval_with_handle(move || clock.set(browser::now_ms()), Duration::from_secs(1));
        let _ = set_interval_with_handle(move || self.refresh_counters(), Duration::from_secs(3));
    }

    /// Whether messages per second can be measured: from the trace, or from the sessions'
    /// message counters (a dev-router without the trace); not with Crossbar.io.
    pub(crate) fn has_rate(&self) -> bool {
        self.trace_status.with(Availability::is_ready)
            || self.sessions.with(|t| t.total_messages().is_some())
    }

    /// Saves the console history in local storage.
    pub(crate) fn store_history(&self) {
        let text = self.history.with_untracked(History::to_json);
        browser::store(HISTORY_KEY, &text);
    }

    /// Saves the remembered connections after one was forgotten.
    pub(crate) fn forget_saved(&self) {
        self.store_saved();
    }

    fn store_saved(&self) {
        let text = self.saved.with_untracked(SavedConnections::to_json);
        browser::store(SAVED_KEY, &text);
    }
}

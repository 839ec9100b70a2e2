//! The driver: one [`Shared`] per [`Session`](super::Session), owning the current connection
//! (a [`Link`]: socket plus `ClientSession`), the application's registrations,
//! subscriptions and pending requests, and the reconnection loop.
//!
//! Every input (a socket event, a timer, a request of the application) takes the one
//! `RefCell` borrow, feeds the state machine, and then [`Shared::pump`] drains it: messages
//! go to the socket, events become state changes here plus *actions*, the application's
//! callbacks, which run after the borrow is released so that they may call the session
//! again.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use wamp_proto::client::{
    CancelMode, ClientConfig, ClientSession, Event, Quoted, RegisterOptions, SessionDetails,
    SubscribeOptions, TopicEvent,
};
use wamp_proto::{Dict, Id, Payload, RequestId, Uri, Value};

use crate::error::{Error, TRANSPORT_LOST, WampError};
use crate::options::{ConnectOptions, ProgressHandler};
use crate::reply::Completer;
use crate::socket::{Socket, SocketEvent};
use crate::timer::Timer;
use crate::types::{
    CallResult, CloseInfo, CloseInitiator, ConnectionState, OpenInfo, SessionEvent,
};

use super::invocation::{Invocation, InvocationState};
use super::{Registration, Session, Subscription};
use wamp_proto::client::Table;

/// An application callback, run once the driver's borrow is released.
pub(super) type Action = Box<dyn FnOnce()>;
/// A procedure's handler.
pub(crate) type InvocationHandler = Rc<dyn Fn(Invocation)>;
/// A subscription's handler.
pub(crate) type EventHandler = Rc<dyn Fn(&TopicEvent)>;
/// A lifecycle listener.
pub(crate) type Listener = Rc<dyn Fn(&SessionEvent)>;
/// The lifecycle listeners, with their keys. Apart from [`Inner`], so that listeners can be
/// added while the driver is busy (e.g. from a callback that completes a request).
pub(super) type Listeners = Rc<RefCell<Vec<(u64, Listener)>>>;

/// `GOODBYE` reason of [`Session::leave`](super::Session::leave) by default.
pub(super) const CLOSE_REALM: &str = "wamp.close.close_realm";
/// The `ABORT` reason when the client cannot answer a `CHALLENGE`.
const CANNOT_AUTHENTICATE: &str = "wamp.error.cannot_authenticate";
/// A router that shuts down politely says this; the client comes back later.
const SYSTEM_SHUTDOWN: &str = "wamp.close.system_shutdown";
/// Milliseconds to wait for the router's `GOODBYE` after ours.
const LEAVE_TIMEOUT_MS: f64 = 5000.0;

/// The shared state behind a session and its handles.
pub(crate) struct Shared {
    pub(super) inner: RefCell<Inner>,
    pub(super) listeners: Listeners,
}

/// A registration of the application; it outlives connections.
pub(super) struct RegistrationEntry {
    pub(super) procedure: String,
    pub(super) options: RegisterOptions,
    pub(super) handler: InvocationHandler,
    /// The router's ID on the current connection; `None` while it is being restored.
    pub(super) id: Option<Id>,
}

/// A subscription of the application; it outlives connections.
pub(super) struct SubscriptionEntry {
    pub(super) topic: String,
    pub(super) options: SubscribeOptions,
    pub(super) handler: EventHandler,
    pub(super) id: Option<Id>,
}

/// A call waiting for its result.
pub(super) struct CallSlot {
    pub(super) generation: u64,
    pub(super) completer: Completer<CallResult>,
    pub(super) on_progress: Option<ProgressHandler>,
    pub(super) _timer: Option<Timer>,
}

/// Any other request waiting for its answer.
pub(super) enum RequestSlot {
    Register {
        entry: RegistrationEntry,
        completer: Completer<Registration>,
    },
    Unregister {
        key: u64,
        completer: Completer<()>,
    },
    Subscribe {
        entry: SubscriptionEntry,
        completer: Completer<Subscription>,
    },
    Unsubscribe {
        key: u64,
        completer: Completer<()>,
    },
    Publish {
        completer: Completer<Option<Id>>,
    },
    /// Registering an existing registration again after a reconnect.
    RestoreRegistration {
        key: u64,
    },
    /// Subscribing an existing subscription again after a reconnect.
    RestoreSubscription {
        key: u64,
    },
}

/// One connection: a socket and, once it is open, a session on it.
pub(super) struct Link {
    generation: u64,
    pub(super) socket: Socket,
    pub(super) session: Option<ClientSession>,
    joined: bool,
    timed_out: bool,
    _join_timer: Option<Timer>,
}

/// How a connection ended.
struct LinkEnd {
    initiator: CloseInitiator,
    reason: String,
    details: Dict,
    /// For a connection that never carried a session: what went wrong.
    failure: Option<String>,
}

pub(crate) struct Inner {
    pub(super) options: ConnectOptions,
    config: ClientConfig,
    pub(super) state: ConnectionState,
    /// Counts connections, so that timers and late answers of an old one are ignored.
    pub(super) generation: u64,
    pub(super) link: Option<Link>,
    attempt: u32,
    reconnect_timer: Option<Timer>,
    join: Option<Completer<Session>>,
    pub(super) leaving: bool,
    leave_timer: Option<Timer>,
    leave_waiters: Vec<Completer<CloseInfo>>,
    pub(super) closed_waiters: Vec<Completer<CloseInfo>>,
    pub(super) final_close: Option<CloseInfo>,
    pub(super) details: Option<SessionDetails>,
    pub(super) calls: Table<RequestId, CallSlot>,
    pub(super) requests: Table<RequestId, RequestSlot>,
    pub(super) registrations: Table<u64, RegistrationEntry>,
    registration_ids: Table<Id, u64>,
    pub(super) subscriptions: Table<u64, SubscriptionEntry>,
    /// A router may give several subscriptions of one session the same ID.
    pub(super) subscription_ids: Table<Id, Vec<u64>>,
    pub(super) invocations: Table<RequestId, Rc<InvocationState>>,
    listeners: Listeners,
    restoring: usize,
    next_key: u64,
}

impl Shared {
    /// A driver that has not connected yet; `join` hears how the first attempt ends.
    pub(super) fn new(
        options: ConnectOptions,
        config: ClientConfig,
        join: Completer<Session>,
    ) -> Rc<Shared> {
        let listeners = Listeners::default();
        Rc::new(Shared {
            listeners: listeners.clone(),
            inner: RefCell::new(Inner {
                options,
                config,
                state: ConnectionState::Connecting,
                generation: 0,
                link: None,
                attempt: 0,
                reconnect_timer: None,
                join: Some(join),
                leaving: false,
                leave_timer: None,
                leave_waiters: Vec::new(),
                closed_waiters: Vec::new(),
                final_close: None,
                details: None,
                calls: Table::default(),
                requests: Table::default(),
                registrations: Table::default(),
                registration_ids: Table::default(),
                subscriptions: Table::default(),
                subscription_ids: Table::default(),
                invocations: Table::default(),
                listeners,
                restoring: 0,
                next_key: 1,
            }),
        })
    }

    /// Opens a new connection.
    pub(super) fn start_attempt(self: &Rc<Self>) {
        let actions = {
            let Ok(mut inner) = self.inner.try_borrow_mut() else {
                return;
            };
            inner.generation += 1;
            let generation = inner.generation;
            let shared = self.clone();
            let opened = Socket::open(
                inner.options.websocket.as_ref(),
                &inner.options.url,
                inner.options.serializer,
                inner.options.batched,
                move |event| shared.on_socket(generation, event),
            );
            match opened {
                Ok(socket) => {
                    let timeout = inner.options.timeout_ms;
                    let shared = self.clone();
                    let join_timer = (timeout > 0).then(|| {
                        Timer::new(f64::from(timeout), move || {
                            shared.on_join_timeout(generation)
                        })
                    });
                    inner.link = Some(Link {
                        generation,
                        socket,
                        session: None,
                        joined: false,
                        timed_out: false,
                        _join_timer: join_timer,
                    });
                    Vec::new()
                }
                Err(exception) => {
                    let message = format!(
                        "could not open a WebSocket to {}: {}",
                        inner.options.url,
                        exception_message(&exception)
                    );
                    let mut actions = Vec::new();
                    inner.end_link(self, LinkEnd::failure(message), false, &mut actions);
                    actions
                }
            }
        };
        run(actions);
        self.pump();
    }

    fn on_socket(self: &Rc<Self>, generation: u64, event: SocketEvent) {
        let actions = {
            let Ok(mut inner) = self.inner.try_borrow_mut() else {
                return;
            };
            let inner = &mut *inner;
            let Some(link) = inner.link.as_mut().filter(|l| l.generation == generation) else {
                return;
            };
            let mut actions = Vec::new();
            match event {
                SocketEvent::Open { protocol, name } => {
                    if protocol.is_some() {
                        link.session = Some(ClientSession::new(inner.config.clone()));
                    } else {
                        let message = format!(
                            "the router at {} did not accept the subprotocol {} (it chose \
                             {})",
                            inner.options.url,
                            inner.options.serializer.subprotocol(),
                            Quoted(&name)
                        );
                        inner.end_link(self, LinkEnd::failure(message), false, &mut actions);
                    }
                }
                SocketEvent::Message(bytes) => {
                    if let Some(session) = link.session.as_mut() {
                        match crate::codec::decode(inner.options.serializer, &bytes) {
                            // A violation makes the session abort; its events tell the rest.
                            Ok(message) => drop(session.handle_message(message)),
                            Err(error) => session.handle_decode_error(&error),
                        }
                    }
                }
                SocketEvent::Malformed(error) => {
                    if let Some(session) = link.session.as_mut() {
                        session.handle_decode_error(&error);
                    }
                }
                SocketEvent::Closed { code, reason } => match link.session.as_mut() {
                    Some(session) => session.connection_lost(),
                    None => {
                        let message = if link.timed_out {
                            format!(
                                "timed out after {} ms opening a WebSocket to {}",
                                inner.options.timeout_ms, inner.options.url
                            )
                        } else {
                            let reason = if reason.is_empty() {
                                String::new()
                            } else {
                                format!(", {reason}")
                            };
                            format!(
                                "could not open a WebSocket to {} (close code {code}{reason})",
                                inner.options.url
                            )
                        };
                        inner.end_link(self, LinkEnd::failure(message), false, &mut actions);
                    }
                },
            }
            actions
        };
        run(actions);
        self.pump();
    }

    fn on_join_timeout(self: &Rc<Self>, generation: u64) {
        {
            let Ok(mut inner) = self.inner.try_borrow_mut() else {
                return;
            };
            let Some(link) = inner.link.as_mut().filter(|l| l.generation == generation) else {
                return;
            };
            if link.joined {
                return;
            }
            link.timed_out = true;
            match link.session.as_mut() {
                Some(session) => session.connection_lost(),
                None => {
                    // Still connecting: end it as a socket that closed.
                    let event = SocketEvent::Closed {
                        code: 1006,
                        reason: String::new(),
                    };
                    drop(inner);
                    self.on_socket(generation, event);
                    return;
                }
            }
        }
        self.pump();
    }

    fn on_reconnect_timer(self: &Rc<Self>) {
        let again = {
            let Ok(mut inner) = self.inner.try_borrow_mut() else {
                return;
            };
            inner.reconnect_timer = None;
            inner.state == ConnectionState::Reconnecting && !inner.leaving
        };
        if again {
            self.start_attempt();
        }
    }

    fn on_leave_timeout(self: &Rc<Self>, generation: u64) {
        {
            let Ok(mut inner) = self.inner.try_borrow_mut() else {
                return;
            };
            if let Some(link) = inner.link.as_mut().filter(|l| l.generation == generation)
                && let Some(session) = link.session.as_mut()
            {
                session.connection_lost();
            }
        }
        self.pump();
    }

    /// Drains the session: sends its messages, turns its events into state changes and
    /// actions, and runs the actions, until nothing is left.
    pub(crate) fn pump(self: &Rc<Self>) {
        loop {
            let actions = match self.inner.try_borrow_mut() {
                Ok(mut inner) => inner.step(self),
                // Only a callback run inside a borrow could get here; the outer pump drains.
                Err(_) => return,
            };
            if actions.is_empty() {
                return;
            }
            run(actions);
        }
    }

    /// Expires a call: it fails with `wamp.error.timeout`, and the router is told.
    pub(super) fn expire_call(self: &Rc<Self>, generation: u64, request: RequestId, ms: u64) {
        let message = format!("the call timed out after {ms} ms");
        self.end_call_locally(
            generation,
            request,
            "wamp.error.timeout",
            message,
            CancelMode::KillNoWait,
        );
    }

    /// Cancels a call: it fails with `wamp.error.canceled`, and `CANCEL` goes out.
    pub(super) fn cancel_call(
        self: &Rc<Self>,
        generation: u64,
        request: RequestId,
        mode: CancelMode,
    ) {
        let message = "the call was canceled".to_owned();
        self.end_call_locally(generation, request, "wamp.error.canceled", message, mode);
    }

    fn end_call_locally(
        self: &Rc<Self>,
        generation: u64,
        request: RequestId,
        uri: &str,
        message: String,
        mode: CancelMode,
    ) {
        {
            let Ok(mut inner) = self.inner.try_borrow_mut() else {
                return;
            };
            let current = inner.generation == generation
                && inner
                    .calls
                    .get(&request)
                    .is_some_and(|slot| slot.generation == generation);
            if !current {
                return;
            }
            if let Some(slot) = inner.calls.remove(&request) {
                slot.completer
                    .complete(Err(Error::Wamp(WampError::new(uri, message))));
            }
            if let Some(session) = inner.session_mut() {
                // The dealer may not support canceling, or the answer may be on its way:
                // either way the call is over here.
                let _ = session.cancel(request, mode);
            }
        }
        self.pump();
    }

    /// A weak handle, for callbacks that must not keep the connection alive.
    pub(super) fn downgrade(self: &Rc<Self>) -> Weak<Shared> {
        Rc::downgrade(self)
    }
}

impl Inner {
    /// The current session, if the connection carries one.
    pub(super) fn session_mut(&mut self) -> Option<&mut ClientSession> {
        self.link.as_mut().and_then(|link| link.session.as_mut())
    }

    /// The current session if it is joined, else why not.
    pub(super) fn joined_session(&mut self) -> Result<(&mut ClientSession, u64), Error> {
        let state = self.state;
        let generation = self.generation;
        match self.link.as_mut() {
            Some(Link {
                session: Some(session),
                joined: true,
                ..
            }) if state == ConnectionState::Open => Ok((session, generation)),
            _ => Err(Error::connection(format!(
                "the session is not open (it is {})",
                state.as_str()
            ))),
        }
    }

    pub(super) fn next_key(&mut self) -> u64 {
        let key = self.next_key;
        self.next_key += 1;
        key
    }

    /// One round: flush the session's messages, then handle its events one by one.
    fn step(&mut self, shared: &Rc<Shared>) -> Vec<Action> {
        let mut actions = Vec::new();
        while let Some(link) = self.link.as_mut() {
            let Some(session) = link.session.as_mut() else {
                break;
            };
            while let Some(message) = session.poll_transmit() {
                link.socket
                    .send(&crate::codec::encode(self.options.serializer, &message));
            }
            let Some(event) = session.poll_event() else {
                break;
            };
            self.handle_event(shared, event, &mut actions);
        }
        actions
    }

    fn handle_event(&mut self, shared: &Rc<Shared>, event: Event, actions: &mut Vec<Action>) {
        match event {
            Event::Joined(details) => self.on_joined(shared, details, actions),
            Event::Challenge { auth_method, extra } => {
                self.on_challenge(shared, &auth_method, &extra);
            }
            Event::Left {
                initiator,
                reason,
                details,
            }
            | Event::Aborted {
                initiator,
                reason,
                details,
            } => {
                let initiator = match initiator {
                    wamp_proto::client::Initiator::Client => CloseInitiator::Client,
                    wamp_proto::client::Initiator::Router => CloseInitiator::Router,
                };
                let end = LinkEnd {
                    initiator,
                    reason: reason.into_string(),
                    details,
                    failure: None,
                };
                self.end_link(shared, end, true, actions);
            }
            Event::Disconnected => {
                let failure = self.link.as_ref().filter(|link| link.timed_out).map(|_| {
                    format!(
                        "timed out after {} ms waiting for the router to welcome the session",
                        self.options.timeout_ms
                    )
                });
                let end = LinkEnd {
                    initiator: CloseInitiator::Transport,
                    reason: TRANSPORT_LOST.to_owned(),
                    details: Dict::new(),
                    failure,
                };
                self.end_link(shared, end, true, actions);
            }
            Event::Result {
                request,
                payload,
                details,
                progress,
            } => {
                let result = CallResult {
                    args: payload.args,
                    kwargs: payload.kwargs,
                    details,
                };
                if progress {
                    let handler = self.calls.get(&request).and_then(|s| s.on_progress.clone());
                    if let Some(handler) = handler {
                        actions.push(Box::new(move || handler(result)));
                    }
                } else if let Some(slot) = self.calls.remove(&request) {
                    slot.completer.complete(Ok(result));
                }
            }
            Event::CallError {
                request,
                error,
                payload,
                details,
            } => {
                if let Some(slot) = self.calls.remove(&request) {
                    let error = Error::from_reply(error.into_string(), payload, details);
                    slot.completer.complete(Err(error));
                }
            }
            Event::Registered {
                request,
                registration,
            } => self.on_registered(shared, request, registration, actions),
            Event::Unregistered {
                request,
                registration,
            } => {
                if let Some(RequestSlot::Unregister { key, completer }) =
                    self.requests.remove(&request)
                {
                    self.registrations.remove(&key);
                    self.registration_ids.remove(&registration);
                    completer.complete(Ok(()));
                }
            }
            Event::Subscribed {
                request,
                subscription,
            } => self.on_subscribed(shared, request, subscription, actions),
            Event::Unsubscribed {
                request,
                subscription,
            } => {
                if let Some(RequestSlot::Unsubscribe { key, completer }) =
                    self.requests.remove(&request)
                {
                    self.subscriptions.remove(&key);
                    self.subscription_ids.remove(&subscription);
                    completer.complete(Ok(()));
                }
            }
            Event::Published {
                request,
                publication,
            } => {
                if let Some(RequestSlot::Publish { completer }) = self.requests.remove(&request) {
                    completer.complete(Ok(Some(publication)));
                }
            }
            Event::RequestFailed {
                request,
                error,
                payload,
                details,
                ..
            } => {
                let error = Error::from_reply(error.into_string(), payload, details);
                self.on_request_failed(request, error, actions);
            }
            Event::Invocation(invocation) => self.on_invocation(shared, invocation, actions),
            Event::Interrupt { request, mode, .. } => {
                if let Some(state) = self.invocations.remove(&request) {
                    if mode == CancelMode::Kill
                        && let Some(session) = self.session_mut()
                    {
                        // Answer at once: the handler learns through its signal, and what
                        // it returns later is dropped.
                        let payload = Payload::args(vec![Value::from("the call was canceled")]);
                        let _ =
                            session.yield_error(request, Uri::new("wamp.error.canceled"), payload);
                    }
                    actions.push(Box::new(move || state.interrupt()));
                }
            }
            Event::Event(event) => {
                let Some(keys) = self.subscription_ids.get(&event.subscription) else {
                    return;
                };
                let event = Rc::new(event);
                for key in keys {
                    if let Some(entry) = self.subscriptions.get(key) {
                        let handler = entry.handler.clone();
                        let event = event.clone();
                        actions.push(Box::new(move || handler(&event)));
                    }
                }
            }
            Event::RegistrationRevoked { registration, .. } => {
                if let Some(key) = self.registration_ids.remove(&registration) {
                    self.registrations.remove(&key);
                }
            }
            Event::SubscriptionRevoked { subscription, .. } => {
                for key in self
                    .subscription_ids
                    .remove(&subscription)
                    .unwrap_or_default()
                {
                    self.subscriptions.remove(&key);
                }
            }
            _ => {}
        }
    }

    fn on_challenge(&mut self, shared: &Rc<Shared>, auth_method: &str, extra: &Dict) {
        let Some(auth) = self.options.auth.clone() else {
            let message = crate::error::concat(&[
                "the router asks for ",
                auth_method,
                " authentication, and no credential was given",
            ]);
            self.answer_challenge(auth_method, Err(Error::InvalidArgument(message)));
            return;
        };
        let reply = auth.0.respond(auth_method, extra);
        if let Some(answer) = reply.take_ready() {
            self.answer_challenge(auth_method, answer);
            return;
        }
        // An asynchronous answer (WebCrypto) comes back through the driver, if this
        // connection is still the one that was challenged.
        let shared = shared.downgrade();
        let generation = self.generation;
        let method = auth_method.to_owned();
        reply.on_complete(move |answer| {
            let Some(shared) = shared.upgrade() else {
                return;
            };
            {
                let Ok(mut inner) = shared.inner.try_borrow_mut() else {
                    return;
                };
                if inner.generation != generation {
                    return;
                }
                inner.answer_challenge(&method, answer);
            }
            shared.pump();
        });
    }

    fn answer_challenge(&mut self, auth_method: &str, answer: Result<String, Error>) {
        let Some(session) = self.session_mut() else {
            return;
        };
        let outcome = match answer {
            Ok(signature) => session.authenticate(signature, Dict::new()),
            Err(error) => {
                let message = crate::error::concat(&[
                    "cannot answer the ",
                    auth_method,
                    " challenge: ",
                    &error.text(),
                ]);
                session.abort(Uri::new(CANNOT_AUTHENTICATE), &message)
            }
        };
        // Only a session that is closing refuses; its events tell the rest.
        drop(outcome);
    }

    fn on_joined(
        &mut self,
        shared: &Rc<Shared>,
        details: SessionDetails,
        actions: &mut Vec<Action>,
    ) {
        if let Some(link) = self.link.as_mut() {
            link.joined = true;
            link._join_timer = None;
        }
        self.attempt = 0;
        let session = details.session;
        let welcome = details.details.clone();
        self.details = Some(details);
        let reconnected = self.state == ConnectionState::Reconnecting;
        self.state = ConnectionState::Open;
        if let Some(join) = self.join.take() {
            join.complete(Ok(Session {
                shared: shared.clone(),
            }));
        }
        if reconnected {
            self.restore(actions);
        }
        if self.restoring == 0 {
            let open = OpenInfo {
                session,
                reconnected,
                details: welcome,
            };
            self.emit(SessionEvent::Open(open), actions);
        }
    }

    /// Registers and subscribes everything again on a new session.
    fn restore(&mut self, actions: &mut Vec<Action>) {
        let Some(session) = self.link.as_mut().and_then(|link| link.session.as_mut()) else {
            return;
        };
        let mut failed = Vec::new();
        for (key, entry) in self.registrations.iter() {
            match session.register(Uri::new(entry.procedure.as_str()), entry.options.clone()) {
                Ok(request) => {
                    self.requests
                        .insert(request, RequestSlot::RestoreRegistration { key: *key });
                    self.restoring += 1;
                }
                Err(error) => failed.push((*key, true, Error::from(error))),
            }
        }
        for (key, entry) in self.subscriptions.iter() {
            match session.subscribe(Uri::new(entry.topic.as_str()), entry.options.clone()) {
                Ok(request) => {
                    self.requests
                        .insert(request, RequestSlot::RestoreSubscription { key: *key });
                    self.restoring += 1;
                }
                Err(error) => failed.push((*key, false, Error::from(error))),
            }
        }
        for (key, registration, error) in failed {
            if registration {
                self.registrations.remove(&key);
            } else {
                self.subscriptions.remove(&key);
            }
            self.emit(SessionEvent::Error(error), actions);
        }
    }

    /// One restore request finished; the last one opens the session for the application.
    fn restored(&mut self, actions: &mut Vec<Action>) {
        self.restoring = self.restoring.saturating_sub(1);
        if self.restoring == 0
            && self.state == ConnectionState::Open
            && let Some(details) = &self.details
        {
            let open = OpenInfo {
                session: details.session,
                reconnected: true,
                details: details.details.clone(),
            };
            self.emit(SessionEvent::Open(open), actions);
        }
    }

    fn on_registered(
        &mut self,
        shared: &Rc<Shared>,
        request: RequestId,
        registration: Id,
        actions: &mut Vec<Action>,
    ) {
        match self.requests.remove(&request) {
            Some(RequestSlot::Register {
                mut entry,
                completer,
            }) => {
                let key = self.next_key();
                entry.id = Some(registration);
                let procedure = entry.procedure.clone();
                self.registrations.insert(key, entry);
                self.registration_ids.insert(registration, key);
                completer.complete(Ok(Registration::new(shared.clone(), key, procedure)));
            }
            Some(RequestSlot::RestoreRegistration { key }) => {
                if let Some(entry) = self.registrations.get_mut(&key) {
                    entry.id = Some(registration);
                    self.registration_ids.insert(registration, key);
                } else if let Some(session) = self.session_mut() {
                    // Unregistered while it was being restored.
                    let _ = session.unregister(registration);
                }
                self.restored(actions);
            }
            _ => {}
        }
    }

    fn on_subscribed(
        &mut self,
        shared: &Rc<Shared>,
        request: RequestId,
        subscription: Id,
        actions: &mut Vec<Action>,
    ) {
        match self.requests.remove(&request) {
            Some(RequestSlot::Subscribe {
                mut entry,
                completer,
            }) => {
                let key = self.next_key();
                entry.id = Some(subscription);
                let topic = entry.topic.clone();
                self.subscriptions.insert(key, entry);
                self.subscription_ids.get_or_default(subscription).push(key);
                completer.complete(Ok(Subscription::new(shared.clone(), key, topic)));
            }
            Some(RequestSlot::RestoreSubscription { key }) => {
                if let Some(entry) = self.subscriptions.get_mut(&key) {
                    entry.id = Some(subscription);
                    self.subscription_ids.get_or_default(subscription).push(key);
                } else if !self.subscription_ids.contains_key(&subscription)
                    && let Some(session) = self.session_mut()
                {
                    // Unsubscribed while it was being restored.
                    let _ = session.unsubscribe(subscription);
                }
                self.restored(actions);
            }
            _ => {}
        }
    }

    fn on_request_failed(&mut self, request: RequestId, error: Error, actions: &mut Vec<Action>) {
        let gone = |error: &Error, uri: &str| matches!(error, Error::Wamp(e) if e.uri == uri);
        match self.requests.remove(&request) {
            Some(RequestSlot::Register { completer, .. }) => completer.complete(Err(error)),
            Some(RequestSlot::Subscribe { completer, .. }) => completer.complete(Err(error)),
            Some(RequestSlot::Publish { completer }) => completer.complete(Err(error)),
            Some(RequestSlot::Unregister { key, completer }) => {
                if gone(&error, "wamp.error.no_such_registration") {
                    self.forget_registration(key);
                    completer.complete(Ok(()));
                } else {
                    completer.complete(Err(error));
                }
            }
            Some(RequestSlot::Unsubscribe { key, completer }) => {
                if gone(&error, "wamp.error.no_such_subscription") {
                    self.forget_subscription(key);
                    completer.complete(Ok(()));
                } else {
                    completer.complete(Err(error));
                }
            }
            Some(RequestSlot::RestoreRegistration { key }) => {
                if self.state == ConnectionState::Open {
                    self.registrations.remove(&key);
                    self.emit(SessionEvent::Error(error), actions);
                }
                self.restored(actions);
            }
            Some(RequestSlot::RestoreSubscription { key }) => {
                if self.state == ConnectionState::Open {
                    self.subscriptions.remove(&key);
                    self.emit(SessionEvent::Error(error), actions);
                }
                self.restored(actions);
            }
            None => {}
        }
    }

    pub(super) fn forget_registration(&mut self, key: u64) {
        if let Some(entry) = self.registrations.remove(&key)
            && let Some(id) = entry.id
        {
            self.registration_ids.remove(&id);
        }
    }

    pub(super) fn forget_subscription(&mut self, key: u64) {
        if let Some(entry) = self.subscriptions.remove(&key)
            && let Some(id) = entry.id
            && let Some(keys) = self.subscription_ids.get_mut(&id)
        {
            keys.retain(|k| *k != key);
            if keys.is_empty() {
                self.subscription_ids.remove(&id);
            }
        }
    }

    fn on_invocation(
        &mut self,
        shared: &Rc<Shared>,
        invocation: wamp_proto::client::Invocation,
        actions: &mut Vec<Action>,
    ) {
        if invocation.continuation {
            // A further chunk of a progressive call invocation goes to its running handler;
            // after the answer there is none, and the chunk is dropped.
            if let Some(state) = self.invocations.get(&invocation.request).cloned() {
                let more = invocation.progress;
                let payload = invocation.payload;
                actions.push(Box::new(move || state.chunk(payload, more)));
            }
            return;
        }
        let handler = self
            .registration_ids
            .get(&invocation.registration)
            .and_then(|key| self.registrations.get(key))
            .map(|entry| entry.handler.clone());
        let generation = self.generation;
        let Some(handler) = handler else {
            if let Some(session) = self.session_mut() {
                let payload = Payload::args(vec![Value::from("the procedure was unregistered")]);
                let _ = session.yield_error(
                    invocation.request,
                    Uri::new("wamp.error.no_such_registration"),
                    payload,
                );
            }
            return;
        };
        let state = Rc::new(InvocationState::default());
        self.invocations.insert(invocation.request, state.clone());
        let invocation = Invocation::new(shared.clone(), generation, invocation, state);
        actions.push(Box::new(move || handler(invocation)));
    }

    /// Queues `event` for every listener.
    pub(super) fn emit(&mut self, event: SessionEvent, actions: &mut Vec<Action>) {
        let listeners: Vec<Listener> = self
            .listeners
            .borrow()
            .iter()
            .map(|(_, listener)| listener.clone())
            .collect();
        if listeners.is_empty() {
            return;
        }
        let event = Rc::new(event);
        actions.push(Box::new(move || {
            for listener in listeners {
                listener(&event);
            }
        }));
    }

    /// The connection ended (or never opened): fail what it carried, then reconnect, or
    /// close for good, or fail the first `connect`.
    fn end_link(
        &mut self,
        shared: &Rc<Shared>,
        end: LinkEnd,
        flush: bool,
        actions: &mut Vec<Action>,
    ) {
        let mut joined = false;
        if let Some(mut link) = self.link.take() {
            joined = link.joined;
            if flush && let Some(session) = link.session.as_mut() {
                // The final GOODBYE or ABORT.
                while let Some(message) = session.poll_transmit() {
                    link.socket
                        .send(&crate::codec::encode(self.options.serializer, &message));
                }
            }
            // Dropping the link closes the socket.
        }
        self.leave_timer = None;
        for (_, slot) in self.calls.take() {
            let error = Error::Connection {
                message: "the connection was lost before the answer".to_owned(),
                reason: Some(end.reason.clone()),
            };
            slot.completer.complete(Err(error));
        }
        // Dropped completers fail their replies.
        self.requests.clear();
        for (_, state) in self.invocations.take() {
            actions.push(Box::new(move || state.interrupt()));
        }
        self.registration_ids.clear();
        self.subscription_ids.clear();
        for entry in self.registrations.values_mut() {
            entry.id = None;
        }
        for entry in self.subscriptions.values_mut() {
            entry.id = None;
        }
        self.restoring = 0;

        let info = CloseInfo {
            reason: end.reason.clone(),
            message: end
                .details
                .get("message")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .or_else(|| end.failure.clone()),
            initiator: end.initiator,
            will_reconnect: false,
            details: end.details.clone(),
        };
        if let Some(join) = self.join.take() {
            // The first attempt failed: `connect` rejects, nothing reconnects.
            join.complete(Err(end.into_error()));
            self.close_for_good(info, actions);
            return;
        }
        let transport = end.initiator == CloseInitiator::Transport;
        let reconnectable =
            transport || (end.initiator == CloseInitiator::Router && end.reason == SYSTEM_SHUTDOWN);
        if self.leaving || self.options.reconnect.is_none() {
            self.close_for_good(info, actions);
        } else if joined || self.state == ConnectionState::Open {
            if reconnectable {
                self.state = ConnectionState::Reconnecting;
                self.attempt = 0;
                let info = CloseInfo {
                    will_reconnect: true,
                    ..info.clone()
                };
                self.emit(SessionEvent::Close(info.clone()), actions);
                self.schedule_reconnect(shared, info, actions);
            } else {
                self.close_for_good(info, actions);
            }
        } else if transport {
            // A reconnection attempt that did not get through.
            self.schedule_reconnect(shared, info, actions);
        } else {
            // Refused (e.g. no longer authorised): trying again will not help.
            self.close_for_good(info, actions);
        }
    }

    fn schedule_reconnect(
        &mut self,
        shared: &Rc<Shared>,
        last: CloseInfo,
        actions: &mut Vec<Action>,
    ) {
        let Some(policy) = self.options.reconnect.clone() else {
            self.close_for_good(last, actions);
            return;
        };
        self.attempt = self.attempt.saturating_add(1);
        if policy.max_retries.is_some_and(|max| self.attempt > max) {
            self.close_for_good(last, actions);
            return;
        }
        let delay_ms = policy.delay_ms(self.attempt, js_sys::Math::random());
        let attempt = self.attempt;
        self.emit(SessionEvent::Reconnecting { attempt, delay_ms }, actions);
        let shared = shared.clone();
        self.reconnect_timer = Some(Timer::new(delay_ms, move || shared.on_reconnect_timer()));
    }

    /// The session is over: no reconnection follows.
    pub(super) fn close_for_good(&mut self, info: CloseInfo, actions: &mut Vec<Action>) {
        if self.state == ConnectionState::Closed {
            return;
        }
        self.state = ConnectionState::Closed;
        self.reconnect_timer = None;
        self.leave_timer = None;
        // Dropping the link closes its socket.
        self.link = None;
        self.registrations.clear();
        self.subscriptions.clear();
        self.registration_ids.clear();
        self.subscription_ids.clear();
        let info = CloseInfo {
            will_reconnect: false,
            ..info
        };
        self.final_close = Some(info.clone());
        for waiter in self
            .leave_waiters
            .drain(..)
            .chain(self.closed_waiters.drain(..))
        {
            waiter.complete(Ok(info.clone()));
        }
        self.emit(SessionEvent::Close(info), actions);
    }

    /// Leaves the realm, or stops reconnecting.
    pub(super) fn leave(
        &mut self,
        shared: &Rc<Shared>,
        reason: &str,
        completer: Completer<CloseInfo>,
        actions: &mut Vec<Action>,
    ) {
        if let Some(info) = &self.final_close {
            completer.complete(Ok(info.clone()));
            return;
        }
        self.leaving = true;
        let generation = self.generation;
        if let Ok((session, _)) = self.joined_session() {
            if let Err(error) = session.leave(Uri::new(reason)) {
                self.leaving = false;
                completer.complete(Err(error.into()));
                return;
            }
            self.leave_waiters.push(completer);
            let shared = shared.clone();
            self.leave_timer = Some(Timer::new(LEAVE_TIMEOUT_MS, move || {
                shared.on_leave_timeout(generation)
            }));
            return;
        }
        // Reconnecting (or between attempts): stop.
        let info = CloseInfo {
            reason: reason.to_owned(),
            message: None,
            initiator: CloseInitiator::Client,
            will_reconnect: false,
            details: Dict::new(),
        };
        self.leave_waiters.push(completer);
        self.close_for_good(info, actions);
    }
}

impl LinkEnd {
    fn failure(message: String) -> Self {
        LinkEnd {
            initiator: CloseInitiator::Transport,
            reason: TRANSPORT_LOST.to_owned(),
            details: Dict::new(),
            failure: Some(message),
        }
    }

    /// Why the first `connect` failed.
    fn into_error(self) -> Error {
        if self.initiator == CloseInitiator::Transport {
            return Error::Connection {
                message: self.failure.unwrap_or_else(|| {
                    "the connection closed before the session was established".to_owned()
                }),
                reason: Some(self.reason),
            };
        }
        let message = self
            .details
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Error::Wamp(WampError {
            uri: self.reason,
            args: message.into_iter().map(Value::from).collect(),
            kwargs: Dict::new(),
            details: self.details,
        })
    }
}

/// Runs the application's callbacks, in order.
pub(super) fn run(actions: Vec<Action>) {
    for action in actions {
        action();
    }
}

/// The message of a JavaScript exception, or its string form.
pub(crate) fn exception_message(exception: &wasm_bindgen::JsValue) -> String {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::*;
    #[wasm_bindgen]
    extern "C" {
        /// `String(value)`; it throws for an object whose `toString` throws.
        #[wasm_bindgen(js_name = String, catch)]
        fn js_string(value: &JsValue) -> Result<String, JsValue>;
    }
    if let Some(error) = exception.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    exception
        .as_string()
        .or_else(|| js_string(exception).ok())
        .unwrap_or_else(|| "an exception that cannot be shown".to_owned())
}

//! The Rust API: [`connect`] resolves to a [`Session`]; its requests return [`Reply`]
//! futures; [`Registration`] and [`Subscription`] are handles to end what they name.
//!
//! Layout: this file holds the public types; `driver` runs the connection (socket, session
//! state machine, reconnection); `invocation` is the callee's [`Invocation`].

mod driver;
mod invocation;

pub use invocation::Invocation;

pub(crate) use driver::exception_message;
#[cfg(feature = "js")]
pub(crate) use invocation::RUNTIME_ERROR;

use std::rc::Rc;
#[cfg(feature = "js")]
use std::rc::Weak;

use wamp_proto::client::{
    ClientConfig, PublishOptions, RegisterOptions, SessionDetails, SubscribeOptions, TopicEvent,
};
use wamp_proto::{Id, Payload, Serializer, SessionId, Uri};

use crate::error::Error;
use crate::options::{CallOptions, ConnectOptions};
use crate::reply::Reply;
use crate::types::{CallResult, CloseInfo, ConnectionState, SessionEvent};

use driver::{
    CLOSE_REALM, CallSlot, RegistrationEntry, RequestSlot, Shared, SubscriptionEntry, run,
};

/// Opens a WebSocket and joins the realm; `await` the reply for the [`Session`].
///
/// # Errors
/// The reply fails with [`Error::InvalidArgument`] for an invalid realm; [`Error::Wamp`] when the router refuses
/// the session (e.g. `wamp.error.not_authorized`); [`Error::Connection`] when the WebSocket
/// does not open or the router does not answer within
/// [`ConnectOptions::timeout_ms`]. The first attempt is not retried.
pub fn connect(options: ConnectOptions) -> Reply<Session> {
    let config = match ClientConfig::new(options.realm.as_str()) {
        Ok(config) => config,
        Err(error) => return Reply::failed(error),
    };
    let mut config = config.agent(options.agent.clone()).roles(options.roles);
    if let Some(authid) = &options.authid {
        config = config.authid(authid.clone());
    }
    if let Some(auth) = &options.auth {
        config = config
            .authmethods([auth.0.auth_method()])
            .authextra(auth.0.hello_authextra());
    }
    let (join, joined) = Reply::pair();
    let shared = Shared::new(options, config, join);
    shared.start_attempt();
    joined
}

/// A joined WAMP session. It survives lost connections: with a
/// [`ReconnectPolicy`](crate::ReconnectPolicy) it joins again and restores its
/// registrations and subscriptions. Clones share the session.
///
/// The connection stays open until [`leave`](Session::leave) or the router ends it, even
/// when every handle is dropped.
#[derive(Clone)]
pub struct Session {
    shared: Rc<Shared>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("state", &self.state())
            .field("id", &self.id())
            .finish()
    }
}

/// A session handle that does not keep the session alive (for callbacks the session owns).
#[cfg(feature = "js")]
#[derive(Clone)]
pub(crate) struct WeakSession(Weak<Shared>);

#[cfg(feature = "js")]
impl WeakSession {
    /// The session, if it still exists.
    pub(crate) fn upgrade(&self) -> Option<Session> {
        self.0.upgrade().map(|shared| Session { shared })
    }
}

impl Session {
    /// A handle that does not keep the session alive.
    #[cfg(feature = "js")]
    pub(crate) fn downgrade(&self) -> WeakSession {
        WeakSession(Rc::downgrade(&self.shared))
    }

    /// Runs `request` on the joined session, then drains it.
    fn request<T>(
        &self,
        request: impl FnOnce(&mut driver::Inner, &Rc<Shared>) -> Result<Reply<T>, Error>,
    ) -> Reply<T> {
        let reply = match self.shared.inner.try_borrow_mut() {
            Ok(mut inner) => request(&mut inner, &self.shared),
            Err(_) => Err(Error::InvalidArgument("the session is busy".to_owned())),
        };
        self.shared.pump();
        reply.unwrap_or_else(Reply::failed)
    }

    /// Calls `procedure`.
    ///
    /// The reply fails with [`Error::Wamp`] for the router's or callee's error (also
    /// `wamp.error.timeout` and `wamp.error.canceled`), [`Error::Connection`] when not open
    /// or when the connection drops first, and [`Error::InvalidArgument`] for an invalid URI.
    pub fn call(
        &self,
        procedure: &str,
        payload: Payload,
        options: CallOptions,
    ) -> Reply<CallResult> {
        if options
            .cancel
            .as_ref()
            .is_some_and(|token| token.is_canceled())
        {
            let error =
                crate::error::WampError::new("wamp.error.canceled", "the call was canceled");
            return Reply::failed(Error::Wamp(error));
        }
        let token = options.cancel.clone();
        let mode = options.cancel_mode;
        let mut located = None;
        let reply = self.request(|inner, shared| {
            let (session, generation) = inner.joined_session()?;
            let mut wire = options.wire;
            wire.receive_progress = options.on_progress.is_some();
            let timeout = wire.timeout_ms.filter(|&ms| ms > 0);
            let request = session.call(Uri::new(procedure), payload, wire)?;
            let timer = timeout.map(|ms| {
                let shared = shared.downgrade();
                crate::timer::Timer::new(ms as f64, move || {
                    if let Some(shared) = shared.upgrade() {
                        shared.expire_call(generation, request, ms);
                    }
                })
            });
            let (completer, reply) = Reply::pair();
            inner.calls.insert(
                request,
                CallSlot {
                    generation,
                    completer,
                    on_progress: options.on_progress,
                    _timer: timer,
                },
            );
            located = Some((generation, request));
            Ok(reply)
        });
        if let (Some(token), Some((generation, request))) = (token, located) {
            let shared = self.shared.downgrade();
            token.on_cancel(move || {
                if let Some(shared) = shared.upgrade() {
                    shared.cancel_call(generation, request, mode);
                }
            });
        }
        reply
    }

    /// Registers `handler` for `procedure` (a URI, or a pattern with the options' match
    /// policy). Each call arrives as an [`Invocation`] to answer.
    pub fn register(
        &self,
        procedure: &str,
        options: RegisterOptions,
        handler: impl Fn(Invocation) + 'static,
    ) -> Reply<Registration> {
        self.request(|inner, _| {
            let (session, _) = inner.joined_session()?;
            let request = session.register(Uri::new(procedure), options.clone())?;
            let (completer, reply) = Reply::pair();
            let entry = RegistrationEntry {
                procedure: procedure.to_owned(),
                options,
                handler: Rc::new(handler),
                id: None,
            };
            inner
                .requests
                .insert(request, RequestSlot::Register { entry, completer });
            Ok(reply)
        })
    }

    /// Subscribes `handler` to `topic` (a URI, or a pattern with the options' match policy).
    pub fn subscribe(
        &self,
        topic: &str,
        options: SubscribeOptions,
        handler: impl Fn(&TopicEvent) + 'static,
    ) -> Reply<Subscription> {
        self.request(|inner, _| {
            let (session, _) = inner.joined_session()?;
            let request = session.subscribe(Uri::new(topic), options.clone())?;
            let (completer, reply) = Reply::pair();
            let entry = SubscriptionEntry {
                topic: topic.to_owned(),
                options,
                handler: Rc::new(handler),
                id: None,
            };
            inner
                .requests
                .insert(request, RequestSlot::Subscribe { entry, completer });
            Ok(reply)
        })
    }

    /// Publishes to `topic`. The reply is the publication ID with
    /// [`PublishOptions::acknowledge`], else `None` as soon as it is sent.
    pub fn publish(
        &self,
        topic: &str,
        payload: Payload,
        options: PublishOptions,
    ) -> Reply<Option<Id>> {
        self.request(|inner, _| {
            let (session, _) = inner.joined_session()?;
            match session.publish(Uri::new(topic), payload, options)? {
                None => Ok(Reply::ready(Ok(None))),
                Some(request) => {
                    let (completer, reply) = Reply::pair();
                    inner
                        .requests
                        .insert(request, RequestSlot::Publish { completer });
                    Ok(reply)
                }
            }
        })
    }

    /// Leaves the realm with `reason` (default `wamp.close.close_realm`) and closes the
    /// connection; nothing reconnects. Pending calls fail with `reason`. The reply comes when
    /// the router answered, after 5 s without answer, or at once when not open.
    pub fn leave(&self, reason: Option<&str>) -> Reply<CloseInfo> {
        let (completer, reply) = Reply::pair();
        let actions = match self.shared.inner.try_borrow_mut() {
            Ok(mut inner) => {
                let mut actions = Vec::new();
                inner.leave(
                    &self.shared,
                    reason.unwrap_or(CLOSE_REALM),
                    completer,
                    &mut actions,
                );
                actions
            }
            Err(_) => {
                return Reply::failed(Error::InvalidArgument("the session is busy".to_owned()));
            }
        };
        run(actions);
        self.shared.pump();
        reply
    }

    /// Completes when the session has ended for good.
    pub fn closed(&self) -> Reply<CloseInfo> {
        let Ok(mut inner) = self.shared.inner.try_borrow_mut() else {
            return Reply::failed(Error::InvalidArgument("the session is busy".to_owned()));
        };
        if let Some(info) = &inner.final_close {
            return Reply::ready(Ok(info.clone()));
        }
        let (completer, reply) = Reply::pair();
        inner.closed_waiters.push(completer);
        reply
    }

    /// Calls `listener` with every lifecycle event; returns a key for
    /// [`remove_listener`](Session::remove_listener).
    pub fn on_event(&self, listener: impl Fn(&SessionEvent) + 'static) -> u64 {
        let mut listeners = self.shared.listeners.borrow_mut();
        let key = listeners.last().map_or(1, |(key, _)| key + 1);
        listeners.push((key, Rc::new(listener)));
        key
    }

    /// Removes a listener added with [`on_event`](Session::on_event).
    pub fn remove_listener(&self, key: u64) {
        self.shared
            .listeners
            .borrow_mut()
            .retain(|(k, _)| *k != key);
    }

    /// Where the session is in its life.
    pub fn state(&self) -> ConnectionState {
        self.shared
            .inner
            .try_borrow()
            .map_or(ConnectionState::Open, |inner| inner.state)
    }

    /// The session ID, while open.
    pub fn id(&self) -> Option<SessionId> {
        let inner = self.shared.inner.try_borrow().ok()?;
        if inner.state != ConnectionState::Open {
            return None;
        }
        inner.details.as_ref().map(|details| details.session)
    }

    /// What the router said in the last `WELCOME`.
    pub fn details(&self) -> Option<SessionDetails> {
        self.shared.inner.try_borrow().ok()?.details.clone()
    }

    /// The serializer in use.
    pub fn serializer(&self) -> Serializer {
        self.shared
            .inner
            .try_borrow()
            .map_or(Serializer::Json, |inner| inner.options.serializer)
    }

    /// The WebSocket subprotocol of the current connection, e.g. `"wamp.2.json.batched"`;
    /// `None` while there is no open connection.
    pub fn protocol(&self) -> Option<&'static str> {
        let inner = self.shared.inner.try_borrow().ok()?;
        let link = inner.link.as_ref().filter(|link| link.session.is_some())?;
        let serializer = inner.options.serializer;
        Some(if link.socket.batched() {
            wamp_proto::batch::Subprotocol::batched(serializer).name()
        } else {
            serializer.subprotocol()
        })
    }

    /// The realm this session joins.
    pub fn realm(&self) -> String {
        self.shared
            .inner
            .try_borrow()
            .map(|inner| inner.options.realm.clone())
            .unwrap_or_default()
    }

    /// Reports an error of the application (e.g. a failed event handler) to the listeners.
    pub fn report_error(&self, error: Error) {
        let listeners: Vec<_> = self
            .shared
            .listeners
            .borrow()
            .iter()
            .map(|(_, listener)| listener.clone())
            .collect();
        let event = SessionEvent::Error(error);
        for listener in listeners {
            listener(&event);
        }
    }
}

/// A registered procedure; see [`Session::register`].
#[derive(Clone)]
pub struct Registration {
    shared: Rc<Shared>,
    key: u64,
    procedure: String,
}

impl Registration {
    pub(crate) fn new(shared: Rc<Shared>, key: u64, procedure: String) -> Self {
        Registration {
            shared,
            key,
            procedure,
        }
    }

    /// The procedure URI or pattern.
    pub fn procedure(&self) -> &str {
        &self.procedure
    }

    /// The router's registration ID; `None` while reconnecting or once ended. It changes
    /// when the registration is restored after a reconnect.
    pub fn id(&self) -> Option<Id> {
        let inner = self.shared.inner.try_borrow().ok()?;
        inner
            .registrations
            .get(&self.key)
            .and_then(|entry| entry.id)
    }

    /// Whether the registration is in force (or will be restored after a reconnect).
    pub fn is_active(&self) -> bool {
        self.shared
            .inner
            .try_borrow()
            .is_ok_and(|inner| inner.registrations.contains_key(&self.key))
    }

    /// Ends the registration; completes once the router confirmed. Does nothing when it is
    /// not active.
    pub fn unregister(&self) -> Reply<()> {
        let key = self.key;
        Session {
            shared: self.shared.clone(),
        }
        .request(|inner, _| {
            let Some(id) = inner.registrations.get(&key).map(|entry| entry.id) else {
                return Ok(Reply::ready(Ok(())));
            };
            let sent = match (id, inner.joined_session()) {
                (Some(id), Ok((session, _))) => Some(session.unregister(id)?),
                _ => None,
            };
            let Some(request) = sent else {
                // Not on the router now (reconnecting): forget it here.
                inner.forget_registration(key);
                return Ok(Reply::ready(Ok(())));
            };
            let (completer, reply) = Reply::pair();
            inner
                .requests
                .insert(request, RequestSlot::Unregister { key, completer });
            Ok(reply)
        })
    }
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("procedure", &self.procedure)
            .field("id", &self.id())
            .finish()
    }
}

/// A subscription; see [`Session::subscribe`].
#[derive(Clone)]
pub struct Subscription {
    shared: Rc<Shared>,
    key: u64,
    topic: String,
}

impl Subscription {
    pub(crate) fn new(shared: Rc<Shared>, key: u64, topic: String) -> Self {
        Subscription { shared, key, topic }
    }

    /// The topic URI or pattern.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The router's subscription ID; `None` while reconnecting or once ended.
    pub fn id(&self) -> Option<Id> {
        let inner = self.shared.inner.try_borrow().ok()?;
        inner
            .subscriptions
            .get(&self.key)
            .and_then(|entry| entry.id)
    }

    /// Whether the subscription is in force (or will be restored after a reconnect).
    pub fn is_active(&self) -> bool {
        self.shared
            .inner
            .try_borrow()
            .is_ok_and(|inner| inner.subscriptions.contains_key(&self.key))
    }

    /// Ends this subscription; completes once the router confirmed. Does nothing when it
    /// is not active. Other subscriptions of the session to the same topic stay.
    pub fn unsubscribe(&self) -> Reply<()> {
        let key = self.key;
        Session {
            shared: self.shared.clone(),
        }
        .request(|inner, _| {
            let Some(id) = inner.subscriptions.get(&key).map(|entry| entry.id) else {
                return Ok(Reply::ready(Ok(())));
            };
            // The router knows one subscription per ID: unsubscribe with the last handler.
            let shared_id = id.is_some_and(|id| {
                inner
                    .subscription_ids
                    .get(&id)
                    .is_some_and(|keys| keys.len() > 1)
            });
            let sent = match (id, inner.joined_session()) {
                (Some(id), Ok((session, _))) if !shared_id => Some(session.unsubscribe(id)?),
                _ => None,
            };
            let Some(request) = sent else {
                inner.forget_subscription(key);
                return Ok(Reply::ready(Ok(())));
            };
            let (completer, reply) = Reply::pair();
            inner
                .requests
                .insert(request, RequestSlot::Unsubscribe { key, completer });
            Ok(reply)
        })
    }
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("topic", &self.topic)
            .field("id", &self.id())
            .finish()
    }
}

//! The state every connection shares: the realms, and one outbound queue per session.
//!
//! Each realm sits behind its own `std::sync::Mutex`: the critical sections are short and
//! never await (lock, route one message, `try_send` the results, unlock), so an async mutex
//! would only add cost. A session whose queue is full is cut off on the spot: it leaves the
//! realm and its connection is told to close, so that one slow reader never stalls routing.
//!
//! The realms have no clock: every call into a realm first gives it the time
//! ([`Realm::handle_timeout`]), and one timer task per realm ([`RealmHandle::run_timer`])
//! wakes it when its earliest call timeout comes.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::{Notify, mpsc};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use wamp_proto::{Id, Message, SessionId, Uri};

use crate::auth::Authenticator;
use crate::config::Config;
use crate::realm::{Delivery, Outgoing, Realm, SessionInfo, Timestamp, Violation};

/// The realms and session IDs of one server.
#[derive(Debug)]
pub(crate) struct Router {
    realms: HashMap<String, Arc<RealmHandle>>,
    /// Session IDs in use, router-wide (they are global scope).
    session_ids: Mutex<HashSet<SessionId>>,
    max_message_size: usize,
    queue_capacity: usize,
}

/// One realm and the outbound queues of its sessions.
#[derive(Debug)]
pub(crate) struct RealmHandle {
    name: Uri,
    state: Mutex<RealmState>,
    /// Read-only after start, so the handshake needs no lock.
    authenticator: Authenticator,
    clock: Clock,
    /// Wakes the timer task when a call timeout earlier than the one it sleeps until
    /// appears.
    timer: Notify,
}

#[derive(Debug)]
struct RealmState {
    realm: Realm,
    peers: HashMap<SessionId, Peer>,
    /// Reused for every routed message, so that routing does not allocate a new Vec.
    deliveries: Vec<Delivery>,
    /// The deadline the timer task sleeps until, as it last read it.
    timer_deadline: Option<Timestamp>,
}

/// How the router reaches one session's connection.
#[derive(Debug, Clone)]
pub(crate) struct Peer {
    /// The session's outbound queue; its connection task drains it.
    pub(crate) queue: mpsc::Sender<Outgoing>,
    /// Cancelled when the router cuts the session off; its connection then closes.
    pub(crate) cut_off: CancellationToken,
    /// Cancelled when the realm has closed the session (meta API kill) after queueing its
    /// GOODBYE; its connection sends what is queued, then closes.
    pub(crate) closed: CancellationToken,
}

impl Peer {
    /// A peer reached through `queue`.
    pub(crate) fn new(queue: mpsc::Sender<Outgoing>) -> Peer {
        Peer {
            queue,
            cut_off: CancellationToken::new(),
            closed: CancellationToken::new(),
        }
    }
}

/// The server's clock as the realms see it: the wall clock read once at start, advanced by
/// the monotonic clock after, so that timeouts never jump with the system time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    epoch_millis: u64,
    origin: Instant,
}

impl Clock {
    pub(crate) fn new() -> Clock {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Clock {
            epoch_millis: millis(since_epoch),
            origin: Instant::now(),
        }
    }

    /// The current time.
    pub(crate) fn now(&self) -> Timestamp {
        Timestamp::from_millis(
            self.epoch_millis
                .saturating_add(millis(self.origin.elapsed())),
        )
    }

    /// When `at` comes, on the monotonic clock; a year from now for times beyond what an
    /// `Instant` can hold (a peer may ask for any timeout).
    fn instant(&self, at: Timestamp) -> Instant {
        let offset = Duration::from_millis(at.as_millis().saturating_sub(self.epoch_millis));
        self.origin
            .checked_add(offset)
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(365 * 24 * 3600))
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl Router {
    /// Builds the realms named in `config`.
    pub(crate) fn new(config: &Config) -> Router {
        let clock = Clock::new();
        let realms = config
            .realms
            .iter()
            .map(|settings| {
                let realm = Realm::new(settings.uri(), settings.realm_config());
                let state = RealmState {
                    realm,
                    peers: HashMap::new(),
                    deliveries: Vec::new(),
                    timer_deadline: None,
                };
                let handle = RealmHandle {
                    name: settings.uri(),
                    state: Mutex::new(state),
                    authenticator: settings.authenticator(),
                    clock,
                    timer: Notify::new(),
                };
                (settings.name.clone(), Arc::new(handle))
            })
            .collect();
        Router {
            realms,
            session_ids: Mutex::new(HashSet::new()),
            max_message_size: config.max_message_size,
            queue_capacity: config.queue_capacity,
        }
    }

    /// The realm named `name`, if this router serves it.
    pub(crate) fn realm(&self, name: &str) -> Option<&Arc<RealmHandle>> {
        self.realms.get(name)
    }

    /// Every realm served, in no particular order.
    pub(crate) fn realms(&self) -> impl Iterator<Item = &Arc<RealmHandle>> {
        self.realms.values()
    }

    /// The names of the realms served, sorted, for error messages.
    pub(crate) fn realm_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.realms.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// The largest WAMP message accepted, in bytes.
    pub(crate) fn max_message_size(&self) -> usize {
        self.max_message_size
    }

    /// The capacity of each session's outbound queue.
    pub(crate) fn queue_capacity(&self) -> usize {
        self.queue_capacity
    }

    /// A fresh random session ID, unique among the sessions alive; give it back with
    /// [`Router::release_session_id`].
    pub(crate) fn allocate_session_id(&self) -> SessionId {
        let mut ids = lock(&self.session_ids);
        loop {
            let id = Id::from_random(rand::random());
            if ids.insert(id) {
                return id;
            }
        }
    }

    /// Makes `id` available again.
    pub(crate) fn release_session_id(&self, id: SessionId) {
        lock(&self.session_ids).remove(&id);
    }
}

impl RealmHandle {
    /// The realm's URI.
    pub(crate) fn name(&self) -> &Uri {
        &self.name
    }

    /// Who may join the realm, and how.
    pub(crate) fn authenticator(&self) -> &Authenticator {
        &self.authenticator
    }

    /// Adds an established session and queues its WELCOME, before any other message can
    /// reach it.
    pub(crate) fn join(&self, session: SessionId, info: SessionInfo, peer: Peer) {
        self.with_realm(|state, deliveries| {
            state.peers.insert(session, peer);
            let start = deliveries.len();
            state.realm.join(session, info, deliveries);
            let details = state.realm.welcome_details(session);
            let welcome = Outgoing::new(Message::Welcome { session, details });
            deliveries.insert(start, Delivery::new(session, welcome));
        });
    }

    /// Routes one message from an established session and queues what results. A session
    /// the realm has already closed (killed, or cut off) is on its way out: what it still
    /// sends is dropped.
    ///
    /// # Errors
    /// The realm's [`Violation`]; the caller must abort the session and call
    /// [`RealmHandle::leave`].
    pub(crate) fn handle(&self, session: SessionId, message: Message) -> Result<(), Violation> {
        self.with_realm(|state, deliveries| {
            if !state.peers.contains_key(&session) {
                return Ok(());
            }
            state.realm.handle(session, message, deliveries)
        })
    }

    /// Removes a session (idempotent) and queues what its leaving causes, such as errors
    /// for the callers of its procedures.
    pub(crate) fn leave(&self, session: SessionId) {
        self.with_realm(|state, deliveries| {
            state.peers.remove(&session);
            state.realm.leave(session, deliveries);
        });
    }

    /// Fires call timeouts until `shutdown`: sleeps until the realm's earliest deadline, or
    /// until woken because an earlier one appeared. Holds the lock only between awaits.
    pub(crate) async fn run_timer(self: Arc<Self>, shutdown: CancellationToken) {
        loop {
            let deadline = {
                let mut state = lock(&self.state);
                let next = state.realm.next_deadline();
                state.timer_deadline = next;
                next
            };
            let sleep = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(self.clock.instant(at)).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = self.timer.notified() => {}
                // `with_realm` gives the realm the time, which fires what has expired.
                () = sleep => self.with_realm(|_, _| ()),
            }
        }
    }

    /// Locks the realm, gives it the time, runs `f`, and queues every delivery; wakes the
    /// timer task if a call timeout now comes earlier than the one it sleeps until.
    fn with_realm<R>(&self, f: impl FnOnce(&mut RealmState, &mut Vec<Delivery>) -> R) -> R {
        let mut guard = lock(&self.state);
        let state = &mut *guard;
        let mut deliveries = std::mem::take(&mut state.deliveries);
        state
            .realm
            .handle_timeout(self.clock.now(), &mut deliveries);
        let result = f(state, &mut deliveries);
        state.dispatch(&mut deliveries);
        state.deliveries = deliveries;
        if let Some(next) = state.realm.next_deadline()
            && state.timer_deadline.is_none_or(|sleeping| next < sleeping)
        {
            state.timer_deadline = Some(next);
            self.timer.notify_one();
        }
        result
    }
}

impl RealmState {
    /// Moves every delivery into its recipient's queue, leaving `deliveries` empty.
    ///
    /// A recipient whose queue is full (or whose connection is gone) is cut off: it leaves
    /// the realm, which may produce more deliveries, handled in the same way.
    fn dispatch(&mut self, deliveries: &mut Vec<Delivery>) {
        let mut cut_off = Vec::new();
        while !deliveries.is_empty() {
            for delivery in deliveries.drain(..) {
                let Some(peer) = self.peers.get(&delivery.to) else {
                    // Gone since the message was routed (cut off a moment ago, or leaving).
                    continue;
                };
                match peer.queue.try_send(delivery.message) {
                    Ok(()) if delivery.closes => {
                        // The realm has closed this session, and that was its GOODBYE.
                        if let Some(peer) = self.peers.remove(&delivery.to) {
                            peer.closed.cancel();
                        }
                    }
                    Ok(()) => {}
                    Err(mpsc::error::TrySendError::Full(_)) => {
                        tracing::warn!(
                            session = %delivery.to,
                            realm = %self.realm.name(),
                            capacity = peer.queue.max_capacity(),
                            "outbound queue full: cutting off a session that does not read"
                        );
                        cut_off.push(delivery.to);
                        self.remove_peer(delivery.to);
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => {
                        // Its connection task has ended; it leaves below rather than later.
                        cut_off.push(delivery.to);
                        self.remove_peer(delivery.to);
                    }
                }
            }
            for session in cut_off.drain(..) {
                self.realm.leave(session, deliveries);
            }
        }
    }

    fn remove_peer(&mut self, session: SessionId) {
        if let Some(peer) = self.peers.remove(&session) {
            peer.cut_off.cancel();
        }
    }
}

/// Locks a mutex, ignoring poisoning: every critical section leaves the state consistent
/// before anything that could panic, and a panic in one connection must not stop the rest.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use wamp_proto::{Dict, Serializer, Value};

    use super::*;
    use crate::config::Config;

    fn info() -> SessionInfo {
        SessionInfo {
            authid: "test".into(),
            authrole: "anonymous".into(),
            authmethod: "anonymous".into(),
            authprovider: "static".into(),
            transport: "test".into(),
            serializer: Serializer::Json,
            peer: "test".into(),
            client_roles: Dict::new(),
        }
    }

    fn peer(capacity: usize) -> (Peer, mpsc::Receiver<Outgoing>) {
        let (queue, receiver) = mpsc::channel(capacity);
        (Peer::new(queue), receiver)
    }

    fn subscribe(realm: &RealmHandle, session: SessionId) {
        let topic = Uri::new("t");
        let message = Message::Subscribe {
            request: Id::new(1).unwrap(),
            options: Dict::new(),
            topic,
        };
        realm.handle(session, message).unwrap();
    }

    fn publish(realm: &RealmHandle, session: SessionId, request: u64) {
        let message = Message::Publish {
            request: Id::new(request).unwrap(),
            options: Dict::from([("exclude_me".to_owned(), Value::Bool(true))]),
            topic: Uri::new("t"),
            payload: Default::default(),
        };
        realm.handle(session, message).unwrap();
    }

    #[test]
    fn session_ids_are_unique_until_released() {
        let router = Router::new(&Config::default());
        let a = router.allocate_session_id();
        let b = router.allocate_session_id();
        assert_ne!(a, b);
        router.release_session_id(a);
        assert_eq!(lock(&router.session_ids).len(), 1);
    }

    #[test]
    fn welcome_comes_first_and_a_full_queue_cuts_off() {
        let router = Router::new(&Config::default());
        let realm = router.realm("realm1").unwrap().clone();
        assert!(router.realm("realm2").is_none());

        let (publisher, mut publisher_queue) = peer(16);
        let (slow, mut slow_queue) = peer(3);
        let (a, b) = (router.allocate_session_id(), router.allocate_session_id());
        realm.join(a, info(), publisher);
        realm.join(b, info(), slow.clone());
        assert!(matches!(
            publisher_queue.try_recv().unwrap().message(),
            Message::Welcome { .. }
        ));
        assert!(matches!(
            slow_queue.try_recv().unwrap().message(),
            Message::Welcome { .. }
        ));

        subscribe(&realm, b); // SUBSCRIBED: 1 of 3 slots
        publish(&realm, a, 1); // EVENT: 2 of 3
        publish(&realm, a, 2); // EVENT: 3 of 3
        assert!(!slow.cut_off.is_cancelled());
        publish(&realm, a, 3); // no room: cut off, and the publisher goes on
        assert!(slow.cut_off.is_cancelled());
        publish(&realm, a, 4);
        assert_eq!(lock(&realm.state).realm.session_count(), 1);
        assert!(
            publisher_queue.try_recv().is_err(),
            "exclude_me, no acknowledge: nothing for the publisher"
        );
    }

    fn call(
        realm: &RealmHandle,
        session: SessionId,
        procedure: &str,
        options: Dict,
        args: Vec<Value>,
    ) {
        let message = Message::Call {
            request: Id::new(7).unwrap(),
            options,
            procedure: Uri::new(procedure),
            payload: wamp_proto::Payload::args(args),
        };
        realm.handle(session, message).unwrap();
    }

    #[test]
    fn a_killed_session_gets_goodbye_and_is_told_to_close() {
        let router = Router::new(&Config::default());
        let realm = router.realm("realm1").unwrap().clone();
        let (killer, mut killer_queue) = peer(16);
        let (victim, mut victim_queue) = peer(16);
        let (a, b) = (router.allocate_session_id(), router.allocate_session_id());
        realm.join(a, info(), killer);
        realm.join(b, info(), victim.clone());
        killer_queue.try_recv().unwrap();
        victim_queue.try_recv().unwrap();

        call(
            &realm,
            a,
            "wamp.session.kill",
            Dict::new(),
            vec![b.get().into()],
        );
        assert!(matches!(
            killer_queue.try_recv().unwrap().message(),
            Message::Result { .. }
        ));
        match victim_queue.try_recv().unwrap().message() {
            Message::Goodbye { reason, .. } => assert_eq!(reason.as_str(), "wamp.close.killed"),
            other => panic!("expected GOODBYE, got {other:?}"),
        }
        assert!(victim.closed.is_cancelled());
        assert!(!victim.cut_off.is_cancelled());
        // What it sends on its way out is dropped, not a violation.
        subscribe(&realm, b);
        assert!(victim_queue.try_recv().is_err());
        realm.leave(b);
        assert_eq!(lock(&realm.state).realm.session_count(), 1);
    }

    #[tokio::test]
    async fn the_timer_fires_call_timeouts_in_real_time() {
        let router = Router::new(&Config::default());
        let realm = router.realm("realm1").unwrap().clone();
        let shutdown = CancellationToken::new();
        let timer = tokio::spawn(realm.clone().run_timer(shutdown.clone()));
        let (caller, mut caller_queue) = peer(16);
        let (callee, mut callee_queue) = peer(16);
        let (a, b) = (router.allocate_session_id(), router.allocate_session_id());
        realm.join(a, info(), caller);
        realm.join(b, info(), callee);
        let register = Message::Register {
            request: Id::new(1).unwrap(),
            options: Dict::new(),
            procedure: Uri::new("com.slow"),
        };
        realm.handle(b, register).unwrap();
        let options = Dict::from([("timeout".to_owned(), Value::from(50u64))]);
        let started = std::time::Instant::now();
        call(&realm, a, "com.slow", options, vec![]);
        caller_queue.recv().await.unwrap(); // WELCOME
        let answer = tokio::time::timeout(Duration::from_secs(5), caller_queue.recv())
            .await
            .expect("the timeout did not fire")
            .unwrap();
        match answer.message() {
            Message::Error { error, .. } => assert_eq!(error.as_str(), "wamp.error.timeout"),
            other => panic!("expected ERROR, got {other:?}"),
        }
        assert!(started.elapsed() >= Duration::from_millis(50));
        // WELCOME, REGISTERED, INVOCATION; no INTERRUPT for a callee that did not announce
        // call canceling.
        for _ in 0..3 {
            callee_queue.try_recv().unwrap();
        }
        assert!(callee_queue.try_recv().is_err());
        shutdown.cancel();
        timer.await.unwrap();
    }
}

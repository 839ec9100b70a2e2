//! The state every connection shares: the realms, and one outbound queue per session.
//!
//! Each realm sits behind its own `std::sync::Mutex`: the critical sections are short and
//! never await (lock, route one message, `try_send` the results, unlock), so an async mutex
//! would only add cost. A session whose queue is full is cut off on the spot: it leaves the
//! realm and its connection is told to close, so that one slow reader never stalls routing.
//!
//! The realms have no clock: every call into a realm first gives it the time
//! ([`Realm::handle_timeout`]), and one timer task per realm ([`RealmHandle::run_timer`])
//! wakes it when its earliest call timeout comes, or when a batch of the message trace is
//! due.
//!
//! The message trace ([`crate::trace`]) of a realm lives under the same lock: a message is
//! recorded where the lock is held anyway, received when it is routed
//! ([`RealmHandle::handle`]) and sent when it is queued (`RealmState::dispatch`). Handshake
//! messages, which the realm does not route, are recorded through
//! [`RealmHandle::trace_received`] and [`RealmHandle::trace_sent`]. The trace's own traffic
//! (calls to its procedures, their answers, and its batches) is queued without being
//! recorded, and its costly part (decoding records) runs between two short locks.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use tokio::sync::{Notify, mpsc};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use wamp_proto::{Id, Message, Serializer, SessionId, Uri};

use crate::auth::Authenticator;
use crate::auth::authorize::Verdict;
use crate::config::Config;
use crate::realm::{Delivery, Outgoing, Realm, SessionInfo, Timestamp, Violation};
use crate::trace::{self, Answer, Trace};

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
    /// Whether the realm keeps a trace at all; read without the lock.
    traced: bool,
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
    trace: Trace,
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
    /// The serializer of its connection, for the trace.
    pub(crate) serializer: Serializer,
}

impl Peer {
    /// A peer reached through `queue`, speaking `serializer`.
    pub(crate) fn new(queue: mpsc::Sender<Outgoing>, serializer: Serializer) -> Peer {
        Peer {
            queue,
            cut_off: CancellationToken::new(),
            closed: CancellationToken::new(),
            serializer,
        }
    }
}

/// The server's clock as the realms see it: the wall clock read once at start, advanced by
/// the monotonic clock after, so that timeouts never jump with the system time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    epoch_micros: u64,
    origin: Instant,
}

impl Clock {
    pub(crate) fn new() -> Clock {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Clock {
            epoch_micros: micros(since_epoch),
            origin: Instant::now(),
        }
    }

    /// The current time in microseconds since the UNIX epoch (for the trace).
    pub(crate) fn now_micros(&self) -> u64 {
        self.epoch_micros
            .saturating_add(micros(self.origin.elapsed()))
    }

    /// The current time.
    pub(crate) fn now(&self) -> Timestamp {
        Timestamp::from_millis(self.now_micros() / 1000)
    }

    /// When `at` comes, on the monotonic clock (never before [`Clock::now`] reaches it); a
    /// year from now for times beyond what an `Instant` can hold (a peer may ask for any
    /// timeout).
    fn instant(&self, at: Timestamp) -> Instant {
        let epoch_millis = self.epoch_micros / 1000;
        let offset = Duration::from_millis(at.as_millis().saturating_sub(epoch_millis));
        self.origin
            .checked_add(offset)
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(365 * 24 * 3600))
    }
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

impl Router {
    /// Builds the realms named in `config`.
    pub(crate) fn new(config: &Config) -> Router {
        let clock = Clock::new();
        let realms = config
            .realms
            .iter()
            .map(|settings| {
                if config.allow_remote && settings.roles.is_empty() {
                    tracing::warn!(
                        realm = %settings.name,
                        role = %settings.anonymous_role,
                        "remote access is allowed and the realm defines no roles: anonymous \
                         sessions may use everything but the meta API (wamp.session., \
                         wamp.registration., wamp.subscription.; testaments excepted) and the \
                         message trace (dev_router.trace.); give them to a role in \
                         [[realms.roles]] to allow them"
                    );
                }
                let realm = Realm::new(settings.uri(), settings.realm_config(config.allow_remote));
                let state = RealmState {
                    realm,
                    peers: HashMap::new(),
                    deliveries: Vec::new(),
                    timer_deadline: None,
                    trace: Trace::new(&settings.name, settings.trace_buffer, settings.trace_always),
                };
                let handle = RealmHandle {
                    name: settings.uri(),
                    state: Mutex::new(state),
                    authenticator: settings.authenticator(),
                    traced: settings.trace_buffer > 0,
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

    /// Routes one message from an established session, `frame` being the bytes it was
    /// decoded from, and queues what results. A session the realm has already closed
    /// (killed, or cut off) is on its way out: what it still sends is dropped.
    ///
    /// # Errors
    /// The realm's [`Violation`]; the caller must abort the session and call
    /// [`RealmHandle::leave`].
    pub(crate) fn handle(
        &self,
        session: SessionId,
        message: Message,
        frame: Bytes,
    ) -> Result<(), Violation> {
        if trace::is_trace_call(&message) {
            self.call_trace(session, &message);
            return Ok(());
        }
        self.with_realm(|state, deliveries| {
            let Some(peer) = state.peers.get(&session) else {
                return Ok(());
            };
            if state.trace.is_recording() {
                let about = state.realm.about_received(session, &message);
                state
                    .trace
                    .record_received(session, peer.serializer, &message, &frame, about);
            }
            state.realm.handle(session, message, deliveries)
        })
    }

    /// Answers a CALL to a trace procedure, if the session's role may call it, without
    /// tracing the call or its answer. The history is read outside the lock.
    fn call_trace(&self, session: SessionId, call: &Message) {
        let Message::Call {
            request,
            procedure,
            payload,
            ..
        } = call
        else {
            return;
        };
        let answer = {
            let mut guard = self.lock();
            let state = &mut *guard;
            let Some(info) = state.realm.session(session) else {
                return;
            };
            if !state.peers.contains_key(&session) {
                return;
            }
            // The realm's own authorization, as for any CALL.
            match state.realm.config().roles.check(&info.authrole, call) {
                Verdict::Refused(None) => return,
                Verdict::Refused(Some(error)) => Answer::Ready(error),
                Verdict::Allowed => {
                    let mut answer = state.trace.call(session, *request, procedure, payload);
                    answer.name_subjects(&state.realm);
                    answer
                }
            }
        };
        let reply = Outgoing::new(answer.into_message());
        self.deliver_untraced(|_, deliveries| deliveries.push(Delivery::new(session, reply)));
    }

    /// Records a message from `session` that the realm does not route: the handshake's
    /// HELLO and AUTHENTICATE (redacted as they are recorded), and the GOODBYE or ABORT
    /// that ends a session.
    pub(crate) fn trace_received(
        &self,
        session: SessionId,
        serializer: Serializer,
        message: &Message,
        frame: Bytes,
    ) {
        if !self.traced {
            return;
        }
        let mut guard = self.lock();
        let state = &mut *guard;
        state.trace.set_time(self.clock.now_micros());
        state
            .trace
            .record_received(session, serializer, message, &frame, None);
        self.schedule(state);
    }

    /// Records a message for `session` that does not go through the realm: CHALLENGE, and
    /// the ABORT or GOODBYE that a connection sends last.
    pub(crate) fn trace_sent(&self, session: SessionId, serializer: Serializer, message: &Message) {
        if !self.traced {
            return;
        }
        let message = Outgoing::new(message.clone());
        let mut guard = self.lock();
        let state = &mut *guard;
        state.trace.set_time(self.clock.now_micros());
        state.trace.new_round();
        state.trace.record_sent(session, serializer, &message);
        self.schedule(state);
    }

    /// Removes a session (idempotent) and queues what its leaving causes, such as errors
    /// for the callers of its procedures.
    pub(crate) fn leave(&self, session: SessionId) {
        self.with_realm(|state, deliveries| {
            state.peers.remove(&session);
            state.trace.forget(session);
            state.realm.leave(session, deliveries);
        });
    }

    /// Fires call timeouts and sends trace batches until `shutdown`: sleeps until the
    /// realm's earliest deadline or the next batch, or until woken because an earlier one
    /// appeared. Holds the lock only between awaits.
    pub(crate) async fn run_timer(self: Arc<Self>, shutdown: CancellationToken) {
        loop {
            let deadline = {
                let mut state = self.lock();
                let next = state.next_deadline();
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
                () = sleep => {
                    // `with_realm` gives the realm the time, which fires what has expired.
                    self.with_realm(|_, _| ());
                    self.send_trace_batch();
                }
            }
        }
    }

    /// Sends the trace's watchers their batches, if one is due: the records are taken under
    /// the lock, decoded and filtered outside it, and the EVENTs queued (untraced) under it
    /// again. A watcher whose queue is more than half full gets no batch; its records count
    /// as dropped.
    fn send_trace_batch(&self) {
        let plan = {
            let mut guard = self.lock();
            let state = &mut *guard;
            let mut plan = state
                .trace
                .plan_batch(self.clock.now(), state.realm.broker());
            if let Some(plan) = &mut plan {
                plan.name_subjects(&state.realm);
            }
            plan
        };
        let Some(plan) = plan else {
            return;
        };
        let batches = plan.build();
        self.deliver_untraced(|state, deliveries| {
            for batch in batches {
                let Some(peer) = state.peers.get(&batch.to) else {
                    continue;
                };
                let behind = peer.queue.capacity() < peer.queue.max_capacity() / 2;
                state.trace.settle(&batch, !behind);
                if !behind {
                    deliveries.push(Delivery::new(batch.to, batch.event));
                }
            }
        });
    }

    /// Locks the realm and queues what `fill` pushes without tracing it: the trace's own
    /// traffic. What that causes in turn (a session cut off for a full queue leaves the
    /// realm) is traced as usual.
    fn deliver_untraced(&self, fill: impl FnOnce(&mut RealmState, &mut Vec<Delivery>)) {
        let mut guard = self.lock();
        let state = &mut *guard;
        let mut deliveries = std::mem::take(&mut state.deliveries);
        fill(state, &mut deliveries);
        state.dispatch(&mut deliveries, false);
        state.deliveries = deliveries;
        self.schedule(state);
    }

    /// Every record in the realm's trace, as the API shows it.
    #[cfg(test)]
    pub(crate) fn trace_snapshot(&self) -> Vec<wamp_proto::Dict> {
        self.lock().trace.snapshot()
    }

    /// Locks the realm's state.
    fn lock(&self) -> MutexGuard<'_, RealmState> {
        lock(&self.state)
    }

    /// Locks the realm, gives it (and its trace) the time, runs `f`, and queues every
    /// delivery; then [`RealmHandle::schedule`].
    fn with_realm<R>(&self, f: impl FnOnce(&mut RealmState, &mut Vec<Delivery>) -> R) -> R {
        let mut guard = self.lock();
        let state = &mut *guard;
        let mut deliveries = std::mem::take(&mut state.deliveries);
        let micros = self.clock.now_micros();
        state.trace.set_time(micros);
        state
            .realm
            .handle_timeout(Timestamp::from_millis(micros / 1000), &mut deliveries);
        let result = f(state, &mut deliveries);
        state.dispatch(&mut deliveries, true);
        state.deliveries = deliveries;
        self.schedule(state);
        result
    }

    /// Notices whether somebody now watches the trace, and wakes the timer task if a call
    /// timeout or a trace batch now comes earlier than the deadline it sleeps until.
    fn schedule(&self, state: &mut RealmState) {
        state.trace.update_watched(state.realm.broker());
        if let Some(next) = state.next_deadline()
            && state.timer_deadline.is_none_or(|sleeping| next < sleeping)
        {
            state.timer_deadline = Some(next);
            self.timer.notify_one();
        }
    }
}

impl RealmState {
    /// The earliest call timeout or trace batch.
    fn next_deadline(&self) -> Option<Timestamp> {
        match (self.realm.next_deadline(), self.trace.next_batch()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Moves every delivery into its recipient's queue, leaving `deliveries` empty, and
    /// records each in the trace unless `traced` is false.
    ///
    /// A recipient whose queue is full (or whose connection is gone) is cut off: it leaves
    /// the realm, which may produce more deliveries, handled in the same way (and traced:
    /// `traced` applies to the deliveries given only).
    fn dispatch(&mut self, deliveries: &mut Vec<Delivery>, mut traced: bool) {
        let mut cut_off = Vec::new();
        while !deliveries.is_empty() {
            let record = traced && self.trace.is_recording();
            // Every message of this round of deliveries is alive until it ends.
            self.trace.new_round();
            for delivery in deliveries.drain(..) {
                let Some(peer) = self.peers.get(&delivery.to) else {
                    // Gone since the message was routed (cut off a moment ago, or leaving).
                    continue;
                };
                if record && !delivery.untraced {
                    // Recorded as routed, even if its recipient turns out to be cut off.
                    self.trace
                        .record_sent(delivery.to, peer.serializer, &delivery.message);
                }
                match peer.queue.try_send(delivery.message) {
                    Ok(()) => {
                        if delivery.closes {
                            // The realm has closed this session, and that was its GOODBYE.
                            if let Some(peer) = self.peers.remove(&delivery.to) {
                                peer.closed.cancel();
                            }
                            self.trace.forget(delivery.to);
                        }
                    }
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
            traced = true;
        }
    }

    /// Lets the next trace batch be due at once, for tests that do not wait for it.
    #[cfg(test)]
    fn trace_last_batch_is_old(&mut self) {
        self.trace.forget_last_batch();
    }

    fn remove_peer(&mut self, session: SessionId) {
        if let Some(peer) = self.peers.remove(&session) {
            peer.cut_off.cancel();
        }
        self.trace.forget(session);
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
            batched: false,
            peer: "test".into(),
            client_roles: Dict::new(),
        }
    }

    fn peer(capacity: usize) -> (Peer, mpsc::Receiver<Outgoing>) {
        let (queue, receiver) = mpsc::channel(capacity);
        (Peer::new(queue, Serializer::Json), receiver)
    }

    /// [`RealmHandle::handle`] with the message's JSON encoding as its frame.
    fn handle(realm: &RealmHandle, session: SessionId, message: Message) -> Result<(), Violation> {
        let frame = Bytes::from(Serializer::Json.encode(&message));
        realm.handle(session, message, frame)
    }

    fn subscribe(realm: &RealmHandle, session: SessionId) {
        let topic = Uri::new("t");
        let message = Message::Subscribe {
            request: Id::new(1).unwrap(),
            options: Dict::new(),
            topic,
        };
        handle(realm, session, message).unwrap();
    }

    fn publish(realm: &RealmHandle, session: SessionId, request: u64) {
        let message = Message::Publish {
            request: Id::new(request).unwrap(),
            options: Dict::from([("exclude_me".to_owned(), Value::Bool(true))]),
            topic: Uri::new("t"),
            payload: Default::default(),
        };
        handle(realm, session, message).unwrap();
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
        handle(realm, session, message).unwrap();
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
        handle(&realm, b, register).unwrap();
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

    mod trace {
        use wamp_proto::{Payload, Value};

        use super::*;
        use crate::trace::{HISTORY, ON_MESSAGE, SET_FILTER};

        /// The realm's trace as `(direction, type, session)`, oldest first.
        fn traced(realm: &RealmHandle) -> Vec<(String, String, u64)> {
            realm
                .trace_snapshot()
                .iter()
                .map(|record| {
                    (
                        record["direction"].as_str().unwrap().to_owned(),
                        record["type"].as_str().unwrap().to_owned(),
                        record["session"].as_u64().unwrap(),
                    )
                })
                .collect()
        }

        fn entry(direction: &str, message_type: &str, session: SessionId) -> (String, String, u64) {
            (direction.to_owned(), message_type.to_owned(), session.get())
        }

        fn kwargs_call(realm: &RealmHandle, session: SessionId, procedure: &str, kwargs: Dict) {
            let message = Message::Call {
                request: Id::new(7).unwrap(),
                options: Dict::new(),
                procedure: Uri::new(procedure),
                payload: Payload {
                    args: Vec::new(),
                    kwargs,
                },
            };
            handle(realm, session, message).unwrap();
        }

        fn subscribe_to(realm: &RealmHandle, session: SessionId, topic: &str) {
            let message = Message::Subscribe {
                request: Id::new(1).unwrap(),
                options: Dict::new(),
                topic: Uri::new(topic),
            };
            handle(realm, session, message).unwrap();
        }

        /// The next message in `queue`, which must be there.
        fn next(queue: &mut mpsc::Receiver<Outgoing>) -> Message {
            queue.try_recv().unwrap().message().clone()
        }

        fn result_args(message: &Message) -> &[Value] {
            match message {
                Message::Result { payload, .. } => &payload.args,
                other => panic!("expected RESULT, got {other:?}"),
            }
        }

        fn batch(message: &Message) -> (Vec<Dict>, u64) {
            match message {
                Message::Event { payload, .. } => (
                    payload.args[0]
                        .as_list()
                        .unwrap()
                        .iter()
                        .map(|record| record.as_dict().unwrap().clone())
                        .collect(),
                    payload.kwargs["dropped"].as_u64().unwrap(),
                ),
                other => panic!("expected EVENT, got {other:?}"),
            }
        }

        #[test]
        fn messages_are_traced_both_ways_but_not_the_traces_own() {
            let mut config = Config::default();
            config.realms[0].trace_always = true;
            let router = Router::new(&config);
            let realm = router.realm("realm1").unwrap().clone();
            let (watcher, mut watcher_queue) = peer(64);
            let (other, mut other_queue) = peer(64);
            let (a, b) = (router.allocate_session_id(), router.allocate_session_id());
            realm.join(a, info(), watcher);
            realm.join(b, info(), other);
            next(&mut watcher_queue);
            next(&mut other_queue);
            subscribe(&realm, b);
            next(&mut other_queue);
            assert_eq!(
                traced(&realm),
                [
                    entry("out", "WELCOME", a),
                    entry("out", "WELCOME", b),
                    entry("in", "SUBSCRIBE", b),
                    entry("out", "SUBSCRIBED", b),
                ]
            );

            // Trace calls and their answers are not traced.
            let types = Value::List(vec!["PUBLISH".into(), "EVENT".into()]);
            kwargs_call(
                &realm,
                a,
                SET_FILTER,
                Dict::from([("types".to_owned(), types)]),
            );
            let set = next(&mut watcher_queue);
            assert!(
                result_args(&set)[0]
                    .as_dict()
                    .unwrap()
                    .contains_key("types")
            );
            kwargs_call(&realm, a, HISTORY, Dict::new());
            let history = next(&mut watcher_queue);
            assert_eq!(result_args(&history)[0].as_list().unwrap().len(), 4);
            kwargs_call(&realm, a, "dev_router.trace.unknown", Dict::new());
            assert!(matches!(next(&mut watcher_queue), Message::Error { .. }));
            assert_eq!(traced(&realm).len(), 4);

            // Subscribing to the trace is traced like any subscription; its batches are not.
            subscribe_to(&realm, a, ON_MESSAGE);
            next(&mut watcher_queue);
            publish(&realm, b, 1); // exclude_me, no acknowledge: nothing comes back
            realm.send_trace_batch();
            let (records, dropped) = batch(&next(&mut watcher_queue));
            assert_eq!(dropped, 0);
            let types: Vec<&str> = records
                .iter()
                .map(|r| r["type"].as_str().unwrap())
                .collect();
            assert_eq!(types, ["PUBLISH"], "the filter: PUBLISH and EVENT only");
            assert!(watcher_queue.try_recv().is_err());
            let all = traced(&realm);
            assert_eq!(
                all[4..],
                [
                    entry("in", "SUBSCRIBE", a),
                    entry("out", "SUBSCRIBED", a),
                    entry("in", "PUBLISH", b),
                ]
            );
        }

        #[test]
        fn trace_uris_need_permissions() {
            // A role that may use com.* only; and an open realm on a router that allows
            // remote connections.
            let roles = "[[realms]]\nname = \"realm1\"\n[[realms.roles]]\nname = \"anonymous\"\n\
                         permissions = [{ uri = \"com.\", match = \"prefix\", call = true }]";
            let remote = "allow_remote = true\n[[realms]]\nname = \"realm1\"";
            for text in [roles, remote] {
                let mut config = Config::parse(text).unwrap();
                config.validate().unwrap();
                config.realms[0].trace_always = true;
                let router = Router::new(&config);
                let realm = router.realm("realm1").unwrap().clone();
                let (watcher, mut queue) = peer(16);
                let a = router.allocate_session_id();
                realm.join(a, info(), watcher);
                next(&mut queue);
                for procedure in [HISTORY, SET_FILTER] {
                    kwargs_call(&realm, a, procedure, Dict::new());
                    match next(&mut queue) {
                        Message::Error { error, .. } => {
                            assert_eq!(error.as_str(), "wamp.error.not_authorized", "{text}")
                        }
                        other => panic!("{text}: {other:?}"),
                    }
                }
                subscribe_to(&realm, a, ON_MESSAGE);
                match next(&mut queue) {
                    Message::Error { error, .. } => {
                        assert_eq!(error.as_str(), "wamp.error.not_authorized")
                    }
                    other => panic!("{text}: {other:?}"),
                }
                // Neither the refused calls nor their errors are traced; the SUBSCRIBE is.
                assert_eq!(
                    traced(&realm),
                    [
                        entry("out", "WELCOME", a),
                        entry("in", "SUBSCRIBE", a),
                        entry("out", "ERROR", a),
                    ]
                );
            }
        }

        #[test]
        fn a_watcher_that_does_not_read_gets_its_drops_counted() {
            let router = Router::new(&Config::default());
            let realm = router.realm("realm1").unwrap().clone();
            // Behind means fewer than 3 free slots.
            let (watcher, mut watcher_queue) = peer(6);
            let (other, _other_queue) = peer(64);
            let (a, b) = (router.allocate_session_id(), router.allocate_session_id());
            realm.join(a, info(), watcher.clone());
            realm.join(b, info(), other);
            subscribe_to(&realm, a, ON_MESSAGE);
            // WELCOME and SUBSCRIBED wait in a's queue: 4 free.
            publish(&realm, b, 1);
            realm.send_trace_batch();
            assert_eq!(watcher.queue.capacity(), 3, "the first batch was queued");
            subscribe(&realm, b);
            lock(&realm.state).trace_last_batch_is_old();
            realm.send_trace_batch();
            assert_eq!(watcher.queue.capacity(), 2, "the second batch was queued");
            publish(&realm, b, 2);
            publish(&realm, b, 3);
            lock(&realm.state).trace_last_batch_is_old();
            realm.send_trace_batch();
            assert_eq!(watcher.queue.capacity(), 2, "no batch for a watcher behind");
            assert!(!watcher.cut_off.is_cancelled());

            // It reads up; the next batch tells it what it missed.
            let mut received = Vec::new();
            while let Ok(message) = watcher_queue.try_recv() {
                received.push(message.message().clone());
            }
            assert_eq!(received.len(), 4);
            assert_eq!(batch(&received[2]).0.len(), 1);
            assert_eq!(batch(&received[2]).1, 0);
            assert_eq!(batch(&received[3]).0.len(), 2);
            publish(&realm, b, 4);
            lock(&realm.state).trace_last_batch_is_old();
            realm.send_trace_batch();
            let (records, dropped) = batch(&next(&mut watcher_queue));
            assert_eq!((records.len(), dropped), (1, 2));
            let seqs: Vec<u64> = records.iter().map(|r| r["seq"].as_u64().unwrap()).collect();
            let last = traced(&realm).len() as u64;
            assert_eq!(seqs, [last]);
        }

        #[tokio::test]
        async fn the_timer_sends_batches_at_most_every_interval() {
            let router = Router::new(&Config::default());
            let realm = router.realm("realm1").unwrap().clone();
            let shutdown = CancellationToken::new();
            let timer = tokio::spawn(realm.clone().run_timer(shutdown.clone()));
            let (watcher, mut watcher_queue) = peer(64);
            let (other, _other_queue) = peer(64);
            let (a, b) = (router.allocate_session_id(), router.allocate_session_id());
            realm.join(a, info(), watcher);
            realm.join(b, info(), other);
            subscribe_to(&realm, a, ON_MESSAGE);
            watcher_queue.recv().await.unwrap(); // WELCOME
            watcher_queue.recv().await.unwrap(); // SUBSCRIBED

            let started = std::time::Instant::now();
            publish(&realm, b, 1);
            let first = tokio::time::timeout(Duration::from_secs(5), watcher_queue.recv())
                .await
                .expect("no batch came")
                .unwrap();
            assert_eq!(batch(first.message()).0.len(), 1);
            let between = std::time::Instant::now();
            for request in 2..=4 {
                publish(&realm, b, request);
            }
            let second = tokio::time::timeout(Duration::from_secs(5), watcher_queue.recv())
                .await
                .expect("no second batch came")
                .unwrap();
            assert_eq!(
                batch(second.message()).0.len(),
                3,
                "one batch for all three"
            );
            assert!(
                between.elapsed() >= Duration::from_millis(crate::trace::BATCH_INTERVAL_MS - 5),
                "a second batch within {:?} of the first",
                between.elapsed()
            );
            assert!(started.elapsed() < Duration::from_secs(5));
            // Nothing new: the timer sleeps.
            tokio::time::sleep(Duration::from_millis(250)).await;
            assert!(watcher_queue.try_recv().is_err());
            assert_eq!(lock(&realm.state).timer_deadline, None);
            shutdown.cancel();
            timer.await.unwrap();
        }

        /// The cost of recording, per routed call (CALL, INVOCATION, YIELD, RESULT: two
        /// messages in, two out) through `RealmHandle::handle` with the recipients encoding
        /// what they get, with the trace off, on with nobody watching (so not recording),
        /// recording always (`trace_always`), and on with a watcher (batches not sent); then
        /// per publication to 20 subscribers. A measurement, not a
        /// check: `cargo test --release -p dev-router --lib -- --ignored --nocapture
        /// trace_cost`.
        #[test]
        #[ignore = "a measurement; run it in release mode"]
        fn trace_cost() {
            const CALLS: u64 = 50_000;
            let run = |trace_buffer: usize, always: bool, watched: bool| {
                let mut config = Config::default();
                config.realms[0].trace_buffer = trace_buffer;
                config.realms[0].trace_always = always;
                let router = Router::new(&config);
                let realm = router.realm("realm1").unwrap().clone();
                let (caller, mut caller_queue) = peer(16);
                let (callee, mut callee_queue) = peer(16);
                let (a, b) = (router.allocate_session_id(), router.allocate_session_id());
                realm.join(a, info(), caller);
                realm.join(b, info(), callee);
                if watched {
                    subscribe_to(&realm, a, ON_MESSAGE);
                }
                let register = Message::Register {
                    request: Id::new(1).unwrap(),
                    options: Dict::new(),
                    procedure: Uri::new("com.example.add"),
                };
                handle(&realm, b, register).unwrap();
                while caller_queue.try_recv().is_ok() {}
                while callee_queue.try_recv().is_ok() {}
                let call = Message::Call {
                    request: Id::new(1).unwrap(),
                    options: Dict::new(),
                    procedure: Uri::new("com.example.add"),
                    payload: Payload::args(vec![Value::from(2u64), Value::from(3u64)]),
                };
                let call_frame = Bytes::from(Serializer::Json.encode(&call));
                let started = std::time::Instant::now();
                for _ in 0..CALLS {
                    realm.handle(a, call.clone(), call_frame.clone()).unwrap();
                    // Encoded, as a connection would, so that the encoding lives as long as
                    // the trace keeps the message.
                    let invocation = callee_queue.try_recv().unwrap();
                    drop(invocation.encoded(Serializer::Json));
                    let Message::Invocation { request, .. } = invocation.message() else {
                        panic!("expected INVOCATION");
                    };
                    let yielded = Message::Yield {
                        request: *request,
                        options: Dict::new(),
                        payload: Payload::args(vec![Value::from(5u64)]),
                    };
                    let frame = Bytes::from_static(b"[70,1,{},[5]]");
                    realm.handle(b, yielded, frame).unwrap();
                    drop(caller_queue.try_recv().unwrap().encoded(Serializer::Json));
                }
                started.elapsed().as_nanos() as f64 / CALLS as f64
            };
            // Fan-out: one PUBLISH in, one EVENT out to each of 20 subscribers.
            const PUBLISHES: u64 = 20_000;
            let fan_out = |trace_buffer: usize, always: bool| {
                let mut config = Config::default();
                config.realms[0].trace_buffer = trace_buffer;
                config.realms[0].trace_always = always;
                let router = Router::new(&config);
                let realm = router.realm("realm1").unwrap().clone();
                let publisher = router.allocate_session_id();
                let (peer_, _queue) = peer(16);
                realm.join(publisher, info(), peer_);
                let mut queues = Vec::new();
                for _ in 0..20 {
                    let (subscriber, mut queue) = peer(16);
                    let session = router.allocate_session_id();
                    realm.join(session, info(), subscriber);
                    subscribe_to(&realm, session, "com.example.news");
                    while queue.try_recv().is_ok() {}
                    queues.push(queue);
                }
                let publish = Message::Publish {
                    request: Id::new(1).unwrap(),
                    options: Dict::new(),
                    topic: Uri::new("com.example.news"),
                    payload: Payload::args(vec![Value::from("hello")]),
                };
                let frame = Bytes::from(Serializer::Json.encode(&publish));
                let started = std::time::Instant::now();
                for _ in 0..PUBLISHES {
                    realm
                        .handle(publisher, publish.clone(), frame.clone())
                        .unwrap();
                    for queue in &mut queues {
                        drop(queue.try_recv().unwrap().encoded(Serializer::Json));
                    }
                }
                started.elapsed().as_nanos() as f64 / PUBLISHES as f64
            };
            // `TRACE_COST_CASE=off|unwatched|always|watched|fan-out-off|fan-out-unwatched|
            // fan-out-always` runs that case alone, for a profiler.
            let case = std::env::var("TRACE_COST_CASE").ok();
            if let Some(case) = &case {
                let ns = match case.as_str() {
                    "off" => run(0, false, false),
                    "unwatched" => run(4096, false, false),
                    "always" => run(4096, true, false),
                    "watched" => run(4096, false, true),
                    "fan-out-off" => fan_out(0, false),
                    "fan-out-unwatched" => fan_out(4096, false),
                    "fan-out-always" => fan_out(4096, true),
                    other => panic!("unknown TRACE_COST_CASE {other}"),
                };
                println!("{case}: {ns:.0} ns per call or publication");
                return;
            }
            const ROUNDS: usize = 40;
            let cases = [
                (0, false, false),
                (4096, false, false),
                (4096, true, false),
                (4096, false, true),
            ];
            let mut best = [f64::MAX; 4];
            for _ in 0..ROUNDS {
                for (slot, (buffer, always, watched)) in cases.into_iter().enumerate() {
                    best[slot] = best[slot].min(run(buffer, always, watched));
                }
            }
            println!(
                "ns per routed call (2 in, 2 out), best of {ROUNDS} x {CALLS}: trace off {:.0}, \
                 unwatched {:.0} (+{:.0}), recording always {:.0} (+{:.0}), watched {:.0} \
                 (+{:.0})",
                best[0],
                best[1],
                best[1] - best[0],
                best[2],
                best[2] - best[0],
                best[3],
                best[3] - best[0]
            );

            let mut best = [f64::MAX; 3];
            for _ in 0..ROUNDS {
                for (slot, (buffer, always)) in [(0, false), (4096, false), (4096, true)]
                    .into_iter()
                    .enumerate()
                {
                    best[slot] = best[slot].min(fan_out(buffer, always));
                }
            }
            println!(
                "ns per publication to 20 subscribers (1 in, 20 out), best of {ROUNDS} x \
                 {PUBLISHES}: trace off {:.0}, unwatched {:.0} (+{:.0}), recording always \
                 {:.0} (+{:.0})",
                best[0],
                best[1],
                best[1] - best[0],
                best[2],
                best[2] - best[0],
            );
        }
    }
}

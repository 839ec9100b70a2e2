//! The state every connection shares: the realms, and one outbound queue per session.
//!
//! Each realm sits behind its own `std::sync::Mutex`: the critical sections are short and
//! never await (lock, route one message, `try_send` the results, unlock), so an async mutex
//! would only add cost. A session whose queue is full is cut off on the spot: it leaves the
//! realm and its connection is told to close, so that one slow reader never stalls routing.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use wamp_proto::{Id, Message, SessionId, Uri};

use crate::config::Config;
use crate::realm::{Delivery, Outgoing, Realm, SessionInfo, Violation};

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
}

#[derive(Debug)]
struct RealmState {
    realm: Realm,
    peers: HashMap<SessionId, Peer>,
    /// Reused for every routed message, so that routing does not allocate a new Vec.
    deliveries: Vec<Delivery>,
}

/// How the router reaches one session's connection.
#[derive(Debug, Clone)]
pub(crate) struct Peer {
    /// The session's outbound queue; its connection task drains it.
    pub(crate) queue: mpsc::Sender<Outgoing>,
    /// Cancelled when the router cuts the session off; its connection then closes.
    pub(crate) cut_off: CancellationToken,
}

impl Router {
    /// Builds the realms named in `config`.
    pub(crate) fn new(config: &Config) -> Router {
        let realms = config
            .realms
            .iter()
            .map(|settings| {
                let realm = Realm::new(settings.uri(), settings.realm_config());
                let state = RealmState {
                    realm,
                    peers: HashMap::new(),
                    deliveries: Vec::new(),
                };
                let handle = RealmHandle {
                    name: settings.uri(),
                    state: Mutex::new(state),
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

    /// Adds an established session and queues its WELCOME, before any other message can
    /// reach it.
    pub(crate) fn join(&self, session: SessionId, info: SessionInfo, peer: Peer) {
        let mut guard = lock(&self.state);
        let state = &mut *guard;
        state.realm.join(session, info);
        let details = state.realm.welcome_details(session);
        let welcome = Outgoing::new(Message::Welcome { session, details });
        state.peers.insert(session, peer);
        let mut deliveries = std::mem::take(&mut state.deliveries);
        deliveries.push(Delivery {
            to: session,
            message: welcome,
        });
        state.dispatch(&mut deliveries);
        state.deliveries = deliveries;
    }

    /// Routes one message from an established session and queues what results.
    ///
    /// # Errors
    /// The realm's [`Violation`]; the caller must abort the session and call
    /// [`RealmHandle::leave`].
    pub(crate) fn handle(&self, session: SessionId, message: Message) -> Result<(), Violation> {
        let mut guard = lock(&self.state);
        let state = &mut *guard;
        let mut deliveries = std::mem::take(&mut state.deliveries);
        let result = state.realm.handle(session, message, &mut deliveries);
        state.dispatch(&mut deliveries);
        state.deliveries = deliveries;
        result
    }

    /// Removes a session (idempotent) and queues what its leaving causes, such as errors
    /// for the callers of its procedures.
    pub(crate) fn leave(&self, session: SessionId) {
        let mut guard = lock(&self.state);
        let state = &mut *guard;
        state.peers.remove(&session);
        let mut deliveries = std::mem::take(&mut state.deliveries);
        state.realm.leave(session, &mut deliveries);
        state.dispatch(&mut deliveries);
        state.deliveries = deliveries;
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
        }
    }

    fn peer(capacity: usize) -> (Peer, mpsc::Receiver<Outgoing>) {
        let (queue, receiver) = mpsc::channel(capacity);
        (
            Peer {
                queue,
                cut_off: CancellationToken::new(),
            },
            receiver,
        )
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
}

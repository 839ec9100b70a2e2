//! Routed calls (spec: bp_rpc_*.md; advanced: pattern-based registrations, caller
//! identification, progressive call results).
//!
//! A CALL is routed to one registration (invocation policy `single`), becomes an INVOCATION
//! with a request ID from the callee's own sequence, and stays pending until the callee
//! answers with YIELD or ERROR, or one of the two sessions leaves.

use std::collections::{HashMap, HashSet};

use wamp_proto::{
    Dict, Id, IdSequence, MatchPolicy, Message, MessageType, Payload, RequestId, SessionId, Uri,
    UriRule, Value,
};

use super::index::{self, PatternIndex};
use super::{Delivery, SessionInfo, error_reply, error_uri, send};

/// The dealer features announced in WELCOME, all implemented here.
pub(crate) const FEATURES: &[&str] = &[
    "caller_identification",
    "pattern_based_registration",
    "progressive_call_results",
];

/// A procedure (or procedure pattern) and the session that implements it.
#[derive(Debug)]
pub struct Registration {
    id: Id,
    procedure: Uri,
    policy: MatchPolicy,
    callee: SessionId,
}

impl Registration {
    /// The registration ID.
    pub fn id(&self) -> Id {
        self.id
    }

    /// The procedure, or procedure pattern.
    pub fn procedure(&self) -> &Uri {
        &self.procedure
    }

    /// How the procedure matches calls.
    pub fn policy(&self) -> MatchPolicy {
        self.policy
    }

    /// The session that registered it (invocation policy `single`: the only callee).
    pub fn callee(&self) -> SessionId {
        self.callee
    }
}

/// The realm's registrations and calls in flight.
#[derive(Debug, Default)]
pub struct Dealer {
    registrations: HashMap<Id, Registration>,
    index: PatternIndex,
    ids: IdSequence,
    /// Calls in flight, by `(callee, INVOCATION.Request)`.
    pending: HashMap<(SessionId, RequestId), PendingCall>,
    sessions: HashMap<SessionId, DealerSession>,
}

/// What the dealer tracks per session, to route answers and to clean up when it leaves.
#[derive(Debug, Default)]
struct DealerSession {
    /// Request IDs for INVOCATIONs sent to this session.
    invocation_ids: IdSequence,
    registrations: HashSet<Id>,
    /// As callee: INVOCATION request IDs not yet answered.
    invocations: HashSet<RequestId>,
    /// As caller: the `pending` keys of its calls.
    calls: HashSet<(SessionId, RequestId)>,
}

#[derive(Debug)]
struct PendingCall {
    caller: SessionId,
    /// `CALL.Request`.
    request: RequestId,
    receive_progress: bool,
}

/// A CALL, as the realm hands it over.
#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) caller: SessionId,
    pub(crate) request: RequestId,
    pub(crate) options: Dict,
    pub(crate) procedure: Uri,
    pub(crate) payload: Payload,
}

impl Dealer {
    /// A registration by ID.
    pub fn registration(&self, id: Id) -> Option<&Registration> {
        self.registrations.get(&id)
    }

    /// Every registration, in no particular order.
    pub fn registrations(&self) -> impl Iterator<Item = &Registration> {
        self.registrations.values()
    }

    /// The registration for exactly this procedure pattern and policy.
    pub fn lookup(&self, procedure: &Uri, policy: MatchPolicy) -> Option<&Registration> {
        self.index
            .get(procedure, policy)
            .and_then(|id| self.registrations.get(&id))
    }

    /// The registration a call to `procedure` would be routed to.
    pub fn best_match(&self, procedure: &Uri) -> Option<&Registration> {
        self.index
            .best_match(procedure)
            .and_then(|(id, _)| self.registrations.get(&id))
    }

    /// How many calls are in flight (invoked, not yet answered).
    pub fn pending_call_count(&self) -> usize {
        self.pending.len()
    }

    /// `REGISTER`: answers REGISTERED, or ERROR with `invalid_argument` (bad `match`),
    /// `option_not_allowed` (an `invoke` policy other than `single`), `invalid_uri`, or
    /// `procedure_already_exists`.
    pub(crate) fn register(
        &mut self,
        session: SessionId,
        request: RequestId,
        options: &Dict,
        procedure: Uri,
        rule: UriRule,
        out: &mut Vec<Delivery>,
    ) {
        let fail = |out: &mut Vec<Delivery>, error: &str, explanation: String| {
            send(
                out,
                session,
                error_reply(MessageType::Register, request, error, explanation),
            );
        };
        let policy = match index::match_policy(options) {
            Ok(policy) => policy,
            Err(explanation) => return fail(out, error_uri::INVALID_ARGUMENT, explanation),
        };
        match options.get("invoke") {
            None => {}
            Some(Value::Str(invoke)) if invoke == "single" => {}
            Some(other) => {
                let explanation = format!(
                    "unsupported invocation policy {other:?}; this router supports \"single\""
                );
                return fail(out, error_uri::OPTION_NOT_ALLOWED, explanation);
            }
        }
        if !index::is_valid_pattern(&procedure, policy, rule) {
            let explanation = format!(
                "invalid procedure URI '{}' for {} matching",
                procedure.as_str(),
                policy
            );
            return fail(out, error_uri::INVALID_URI, explanation);
        }
        if index::is_reserved(&procedure) {
            let explanation = format!(
                "procedure '{}' is in the reserved wamp. namespace",
                procedure.as_str()
            );
            return fail(out, error_uri::INVALID_URI, explanation);
        }
        if let Some(existing) = self.index.get(&procedure, policy) {
            let explanation = format!(
                "procedure '{}' ({} matching) is already registered as registration {existing}",
                procedure.as_str(),
                policy
            );
            return fail(out, error_uri::PROCEDURE_ALREADY_EXISTS, explanation);
        }
        let id = self.ids.next();
        self.index.insert(procedure.clone(), policy, id);
        self.registrations.insert(
            id,
            Registration {
                id,
                procedure,
                policy,
                callee: session,
            },
        );
        self.sessions
            .entry(session)
            .or_default()
            .registrations
            .insert(id);
        send(
            out,
            session,
            Message::Registered {
                request,
                registration: id,
            },
        );
    }

    /// `UNREGISTER`: answers UNREGISTERED, or ERROR `no_such_registration` when the ID is
    /// unknown or registered by another session. Calls already in flight on it still
    /// complete.
    pub(crate) fn unregister(
        &mut self,
        session: SessionId,
        request: RequestId,
        registration: Id,
        out: &mut Vec<Delivery>,
    ) {
        let owned = self
            .sessions
            .get_mut(&session)
            .is_some_and(|state| state.registrations.remove(&registration));
        if !owned {
            let explanation = format!("session has no registration {registration}");
            let reply = error_reply(
                MessageType::Unregister,
                request,
                error_uri::NO_SUCH_REGISTRATION,
                explanation,
            );
            return send(out, session, reply);
        }
        self.remove_registration(registration);
        send(
            out,
            session,
            Message::Unregistered {
                request: Some(request),
                details: Dict::new(),
            },
        );
    }

    /// `CALL`: an INVOCATION to the callee of the best-matching registration, or ERROR with
    /// `invalid_uri` or `no_such_procedure` to the caller.
    pub(crate) fn call(
        &mut self,
        call: Call,
        sessions: &HashMap<SessionId, SessionInfo>,
        rule: UriRule,
        out: &mut Vec<Delivery>,
    ) {
        let Call {
            caller,
            request,
            options,
            procedure,
            payload,
        } = call;
        if !procedure.is_valid(rule, false) {
            let explanation = format!("invalid procedure URI '{}'", procedure.as_str());
            return send(
                out,
                caller,
                error_reply(
                    MessageType::Call,
                    request,
                    error_uri::INVALID_URI,
                    explanation,
                ),
            );
        }
        let Some((registration, policy)) = self.index.best_match(&procedure) else {
            let explanation = format!(
                "no callee registered for procedure '{}'",
                procedure.as_str()
            );
            let reply = error_reply(
                MessageType::Call,
                request,
                error_uri::NO_SUCH_PROCEDURE,
                explanation,
            );
            return send(out, caller, reply);
        };
        let Some(callee) = self
            .registrations
            .get(&registration)
            .map(Registration::callee)
        else {
            // The index and the registrations change together; this cannot happen, and if
            // it did, the honest answer is still "no such procedure".
            let explanation = format!(
                "no callee registered for procedure '{}'",
                procedure.as_str()
            );
            let reply = error_reply(
                MessageType::Call,
                request,
                error_uri::NO_SUCH_PROCEDURE,
                explanation,
            );
            return send(out, caller, reply);
        };

        let receive_progress =
            options.get("receive_progress").and_then(Value::as_bool) == Some(true);
        let mut details = Dict::new();
        if policy != MatchPolicy::Exact {
            details.insert("procedure".into(), procedure.as_str().into());
        }
        if receive_progress {
            details.insert("receive_progress".into(), true.into());
        }
        if options.get("disclose_me").and_then(Value::as_bool) == Some(true) {
            details.insert("caller".into(), caller.get().into());
            if let Some(info) = sessions.get(&caller) {
                details.insert("caller_authid".into(), info.authid.as_str().into());
                details.insert("caller_authrole".into(), info.authrole.as_str().into());
            }
        }

        let callee_state = self.sessions.entry(callee).or_default();
        let invocation = callee_state.invocation_ids.next();
        callee_state.invocations.insert(invocation);
        self.sessions
            .entry(caller)
            .or_default()
            .calls
            .insert((callee, invocation));
        self.pending.insert(
            (callee, invocation),
            PendingCall {
                caller,
                request,
                receive_progress,
            },
        );
        send(
            out,
            callee,
            Message::Invocation {
                request: invocation,
                registration,
                details,
                payload,
            },
        );
    }

    /// `YIELD` from a callee: RESULT to the caller. A progressive YIELD
    /// (`options.progress`) keeps the call pending and is passed on only if the caller asked
    /// for progressive results. A YIELD for an invocation that is no longer pending (its
    /// caller left) is dropped.
    pub(crate) fn yield_result(
        &mut self,
        callee: SessionId,
        invocation: RequestId,
        options: &Dict,
        payload: Payload,
        out: &mut Vec<Delivery>,
    ) {
        let key = (callee, invocation);
        if options.get("progress").and_then(Value::as_bool) == Some(true) {
            let Some(pending) = self.pending.get(&key) else {
                return;
            };
            if pending.receive_progress {
                let details = Dict::from([("progress".to_owned(), Value::Bool(true))]);
                send(
                    out,
                    pending.caller,
                    Message::Result {
                        request: pending.request,
                        details,
                        payload,
                    },
                );
            }
            return;
        }
        let Some(pending) = self.finish(key) else {
            return;
        };
        send(
            out,
            pending.caller,
            Message::Result {
                request: pending.request,
                details: Dict::new(),
                payload,
            },
        );
    }

    /// `ERROR` for an INVOCATION from a callee: the same error to the caller, for its CALL.
    /// An error for an invocation that is no longer pending is dropped.
    pub(crate) fn invocation_error(
        &mut self,
        callee: SessionId,
        invocation: RequestId,
        details: Dict,
        error: Uri,
        payload: Payload,
        out: &mut Vec<Delivery>,
    ) {
        let Some(pending) = self.finish((callee, invocation)) else {
            return;
        };
        let reply = Message::Error {
            request_type: MessageType::Call,
            request: pending.request,
            details,
            error,
            payload,
        };
        send(out, pending.caller, reply);
    }

    /// Drops a session's registrations; fails the calls in flight on them with
    /// `wamp.error.canceled`, and forgets the calls it made.
    pub(crate) fn leave(&mut self, session: SessionId, out: &mut Vec<Delivery>) {
        let Some(state) = self.sessions.remove(&session) else {
            return;
        };
        for id in &state.registrations {
            self.remove_registration(*id);
        }
        // As caller first, so that a call it made to itself is not answered to it below.
        for key in &state.calls {
            self.pending.remove(key);
            if let Some(callee) = self.sessions.get_mut(&key.0) {
                callee.invocations.remove(&key.1);
            }
        }
        let mut invocations: Vec<RequestId> = state.invocations.into_iter().collect();
        invocations.sort_unstable();
        for invocation in invocations {
            let Some(pending) = self.pending.remove(&(session, invocation)) else {
                continue;
            };
            if let Some(caller) = self.sessions.get_mut(&pending.caller) {
                caller.calls.remove(&(session, invocation));
            }
            let explanation =
                format!("callee session {session} left before answering; the call was canceled");
            let reply = error_reply(
                MessageType::Call,
                pending.request,
                error_uri::CANCELED,
                explanation,
            );
            send(out, pending.caller, reply);
        }
    }

    /// Ends a pending call, returning it if it was pending.
    fn finish(&mut self, key: (SessionId, RequestId)) -> Option<PendingCall> {
        let pending = self.pending.remove(&key)?;
        if let Some(callee) = self.sessions.get_mut(&key.0) {
            callee.invocations.remove(&key.1);
        }
        if let Some(caller) = self.sessions.get_mut(&pending.caller) {
            caller.calls.remove(&key);
        }
        Some(pending)
    }

    fn remove_registration(&mut self, id: Id) {
        if let Some(registration) = self.registrations.remove(&id) {
            self.index
                .remove(&registration.procedure, registration.policy);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::realm::RealmConfig;

    fn invocation_of(out: &[Delivery], callee: u64) -> (RequestId, Id, Dict, Payload) {
        match only(out, callee) {
            Message::Invocation {
                request,
                registration,
                details,
                payload,
            } => (*request, *registration, details.clone(), payload.clone()),
            other => panic!("expected INVOCATION, got {other:?}"),
        }
    }

    fn yield_(request: RequestId, options: Dict, args: Vec<Value>) -> Message {
        Message::Yield {
            request,
            options,
            payload: Payload::args(args),
        }
    }

    fn progress() -> Dict {
        dict(&[("progress", true.into())])
    }

    /// The callee that a call to `procedure` reaches, by registration ID.
    fn routed(h: &mut Harness, procedure: &str) -> Option<Id> {
        let out = h.call(1, 1, procedure, Dict::new());
        match out[0].message.message() {
            Message::Invocation {
                registration,
                request,
                ..
            } => {
                let (callee, invocation) = (out[0].to.get(), *request);
                h.send(callee, yield_(invocation, Dict::new(), vec![]));
                Some(*registration)
            }
            _ => None,
        }
    }

    #[test]
    fn call_invoke_yield_result() {
        let mut h = Harness::new(2);
        let registration = h.register(2, "com.add", "exact");
        let out = h.call(1, 31, "com.add", Dict::new());
        let (invocation, reg, details, payload) = invocation_of(&out, 2);
        assert_eq!(invocation, id(1), "the callee's first invocation");
        assert_eq!(reg, registration);
        assert!(
            details.is_empty(),
            "exact registrations get no procedure detail"
        );
        assert_eq!(payload.args, [Value::Int(42)]);
        assert_eq!(h.realm.dealer().pending_call_count(), 1);

        let out = h.send(2, yield_(invocation, Dict::new(), vec![Value::Int(43)]));
        match only(&out, 1) {
            Message::Result {
                request,
                details,
                payload,
            } => {
                assert_eq!(*request, id(31));
                assert!(details.is_empty());
                assert_eq!(payload.args, [Value::Int(43)]);
            }
            other => panic!("expected RESULT, got {other:?}"),
        }
        assert_eq!(h.realm.dealer().pending_call_count(), 0);
        assert!(
            h.send(2, yield_(invocation, Dict::new(), vec![]))
                .is_empty(),
            "a second YIELD is ignored"
        );
    }

    #[test]
    fn invocation_ids_count_up_per_callee() {
        let mut h = Harness::new(3);
        h.register(2, "com.a", "exact");
        h.register(3, "com.b", "exact");
        assert_eq!(
            invocation_of(&h.call(1, 1, "com.a", Dict::new()), 2).0,
            id(1)
        );
        assert_eq!(
            invocation_of(&h.call(1, 2, "com.a", Dict::new()), 2).0,
            id(2)
        );
        assert_eq!(
            invocation_of(&h.call(1, 3, "com.b", Dict::new()), 3).0,
            id(1)
        );
        assert_eq!(h.realm.dealer().pending_call_count(), 3);
    }

    #[test]
    fn callee_errors_go_to_the_caller() {
        let mut h = Harness::new(2);
        h.register(2, "com.div", "exact");
        let (invocation, ..) = invocation_of(&h.call(1, 8, "com.div", Dict::new()), 2);
        let error = Message::Error {
            request_type: MessageType::Invocation,
            request: invocation,
            details: dict(&[("x", 1.into())]),
            error: uri("com.error.division_by_zero"),
            payload: Payload::args(vec!["nope".into()]),
        };
        let out = h.send(2, error);
        assert_eq!(
            only(&out, 1),
            &Message::Error {
                request_type: MessageType::Call,
                request: id(8),
                details: dict(&[("x", 1.into())]),
                error: uri("com.error.division_by_zero"),
                payload: Payload::args(vec!["nope".into()]),
            }
        );
        assert_eq!(h.realm.dealer().pending_call_count(), 0);
    }

    #[test]
    fn answers_for_unknown_invocations_are_ignored() {
        let mut h = Harness::new(3);
        h.register(2, "com.x", "exact");
        let (invocation, ..) = invocation_of(&h.call(1, 1, "com.x", Dict::new()), 2);
        assert!(h.send(2, yield_(id(77), Dict::new(), vec![])).is_empty());
        assert!(
            h.send(3, yield_(invocation, Dict::new(), vec![]))
                .is_empty(),
            "not its invocation"
        );
        let error = Message::Error {
            request_type: MessageType::Invocation,
            request: id(77),
            details: Dict::new(),
            error: uri("com.e"),
            payload: Payload::default(),
        };
        assert!(h.send(2, error).is_empty());
        assert_eq!(h.realm.dealer().pending_call_count(), 1);
    }

    #[test]
    fn procedure_already_exists_per_uri_and_policy() {
        let mut h = Harness::new(2);
        h.register(1, "com.x", "exact");
        let out = h.send(
            2,
            Message::Register {
                request: id(4),
                options: Dict::new(),
                procedure: uri("com.x"),
            },
        );
        assert_eq!(
            error_of(only(&out, 2)),
            (MessageType::Register, "wamp.error.procedure_already_exists")
        );
        let out = h.send(
            1,
            Message::Register {
                request: id(4),
                options: Dict::new(),
                procedure: uri("com.x"),
            },
        );
        assert_eq!(
            error_of(only(&out, 1)),
            (MessageType::Register, "wamp.error.procedure_already_exists")
        );
        h.register(2, "com.x", "prefix");
        h.register(2, "com.x", "wildcard");
        assert_eq!(h.realm.dealer().registrations().count(), 3);
    }

    #[test]
    fn no_such_procedure() {
        let mut h = Harness::new(1);
        let out = h.call(1, 3, "com.nothing", Dict::new());
        assert_eq!(
            error_of(only(&out, 1)),
            (MessageType::Call, "wamp.error.no_such_procedure")
        );
        let Message::Error {
            request, payload, ..
        } = only(&out, 1)
        else {
            unreachable!()
        };
        assert_eq!(*request, id(3));
        assert_eq!(
            payload.args[0],
            Value::from("no callee registered for procedure 'com.nothing'")
        );
    }

    #[test]
    fn unregister_only_own_registrations() {
        let mut h = Harness::new(3);
        let registration = h.register(2, "com.x", "exact");
        let unregister = |registration| Message::Unregister {
            request: id(6),
            registration,
        };
        let out = h.send(2, unregister(id(999)));
        assert_eq!(
            error_of(only(&out, 2)),
            (MessageType::Unregister, "wamp.error.no_such_registration")
        );
        let out = h.send(3, unregister(registration));
        assert_eq!(
            error_of(only(&out, 3)),
            (MessageType::Unregister, "wamp.error.no_such_registration")
        );
        assert!(h.realm.dealer().registration(registration).is_some());

        let out = h.send(2, unregister(registration));
        assert!(
            matches!(only(&out, 2), Message::Unregistered { request: Some(r), .. } if *r == id(6))
        );
        assert!(h.realm.dealer().registration(registration).is_none());
        let out = h.call(1, 1, "com.x", Dict::new());
        assert_eq!(
            error_of(only(&out, 1)),
            (MessageType::Call, "wamp.error.no_such_procedure")
        );
        let out = h.send(2, unregister(registration));
        assert_eq!(
            error_of(only(&out, 2)),
            (MessageType::Unregister, "wamp.error.no_such_registration")
        );
        h.register(3, "com.x", "exact");
    }

    #[test]
    fn calls_in_flight_complete_after_unregister() {
        let mut h = Harness::new(2);
        let registration = h.register(2, "com.x", "exact");
        let (invocation, ..) = invocation_of(&h.call(1, 1, "com.x", Dict::new()), 2);
        h.send(
            2,
            Message::Unregister {
                request: id(2),
                registration,
            },
        );
        let out = h.send(2, yield_(invocation, Dict::new(), vec![]));
        assert!(matches!(only(&out, 1), Message::Result { .. }));
    }

    #[test]
    fn a_callee_leaving_cancels_its_calls() {
        let mut h = Harness::new(4);
        h.register(2, "com.slow", "exact");
        h.register(4, "com.other", "exact");
        h.call(1, 10, "com.slow", Dict::new());
        h.call(3, 20, "com.slow", Dict::new());
        h.call(1, 11, "com.other", Dict::new());

        let mut out = h.leave(2);
        out.sort_by_key(|d| d.to);
        assert_eq!(out.len(), 2);
        for (delivery, (caller, request)) in out.iter().zip([(1, 10), (3, 20)]) {
            assert_eq!(delivery.to, id(caller));
            assert_eq!(
                error_of(delivery.message.message()),
                (MessageType::Call, "wamp.error.canceled")
            );
            assert!(
                matches!(delivery.message.message(), Message::Error { request: r, .. } if *r == id(request))
            );
        }
        assert_eq!(
            h.realm.dealer().pending_call_count(),
            1,
            "the call on the other callee stays"
        );
        let out = h.call(1, 12, "com.slow", Dict::new());
        assert_eq!(
            error_of(only(&out, 1)),
            (MessageType::Call, "wamp.error.no_such_procedure")
        );
    }

    #[test]
    fn a_caller_leaving_forgets_its_calls() {
        let mut h = Harness::new(3);
        h.register(2, "com.slow", "exact");
        let (mine, ..) = invocation_of(&h.call(1, 10, "com.slow", Dict::new()), 2);
        let (theirs, ..) = invocation_of(&h.call(3, 10, "com.slow", Dict::new()), 2);
        assert!(h.leave(1).is_empty());
        assert_eq!(h.realm.dealer().pending_call_count(), 1);
        assert!(
            h.send(2, yield_(mine, Dict::new(), vec![])).is_empty(),
            "late result dropped"
        );
        let out = h.send(2, yield_(theirs, Dict::new(), vec![]));
        assert!(matches!(only(&out, 3), Message::Result { .. }));
        assert!(h.leave(2).is_empty(), "nothing left to cancel");
    }

    #[test]
    fn a_session_calling_itself_and_leaving_gets_nothing() {
        let mut h = Harness::new(1);
        h.register(1, "com.me", "exact");
        invocation_of(&h.call(1, 1, "com.me", Dict::new()), 1);
        assert!(h.leave(1).is_empty());
        assert_eq!(h.realm.dealer().pending_call_count(), 0);
    }

    #[test]
    fn exact_beats_prefix_beats_wildcard() {
        let mut h = Harness::new(1);
        let wildcard = h.register(1, "com.app..get", "wildcard");
        assert_eq!(routed(&mut h, "com.app.user.get"), Some(wildcard));
        let prefix = h.register(1, "com.app", "prefix");
        assert_eq!(routed(&mut h, "com.app.user.get"), Some(prefix));
        let longer = h.register(1, "com.app.user", "prefix");
        assert_eq!(routed(&mut h, "com.app.user.get"), Some(longer));
        assert_eq!(routed(&mut h, "com.app.order.get"), Some(prefix));
        let exact = h.register(1, "com.app.user.get", "exact");
        assert_eq!(routed(&mut h, "com.app.user.get"), Some(exact));
    }

    #[test]
    fn registration_precedence_follows_the_spec_examples() {
        let mut h = Harness::new(1);
        let rpc1 = h.register(1, "a1.b2.c3.d4.e55", "exact");
        let rpc2 = h.register(1, "a1.b2.c3", "prefix");
        let rpc3 = h.register(1, "a1.b2.c3.d4", "prefix");
        let rpc4 = h.register(1, "a1.b2..d4.e5", "wildcard");
        let rpc5 = h.register(1, "a1.b2.c3..e5", "wildcard");
        let rpc6 = h.register(1, "a1.b2..d4.e5..g7", "wildcard");
        let _rpc7 = h.register(1, "a1.b2..d4..f6.g7", "wildcard");
        assert_eq!(routed(&mut h, "a1.b2.c3.d4.e55"), Some(rpc1));
        assert_eq!(routed(&mut h, "a1.b2.c3.d98.e74"), Some(rpc2));
        assert_eq!(routed(&mut h, "a1.b2.c3.d4.e325"), Some(rpc3));
        assert_eq!(routed(&mut h, "a1.b2.c55.d4.e5"), Some(rpc4));
        // The spec's own example uses a1.b2.c3.d4.e5 here, which prefix registration 3
        // matches first; drop the prefixes to see the wildcard ordering.
        for prefix in ["a1.b2.c3", "a1.b2.c3.d4"] {
            let registration = h
                .realm
                .dealer()
                .lookup(&uri(prefix), MatchPolicy::Prefix)
                .unwrap()
                .id();
            h.send(
                1,
                Message::Unregister {
                    request: id(1),
                    registration,
                },
            );
        }
        assert_eq!(routed(&mut h, "a1.b2.c3.d4.e5"), Some(rpc5));
        assert_eq!(routed(&mut h, "a1.b2.c88.d4.e5.f6.g7"), Some(rpc6));
        assert_eq!(routed(&mut h, "a2.b2.c2.d2.e2"), None);
    }

    #[test]
    fn pattern_registrations_get_the_concrete_procedure() {
        let mut h = Harness::new(2);
        h.register(2, "com.app.", "prefix");
        let (_, _, details, _) = invocation_of(&h.call(1, 1, "com.app.user.get", Dict::new()), 2);
        assert_eq!(details["procedure"], Value::from("com.app.user.get"));
    }

    #[test]
    fn invalid_uris_with_the_strict_rule() {
        let mut h = Harness::with_config(
            2,
            RealmConfig {
                uri_rule: UriRule::Strict,
            },
        );
        let out = h.send(
            2,
            Message::Register {
                request: id(1),
                options: Dict::new(),
                procedure: uri("com.Add"),
            },
        );
        assert_eq!(
            error_of(only(&out, 2)),
            (MessageType::Register, "wamp.error.invalid_uri")
        );
        let out = h.call(1, 1, "com.Add", Dict::new());
        assert_eq!(
            error_of(only(&out, 1)),
            (MessageType::Call, "wamp.error.invalid_uri")
        );
        let out = h.call(1, 1, "com..add", Dict::new());
        assert_eq!(
            error_of(only(&out, 1)),
            (MessageType::Call, "wamp.error.invalid_uri")
        );
        h.register(2, "com.add", "exact");
    }

    #[test]
    fn the_wamp_namespace_is_reserved() {
        let mut h = Harness::new(1);
        let procedure = uri("wamp.session.count");
        let out = h.send(
            1,
            Message::Register {
                request: id(1),
                options: Dict::new(),
                procedure,
            },
        );
        assert_eq!(
            error_of(only(&out, 1)),
            (MessageType::Register, "wamp.error.invalid_uri")
        );
    }

    #[test]
    fn only_the_single_invocation_policy() {
        let mut h = Harness::new(1);
        let register = |invoke: &str| Message::Register {
            request: id(1),
            options: dict(&[("invoke", invoke.into())]),
            procedure: uri("com.x"),
        };
        let out = h.send(1, register("roundrobin"));
        assert_eq!(
            error_of(only(&out, 1)),
            (MessageType::Register, "wamp.error.option_not_allowed")
        );
        let out = h.send(1, register("single"));
        assert!(matches!(only(&out, 1), Message::Registered { .. }));
        let options = dict(&[("match", "regex".into())]);
        let out = h.send(
            1,
            Message::Register {
                request: id(1),
                options,
                procedure: uri("com.y"),
            },
        );
        assert_eq!(
            error_of(only(&out, 1)),
            (MessageType::Register, "wamp.error.invalid_argument")
        );
    }

    #[test]
    fn progressive_results() {
        let mut h = Harness::new(2);
        h.register(2, "com.count", "exact");
        let options = dict(&[("receive_progress", true.into())]);
        let (invocation, _, details, _) = invocation_of(&h.call(1, 5, "com.count", options), 2);
        assert_eq!(details["receive_progress"], Value::Bool(true));
        for n in 1..=2 {
            let out = h.send(2, yield_(invocation, progress(), vec![n.into()]));
            let expected = Message::Result {
                request: id(5),
                details: dict(&[("progress", true.into())]),
                payload: Payload::args(vec![n.into()]),
            };
            assert_eq!(only(&out, 1), &expected);
            assert_eq!(h.realm.dealer().pending_call_count(), 1);
        }
        let out = h.send(2, yield_(invocation, Dict::new(), vec![]));
        assert!(matches!(only(&out, 1), Message::Result { details, .. } if details.is_empty()));
        assert_eq!(h.realm.dealer().pending_call_count(), 0);
    }

    #[test]
    fn progress_is_not_sent_to_callers_that_did_not_ask() {
        let mut h = Harness::new(2);
        h.register(2, "com.count", "exact");
        let (invocation, _, details, _) = invocation_of(&h.call(1, 5, "com.count", Dict::new()), 2);
        assert!(!details.contains_key("receive_progress"));
        assert!(
            h.send(2, yield_(invocation, progress(), vec![1.into()]))
                .is_empty()
        );
        let out = h.send(2, yield_(invocation, Dict::new(), vec![2.into()]));
        assert!(matches!(only(&out, 1), Message::Result { .. }));
    }

    #[test]
    fn disclose_me_identifies_the_caller() {
        let mut h = Harness::new(2);
        h.register(2, "com.x", "exact");
        let (invocation, _, details, _) = invocation_of(&h.call(1, 1, "com.x", Dict::new()), 2);
        assert!(details.is_empty());
        h.send(2, yield_(invocation, Dict::new(), vec![]));
        let options = dict(&[("disclose_me", true.into())]);
        let (_, _, details, _) = invocation_of(&h.call(1, 2, "com.x", options), 2);
        assert_eq!(details["caller"], Value::from(1u64));
        assert_eq!(details["caller_authid"], Value::from("user1"));
        assert_eq!(details["caller_authrole"], Value::from("role1"));
    }

    #[test]
    fn leaving_drops_registrations() {
        let mut h = Harness::new(2);
        let registration = h.register(2, "com.x", "exact");
        h.leave(2);
        assert!(h.realm.dealer().registration(registration).is_none());
        assert!(h.realm.dealer().best_match(&uri("com.x")).is_none());
        h.register(1, "com.x", "exact");
    }
}

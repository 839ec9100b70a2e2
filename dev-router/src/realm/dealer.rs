//! Routed calls (spec: bp_rpc_*.md; advanced: progressive call results and invocations,
//! call canceling, call timeouts, caller identification, pattern-based and shared
//! registrations).
//!
//! A CALL is routed to one callee of the best-matching registration, picked by the
//! registration's invocation policy; it becomes an INVOCATION with a request ID from the
//! callee's own sequence, and stays pending until the callee answers with a final YIELD or
//! ERROR, the caller cancels it, its timeout expires, or one of the two sessions leaves.
//! Exactly one answer reaches the caller, whatever crosses on the wire:
//!
//! | what happens | to the caller | to the callee | its later YIELD / ERROR |
//! |---|---|---|---|
//! | CANCEL `skip`, or the callee cannot cancel | ERROR `canceled` | nothing | dropped |
//! | CANCEL `killnowait` (also the default) | ERROR `canceled` | INTERRUPT `killnowait` | dropped |
//! | CANCEL `kill` | waits for the callee | INTERRUPT `kill` | YIELD: RESULT; ERROR: ERROR `canceled` |
//! | the timeout expires | ERROR `timeout` | INTERRUPT `killnowait`, if it can cancel | dropped |
//! | the caller leaves | - | INTERRUPT `killnowait`, if it can cancel | dropped |
//! | the callee leaves | ERROR `canceled` | - | - |
//!
//! "Can cancel" means the callee announced `call_canceling` in HELLO; the spec forbids
//! sending INTERRUPT to one that did not.

use std::collections::{BTreeSet, VecDeque};

use foldhash::{HashMap, HashSet};

use rand::RngCore;
use wamp_proto::{
    Dict, Id, IdSequence, MatchPolicy, Message, MessageType, Payload, RequestId, SessionId, Uri,
    Value,
};

use super::about::Retired;
use super::index::{self, PatternIndex};
use super::{
    About, Context, Delivery, Removed, Timestamp, Violation, error_reply, error_uri, send,
    send_about,
};

/// The dealer features announced in WELCOME, all implemented here (the meta API's are
/// announced by the realm).
pub(crate) const FEATURES: &[&str] = &[
    "call_canceling",
    "call_timeout",
    "caller_identification",
    "pattern_based_registration",
    "progressive_call_invocations",
    "progressive_call_results",
    "shared_registration",
];

/// How many finished progressive-invocation calls each caller's session remembers, so that
/// a continuation CALL that crossed the end of its call is dropped, as the spec asks,
/// rather than started as a new call.
const FINISHED_PROGRESSIVE_MEMORY: usize = 64;

/// Which callee of a shared registration gets a call (spec: shared registration,
/// `REGISTER.Options.invoke`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum InvocationPolicy {
    /// One callee only; registering again fails.
    #[default]
    Single,
    /// Each callee in turn, in the order they registered.
    RoundRobin,
    /// Any callee, at random.
    Random,
    /// The callee that registered first (hot standby).
    First,
    /// The callee that registered last.
    Last,
}

impl InvocationPolicy {
    /// The option value: `"single"`, `"roundrobin"`, `"random"`, `"first"` or `"last"`.
    pub fn as_str(self) -> &'static str {
        match self {
            InvocationPolicy::Single => "single",
            InvocationPolicy::RoundRobin => "roundrobin",
            InvocationPolicy::Random => "random",
            InvocationPolicy::First => "first",
            InvocationPolicy::Last => "last",
        }
    }

    /// The policy in `options.invoke` (absent means single).
    fn from_options(options: &Dict) -> Result<InvocationPolicy, String> {
        let policy = match options.get("invoke") {
            None => return Ok(InvocationPolicy::Single),
            Some(value) => match value.as_str() {
                Some("single") => InvocationPolicy::Single,
                Some("roundrobin") => InvocationPolicy::RoundRobin,
                Some("random") => InvocationPolicy::Random,
                Some("first") => InvocationPolicy::First,
                Some("last") => InvocationPolicy::Last,
                _ => {
                    return Err(format!(
                        "unknown invocation policy {value:?}; use 'single', 'roundrobin', \
                         'random', 'first' or 'last'"
                    ));
                }
            },
        };
        Ok(policy)
    }
}

/// `CANCEL.Options.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CancelMode {
    Skip,
    Kill,
    KillNoWait,
}

impl CancelMode {
    fn as_str(self) -> &'static str {
        match self {
            CancelMode::Skip => "skip",
            CancelMode::Kill => "kill",
            CancelMode::KillNoWait => "killnowait",
        }
    }

    /// The mode in `options.mode`; absent means `killnowait`, as Crossbar.io does (and
    /// autobahn sends no mode).
    fn from_options(options: &Dict) -> Result<CancelMode, String> {
        match options.get("mode") {
            None => Ok(CancelMode::KillNoWait),
            Some(value) => match value.as_str() {
                Some("skip") => Ok(CancelMode::Skip),
                Some("kill") => Ok(CancelMode::Kill),
                Some("killnowait") => Ok(CancelMode::KillNoWait),
                _ => Err(format!(
                    "CANCEL mode {value:?} is not one of 'skip', 'kill', 'killnowait'"
                )),
            },
        }
    }
}

/// A procedure (or procedure pattern), its callees, and how calls pick one of them.
#[derive(Debug)]
pub struct Registration {
    id: Id,
    procedure: Uri,
    policy: MatchPolicy,
    invoke: InvocationPolicy,
    created: Timestamp,
    /// In the order they registered; never empty.
    callees: Vec<Callee>,
    /// Round robin: the position of the next callee (modulo the length).
    next: usize,
    calls: u64,
}

/// One session's registration under a shared registration, with its own options.
#[derive(Debug, Clone, Copy)]
struct Callee {
    session: SessionId,
    /// `REGISTER.Options.disclose_caller`: always identify the caller to this callee.
    disclose_caller: bool,
    /// `REGISTER.Options.forward_timeout`: this callee enforces call timeouts itself.
    forward_timeout: bool,
}

impl Registration {
    /// The registration ID, the same for every callee of a shared registration.
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

    /// How calls pick a callee.
    pub fn invocation_policy(&self) -> InvocationPolicy {
        self.invoke
    }

    /// When the first callee created it.
    pub fn created(&self) -> Timestamp {
        self.created
    }

    /// The callees, in the order they registered.
    pub fn callees(&self) -> impl ExactSizeIterator<Item = SessionId> + '_ {
        self.callees.iter().map(|callee| callee.session)
    }

    /// How many calls it has routed.
    pub fn calls(&self) -> u64 {
        self.calls
    }

    /// The callee for the next call, by the invocation policy.
    fn pick(&mut self, rng: &mut impl RngCore) -> Option<Callee> {
        let count = self.callees.len();
        if count == 0 {
            return None;
        }
        let position = match self.invoke {
            InvocationPolicy::Single | InvocationPolicy::First => 0,
            InvocationPolicy::Last => count - 1,
            InvocationPolicy::RoundRobin => {
                let position = self.next % count;
                self.next = position + 1;
                position
            }
            // `count` is small; the modulo bias over 64 random bits is negligible.
            InvocationPolicy::Random => (rng.next_u64() % count as u64) as usize,
        };
        self.callees.get(position).copied()
    }

    /// Removes a callee, keeping the round robin on the callee that was next.
    fn remove_callee(&mut self, session: SessionId) {
        if let Some(position) = self.callees.iter().position(|c| c.session == session) {
            self.callees.remove(position);
            if position < self.next {
                self.next -= 1;
            }
        }
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
    /// The `pending` key of each call in flight, by `(caller, CALL.Request)`.
    by_call: HashMap<(SessionId, RequestId), (SessionId, RequestId)>,
    /// Router-enforced timeouts: `(deadline, callee, INVOCATION.Request)`, earliest first.
    deadlines: BTreeSet<(Timestamp, SessionId, RequestId)>,
    sessions: HashMap<SessionId, DealerSession>,
    /// The procedures of the latest deleted registrations, for the trace.
    retired: Retired,
}

/// What the dealer tracks per session, to route answers and to clean up when it leaves.
#[derive(Debug, Default)]
struct DealerSession {
    /// Request IDs for INVOCATIONs sent to this session.
    invocation_ids: IdSequence,
    registrations: HashSet<Id>,
    /// As callee: INVOCATION request IDs not yet answered.
    invocations: HashSet<RequestId>,
    /// As caller: CALL request IDs of its calls in flight.
    calls: HashSet<RequestId>,
    /// As caller: its last finished progressive-invocation calls, oldest first.
    finished_progressive: VecDeque<RequestId>,
}

#[derive(Debug)]
struct PendingCall {
    caller: SessionId,
    /// `CALL.Request`.
    request: RequestId,
    registration: Id,
    receive_progress: bool,
    /// The call started with `progress` (progressive call invocations).
    progressive: bool,
    /// The caller's last CALL had `progress`: more CALLs continue this INVOCATION.
    more_invocations: bool,
    /// INVOCATION details of the first CALL, which every continuation repeats (the spec's
    /// "freezing of options"); only while more CALLs may come.
    frozen_details: Option<Dict>,
    /// A router-enforced timeout: its deadline and length in milliseconds.
    deadline: Option<(Timestamp, u64)>,
    /// Canceled in mode `kill`: INTERRUPT sent, the caller waits for the callee's answer.
    killed: bool,
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

/// A REGISTER that succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Registered {
    pub(crate) id: Id,
    /// The registration did not exist before (the first callee of a shared one).
    pub(crate) created: bool,
}

impl Dealer {
    /// A registration by ID.
    pub fn registration(&self, id: Id) -> Option<&Registration> {
        self.registrations.get(&id)
    }

    /// The procedure (or pattern) of a registration, or of one deleted lately.
    pub(crate) fn procedure_of(&self, id: Id) -> Option<&Uri> {
        match self.registrations.get(&id) {
            Some(registration) => Some(&registration.procedure),
            None => self.retired.get(id),
        }
    }

    /// The registration of a message from `session` that names only a request: a YIELD or
    /// an ERROR for an INVOCATION in flight (the callee's), or a CANCEL (the caller's).
    pub(crate) fn about_received(&self, session: SessionId, message: &Message) -> Option<About> {
        let key = match message {
            Message::Yield { request, .. }
            | Message::Error {
                request_type: MessageType::Invocation,
                request,
                ..
            } => (session, *request),
            Message::Cancel { request, .. } => *self.by_call.get(&(session, *request))?,
            _ => return None,
        };
        let pending = self.pending.get(&key)?;
        Some(About::Registration(pending.registration))
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

    /// The IDs of the registrations a session is a callee of, in no particular order.
    pub fn registrations_of(&self, session: SessionId) -> impl Iterator<Item = Id> + '_ {
        self.sessions
            .get(&session)
            .into_iter()
            .flat_map(|state| state.registrations.iter().copied())
    }

    /// How many calls are in flight (invoked, not yet answered).
    pub fn pending_call_count(&self) -> usize {
        self.pending.len()
    }

    /// The earliest router-enforced call timeout, if any call has one.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        self.deadlines.first().map(|(deadline, ..)| *deadline)
    }

    /// `REGISTER`: answers REGISTERED, or ERROR (and `None`) with `invalid_argument` (bad
    /// `match` or `invoke`), `invalid_uri`, or `procedure_already_exists` (a `single`
    /// registration exists, the invocation policies differ, or the session is already one
    /// of the callees).
    pub(crate) fn register(
        &mut self,
        session: SessionId,
        request: RequestId,
        options: &Dict,
        procedure: Uri,
        context: &Context<'_>,
        out: &mut Vec<Delivery>,
    ) -> Option<Registered> {
        let fail = |out: &mut Vec<Delivery>, error: &str, explanation: String| {
            let reply = error_reply(MessageType::Register, request, error, explanation);
            send(out, session, reply);
            None
        };
        let policy = match index::match_policy(options) {
            Ok(policy) => policy,
            Err(explanation) => return fail(out, error_uri::INVALID_ARGUMENT, explanation),
        };
        let invoke = match InvocationPolicy::from_options(options) {
            Ok(invoke) => invoke,
            Err(explanation) => return fail(out, error_uri::INVALID_ARGUMENT, explanation),
        };
        if !index::is_valid_pattern(&procedure, policy, context.rule) {
            let explanation = format!(
                "invalid procedure URI '{}' for {} matching",
                procedure.as_str(),
                policy
            );
            return fail(out, error_uri::INVALID_URI, explanation);
        }
        if index::is_reserved(&procedure) {
            let explanation = format!(
                "procedure '{}' is in a namespace reserved for the router ({})",
                procedure.as_str(),
                index::RESERVED
            );
            return fail(out, error_uri::INVALID_URI, explanation);
        }
        let callee = Callee {
            session,
            disclose_caller: flag(options, "disclose_caller"),
            forward_timeout: flag(options, "forward_timeout"),
        };
        let existing = self
            .index
            .get(&procedure, policy)
            .and_then(|id| self.registrations.get_mut(&id));
        let (id, created) = match existing {
            Some(existing) => {
                if existing.invoke == InvocationPolicy::Single || existing.invoke != invoke {
                    let explanation = format!(
                        "procedure '{}' ({} matching) is already registered as registration {} \
                         with invocation policy '{}'; a shared registration needs the same \
                         policy, other than 'single', for every callee",
                        procedure.as_str(),
                        policy,
                        existing.id,
                        existing.invoke.as_str()
                    );
                    return fail(out, error_uri::PROCEDURE_ALREADY_EXISTS, explanation);
                }
                if existing.callees.iter().any(|c| c.session == session) {
                    let explanation = format!(
                        "this session already registered procedure '{}' ({} matching) as \
                         registration {}",
                        procedure.as_str(),
                        policy,
                        existing.id
                    );
                    return fail(out, error_uri::PROCEDURE_ALREADY_EXISTS, explanation);
                }
                existing.callees.push(callee);
                (existing.id, false)
            }
            None => {
                let id = self.ids.next();
                self.index.insert(procedure.clone(), policy, id);
                let registration = Registration {
                    id,
                    procedure,
                    policy,
                    invoke,
                    created: context.now,
                    callees: vec![callee],
                    next: 0,
                    calls: 0,
                };
                self.registrations.insert(id, registration);
                (id, true)
            }
        };
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
        Some(Registered { id, created })
    }

    /// `UNREGISTER`: answers UNREGISTERED, or ERROR `no_such_registration` (and `None`) when
    /// the session is not a callee of that registration. Calls already in flight on it
    /// still complete.
    pub(crate) fn unregister(
        &mut self,
        session: SessionId,
        request: RequestId,
        registration: Id,
        out: &mut Vec<Delivery>,
    ) -> Option<Removed> {
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
            send(out, session, reply);
            return None;
        }
        let removed = self.remove_callee(registration, session);
        send(
            out,
            session,
            Message::Unregistered {
                request: Some(request),
                details: Dict::new(),
            },
        );
        Some(removed)
    }

    /// `CALL`: an INVOCATION to a callee of the best-matching registration, or ERROR to the
    /// caller (`invalid_uri`, `invalid_argument`, `no_such_procedure`,
    /// `feature_not_supported`). A CALL whose request ID is that of a progressive call in
    /// flight continues it (spec: progressive call invocations).
    ///
    /// # Errors
    /// A [`Violation`], with nothing sent, for `progress` from a caller that did not
    /// announce progressive call invocations, and for a request ID already in flight that
    /// does not continue a progressive call.
    pub(crate) fn call(
        &mut self,
        call: Call,
        context: &Context<'_>,
        rng: &mut impl RngCore,
        out: &mut Vec<Delivery>,
    ) -> Result<(), Violation> {
        let Call {
            caller,
            request,
            options,
            procedure,
            payload,
        } = call;
        let progress = flag(&options, "progress");
        if let Some(&key) = self.by_call.get(&(caller, request)) {
            return self.continue_call(key, request, progress, payload, out);
        }
        let finished = self
            .sessions
            .get(&caller)
            .is_some_and(|state| state.finished_progressive.contains(&request));
        if finished {
            // A continuation that crossed the end of its call: the caller has its answer
            // (spec: "Continuations on Completed Calls").
            return Ok(());
        }
        if progress && !context.announces(caller, "caller", "progressive_call_invocations") {
            return Err(Violation::protocol(
                "CALL with progress, but the caller did not announce the \
                 progressive_call_invocations feature",
            ));
        }

        let fail = |out: &mut Vec<Delivery>, error: &str, explanation: String| {
            let reply = error_reply(MessageType::Call, request, error, explanation);
            send(out, caller, reply);
            Ok(())
        };
        if !procedure.is_valid(context.rule, false) {
            let explanation = format!("invalid procedure URI '{}'", procedure.as_str());
            return fail(out, error_uri::INVALID_URI, explanation);
        }
        let timeout = match options.get("timeout") {
            None => 0,
            Some(value) => match value.as_u64() {
                Some(timeout) => timeout,
                None => {
                    let explanation =
                        "option 'timeout' must be a non-negative integer (milliseconds)".into();
                    return fail(out, error_uri::INVALID_ARGUMENT, explanation);
                }
            },
        };
        let no_such_procedure = || {
            format!(
                "no callee registered for procedure '{}'",
                procedure.as_str()
            )
        };
        let Some((registration_id, policy)) = self.index.best_match(&procedure) else {
            return fail(out, error_uri::NO_SUCH_PROCEDURE, no_such_procedure());
        };
        // The index and the registrations change together, and registrations are never
        // empty; if that ever broke, the honest answer would still be "no such procedure".
        let Some(registration) = self.registrations.get_mut(&registration_id) else {
            return fail(out, error_uri::NO_SUCH_PROCEDURE, no_such_procedure());
        };
        let Some(callee) = registration.pick(rng) else {
            return fail(out, error_uri::NO_SUCH_PROCEDURE, no_such_procedure());
        };
        if progress
            && !(context.announces(callee.session, "callee", "progressive_call_invocations")
                && context.can_cancel(callee.session))
        {
            let explanation = format!(
                "the callee of procedure '{}' does not support progressive call invocations \
                 (with call canceling)",
                procedure.as_str()
            );
            return fail(out, error_uri::FEATURE_NOT_SUPPORTED, explanation);
        }
        registration.calls += 1;

        let receive_progress = flag(&options, "receive_progress");
        let mut details = Dict::new();
        if policy != MatchPolicy::Exact {
            details.insert("procedure".into(), procedure.as_str().into());
        }
        if receive_progress {
            details.insert("receive_progress".into(), true.into());
        }
        if flag(&options, "disclose_me") || callee.disclose_caller {
            details.insert("caller".into(), caller.get().into());
            if let Some(info) = context.sessions.get(&caller) {
                details.insert("caller_authid".into(), info.authid.as_str().into());
                details.insert("caller_authrole".into(), info.authrole.as_str().into());
            }
        }
        if timeout > 0 && callee.forward_timeout {
            details.insert("timeout".into(), timeout.into());
        }
        let frozen_details = progress.then(|| details.clone());
        if progress {
            details.insert("progress".into(), true.into());
        }
        let deadline = (timeout > 0 && !callee.forward_timeout)
            .then(|| (context.now.plus_millis(timeout), timeout));

        let callee_state = self.sessions.entry(callee.session).or_default();
        let invocation = callee_state.invocation_ids.next();
        callee_state.invocations.insert(invocation);
        self.sessions
            .entry(caller)
            .or_default()
            .calls
            .insert(request);
        let key = (callee.session, invocation);
        self.by_call.insert((caller, request), key);
        if let Some((at, _)) = deadline {
            self.deadlines.insert((at, key.0, key.1));
        }
        self.pending.insert(
            key,
            PendingCall {
                caller,
                request,
                registration: registration_id,
                receive_progress,
                progressive: progress,
                more_invocations: progress,
                frozen_details,
                deadline,
                killed: false,
            },
        );
        send(
            out,
            callee.session,
            Message::Invocation {
                request: invocation,
                registration: registration_id,
                details,
                payload,
            },
        );
        Ok(())
    }

    /// A CALL with the request ID of a call in flight: the next INVOCATION of a progressive
    /// call, with the same INVOCATION request ID and the first CALL's details.
    fn continue_call(
        &mut self,
        key: (SessionId, RequestId),
        request: RequestId,
        progress: bool,
        payload: Payload,
        out: &mut Vec<Delivery>,
    ) -> Result<(), Violation> {
        let Some(pending) = self.pending.get_mut(&key) else {
            return Ok(());
        };
        if !pending.more_invocations {
            return Err(Violation::protocol(format!(
                "CALL request ID {request} is already in use by a call in flight"
            )));
        }
        if pending.killed {
            // Canceled: the callee has been told to stop; more input is moot.
            return Ok(());
        }
        let mut details = if progress {
            pending.frozen_details.clone().unwrap_or_default()
        } else {
            pending.more_invocations = false;
            pending.frozen_details.take().unwrap_or_default()
        };
        if progress {
            details.insert("progress".into(), true.into());
        }
        let invocation = Message::Invocation {
            request: key.1,
            registration: pending.registration,
            details,
            payload,
        };
        send(out, key.0, invocation);
        Ok(())
    }

    /// `YIELD` from a callee: RESULT to the caller. A progressive YIELD
    /// (`options.progress`) keeps the call pending and is passed on only if the caller asked
    /// for progressive results and has not canceled. A YIELD for an invocation that is no
    /// longer pending (canceled, timed out, its caller left) is dropped.
    pub(crate) fn yield_result(
        &mut self,
        callee: SessionId,
        invocation: RequestId,
        options: &Dict,
        payload: Payload,
        out: &mut Vec<Delivery>,
    ) {
        let key = (callee, invocation);
        if flag(options, "progress") {
            let Some(pending) = self.pending.get(&key) else {
                return;
            };
            if pending.receive_progress && !pending.killed {
                let details = Dict::from([("progress".to_owned(), Value::Bool(true))]);
                send_about(
                    out,
                    pending.caller,
                    Message::Result {
                        request: pending.request,
                        details,
                        payload,
                    },
                    About::Registration(pending.registration),
                );
            }
            return;
        }
        let Some(pending) = self.finish(key) else {
            return;
        };
        send_about(
            out,
            pending.caller,
            Message::Result {
                request: pending.request,
                details: Dict::new(),
                payload,
            },
            About::Registration(pending.registration),
        );
    }

    /// `ERROR` for an INVOCATION from a callee: the same error to the caller, for its CALL;
    /// `wamp.error.canceled` if the caller canceled in mode `kill`. An error for an
    /// invocation that is no longer pending is dropped.
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
        let reply = if pending.killed {
            let explanation = format!(
                "the call was canceled; the callee stopped with '{}'",
                error.as_str()
            );
            error_reply(
                MessageType::Call,
                pending.request,
                error_uri::CANCELED,
                explanation,
            )
        } else {
            Message::Error {
                request_type: MessageType::Call,
                request: pending.request,
                details,
                error,
                payload,
            }
        };
        send_about(
            out,
            pending.caller,
            reply,
            About::Registration(pending.registration),
        );
    }

    /// `CANCEL` from a caller: see the [module documentation](self) for what each mode
    /// sends. A CANCEL for a call that is no longer in flight (answered, or canceled in
    /// another mode than `kill`) is dropped.
    ///
    /// # Errors
    /// A [`Violation`], with nothing sent, when `options.mode` is not a known mode.
    pub(crate) fn cancel(
        &mut self,
        caller: SessionId,
        request: RequestId,
        options: &Dict,
        context: &Context<'_>,
        out: &mut Vec<Delivery>,
    ) -> Result<(), Violation> {
        let mode = CancelMode::from_options(options).map_err(Violation::protocol)?;
        let Some(&key) = self.by_call.get(&(caller, request)) else {
            return Ok(());
        };
        let Some(pending) = self.pending.get_mut(&key) else {
            return Ok(());
        };
        let mode = if pending.killed {
            match mode {
                // Pressing the button again.
                CancelMode::Kill => return Ok(()),
                // Stop waiting for the callee: the INTERRUPT is already on its way.
                CancelMode::Skip | CancelMode::KillNoWait => CancelMode::Skip,
            }
        } else if context.can_cancel(key.0) {
            mode
        } else {
            CancelMode::Skip
        };
        let about = About::Registration(pending.registration);
        if mode == CancelMode::Kill {
            pending.killed = true;
            send_about(out, key.0, interrupt(key.1, mode, None), about);
            return Ok(());
        }
        if let Some(pending) = self.finish(key) {
            let explanation = "the call was canceled by its caller".to_owned();
            let reply = error_reply(
                MessageType::Call,
                pending.request,
                error_uri::CANCELED,
                explanation,
            );
            send_about(out, pending.caller, reply, about);
        }
        if mode == CancelMode::KillNoWait {
            send_about(out, key.0, interrupt(key.1, mode, None), about);
        }
        Ok(())
    }

    /// Fails every call whose router-enforced timeout is at or before `context.now`: ERROR
    /// `wamp.error.timeout` to the caller, INTERRUPT `killnowait` to a callee that can
    /// cancel.
    pub(crate) fn expire(&mut self, context: &Context<'_>, out: &mut Vec<Delivery>) {
        while let Some(&(deadline, callee, invocation)) = self.deadlines.first() {
            if deadline > context.now {
                break;
            }
            let Some(pending) = self.finish((callee, invocation)) else {
                // Not pending, so `finish` did not remove it; never loop on it.
                self.deadlines.pop_first();
                continue;
            };
            let timeout = pending.deadline.map_or(0, |(_, timeout)| timeout);
            let explanation = format!("the call did not complete within {timeout} ms");
            let reply = error_reply(
                MessageType::Call,
                pending.request,
                error_uri::TIMEOUT,
                explanation,
            );
            let about = About::Registration(pending.registration);
            send_about(out, pending.caller, reply, about);
            if context.can_cancel(callee) {
                let reason = Some(error_uri::TIMEOUT);
                send_about(
                    out,
                    callee,
                    interrupt(invocation, CancelMode::KillNoWait, reason),
                    about,
                );
            }
        }
    }

    /// Drops a session's registrations (saying which), fails the calls in flight on them
    /// with `wamp.error.canceled`, and cancels the calls it made (INTERRUPT `killnowait` to
    /// callees that can cancel).
    pub(crate) fn leave(
        &mut self,
        session: SessionId,
        context: &Context<'_>,
        out: &mut Vec<Delivery>,
    ) -> Vec<Removed> {
        let Some(state) = self.sessions.remove(&session) else {
            return Vec::new();
        };
        let mut registrations: Vec<Id> = state.registrations.into_iter().collect();
        registrations.sort_unstable();
        let removed = registrations
            .into_iter()
            .map(|id| self.remove_callee(id, session))
            .collect();
        // As caller first, so that a call it made to itself is not answered to it below.
        let mut calls: Vec<RequestId> = state.calls.into_iter().collect();
        calls.sort_unstable();
        for request in calls {
            let Some(&key) = self.by_call.get(&(session, request)) else {
                continue;
            };
            if let Some(pending) = self.finish(key)
                && key.0 != session
                && context.can_cancel(key.0)
            {
                let about = About::Registration(pending.registration);
                send_about(
                    out,
                    key.0,
                    interrupt(key.1, CancelMode::KillNoWait, None),
                    about,
                );
            }
        }
        let mut invocations: Vec<RequestId> = state.invocations.into_iter().collect();
        invocations.sort_unstable();
        for invocation in invocations {
            let Some(pending) = self.finish((session, invocation)) else {
                continue;
            };
            let explanation =
                format!("callee session {session} left before answering; the call was canceled");
            let reply = error_reply(
                MessageType::Call,
                pending.request,
                error_uri::CANCELED,
                explanation,
            );
            let about = About::Registration(pending.registration);
            send_about(out, pending.caller, reply, about);
        }
        removed
    }

    /// Ends a pending call, returning it if it was pending.
    fn finish(&mut self, key: (SessionId, RequestId)) -> Option<PendingCall> {
        let pending = self.pending.remove(&key)?;
        if let Some((deadline, _)) = pending.deadline {
            self.deadlines.remove(&(deadline, key.0, key.1));
        }
        self.by_call.remove(&(pending.caller, pending.request));
        if let Some(callee) = self.sessions.get_mut(&key.0) {
            callee.invocations.remove(&key.1);
        }
        if let Some(caller) = self.sessions.get_mut(&pending.caller) {
            caller.calls.remove(&pending.request);
            if pending.progressive {
                if caller.finished_progressive.len() == FINISHED_PROGRESSIVE_MEMORY {
                    caller.finished_progressive.pop_front();
                }
                caller.finished_progressive.push_back(pending.request);
            }
        }
        Some(pending)
    }

    /// Removes a callee from a registration, and the registration with its last callee.
    fn remove_callee(&mut self, id: Id, session: SessionId) -> Removed {
        let Some(registration) = self.registrations.get_mut(&id) else {
            return Removed { id, deleted: false };
        };
        registration.remove_callee(session);
        let deleted = registration.callees.is_empty();
        if deleted {
            self.index
                .remove(&registration.procedure, registration.policy);
            if let Some(registration) = self.registrations.remove(&id) {
                self.retired.remember(id, registration.procedure);
            }
        }
        Removed { id, deleted }
    }
}

/// Whether `options[key]` is `true`.
fn flag(options: &Dict, key: &str) -> bool {
    options.get(key).and_then(Value::as_bool) == Some(true)
}

/// `INTERRUPT` for an invocation, with `options.mode` (and `options.reason`, which autobahn
/// and Crossbar.io understand, for timeouts).
fn interrupt(invocation: RequestId, mode: CancelMode, reason: Option<&str>) -> Message {
    let mut options = Dict::from([("mode".to_owned(), Value::from(mode.as_str()))]);
    if let Some(reason) = reason {
        options.insert("reason".into(), reason.into());
    }
    Message::Interrupt {
        request: invocation,
        options,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use std::collections::HashSet;

    use crate::realm::{RealmConfig, Timestamp};
    use wamp_proto::UriRule;

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

    /// The request type and URI of any ERROR (a callee's may carry no explanation).
    fn error_of_any(message: &Message) -> (MessageType, &str) {
        match message {
            Message::Error {
                request_type,
                error,
                ..
            } => (*request_type, error.as_str()),
            other => panic!("expected ERROR, got {other:?}"),
        }
    }

    fn interrupt_of(message: &Message) -> (RequestId, Dict) {
        match message {
            Message::Interrupt { request, options } => (*request, options.clone()),
            other => panic!("expected INTERRUPT, got {other:?}"),
        }
    }

    fn cancel(request: u64, mode: Option<&str>) -> Message {
        let options = match mode {
            Some(mode) => dict(&[("mode", mode.into())]),
            None => Dict::new(),
        };
        Message::Cancel {
            request: id(request),
            options,
        }
    }

    fn mode(mode: &str) -> Dict {
        dict(&[("mode", mode.into())])
    }

    fn invocation_error(invocation: RequestId, error: &str) -> Message {
        Message::Error {
            request_type: MessageType::Invocation,
            request: invocation,
            details: Dict::new(),
            error: uri(error),
            payload: Payload::default(),
        }
    }

    /// Registers with `options` (a `match` among them or not) and returns the outcome.
    fn register_with(h: &mut Harness, session: u64, procedure: &str, options: Dict) -> Message {
        let out = h.send(
            session,
            Message::Register {
                request: id(1),
                options,
                procedure: uri(procedure),
            },
        );
        only(&out, session).clone()
    }

    fn shared(h: &mut Harness, session: u64, procedure: &str, invoke: &str) -> Id {
        match register_with(h, session, procedure, dict(&[("invoke", invoke.into())])) {
            Message::Registered { registration, .. } => registration,
            other => panic!("expected REGISTERED, got {other:?}"),
        }
    }

    /// Which session each of `n` calls reaches (each answered at once).
    fn callees_of(h: &mut Harness, procedure: &str, n: usize) -> Vec<u64> {
        (0..n)
            .map(|_| {
                let out = h.call(1, 1, procedure, Dict::new());
                let (invocation, ..) = invocation_of(&out, out[0].to.get());
                let callee = out[0].to.get();
                h.send(callee, yield_(invocation, Dict::new(), vec![]));
                callee
            })
            .collect()
    }

    /// Joins session `n` announcing roles but no advanced feature.
    fn join_plain(h: &mut Harness, n: u64) {
        let roles = dict(&[
            ("caller", Value::Dict(Dict::new())),
            ("callee", Value::Dict(Dict::new())),
        ]);
        h.join(n, info_with_roles(&format!("user{n}"), "plain", roles));
    }

    #[test]
    fn invocation_policies_are_checked() {
        let mut h = Harness::new(1);
        for bad in [Value::from("fastest"), Value::Int(1)] {
            let message = register_with(&mut h, 1, "com.x", dict(&[("invoke", bad)]));
            assert_eq!(
                error_of(&message),
                (MessageType::Register, "wamp.error.invalid_argument")
            );
        }
        let message = register_with(&mut h, 1, "com.y", dict(&[("match", "regex".into())]));
        assert_eq!(
            error_of(&message),
            (MessageType::Register, "wamp.error.invalid_argument")
        );
        let single = shared(&mut h, 1, "com.x", "single");
        assert_eq!(
            h.realm
                .dealer()
                .registration(single)
                .unwrap()
                .invocation_policy(),
            InvocationPolicy::Single
        );
    }

    #[test]
    fn shared_registrations_need_one_policy_for_all() {
        let mut h = Harness::new(4);
        let registration = shared(&mut h, 1, "com.x", "roundrobin");
        assert_eq!(shared(&mut h, 2, "com.x", "roundrobin"), registration);
        for (session, invoke) in [(3, "random"), (3, "single"), (1, "roundrobin")] {
            let message =
                register_with(&mut h, session, "com.x", dict(&[("invoke", invoke.into())]));
            assert_eq!(
                error_of(&message),
                (MessageType::Register, "wamp.error.procedure_already_exists"),
                "{invoke} by {session}"
            );
        }
        let message = register_with(&mut h, 3, "com.x", Dict::new());
        assert_eq!(
            error_of(&message),
            (MessageType::Register, "wamp.error.procedure_already_exists"),
            "no invoke option means single"
        );
        shared(&mut h, 3, "com.y", "single");
        let message = register_with(&mut h, 4, "com.y", dict(&[("invoke", "first".into())]));
        assert_eq!(
            error_of(&message),
            (MessageType::Register, "wamp.error.procedure_already_exists"),
            "a single registration admits no other"
        );
        let callees: Vec<u64> = h
            .realm
            .dealer()
            .registration(registration)
            .unwrap()
            .callees()
            .map(Id::get)
            .collect();
        assert_eq!(callees, [1, 2]);
    }

    #[test]
    fn roundrobin_takes_turns_in_registration_order() {
        let mut h = Harness::new(4);
        let registration = shared(&mut h, 2, "com.x", "roundrobin");
        shared(&mut h, 3, "com.x", "roundrobin");
        shared(&mut h, 4, "com.x", "roundrobin");
        assert_eq!(callees_of(&mut h, "com.x", 4), [2, 3, 4, 2]);
        // The next one is 3; unregistering it passes the turn to 4.
        h.send(
            3,
            Message::Unregister {
                request: id(2),
                registration,
            },
        );
        assert_eq!(callees_of(&mut h, "com.x", 3), [4, 2, 4]);
        // A new callee joins at the end of the line.
        shared(&mut h, 3, "com.x", "roundrobin");
        assert_eq!(callees_of(&mut h, "com.x", 1), [3]);
        // Back at the start, 2 is next; it leaving passes the turn to 4.
        h.leave(2);
        assert_eq!(callees_of(&mut h, "com.x", 3), [4, 3, 4]);
    }

    #[test]
    fn first_and_last_pick_by_registration_order() {
        let mut h = Harness::new(5);
        let first = shared(&mut h, 2, "com.first", "first");
        shared(&mut h, 3, "com.first", "first");
        assert_eq!(callees_of(&mut h, "com.first", 3), [2, 2, 2]);
        h.send(
            2,
            Message::Unregister {
                request: id(2),
                registration: first,
            },
        );
        assert_eq!(callees_of(&mut h, "com.first", 2), [3, 3]);
        shared(&mut h, 2, "com.first", "first");
        assert_eq!(
            callees_of(&mut h, "com.first", 1),
            [3],
            "now 2 is last in line"
        );

        shared(&mut h, 2, "com.last", "last");
        shared(&mut h, 3, "com.last", "last");
        shared(&mut h, 4, "com.last", "last");
        assert_eq!(callees_of(&mut h, "com.last", 2), [4, 4]);
        h.leave(4);
        assert_eq!(callees_of(&mut h, "com.last", 1), [3]);
        shared(&mut h, 5, "com.last", "last");
        assert_eq!(callees_of(&mut h, "com.last", 1), [5]);
    }

    #[test]
    fn random_stays_within_the_callees() {
        let mut h = Harness::new(5);
        for callee in [2, 3, 4] {
            shared(&mut h, callee, "com.x", "random");
        }
        let picked = callees_of(&mut h, "com.x", 60);
        assert!(
            picked.iter().all(|callee| [2, 3, 4].contains(callee)),
            "{picked:?}"
        );
        let distinct: HashSet<u64> = picked.into_iter().collect();
        assert_eq!(distinct.len(), 3, "60 random picks reach all three");
        h.leave(3);
        let picked = callees_of(&mut h, "com.x", 30);
        assert!(
            picked.iter().all(|callee| [2, 4].contains(callee)),
            "{picked:?}"
        );
    }

    #[test]
    fn a_shared_registration_lives_until_its_last_callee_goes() {
        let mut h = Harness::new(3);
        let registration = shared(&mut h, 2, "com.x", "roundrobin");
        shared(&mut h, 3, "com.x", "roundrobin");
        h.leave(2);
        assert!(h.realm.dealer().registration(registration).is_some());
        let out = h.send(
            3,
            Message::Unregister {
                request: id(2),
                registration,
            },
        );
        assert!(matches!(only(&out, 3), Message::Unregistered { .. }));
        assert!(h.realm.dealer().registration(registration).is_none());
        let out = h.call(1, 1, "com.x", Dict::new());
        assert_eq!(
            error_of(only(&out, 1)),
            (MessageType::Call, "wamp.error.no_such_procedure")
        );
        assert_ne!(shared(&mut h, 1, "com.x", "last"), registration, "a new ID");
    }

    #[test]
    fn registrations_count_their_calls() {
        let mut h = Harness::new(2);
        let registration = h.register(2, "com.x", "exact");
        callees_of(&mut h, "com.x", 3);
        assert_eq!(
            h.realm.dealer().registration(registration).unwrap().calls(),
            3
        );
    }

    #[test]
    fn cancel_skip_answers_at_once_and_drops_the_late_result() {
        let mut h = Harness::new(2);
        h.register(2, "com.slow", "exact");
        let (invocation, ..) = invocation_of(&h.call(1, 7, "com.slow", Dict::new()), 2);
        let out = h.send(1, cancel(7, Some("skip")));
        assert_eq!(
            error_of(only(&out, 1)),
            (MessageType::Call, "wamp.error.canceled")
        );
        assert_eq!(h.realm.dealer().pending_call_count(), 0);
        assert!(
            h.send(2, yield_(invocation, Dict::new(), vec![]))
                .is_empty()
        );
        assert!(
            h.send(1, cancel(7, Some("skip"))).is_empty(),
            "nothing left to cancel"
        );
    }

    #[test]
    fn cancel_killnowait_answers_and_interrupts() {
        for mode in [Some("killnowait"), None] {
            let mut h = Harness::new(2);
            h.register(2, "com.slow", "exact");
            let (invocation, ..) = invocation_of(&h.call(1, 7, "com.slow", Dict::new()), 2);
            let out = h.send(1, cancel(7, mode));
            assert_eq!(out.len(), 2, "{out:?}");
            let error = out.iter().find(|d| d.to == id(1)).unwrap();
            assert_eq!(
                error_of(error.message.message()),
                (MessageType::Call, "wamp.error.canceled")
            );
            let interrupt = out.iter().find(|d| d.to == id(2)).unwrap();
            assert_eq!(
                interrupt_of(interrupt.message.message()),
                (invocation, self::mode("killnowait"))
            );
            // Whatever the callee sends now crossed the INTERRUPT: dropped.
            assert!(
                h.send(2, invocation_error(invocation, "wamp.error.canceled"))
                    .is_empty()
            );
            assert!(
                h.send(2, yield_(invocation, Dict::new(), vec![]))
                    .is_empty()
            );
        }
    }

    #[test]
    fn cancel_kill_waits_for_the_callee_error() {
        let mut h = Harness::new(2);
        h.register(2, "com.slow", "exact");
        let options = dict(&[("receive_progress", true.into())]);
        let (invocation, ..) = invocation_of(&h.call(1, 7, "com.slow", options), 2);
        let out = h.send(1, cancel(7, Some("kill")));
        assert_eq!(interrupt_of(only(&out, 2)), (invocation, mode("kill")));
        assert!(
            h.send(1, cancel(7, Some("kill"))).is_empty(),
            "pressed again"
        );
        assert!(
            h.send(2, yield_(invocation, progress(), vec![1.into()]))
                .is_empty(),
            "no progress after a cancel"
        );
        let out = h.send(2, invocation_error(invocation, "wamp.error.runtime_error"));
        assert_eq!(
            error_of(only(&out, 1)),
            (MessageType::Call, "wamp.error.canceled")
        );
        assert_eq!(h.realm.dealer().pending_call_count(), 0);
        assert!(
            h.send(2, yield_(invocation, Dict::new(), vec![]))
                .is_empty()
        );
    }

    #[test]
    fn cancel_kill_crossed_by_a_yield_gives_the_result_once() {
        let mut h = Harness::new(2);
        h.register(2, "com.slow", "exact");
        let (invocation, ..) = invocation_of(&h.call(1, 7, "com.slow", Dict::new()), 2);
        h.send(1, cancel(7, Some("kill")));
        let out = h.send(2, yield_(invocation, Dict::new(), vec![5.into()]));
        assert!(matches!(only(&out, 1), Message::Result { request, .. } if *request == id(7)));
        // The callee's answer to the INTERRUPT arrives after its result.
        assert!(
            h.send(2, invocation_error(invocation, "wamp.error.canceled"))
                .is_empty()
        );
        assert!(h.send(1, cancel(7, Some("kill"))).is_empty());
    }

    #[test]
    fn a_second_cancel_stops_waiting_for_a_killed_call() {
        for second in ["skip", "killnowait"] {
            let mut h = Harness::new(2);
            h.register(2, "com.slow", "exact");
            let (invocation, ..) = invocation_of(&h.call(1, 7, "com.slow", Dict::new()), 2);
            h.send(1, cancel(7, Some("kill")));
            let out = h.send(1, cancel(7, Some(second)));
            assert_eq!(
                error_of(only(&out, 1)),
                (MessageType::Call, "wamp.error.canceled"),
                "no second INTERRUPT after {second}"
            );
            assert!(
                h.send(2, yield_(invocation, Dict::new(), vec![]))
                    .is_empty()
            );
        }
    }

    #[test]
    fn a_cancel_after_the_result_is_ignored() {
        let mut h = Harness::new(2);
        h.register(2, "com.x", "exact");
        let (invocation, ..) = invocation_of(&h.call(1, 7, "com.x", Dict::new()), 2);
        h.send(2, yield_(invocation, Dict::new(), vec![]));
        for mode in ["skip", "kill", "killnowait"] {
            assert!(h.send(1, cancel(7, Some(mode))).is_empty(), "{mode}");
        }
        assert!(h.send(1, cancel(99, None)).is_empty(), "never called");
    }

    #[test]
    fn only_the_caller_cancels() {
        let mut h = Harness::new(3);
        h.register(2, "com.x", "exact");
        h.call(1, 7, "com.x", Dict::new());
        assert!(h.send(3, cancel(7, None)).is_empty());
        assert_eq!(h.realm.dealer().pending_call_count(), 1);
    }

    #[test]
    fn a_callee_that_cannot_cancel_gets_no_interrupt() {
        let mut h = Harness::new(1);
        join_plain(&mut h, 2);
        h.register(2, "com.x", "exact");
        for (request, mode) in [(1, "kill"), (2, "killnowait")] {
            let (invocation, ..) = invocation_of(&h.call(1, request, "com.x", Dict::new()), 2);
            let out = h.send(1, cancel(request, Some(mode)));
            assert_eq!(
                error_of(only(&out, 1)),
                (MessageType::Call, "wamp.error.canceled"),
                "{mode} degrades to skip"
            );
            assert!(
                h.send(2, yield_(invocation, Dict::new(), vec![]))
                    .is_empty()
            );
        }
        h.call(1, 3, "com.x", Dict::new());
        assert!(
            h.leave(1).is_empty(),
            "no INTERRUPT when the caller leaves either"
        );
    }

    #[test]
    fn an_unknown_cancel_mode_is_a_violation() {
        let mut h = Harness::new(2);
        h.register(2, "com.x", "exact");
        h.call(1, 7, "com.x", Dict::new());
        for bad in [Value::from("later"), Value::Int(1)] {
            let message = Message::Cancel {
                request: id(7),
                options: dict(&[("mode", bad)]),
            };
            let mut out = Vec::new();
            let violation = h.realm.handle(id(1), message, &mut out).unwrap_err();
            assert_eq!(violation.reason.as_str(), "wamp.error.protocol_violation");
            assert!(out.is_empty());
        }
    }

    #[test]
    fn a_timeout_fires_at_its_deadline() {
        let mut h = Harness::new(2);
        h.register(2, "com.slow", "exact");
        h.at(1_000);
        let options = dict(&[("timeout", 100.into())]);
        let (invocation, _, details, _) = invocation_of(&h.call(1, 7, "com.slow", options), 2);
        assert!(!details.contains_key("timeout"), "the dealer enforces it");
        assert_eq!(h.realm.next_deadline(), Some(Timestamp::from_millis(1_100)));
        assert!(h.at(1_099).is_empty());
        let out = h.at(1_100);
        assert_eq!(out.len(), 2, "{out:?}");
        let error = out.iter().find(|d| d.to == id(1)).unwrap();
        assert_eq!(
            error_of(error.message.message()),
            (MessageType::Call, "wamp.error.timeout")
        );
        let interrupt = out.iter().find(|d| d.to == id(2)).unwrap();
        assert_eq!(
            interrupt_of(interrupt.message.message()),
            (
                invocation,
                dict(&[
                    ("mode", "killnowait".into()),
                    ("reason", "wamp.error.timeout".into())
                ])
            )
        );
        assert_eq!(h.realm.next_deadline(), None);
        assert!(
            h.send(2, yield_(invocation, Dict::new(), vec![]))
                .is_empty()
        );
        assert!(h.send(1, cancel(7, None)).is_empty());
    }

    #[test]
    fn a_timeout_does_not_fire_for_an_answered_call() {
        let mut h = Harness::new(2);
        h.register(2, "com.x", "exact");
        for (request, timeout) in [(1, 100), (2, 0)] {
            let options = dict(&[("timeout", timeout.into())]);
            let (invocation, ..) = invocation_of(&h.call(1, request, "com.x", options), 2);
            let out = h.send(2, yield_(invocation, Dict::new(), vec![]));
            assert!(matches!(only(&out, 1), Message::Result { .. }));
        }
        assert_eq!(h.realm.next_deadline(), None);
        assert!(h.at(10_000).is_empty());
        // Canceled calls lose their deadline too.
        h.call(1, 3, "com.x", dict(&[("timeout", 100.into())]));
        h.send(1, cancel(3, Some("skip")));
        assert_eq!(h.realm.next_deadline(), None);
    }

    #[test]
    fn timeouts_fire_earliest_first_and_only_once() {
        let mut h = Harness::new(2);
        h.register(2, "com.x", "exact");
        h.call(1, 1, "com.x", dict(&[("timeout", 300.into())]));
        h.call(1, 2, "com.x", dict(&[("timeout", 100.into())]));
        assert_eq!(h.realm.next_deadline(), Some(Timestamp::from_millis(100)));
        let out = h.at(150);
        assert!(out.iter().any(
            |d| matches!(d.message.message(), Message::Error { request, .. } if *request == id(2))
        ));
        assert_eq!(out.len(), 2);
        assert_eq!(h.realm.next_deadline(), Some(Timestamp::from_millis(300)));
        assert_eq!(h.at(1_000).len(), 2);
        assert!(h.at(2_000).is_empty());
        assert_eq!(h.realm.dealer().pending_call_count(), 0);
    }

    #[test]
    fn timeouts_are_checked_and_may_be_forwarded() {
        let mut h = Harness::new(2);
        let out = h.call(1, 1, "com.x", dict(&[("timeout", (-5).into())]));
        assert_eq!(
            error_of(only(&out, 1)),
            (MessageType::Call, "wamp.error.invalid_argument")
        );
        let options = dict(&[("forward_timeout", true.into())]);
        assert!(matches!(
            register_with(&mut h, 2, "com.x", options),
            Message::Registered { .. }
        ));
        let (_, _, details, _) =
            invocation_of(&h.call(1, 2, "com.x", dict(&[("timeout", 50.into())])), 2);
        assert_eq!(details["timeout"], Value::from(50u64));
        assert_eq!(h.realm.next_deadline(), None, "the callee enforces it");
        // A timeout beyond the end of time saturates instead of overflowing.
        h.register(2, "com.y", "exact");
        h.call(1, 3, "com.y", dict(&[("timeout", Value::from(u64::MAX))]));
        assert_eq!(
            h.realm.next_deadline(),
            Some(Timestamp::from_millis(u64::MAX))
        );
    }

    #[test]
    fn a_timeout_on_a_callee_that_cannot_cancel_only_answers_the_caller() {
        let mut h = Harness::new(1);
        join_plain(&mut h, 2);
        h.register(2, "com.x", "exact");
        h.call(1, 1, "com.x", dict(&[("timeout", 10.into())]));
        let out = h.at(10);
        assert_eq!(
            error_of(only(&out, 1)),
            (MessageType::Call, "wamp.error.timeout")
        );
    }

    #[test]
    fn progressive_invocations_continue_one_invocation() {
        let mut h = Harness::new(2);
        h.register(2, "com.upload", "exact");
        let chunk = |progress: bool| {
            let mut options = dict(&[("disclose_me", true.into())]);
            if progress {
                options.insert("progress".into(), true.into());
            }
            options
        };
        let (invocation, registration, details, _) =
            invocation_of(&h.call(1, 5, "com.upload", chunk(true)), 2);
        assert_eq!(details["progress"], Value::Bool(true));
        assert_eq!(details["caller"], Value::from(1u64));
        // Later CALLs carry only `progress`; the first one's details are repeated.
        let (next, again, details, _) = invocation_of(
            &h.call(1, 5, "com.upload", dict(&[("progress", true.into())])),
            2,
        );
        assert_eq!((next, again), (invocation, registration));
        assert_eq!(details["progress"], Value::Bool(true));
        assert_eq!(details["caller"], Value::from(1u64));
        let (last, _, details, _) = invocation_of(&h.call(1, 5, "com.upload", Dict::new()), 2);
        assert_eq!(last, invocation);
        assert!(!details.contains_key("progress"));
        assert_eq!(details["caller"], Value::from(1u64));
        assert_eq!(h.realm.dealer().pending_call_count(), 1);
        let out = h.send(2, yield_(invocation, Dict::new(), vec![]));
        assert!(matches!(only(&out, 1), Message::Result { request, .. } if *request == id(5)));
        assert_eq!(
            h.realm.dealer().registration(registration).unwrap().calls(),
            1
        );
    }

    #[test]
    fn progressive_invocations_with_progressive_results() {
        let mut h = Harness::new(2);
        h.register(2, "com.stream", "exact");
        let options = dict(&[("progress", true.into()), ("receive_progress", true.into())]);
        let (invocation, ..) = invocation_of(&h.call(1, 5, "com.stream", options), 2);
        let out = h.send(2, yield_(invocation, progress(), vec![1.into()]));
        assert!(
            matches!(only(&out, 1), Message::Result { details, .. } if details.contains_key("progress"))
        );
        invocation_of(&h.call(1, 5, "com.stream", Dict::new()), 2);
        let out = h.send(2, yield_(invocation, Dict::new(), vec![2.into()]));
        assert!(matches!(only(&out, 1), Message::Result { details, .. } if details.is_empty()));
    }

    #[test]
    fn a_continuation_after_the_call_ended_is_dropped() {
        let mut h = Harness::new(2);
        h.register(2, "com.upload", "exact");
        let options = dict(&[("progress", true.into())]);
        let (invocation, ..) = invocation_of(&h.call(1, 5, "com.upload", options.clone()), 2);
        let out = h.send(2, invocation_error(invocation, "com.error.too_big"));
        assert_eq!(
            error_of_any(only(&out, 1)),
            (MessageType::Call, "com.error.too_big")
        );
        assert!(h.call(1, 5, "com.upload", options).is_empty());
        assert!(h.call(1, 5, "com.upload", Dict::new()).is_empty());
        assert_eq!(h.realm.dealer().pending_call_count(), 0);
        // A new request ID is a new call.
        invocation_of(&h.call(1, 6, "com.upload", Dict::new()), 2);
    }

    #[test]
    fn progressive_invocations_need_both_sides_to_announce_them() {
        let mut h = Harness::new(1);
        join_plain(&mut h, 2);
        h.register(2, "com.x", "exact");
        let options = dict(&[("progress", true.into())]);
        let out = h.call(1, 1, "com.x", options.clone());
        assert_eq!(
            error_of(only(&out, 1)),
            (MessageType::Call, "wamp.error.feature_not_supported")
        );
        let call = Message::Call {
            request: id(2),
            options,
            procedure: uri("com.x"),
            payload: Payload::default(),
        };
        let mut out = Vec::new();
        let violation = h.realm.handle(id(2), call, &mut out).unwrap_err();
        assert_eq!(violation.reason.as_str(), "wamp.error.protocol_violation");
        assert!(out.is_empty());
    }

    #[test]
    fn a_request_id_in_flight_is_not_reused() {
        let mut h = Harness::new(2);
        h.register(2, "com.x", "exact");
        h.call(1, 5, "com.x", Dict::new());
        let call = Message::Call {
            request: id(5),
            options: Dict::new(),
            procedure: uri("com.x"),
            payload: Payload::default(),
        };
        let mut out = Vec::new();
        let violation = h.realm.handle(id(1), call, &mut out).unwrap_err();
        assert_eq!(violation.reason.as_str(), "wamp.error.protocol_violation");
        assert!(out.is_empty());
    }

    #[test]
    fn a_caller_leaving_mid_stream_interrupts_the_callee() {
        let mut h = Harness::new(2);
        h.register(2, "com.upload", "exact");
        let options = dict(&[("progress", true.into())]);
        let (invocation, ..) = invocation_of(&h.call(1, 5, "com.upload", options), 2);
        let (interrupted, options) = interrupt_of(only(&h.leave(1), 2));
        assert_eq!((interrupted, options), (invocation, mode("killnowait")));
        assert_eq!(h.realm.dealer().pending_call_count(), 0);
    }

    #[test]
    fn disclose_caller_on_the_registration() {
        let mut h = Harness::new(2);
        let options = dict(&[("disclose_caller", true.into())]);
        register_with(&mut h, 2, "com.x", options);
        let (_, _, details, _) = invocation_of(&h.call(1, 1, "com.x", Dict::new()), 2);
        assert_eq!(details["caller"], Value::from(1u64));
        assert_eq!(details["caller_authid"], Value::from("user1"));
        assert_eq!(details["caller_authrole"], Value::from("role1"));
    }

    #[test]
    fn wildcard_registrations_get_the_concrete_procedure() {
        let mut h = Harness::new(2);
        h.register(2, "com..get", "wildcard");
        let (_, _, details, _) = invocation_of(&h.call(1, 1, "com.user.get", Dict::new()), 2);
        assert_eq!(details["procedure"], Value::from("com.user.get"));
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
    fn a_caller_leaving_interrupts_its_calls() {
        let mut h = Harness::new(3);
        h.register(2, "com.slow", "exact");
        let (mine, ..) = invocation_of(&h.call(1, 10, "com.slow", Dict::new()), 2);
        let (theirs, ..) = invocation_of(&h.call(3, 10, "com.slow", Dict::new()), 2);
        assert_eq!(
            interrupt_of(only(&h.leave(1), 2)),
            (mine, dict(&[("mode", "killnowait".into())]))
        );
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
                ..RealmConfig::default()
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
    fn the_wamp_and_dev_router_namespaces_are_reserved() {
        let mut h = Harness::new(1);
        for procedure in [
            "wamp.session.count",
            "dev_router.trace.history",
            "dev_router.tracer",
        ] {
            let out = h.send(
                1,
                Message::Register {
                    request: id(1),
                    options: Dict::new(),
                    procedure: uri(procedure),
                },
            );
            assert_eq!(
                error_of(only(&out, 1)),
                (MessageType::Register, "wamp.error.invalid_uri"),
                "{procedure}"
            );
        }
        // Only the namespaces themselves: a component that merely contains the name is the
        // application's.
        h.register(1, "com.dev_router.tracer", "exact");
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

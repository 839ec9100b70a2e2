//! Caller and callee: `CALL`, `CANCEL`, `RESULT`; `REGISTER`, `UNREGISTER`, `INVOCATION`,
//! `INTERRUPT`, `YIELD` (spec: "Remote Procedure Calls"; advanced: "Progressive Call
//! Results", "Progressive Call Invocations", "Call Canceling", "Registration Revocation").

use crate::id::{Id, RequestId};
use crate::message::{Message, MessageType, Payload};
use crate::uri::{MatchPolicy, Uri};
use crate::value::{Dict, Value};

use super::ClientSession;
use super::error::ClientError;
use super::event::{Event, Invocation};
use super::options::{CallOptions, CancelMode, RegisterOptions};
use super::pending::{Pending, PendingCall, RunningInvocation};
use super::state::Registration;
use super::uri_check::check_uri;

fn progress_options(progress: bool) -> Dict {
    let mut options = Dict::new();
    if progress {
        options.insert("progress".to_owned(), Value::Bool(true));
    }
    options
}

/// Whether `details.<key>` is `true`.
fn flag(details: &Dict, key: &str) -> bool {
    details.get(key).and_then(Value::as_bool) == Some(true)
}

/// Application requests.
impl ClientSession {
    /// Calls `procedure`; the answer arrives as [`Event::Result`] (possibly several, with
    /// [`CallOptions::receive_progress`]) or [`Event::CallError`] with the returned request
    /// ID.
    ///
    /// With [`CallOptions::progress`] the call is a progressive call invocation: send further
    /// chunks with [`continue_call`](Self::continue_call).
    ///
    /// # Errors
    /// [`ClientError::InvalidUri`], [`ClientError::NotConnected`],
    /// [`ClientError::RoleNotAnnounced`] (`caller`), or [`ClientError::FeatureNotSupported`]
    /// when [`CallOptions::progress`] is set and the dealer does not announce
    /// `progressive_call_invocations`.
    pub fn call(
        &mut self,
        procedure: Uri,
        payload: Payload,
        options: CallOptions,
    ) -> Result<RequestId, ClientError> {
        check_uri(&procedure, "procedure", MatchPolicy::Exact)?;
        self.require_established()?;
        self.require_role(self.config.roles.caller, "caller")?;
        if options.progress {
            self.require_router_feature("dealer", "progressive_call_invocations")?;
        }
        let request = self.next_request();
        self.pending.insert(
            request,
            Pending::Call(PendingCall {
                procedure: procedure.clone(),
                streaming: options.progress,
                canceled: false,
            }),
        );
        self.transmit.push_back(Message::Call {
            request,
            options: options.to_dict(),
            procedure,
            payload,
        });
        Ok(request)
    }

    /// Sends the next chunk of a progressive call invocation started with
    /// [`CallOptions::progress`]: `CALL` with the same request ID and procedure. `progress:
    /// false` marks the last chunk. The options of the first `CALL` hold for every chunk.
    ///
    /// # Errors
    /// [`ClientError::NotConnected`]; [`ClientError::NoSuchCall`] when the call already
    /// ended (a race the driver may ignore); [`ClientError::CallNotProgressive`] when the call
    /// is not progressive, its last chunk was sent, or it was canceled.
    pub fn continue_call(
        &mut self,
        call: RequestId,
        payload: Payload,
        progress: bool,
    ) -> Result<(), ClientError> {
        self.require_established()?;
        let Some(Pending::Call(pending)) = self.pending.get_mut(&call) else {
            return Err(ClientError::NoSuchCall(call));
        };
        if !pending.streaming {
            return Err(ClientError::CallNotProgressive(call));
        }
        pending.streaming = progress;
        let procedure = pending.procedure.clone();
        self.transmit.push_back(Message::Call {
            request: call,
            options: progress_options(progress),
            procedure,
            payload,
        });
        Ok(())
    }

    /// Cancels a pending call: queues `CANCEL` with `mode`. The call stays pending until the
    /// dealer's `ERROR` (usually `wamp.error.canceled`) or, with [`CancelMode::Kill`], a
    /// `RESULT` that won the race. Canceling again does nothing.
    ///
    /// # Errors
    /// [`ClientError::NotConnected`]; [`ClientError::NoSuchCall`] when the call already ended
    /// (a race the driver may ignore); [`ClientError::FeatureNotSupported`] when the dealer
    /// does not announce `call_canceling`.
    pub fn cancel(&mut self, call: RequestId, mode: CancelMode) -> Result<(), ClientError> {
        self.require_established()?;
        if !matches!(self.pending.get(&call), Some(Pending::Call(_))) {
            return Err(ClientError::NoSuchCall(call));
        }
        self.require_router_feature("dealer", "call_canceling")?;
        let Some(Pending::Call(pending)) = self.pending.get_mut(&call) else {
            return Err(ClientError::NoSuchCall(call));
        };
        if pending.canceled {
            return Ok(());
        }
        pending.canceled = true;
        pending.streaming = false;
        let mut options = Dict::new();
        options.insert("mode".to_owned(), Value::from(mode.as_str()));
        self.transmit.push_back(Message::Cancel {
            request: call,
            options,
        });
        Ok(())
    }

    /// Registers `procedure` (a URI, or a pattern with [`RegisterOptions::match_policy`]);
    /// the answer arrives as [`Event::Registered`] or [`Event::RequestFailed`]. Calls then
    /// arrive as [`Event::Invocation`].
    ///
    /// Prefix patterns may end in `.`; wildcard patterns may have empty components anywhere.
    ///
    /// # Errors
    /// [`ClientError::InvalidUri`], [`ClientError::NotConnected`],
    /// [`ClientError::RoleNotAnnounced`] (`callee`).
    pub fn register(
        &mut self,
        procedure: Uri,
        options: RegisterOptions,
    ) -> Result<RequestId, ClientError> {
        check_uri(&procedure, "procedure", options.match_policy)?;
        self.require_established()?;
        self.require_role(self.config.roles.callee, "callee")?;
        let request = self.next_request();
        let wire_options = options.to_dict();
        self.pending.insert(
            request,
            Pending::Register {
                procedure: procedure.clone(),
                options,
            },
        );
        self.transmit.push_back(Message::Register {
            request,
            options: wire_options,
            procedure,
        });
        Ok(request)
    }

    /// Unregisters an active registration; the answer arrives as [`Event::Unregistered`] or
    /// [`Event::RequestFailed`]. Invocations may still arrive until then, and invocations
    /// already received must still be answered.
    ///
    /// # Errors
    /// [`ClientError::NotConnected`], [`ClientError::RoleNotAnnounced`] (`callee`),
    /// [`ClientError::NoSuchRegistration`].
    pub fn unregister(&mut self, registration: Id) -> Result<RequestId, ClientError> {
        self.require_established()?;
        self.require_role(self.config.roles.callee, "callee")?;
        if !self.registrations.contains_key(&registration) {
            return Err(ClientError::NoSuchRegistration(registration));
        }
        let request = self.next_request();
        self.pending
            .insert(request, Pending::Unregister { registration });
        self.transmit.push_back(Message::Unregister {
            request,
            registration,
        });
        Ok(request)
    }

    /// Answers an invocation with `YIELD`. With `progress`, this is a progressive result and
    /// the invocation stays open for more; without, it is the final answer.
    ///
    /// # Errors
    /// [`ClientError::NotConnected`]; [`ClientError::NoSuchInvocation`] when the invocation
    /// is unknown, already answered, or was interrupted with `killnowait` (a race the driver
    /// may ignore); [`ClientError::ProgressNotRequested`] for a progressive result the caller
    /// did not ask for.
    pub fn yield_result(
        &mut self,
        invocation: RequestId,
        payload: Payload,
        progress: bool,
    ) -> Result<(), ClientError> {
        self.require_established()?;
        let Some(running) = self.invocations.get(&invocation) else {
            return Err(ClientError::NoSuchInvocation(invocation));
        };
        if progress && !running.first.receive_progress {
            return Err(ClientError::ProgressNotRequested(invocation));
        }
        if !progress {
            self.end_invocation(invocation);
        }
        self.transmit.push_back(Message::Yield {
            request: invocation,
            options: progress_options(progress),
            payload,
        });
        Ok(())
    }

    /// Answers an invocation with `ERROR`: `error` is the error URI the caller receives (e.g.
    /// `wamp.error.invalid_argument`, `wamp.error.canceled` after an interrupt, or an
    /// application URI), with `payload` as its arguments.
    ///
    /// # Errors
    /// [`ClientError::InvalidUri`], [`ClientError::NotConnected`],
    /// [`ClientError::NoSuchInvocation`] (see [`yield_result`](Self::yield_result)).
    pub fn yield_error(
        &mut self,
        invocation: RequestId,
        error: Uri,
        payload: Payload,
    ) -> Result<(), ClientError> {
        check_uri(&error, "error", MatchPolicy::Exact)?;
        self.require_established()?;
        if !self.invocations.contains_key(&invocation) {
            return Err(ClientError::NoSuchInvocation(invocation));
        }
        self.end_invocation(invocation);
        self.transmit.push_back(Message::Error {
            request_type: MessageType::Invocation,
            request: invocation,
            details: Dict::new(),
            error,
            payload,
        });
        Ok(())
    }

    /// Forgets a running invocation; remembers it if its caller may still send chunks.
    fn end_invocation(&mut self, invocation: RequestId) {
        if let Some(running) = self.invocations.remove(&invocation)
            && running.caller_streaming
        {
            self.finished_streams.remember(invocation);
        }
    }
}

/// Router messages, while established.
impl ClientSession {
    pub(super) fn handle_result(
        &mut self,
        request: RequestId,
        details: Dict,
        payload: Payload,
    ) -> Result<(), ClientError> {
        match self.pending.get(&request) {
            Some(Pending::Call(_)) => {}
            Some(other) => {
                let kind = other.request_type();
                return Err(
                    self.violation(format!("RESULT for request {request}, which is a {kind}"))
                );
            }
            None => {
                return Err(self.violation(format!(
                    "RESULT for request {request}, which is not pending"
                )));
            }
        }
        // Lenient: a progressive result the caller did not ask for is still a progressive
        // result, and the call stays pending for the final one.
        let progress = flag(&details, "progress");
        if !progress {
            self.pending.remove(&request);
        }
        self.events.push_back(Event::Result {
            request,
            payload,
            details,
            progress,
        });
        Ok(())
    }

    pub(super) fn handle_registered(
        &mut self,
        request: RequestId,
        registration: Id,
    ) -> Result<(), ClientError> {
        let pending = self.take_pending("REGISTERED", request, MessageType::Register)?;
        let Pending::Register { procedure, options } = pending else {
            return Ok(()); // take_pending checked the kind
        };
        self.registrations.insert(
            registration,
            Registration {
                registration,
                procedure,
                options,
            },
        );
        self.events.push_back(Event::Registered {
            request,
            registration,
        });
        Ok(())
    }

    pub(super) fn handle_unregistered(
        &mut self,
        request: Option<RequestId>,
        details: Dict,
    ) -> Result<(), ClientError> {
        let Some(request) = request else {
            return self.handle_registration_revoked(details);
        };
        let pending = self.take_pending("UNREGISTERED", request, MessageType::Unregister)?;
        let Pending::Unregister { registration } = pending else {
            return Ok(()); // take_pending checked the kind
        };
        self.registrations.remove(&registration);
        self.events.push_back(Event::Unregistered {
            request,
            registration,
        });
        Ok(())
    }

    /// `[UNREGISTERED, 0, {"registration": id, "reason": ...}]` (advanced: "Registration
    /// Revocation").
    fn handle_registration_revoked(&mut self, details: Dict) -> Result<(), ClientError> {
        let Some(registration) = details
            .get("registration")
            .and_then(Value::as_u64)
            .and_then(Id::new)
        else {
            return Err(self.violation(
                "UNREGISTERED without a request ID must name Details.registration".to_owned(),
            ));
        };
        // Unknown: it crossed our own UNREGISTER; nothing is left to revoke.
        if self.registrations.remove(&registration).is_some() {
            let reason = details
                .get("reason")
                .and_then(Value::as_str)
                .map(str::to_owned);
            self.events.push_back(Event::RegistrationRevoked {
                registration,
                reason,
                details,
            });
        }
        Ok(())
    }

    pub(super) fn handle_invocation(
        &mut self,
        request: RequestId,
        registration: Id,
        details: Dict,
        payload: Payload,
    ) -> Result<(), ClientError> {
        if let Some(running) = self.invocations.get_mut(&request) {
            if !running.caller_streaming {
                return Err(self.violation(format!(
                    "INVOCATION reuses request ID {request} of an invocation that is still running"
                )));
            }
            if running.first.registration != registration {
                return Err(self.violation(format!(
                    "a chunk of progressive INVOCATION {request} names another registration"
                )));
            }
            running.caller_streaming = flag(&details, "progress");
            let invocation = Invocation {
                payload,
                progress: running.caller_streaming,
                continuation: true,
                details,
                ..running.first.clone()
            };
            self.events.push_back(Event::Invocation(invocation));
            return Ok(());
        }
        if self.finished_streams.contains(request) {
            // A chunk that crossed our final answer (spec: "Continuations on Completed
            // Calls"): drop it.
            return Ok(());
        }
        let Some(registered) = self.registrations.get(&registration) else {
            return Err(self.violation(format!(
                "INVOCATION for registration {registration}, which is not active"
            )));
        };
        let invocation = Invocation::new(
            request,
            registration,
            &registered.procedure,
            details,
            payload,
        );
        let first = Invocation {
            payload: Payload::default(),
            details: Dict::new(),
            ..invocation.clone()
        };
        self.invocations.insert(
            request,
            RunningInvocation {
                caller_streaming: invocation.progress,
                first,
            },
        );
        self.events.push_back(Event::Invocation(invocation));
        Ok(())
    }

    /// An `INTERRUPT` for an invocation we already answered crossed our answer on the wire:
    /// it is ignored.
    pub(super) fn handle_interrupt(&mut self, request: RequestId, options: Dict) {
        if !self.invocations.contains_key(&request) {
            return;
        }
        let mode = options
            .get("mode")
            .and_then(Value::as_str)
            .and_then(CancelMode::from_option)
            .unwrap_or_default();
        if mode == CancelMode::KillNoWait {
            // The dealer ignores any answer now (spec: "Call Canceling").
            self.end_invocation(request);
        }
        self.events.push_back(Event::Interrupt {
            request,
            mode,
            options,
        });
    }
}

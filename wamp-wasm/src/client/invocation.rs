//! [`Invocation`]: one call of a registered procedure, for its handler to answer.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wamp_proto::{Dict, List, Payload, Uri, Value};

use crate::error::{Error, WampError};

use super::driver::Shared;

/// A listener for the further chunks of a progressive call invocation.
type ChunkListener = Box<dyn Fn(Payload, bool)>;

/// Whether the caller canceled, and who wants to know; further chunks of a progressive call
/// invocation, and who receives them.
#[derive(Default)]
pub(crate) struct InvocationState {
    interrupted: Cell<bool>,
    on_interrupt: RefCell<Vec<Box<dyn FnOnce()>>>,
    /// Chunks that arrived before anyone listened, each with "more follow".
    chunks: RefCell<Vec<(Payload, bool)>>,
    on_chunk: RefCell<Option<ChunkListener>>,
}

impl InvocationState {
    /// The caller canceled, or the session ended.
    pub(crate) fn interrupt(&self) {
        if self.interrupted.replace(true) {
            return;
        }
        let callbacks = std::mem::take(&mut *self.on_interrupt.borrow_mut());
        for callback in callbacks {
            callback();
        }
    }

    /// A further chunk of a progressive call invocation; `more`: others follow.
    pub(crate) fn chunk(&self, payload: Payload, more: bool) {
        // `try_borrow`: a listener being replaced right now gets the chunk with the rest.
        match self.on_chunk.try_borrow().as_deref() {
            Ok(Some(listener)) => listener(payload, more),
            _ => self.chunks.borrow_mut().push((payload, more)),
        }
    }
}

/// One call of a registered procedure.
///
/// Answer it once with [`reply`](Invocation::reply); progressive results go first through
/// [`progress`](Invocation::progress). An `Invocation` dropped without an answer answers
/// `wamp.error.runtime_error`, so that no caller waits forever.
pub struct Invocation {
    shared: Rc<Shared>,
    generation: u64,
    info: wamp_proto::client::Invocation,
    state: Rc<InvocationState>,
    answered: bool,
}

impl Invocation {
    pub(super) fn new(
        shared: Rc<Shared>,
        generation: u64,
        info: wamp_proto::client::Invocation,
        state: Rc<InvocationState>,
    ) -> Self {
        Invocation {
            shared,
            generation,
            info,
            state,
            answered: false,
        }
    }

    /// What the router said: procedure, arguments, caller, details.
    pub fn info(&self) -> &wamp_proto::client::Invocation {
        &self.info
    }

    /// The positional arguments.
    pub fn args(&self) -> &List {
        &self.info.payload.args
    }

    /// The keyword arguments.
    pub fn kwargs(&self) -> &Dict {
        &self.info.payload.kwargs
    }

    /// Whether the caller accepts progressive results.
    pub fn receive_progress(&self) -> bool {
        self.info.receive_progress
    }

    /// Whether the caller sends this call in chunks (a progressive call invocation,
    /// `INVOCATION.Details.progress`): [`on_chunk`](Invocation::on_chunk) receives the
    /// chunks after this first one.
    pub fn is_progressive(&self) -> bool {
        self.info.progress
    }

    /// Receives the further chunks of a progressive call invocation, each with whether more
    /// follow (`false` for the caller's last chunk); chunks that came before are passed at
    /// once. Chunks that arrive after the answer are dropped, as the spec says.
    pub fn on_chunk(&self, listener: impl Fn(Payload, bool) + 'static) {
        let early = std::mem::take(&mut *self.state.chunks.borrow_mut());
        for (payload, more) in early {
            listener(payload, more);
        }
        *self.state.on_chunk.borrow_mut() = Some(Box::new(listener));
    }

    /// Whether the caller canceled the call (or the session ended). The caller has its
    /// answer then; a later [`reply`](Invocation::reply) is dropped.
    pub fn is_interrupted(&self) -> bool {
        self.state.interrupted.get()
    }

    /// Runs `callback` when the call is interrupted (at once if it was already).
    pub fn on_interrupt(&self, callback: impl FnOnce() + 'static) {
        if self.is_interrupted() {
            callback();
        } else {
            self.state
                .on_interrupt
                .borrow_mut()
                .push(Box::new(callback));
        }
    }

    /// Sends a progressive result.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the caller did not ask for progressive results.
    /// After an interrupt, or once the session is gone, it does nothing.
    pub fn progress(&self, payload: Payload) -> Result<(), Error> {
        let outcome = {
            let Ok(mut inner) = self.shared.inner.try_borrow_mut() else {
                return Ok(());
            };
            if inner.generation != self.generation
                || !inner.invocations.contains_key(&self.info.request)
            {
                return Ok(());
            }
            match inner.session_mut() {
                Some(session) => session.yield_result(self.info.request, payload, true),
                None => return Ok(()),
            }
        };
        self.shared.pump();
        outcome.map_err(Error::from)
    }

    /// Answers the call: with a result, or with an error URI and its arguments. An error
    /// URI that is not valid is replaced by `wamp.error.runtime_error`, naming it.
    pub fn reply(mut self, result: Result<Payload, WampError>) {
        self.answered = true;
        self.answer(result);
    }

    fn answer(&self, result: Result<Payload, WampError>) {
        {
            let Ok(mut inner) = self.shared.inner.try_borrow_mut() else {
                return;
            };
            if inner.generation != self.generation
                || inner.invocations.remove(&self.info.request).is_none()
            {
                // Interrupted, or the session ended: the caller has its answer.
                return;
            }
            let request = self.info.request;
            let Some(session) = inner.session_mut() else {
                return;
            };
            match result {
                Ok(payload) => drop(session.yield_result(request, payload, false)),
                Err(error) => {
                    let payload = Payload {
                        args: error.args,
                        kwargs: error.kwargs,
                    };
                    if let Err(refused) = session.yield_error(request, Uri::new(error.uri), payload)
                    {
                        let message =
                            format!("the procedure failed with an invalid error: {refused}");
                        let fallback = Payload::args(vec![Value::from(message)]);
                        let _ = session.yield_error(request, Uri::new(RUNTIME_ERROR), fallback);
                    }
                }
            }
        }
        self.shared.pump();
    }
}

/// What a callee answers when its handler failed in a way that has no URI of its own.
pub(crate) const RUNTIME_ERROR: &str = "wamp.error.runtime_error";

impl Drop for Invocation {
    fn drop(&mut self) {
        if !self.answered {
            self.answered = true;
            self.answer(Err(WampError::new(
                RUNTIME_ERROR,
                "the procedure's handler ended without an answer",
            )));
        }
    }
}

impl std::fmt::Debug for Invocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invocation")
            .field("info", &self.info)
            .field("interrupted", &self.is_interrupted())
            .finish()
    }
}

//! [`Reply`]: the future of one request's answer, and the [`Completer`] that fills it.
//!
//! A single-threaded one-shot channel: everything here runs on the one JavaScript thread.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::error::Error;

/// Who waits: a task (`waker`), or a callback ([`Reply::on_complete`]).
type Callback<T> = Box<dyn FnOnce(Result<T, Error>)>;

struct Slot<T> {
    value: Option<Result<T, Error>>,
    waker: Option<Waker>,
    callback: Option<Callback<T>>,
}

/// The answer to a request, once it arrives: `await` it.
///
/// The request was already sent (or refused) when the method that returned this came back:
/// dropping a `Reply` does not cancel anything, it only ignores the answer.
#[must_use = "a Reply does nothing unless awaited; the request was sent already"]
pub struct Reply<T> {
    slot: Rc<RefCell<Slot<T>>>,
}

impl<T> std::fmt::Debug for Reply<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ready = self.slot.borrow().value.is_some();
        f.debug_struct("Reply").field("ready", &ready).finish()
    }
}

/// Fills a [`Reply`]. Dropped without [`complete`](Completer::complete), it fails the reply
/// with a connection error, so that no `await` hangs forever.
pub(crate) struct Completer<T> {
    slot: Option<Rc<RefCell<Slot<T>>>>,
}

impl<T> Reply<T> {
    /// A reply and the completer that fills it.
    pub(crate) fn pair() -> (Completer<T>, Reply<T>) {
        let slot = Rc::new(RefCell::new(Slot {
            value: None,
            waker: None,
            callback: None,
        }));
        (
            Completer {
                slot: Some(slot.clone()),
            },
            Reply { slot },
        )
    }

    /// A reply that is ready already.
    pub(crate) fn ready(value: Result<T, Error>) -> Reply<T> {
        let (completer, reply) = Reply::pair();
        completer.complete(value);
        reply
    }

    /// A reply that failed already.
    pub(crate) fn failed(error: impl Into<Error>) -> Reply<T> {
        Reply::ready(Err(error.into()))
    }

    /// The answer, if it is there already.
    pub(crate) fn take_ready(&self) -> Option<Result<T, Error>> {
        self.slot.borrow_mut().value.take()
    }

    /// Calls `callback` with the answer (at once if it is there), instead of being awaited:
    /// no executor needed. The callback may run while the session is busy: it must not make
    /// requests (they would fail as "busy"); settling a JavaScript promise or adding a
    /// listener is fine.
    pub(crate) fn on_complete(self, callback: impl FnOnce(Result<T, Error>) + 'static) {
        let mut slot = self.slot.borrow_mut();
        match slot.value.take() {
            Some(value) => {
                drop(slot);
                callback(value);
            }
            None => slot.callback = Some(Box::new(callback)),
        }
    }
}

impl<T> Completer<T> {
    /// Fills the reply and wakes its task.
    pub(crate) fn complete(mut self, value: Result<T, Error>) {
        if let Some(slot) = self.slot.take() {
            fill(&slot, value);
        }
    }
}

fn fill<T>(slot: &RefCell<Slot<T>>, value: Result<T, Error>) {
    let callback = slot.borrow_mut().callback.take();
    if let Some(callback) = callback {
        callback(value);
        return;
    }
    let waker = {
        let mut slot = slot.borrow_mut();
        slot.value = Some(value);
        slot.waker.take()
    };
    if let Some(waker) = waker {
        waker.wake();
    }
}

impl<T> Drop for Completer<T> {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            fill(
                &slot,
                Err(Error::connection(
                    "the request was abandoned before an answer",
                )),
            );
        }
    }
}

impl<T> Future for Reply<T> {
    type Output = Result<T, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.slot.borrow_mut();
        match slot.value.take() {
            Some(value) => Poll::Ready(value),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

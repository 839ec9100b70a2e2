//! [`CancelToken`]: how the application cancels a call.

use std::cell::RefCell;
use std::rc::Rc;

#[derive(Default)]
struct State {
    canceled: bool,
    callbacks: Vec<Box<dyn FnOnce()>>,
}

/// Cancels the calls it was given to (in [`CallOptions::cancel`](crate::CallOptions)):
/// [`cancel`](CancelToken::cancel) fails them at once with `wamp.error.canceled` and sends
/// `CANCEL` to the router. Clones share the state.
#[derive(Clone, Default)]
pub struct CancelToken {
    state: Rc<RefCell<State>>,
}

impl CancelToken {
    /// A token that is not canceled.
    pub fn new() -> Self {
        CancelToken::default()
    }

    /// Cancels every call this token was given to. Does nothing the second time.
    pub fn cancel(&self) {
        let callbacks = {
            let mut state = self.state.borrow_mut();
            if state.canceled {
                return;
            }
            state.canceled = true;
            std::mem::take(&mut state.callbacks)
        };
        for callback in callbacks {
            callback();
        }
    }

    /// Whether [`cancel`](CancelToken::cancel) was called.
    pub fn is_canceled(&self) -> bool {
        self.state.borrow().canceled
    }

    /// Runs `callback` on cancel (at once if canceled already).
    pub(crate) fn on_cancel(&self, callback: impl FnOnce() + 'static) {
        let mut state = self.state.borrow_mut();
        if state.canceled {
            drop(state);
            callback();
        } else {
            state.callbacks.push(Box::new(callback));
        }
    }
}

impl std::fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CancelToken")
            .field("canceled", &self.is_canceled())
            .finish()
    }
}

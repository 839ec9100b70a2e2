//! Bookkeeping of outstanding requests (ours, waiting for the router) and running
//! invocations (the router's, waiting for us), so that every reply maps back to what it
//! answers and nothing is left hanging when the session ends.

use std::collections::VecDeque;

use crate::id::{Id, RequestId};
use crate::message::{MessageType, Payload};
use crate::uri::Uri;
use crate::value::{Dict, Value};

use super::event::{Event, Invocation};
use super::options::{RegisterOptions, SubscribeOptions};

/// A request this session sent and the router has not finished answering.
#[derive(Debug, Clone)]
pub(crate) enum Pending {
    Call(PendingCall),
    Register {
        procedure: Uri,
        options: RegisterOptions,
    },
    Unregister {
        registration: Id,
    },
    Subscribe {
        topic: Uri,
        options: SubscribeOptions,
    },
    Unsubscribe {
        subscription: Id,
    },
    /// Only acknowledged publications wait for an answer.
    Publish,
}

/// A call waiting for its final `RESULT` or `ERROR`.
#[derive(Debug, Clone)]
pub(crate) struct PendingCall {
    /// Repeated in every progressive `CALL` chunk.
    pub(crate) procedure: Uri,
    /// Whether more progressive `CALL` chunks may follow.
    pub(crate) streaming: bool,
    /// Whether `CANCEL` was sent; a second cancel sends nothing.
    pub(crate) canceled: bool,
}

impl Pending {
    /// The message type that an `ERROR` for this request names in `REQUEST.Type`.
    pub(crate) fn request_type(&self) -> MessageType {
        match self {
            Pending::Call(_) => MessageType::Call,
            Pending::Register { .. } => MessageType::Register,
            Pending::Unregister { .. } => MessageType::Unregister,
            Pending::Subscribe { .. } => MessageType::Subscribe,
            Pending::Unsubscribe { .. } => MessageType::Unsubscribe,
            Pending::Publish => MessageType::Publish,
        }
    }

    /// The terminal event for this request when the router answered with `ERROR`.
    pub(crate) fn failed(
        &self,
        request: RequestId,
        error: Uri,
        payload: Payload,
        details: Dict,
    ) -> Event {
        match self {
            Pending::Call(_) => Event::CallError {
                request,
                error,
                payload,
                details,
            },
            _ => Event::RequestFailed {
                request,
                request_type: self.request_type(),
                error,
                payload,
                details,
            },
        }
    }

    /// The terminal event for this request when the session ends before an answer: the close
    /// reason as the error URI, `message` as the only argument.
    pub(crate) fn abandoned(&self, request: RequestId, reason: &Uri, message: &str) -> Event {
        self.failed(
            request,
            reason.clone(),
            Payload::args(vec![Value::from(message)]),
            Dict::new(),
        )
    }
}

/// An invocation this session received and has not answered yet.
#[derive(Debug, Clone)]
pub(crate) struct RunningInvocation {
    /// The first chunk without its payload: its procedure, caller, `receive_progress` and
    /// timeout hold for every later chunk (spec: "Progressive Call Invocations", "Freezing
    /// of Options").
    pub(crate) first: Invocation,
    /// Whether the caller is still sending progressive chunks.
    pub(crate) caller_streaming: bool,
}

/// How many finished progressive invocations to remember (see [`FinishedStreams`]).
const FINISHED_STREAMS: usize = 64;

/// Progressive invocations that this session finished while their caller was still sending
/// chunks. A chunk that crosses our final answer on the wire must be dropped silently (spec:
/// "Progressive Call Invocations", "Continuations on Completed Calls"), not mistaken for a
/// new invocation. Only the most recent few are remembered: no clock means no grace period,
/// and a chunk that late would be a router bug.
#[derive(Debug, Clone, Default)]
pub(crate) struct FinishedStreams {
    requests: VecDeque<RequestId>,
}

impl FinishedStreams {
    pub(crate) fn remember(&mut self, request: RequestId) {
        if self.requests.len() == FINISHED_STREAMS {
            self.requests.pop_front();
        }
        self.requests.push_back(request);
    }

    pub(crate) fn contains(&self, request: RequestId) -> bool {
        self.requests.contains(&request)
    }

    pub(crate) fn clear(&mut self) {
        self.requests.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finished_streams_are_bounded() {
        let mut finished = FinishedStreams::default();
        for n in 1..=(FINISHED_STREAMS as u64 + 1) {
            finished.remember(Id::new(n).unwrap());
        }
        assert!(!finished.contains(Id::new(1).unwrap()));
        assert!(finished.contains(Id::new(2).unwrap()));
        assert!(finished.contains(Id::new(FINISHED_STREAMS as u64 + 1).unwrap()));
        finished.clear();
        assert!(!finished.contains(Id::new(2).unwrap()));
    }

    #[test]
    fn abandoned_requests_fail_with_the_close_reason() {
        let request = Id::new(3).unwrap();
        let reason = Uri::new("wamp.close.transport_lost");
        let call = Pending::Call(PendingCall {
            procedure: Uri::new("com.a"),
            streaming: false,
            canceled: false,
        });
        assert_eq!(
            call.abandoned(request, &reason, "lost"),
            Event::CallError {
                request,
                error: reason.clone(),
                payload: Payload::args(vec![Value::from("lost")]),
                details: Dict::new(),
            }
        );
        let Event::RequestFailed { request_type, .. } =
            Pending::Publish.abandoned(request, &reason, "lost")
        else {
            panic!("not RequestFailed");
        };
        assert_eq!(request_type, MessageType::Publish);
    }
}

//! WAMP IDs: integers in `1..=2^53`, so that they are exact in every serializer and in
//! JavaScript numbers (spec: "Identifiers").
//!
//! Global-scope IDs (sessions, publications) are drawn at random; router- and session-scope
//! IDs (requests, subscriptions, registrations) count up. This crate has no randomness of its
//! own (it is sans-IO): callers pass random bits in.

use std::fmt;

/// A WAMP ID, always in `1..=2^53`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(u64);

/// A session's ID (global scope, random).
pub type SessionId = Id;
/// A request ID (session scope, sequential).
pub type RequestId = Id;

impl Id {
    /// The largest valid ID, `2^53`.
    pub const MAX: u64 = 1 << 53;

    /// The ID, if `value` is in `1..=2^53`.
    pub fn new(value: u64) -> Option<Id> {
        (1..=Self::MAX).contains(&value).then_some(Id(value))
    }

    /// A global-scope ID from 64 random bits, uniformly distributed over `1..=2^53`.
    pub fn from_random(bits: u64) -> Id {
        Id((bits & (Self::MAX - 1)) + 1)
    }

    /// The ID as an integer.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<Id> for u64 {
    fn from(id: Id) -> u64 {
        id.0
    }
}

/// Sequential IDs for session or router scope: 1, 2, 3, ... wrapping back to 1 after `2^53`.
#[derive(Debug, Clone, Default)]
pub struct IdSequence {
    last: u64,
}

impl IdSequence {
    /// A sequence whose first ID is 1.
    pub fn new() -> Self {
        IdSequence { last: 0 }
    }

    /// The next ID.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Id {
        self.last = if self.last >= Id::MAX {
            1
        } else {
            self.last + 1
        };
        Id(self.last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_is_enforced() {
        assert_eq!(Id::new(0), None);
        assert_eq!(Id::new(1).map(Id::get), Some(1));
        assert_eq!(Id::new(Id::MAX).map(Id::get), Some(Id::MAX));
        assert_eq!(Id::new(Id::MAX + 1), None);
    }

    #[test]
    fn random_ids_stay_in_range() {
        for bits in [0, 1, u64::MAX, Id::MAX, Id::MAX - 1, 0x8000_0000_0000_0000] {
            let id = Id::from_random(bits).get();
            assert!((1..=Id::MAX).contains(&id), "{bits:#x} -> {id}");
        }
    }

    #[test]
    fn sequence_counts_up_and_wraps() {
        let mut seq = IdSequence::new();
        assert_eq!(seq.next().get(), 1);
        assert_eq!(seq.next().get(), 2);
        seq.last = Id::MAX - 1;
        assert_eq!(seq.next().get(), Id::MAX);
        assert_eq!(seq.next().get(), 1);
    }
}

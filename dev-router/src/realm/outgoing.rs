//! Encode once, send many: a message shared by every recipient, encoded at most once per
//! serializer.

use std::fmt;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use wamp_proto::{Message, Serializer};

use super::About;

/// A message on its way to one or more sessions.
///
/// Cloning is an `Arc` clone: every recipient of one EVENT holds the same `Outgoing`, and the
/// first connection that needs the bytes for its serializer encodes them for all the others.
#[derive(Clone)]
pub struct Outgoing(Arc<Inner>);

struct Inner {
    message: Message,
    /// The subscription or registration it belongs to, when the message does not name it
    /// (RESULT): for the trace.
    about: Option<About>,
    /// One slot per [`Serializer`], in the order of [`slot`].
    encoded: [OnceLock<Bytes>; 3],
}

impl Outgoing {
    /// Wraps a message; nothing is encoded yet.
    pub fn new(message: Message) -> Self {
        Outgoing(Arc::new(Inner {
            message,
            about: None,
            encoded: Default::default(),
        }))
    }

    /// Wraps a message that belongs to `about` without naming it (see [`About`]).
    pub fn about(message: Message, about: About) -> Self {
        Outgoing(Arc::new(Inner {
            message,
            about: Some(about),
            encoded: Default::default(),
        }))
    }

    /// The message.
    pub fn message(&self) -> &Message {
        &self.0.message
    }

    /// The subscription or registration the message belongs to: as given to
    /// [`Outgoing::about`], or as the message names it ([`About::of`]).
    pub fn subject(&self) -> Option<About> {
        self.0.about.or_else(|| About::of(&self.0.message))
    }

    /// The message encoded with `serializer`: encoded on first use, then shared by every
    /// clone of this `Outgoing` (cloning the returned [`Bytes`] is a reference-count bump).
    pub fn encoded(&self, serializer: Serializer) -> Bytes {
        self.encoded_ref(serializer).clone()
    }

    /// [`Outgoing::encoded`], borrowed.
    pub(crate) fn encoded_ref(&self, serializer: Serializer) -> &Bytes {
        self.0.encoded[slot(serializer)]
            .get_or_init(|| Bytes::from(serializer.encode(&self.0.message)))
    }

    /// Whether `self` and `other` are clones of the same `Outgoing`.
    pub fn ptr_eq(&self, other: &Outgoing) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// The address of the shared message: the same for every clone, and unique among the
    /// `Outgoing`s alive at one time (a later one may get the address of one dropped).
    pub(crate) fn address(&self) -> usize {
        Arc::as_ptr(&self.0).addr()
    }
}

impl From<Message> for Outgoing {
    fn from(message: Message) -> Self {
        Outgoing::new(message)
    }
}

impl fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Outgoing").field(&self.0.message).finish()
    }
}

fn slot(serializer: Serializer) -> usize {
    match serializer {
        Serializer::Json => 0,
        Serializer::MsgPack => 1,
        Serializer::Cbor => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wamp_proto::Id;

    fn message() -> Message {
        let id = Id::new(1).unwrap();
        Message::Published {
            request: id,
            publication: id,
        }
    }

    #[test]
    fn clones_share_the_message() {
        let a = Outgoing::new(message());
        let b = a.clone();
        assert!(a.ptr_eq(&b));
        assert!(!a.ptr_eq(&Outgoing::new(message())));
        assert_eq!(b.message(), &message());
        assert!(format!("{a:?}").contains("Published"));
    }

    #[test]
    fn encodes_once_per_serializer() {
        let a = Outgoing::new(message());
        let b = a.clone();
        for serializer in Serializer::ALL {
            let first = a.encoded(serializer);
            assert_eq!(first, Bytes::from(serializer.encode(&message())));
            assert_eq!(
                a.encoded(serializer).as_ptr(),
                first.as_ptr(),
                "encoded again"
            );
            assert_eq!(
                b.encoded(serializer).as_ptr(),
                first.as_ptr(),
                "not shared by clones"
            );
        }
    }
}

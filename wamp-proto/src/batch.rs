//! Batched WebSocket framing: several WAMP messages in one WebSocket message.
//!
//! Spec: "Message Batching" of the WebSocket transport. A peer that offers the subprotocol
//! `wamp.2.json.batched` (or `wamp.2.msgpack.batched`, `wamp.2.cbor.batched`, as Crossbar.io
//! and Autobahn name the third) agrees to receive any number of messages per WebSocket
//! message, and sends them that way:
//!
//! ```text
//! JSON:              message | 0x1E | message | 0x1E | ...
//! MessagePack, CBOR: length (u32, big-endian) | message | length | message | ...
//! ```
//!
//! Autobahn and Crossbar.io end each JSON message with 0x18 instead ([`AUTOBAHN_SEPARATOR`]:
//! their `'\30'` is an octal escape, where the spec means decimal 30). Neither byte can
//! appear unescaped in JSON text, so [`next`] takes either as the end of a message and
//! reports which it saw ([`Piece::separator`]); a writer that answers such a peer can then
//! write what it reads ([`append_with`]).
//!
//! What it saves is the cost per WebSocket message, which in a browser is the larger part
//! of a small message's cost (an event dispatched to JavaScript, a copy between processes).
//!
//! ```
//! use wamp_proto::Serializer;
//! use wamp_proto::batch::{self, Subprotocol};
//!
//! let protocol = Subprotocol::parse("wamp.2.msgpack.batched").unwrap();
//! assert_eq!(protocol, Subprotocol { serializer: Serializer::MsgPack, batched: true });
//!
//! let mut frame = Vec::new();
//! batch::append(Serializer::Json, &mut frame, b"[1]");
//! batch::append(Serializer::Json, &mut frame, b"[2]");
//! assert_eq!(frame, b"[1]\x1e[2]\x1e");
//! let messages: Vec<&[u8]> = batch::messages(Serializer::Json, &frame)
//!     .collect::<Result<_, _>>()
//!     .unwrap();
//! assert_eq!(messages, [&b"[1]"[..], &b"[2]"[..]]);
//! ```

use std::ops::Range;

use crate::error::ProtocolError;
use crate::serializer::Serializer;

/// What ends each message of a batched JSON frame: ASCII's record separator, which valid
/// JSON text never contains unescaped.
pub const RECORD_SEPARATOR: u8 = 0x1E;

/// What Autobahn and Crossbar.io end each message of a batched JSON frame with (0x18, ASCII's
/// cancel); also never unescaped in JSON text. Read like [`RECORD_SEPARATOR`].
pub const AUTOBAHN_SEPARATOR: u8 = 0x18;

/// A WAMP WebSocket subprotocol: a serializer, one message per WebSocket message or batched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Subprotocol {
    /// The serializer.
    pub serializer: Serializer,
    /// Whether a WebSocket message carries any number of WAMP messages ([`append`],
    /// [`messages`]).
    pub batched: bool,
}

impl Subprotocol {
    /// Every subprotocol, in a router's order of preference when a client offers several
    /// with the same preference: by serializer ([`Serializer::ALL`]), unbatched first.
    pub const ALL: [Subprotocol; 6] = [
        Subprotocol::single(Serializer::Json),
        Subprotocol::batched(Serializer::Json),
        Subprotocol::single(Serializer::MsgPack),
        Subprotocol::batched(Serializer::MsgPack),
        Subprotocol::single(Serializer::Cbor),
        Subprotocol::batched(Serializer::Cbor),
    ];

    /// One message per WebSocket message.
    pub const fn single(serializer: Serializer) -> Subprotocol {
        Subprotocol {
            serializer,
            batched: false,
        }
    }

    /// Any number of messages per WebSocket message.
    pub const fn batched(serializer: Serializer) -> Subprotocol {
        Subprotocol {
            serializer,
            batched: true,
        }
    }

    /// The name, e.g. `"wamp.2.json"` or `"wamp.2.cbor.batched"`.
    pub fn name(self) -> &'static str {
        match (self.serializer, self.batched) {
            (Serializer::Json, false) => "wamp.2.json",
            (Serializer::Json, true) => "wamp.2.json.batched",
            (Serializer::MsgPack, false) => "wamp.2.msgpack",
            (Serializer::MsgPack, true) => "wamp.2.msgpack.batched",
            (Serializer::Cbor, false) => "wamp.2.cbor",
            (Serializer::Cbor, true) => "wamp.2.cbor.batched",
        }
    }

    /// The subprotocol of a name; `None` for names that are not ours.
    pub fn parse(name: &str) -> Option<Subprotocol> {
        Subprotocol::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// Appends one encoded message to a batched frame.
///
/// A message of 4 GiB or more cannot be framed for MessagePack or CBOR (its length has 32
/// bits); no router or client here gets near that (their message size limits are far
/// lower), and such a message is written with its length cut, which the peer then rejects.
pub fn append(serializer: Serializer, frame: &mut Vec<u8>, message: &[u8]) {
    append_with(serializer, frame, message, RECORD_SEPARATOR);
}

/// [`append`], ending a JSON message with `separator` ([`RECORD_SEPARATOR`] or
/// [`AUTOBAHN_SEPARATOR`]); binary serializers ignore it.
pub fn append_with(serializer: Serializer, frame: &mut Vec<u8>, message: &[u8], separator: u8) {
    if serializer.is_text() {
        frame.reserve(message.len() + 1);
        frame.extend_from_slice(message);
        frame.push(separator);
    } else {
        let length = u32::try_from(message.len()).unwrap_or(u32::MAX);
        frame.reserve(message.len() + 4);
        frame.extend_from_slice(&length.to_be_bytes());
        frame.extend_from_slice(message);
    }
}

/// The first message of what is left of a batched frame: its place in `rest`, and how much
/// of `rest` it takes with its framing; `None` once nothing is left.
///
/// A JSON message ends at [`RECORD_SEPARATOR`] or [`AUTOBAHN_SEPARATOR`]. A JSON frame's
/// last message may lack its separator (it is taken as it is); an empty JSON message (two
/// separators in a row) is returned as it is, for the decoder to refuse.
///
/// # Errors
/// [`ProtocolError::Malformed`] when a binary frame ends inside a length or a message.
pub fn next(serializer: Serializer, rest: &[u8]) -> Result<Option<Piece>, ProtocolError> {
    if rest.is_empty() {
        return Ok(None);
    }
    if serializer.is_text() {
        return Ok(Some(
            match rest
                .iter()
                .position(|&b| b == RECORD_SEPARATOR || b == AUTOBAHN_SEPARATOR)
            {
                Some(end) => Piece {
                    message: 0..end,
                    taken: end + 1,
                    separator: Some(rest[end]),
                },
                None => Piece {
                    message: 0..rest.len(),
                    taken: rest.len(),
                    separator: None,
                },
            },
        ));
    }
    let Some((length, after)) = rest.split_first_chunk::<4>() else {
        return Err(cut(serializer, rest.len(), "of a message's 4-byte length"));
    };
    let length = u32::from_be_bytes(*length) as usize;
    if after.len() < length {
        return Err(cut(
            serializer,
            after.len(),
            &format!("of a message announced as {length} bytes"),
        ));
    }
    Ok(Some(Piece {
        message: 4..4 + length,
        taken: 4 + length,
        separator: None,
    }))
}

/// One message of a batched frame, as [`next`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// Where the message is, within what [`next`] was given.
    pub message: Range<usize>,
    /// How many bytes the message and its framing take.
    pub taken: usize,
    /// JSON: the byte that ended the message ([`RECORD_SEPARATOR`] or
    /// [`AUTOBAHN_SEPARATOR`]), `None` for a frame's unterminated last message and for the
    /// binary serializers.
    pub separator: Option<u8>,
}

/// The messages of a batched frame, in order; after an error, nothing more.
pub fn messages(
    serializer: Serializer,
    frame: &[u8],
) -> impl Iterator<Item = Result<&[u8], ProtocolError>> {
    let mut rest = frame;
    let mut failed = false;
    std::iter::from_fn(move || {
        if failed {
            return None;
        }
        match next(serializer, rest) {
            Ok(Some(piece)) => {
                let message = &rest[piece.message];
                rest = &rest[piece.taken..];
                Some(Ok(message))
            }
            Ok(None) => None,
            Err(error) => {
                failed = true;
                Some(Err(error))
            }
        }
    })
}

fn cut(serializer: Serializer, left: usize, what: &str) -> ProtocolError {
    ProtocolError::Malformed {
        serializer: match serializer {
            Serializer::Json => "JSON",
            Serializer::MsgPack => "MessagePack",
            Serializer::Cbor => "CBOR",
        },
        reason: format!("a batched frame ends after {left} bytes {what}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(serializer: Serializer, frame: &[u8]) -> Result<Vec<Vec<u8>>, ProtocolError> {
        messages(serializer, frame)
            .map(|m| m.map(<[u8]>::to_vec))
            .collect()
    }

    #[test]
    fn names_round_trip() {
        for protocol in Subprotocol::ALL {
            assert_eq!(Subprotocol::parse(protocol.name()), Some(protocol));
            assert_eq!(
                protocol.name().ends_with(".batched"),
                protocol.batched,
                "{protocol:?}"
            );
            if !protocol.batched {
                assert_eq!(protocol.name(), protocol.serializer.subprotocol());
            }
        }
        assert_eq!(Subprotocol::parse("wamp.2.ubjson.batched"), None);
        assert_eq!(Subprotocol::parse("wamp.2.json.batched "), None);
    }

    #[test]
    fn json_frames() {
        let mut frame = Vec::new();
        for message in [&b"[1,{}]"[..], b"[2]", b"[3,\"\\u001e\"]"] {
            append(Serializer::Json, &mut frame, message);
        }
        assert_eq!(frame, b"[1,{}]\x1e[2]\x1e[3,\"\\u001e\"]\x1e");
        assert_eq!(
            all(Serializer::Json, &frame).unwrap(),
            [&b"[1,{}]"[..], b"[2]", b"[3,\"\\u001e\"]"]
        );
        // The last separator may be missing; an empty message goes to the decoder.
        assert_eq!(
            all(Serializer::Json, b"[1]\x1e[2]").unwrap(),
            [b"[1]", b"[2]"]
        );
        assert_eq!(
            all(Serializer::Json, b"\x1e[2]\x1e").unwrap(),
            [&b""[..], b"[2]"]
        );
        assert!(all(Serializer::Json, b"").unwrap().is_empty());
    }

    #[test]
    fn json_frames_of_autobahn_and_crossbar() {
        let mut frame = Vec::new();
        for message in [&b"[1]"[..], b"[2,\"\\u0018\"]"] {
            append_with(Serializer::Json, &mut frame, message, AUTOBAHN_SEPARATOR);
        }
        assert_eq!(frame, b"[1]\x18[2,\"\\u0018\"]\x18");
        assert_eq!(
            all(Serializer::Json, &frame).unwrap(),
            [&b"[1]"[..], b"[2,\"\\u0018\"]"]
        );
        let piece = next(Serializer::Json, &frame).unwrap().unwrap();
        assert_eq!(
            (piece.taken, piece.separator),
            (4, Some(AUTOBAHN_SEPARATOR))
        );
        // Either byte ends a message, in any mix; what ended each is reported.
        assert_eq!(
            all(Serializer::Json, b"[1]\x1e[2]\x18[3]").unwrap(),
            [b"[1]", b"[2]", b"[3]"]
        );
        let piece = next(Serializer::Json, b"[1]\x1e").unwrap().unwrap();
        assert_eq!(piece.separator, Some(RECORD_SEPARATOR));
        assert_eq!(
            next(Serializer::Json, b"[1]").unwrap().unwrap().separator,
            None
        );
        // Binary serializers have no separator, whatever the bytes.
        let mut frame = Vec::new();
        append_with(
            Serializer::MsgPack,
            &mut frame,
            b"\x91\x18",
            AUTOBAHN_SEPARATOR,
        );
        assert_eq!(frame, b"\0\0\0\x02\x91\x18");
        assert_eq!(
            next(Serializer::MsgPack, &frame)
                .unwrap()
                .unwrap()
                .separator,
            None
        );
    }

    #[test]
    fn binary_frames() {
        for serializer in [Serializer::MsgPack, Serializer::Cbor] {
            let long = vec![7u8; 70_000];
            let mut frame = Vec::new();
            for message in [&b"\x91\x01"[..], b"", &long] {
                append(serializer, &mut frame, message);
            }
            assert_eq!(&frame[..6], b"\0\0\0\x02\x91\x01");
            assert_eq!(
                all(serializer, &frame).unwrap(),
                [b"\x91\x01".to_vec(), Vec::new(), long.clone()]
            );
        }
    }

    #[test]
    fn cut_binary_frames_are_refused() {
        for frame in [&b"\0\0"[..], b"\0\0\0\x05abc", b"\0\0\0\x01a\0"] {
            let results: Vec<_> = messages(Serializer::MsgPack, frame).collect();
            let error = results.last().unwrap().as_ref().unwrap_err();
            assert!(
                error.to_string().contains("a batched frame ends after"),
                "{error}"
            );
        }
        // A length beyond the frame does not allocate or read past it.
        let results: Vec<_> = messages(Serializer::Cbor, b"\xff\xff\xff\xffab").collect();
        assert_eq!(results.len(), 1);
        assert!(results[0].is_err());
    }
}

//! WAMP over RawSocket: a 4-byte handshake, then length-prefixed frames over TCP.
//!
//! Spec: "RawSocket Transport" (`rfc/text/advanced/ap_transport_rawsocket.md`).
//!
//! ```text
//! handshake (both ways): 0x7F | LLLL SSSS | 0x00 | 0x00    L: max length 2^(9+L), S: serializer
//! error reply:           0x7F | EEEE 0000 | 0x00 | 0x00    E: error code
//! frame:                 RRRR RTTT | 24-bit big-endian length | payload    T: 0 message, 1 ping, 2 pong
//! ```

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::codec::{Decoder, Encoder, Framed};
use tokio_util::sync::CancellationToken;
use wamp_proto::Serializer;
use wamp_proto::batch::Subprotocol;

use super::{HANDSHAKE_TIMEOUT, Inbound, Transport, TransportError, linger};
use crate::router::Router;
use crate::session::{Ending, Session};

/// The first octet of every handshake.
pub(crate) const MAGIC: u8 = 0x7F;
/// The largest length a frame header can carry.
const MAX_FRAME_LENGTH: usize = (1 << 24) - 1;

/// Handshake error codes (upper four bits of the reply's second octet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HandshakeError {
    /// 1: the requested serializer is not supported.
    SerializerUnsupported = 1,
    /// 2: the maximum message length is unacceptable.
    #[allow(dead_code)]
    MaxLengthUnacceptable = 2,
    /// 3: reserved bits are set.
    ReservedBits = 3,
    /// 4: too many connections.
    #[allow(dead_code)]
    MaxConnections = 4,
}

impl HandshakeError {
    /// The 4-byte error reply.
    pub(crate) fn reply(self) -> [u8; 4] {
        [MAGIC, (self as u8) << 4, 0, 0]
    }
}

/// What a client asks for in its handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientHandshake {
    pub(crate) serializer: Serializer,
    /// The largest message the client accepts, in bytes.
    pub(crate) max_length: usize,
}

/// Parses a client's handshake. `Ok(None)` when the first octet is not the magic one: not
/// a RawSocket client, and the spec says to fail the connection without a reply.
pub(crate) fn parse_handshake(bytes: [u8; 4]) -> Result<Option<ClientHandshake>, HandshakeError> {
    if bytes[0] != MAGIC {
        return Ok(None);
    }
    if bytes[2] != 0 || bytes[3] != 0 {
        return Err(HandshakeError::ReservedBits);
    }
    let serializer = Serializer::from_rawsocket_code(bytes[1] & 0x0F)
        .ok_or(HandshakeError::SerializerUnsupported)?;
    Ok(Some(ClientHandshake {
        serializer,
        max_length: length_for_exponent(bytes[1] >> 4),
    }))
}

/// The router's success reply: its own length exponent and the client's serializer.
pub(crate) fn accept_reply(exponent: u8, serializer: Serializer) -> [u8; 4] {
    [MAGIC, (exponent << 4) | serializer.rawsocket_code(), 0, 0]
}

/// The largest exponent `L` (0..=15) with `2^(9+L) <= max_message_size`; 0 below 512.
pub(crate) fn exponent_for(max_message_size: usize) -> u8 {
    (0u8..=15)
        .rev()
        .find(|exponent| length_for_exponent(*exponent) <= max_message_size)
        .unwrap_or(0)
}

/// `2^(9+L)`, capped at what a frame header can carry.
pub(crate) fn length_for_exponent(exponent: u8) -> usize {
    (1usize << (9 + u32::from(exponent.min(15)))).min(MAX_FRAME_LENGTH)
}

/// The kind of a frame (the `TTT` bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FrameKind {
    Message = 0,
    Ping = 1,
    Pong = 2,
}

/// One RawSocket frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawFrame {
    pub(crate) kind: FrameKind,
    pub(crate) payload: Bytes,
}

/// Why a frame cannot be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FrameError {
    #[error("frame of {size} bytes exceeds the limit of {limit}")]
    TooLarge { size: usize, limit: usize },
    #[error("frame header {0:#04x} has reserved bits or an unknown frame type")]
    Reserved(u8),
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Frames after the handshake: reads up to `limit` bytes per frame, writes any length up to
/// what a header can carry.
#[derive(Debug, Clone)]
pub(crate) struct RawSocketCodec {
    limit: usize,
}

impl RawSocketCodec {
    pub(crate) fn new(limit: usize) -> Self {
        RawSocketCodec { limit }
    }
}

impl Decoder for RawSocketCodec {
    type Item = RawFrame;
    type Error = FrameError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<RawFrame>, FrameError> {
        if src.len() < 4 {
            return Ok(None);
        }
        let kind = match src[0] {
            0 => FrameKind::Message,
            1 => FrameKind::Ping,
            2 => FrameKind::Pong,
            other => return Err(FrameError::Reserved(other)),
        };
        let size = usize::from(src[1]) << 16 | usize::from(src[2]) << 8 | usize::from(src[3]);
        // Checked on the header, before buffering the payload.
        if size > self.limit {
            return Err(FrameError::TooLarge {
                size,
                limit: self.limit,
            });
        }
        if src.len() < 4 + size {
            src.reserve(4 + size - src.len());
            return Ok(None);
        }
        src.advance(4);
        Ok(Some(RawFrame {
            kind,
            payload: src.split_to(size).freeze(),
        }))
    }
}

impl Encoder<RawFrame> for RawSocketCodec {
    type Error = FrameError;

    fn encode(&mut self, frame: RawFrame, dst: &mut BytesMut) -> Result<(), FrameError> {
        let size = frame.payload.len();
        if size > MAX_FRAME_LENGTH {
            return Err(FrameError::TooLarge {
                size,
                limit: MAX_FRAME_LENGTH,
            });
        }
        dst.reserve(4 + size);
        dst.put_u8(frame.kind as u8);
        // Checked above: fits in 24 bits.
        dst.put_uint(size as u64, 3);
        dst.put_slice(&frame.payload);
        Ok(())
    }
}

/// Serves one RawSocket connection, from its handshake to its close.
pub(crate) async fn accept(
    mut stream: TcpStream,
    remote: SocketAddr,
    router: Arc<Router>,
    shutdown: CancellationToken,
) {
    let mut request = [0u8; 4];
    let read = tokio::select! {
        read = tokio::time::timeout(HANDSHAKE_TIMEOUT, stream.read_exact(&mut request)) => read,
        () = shutdown.cancelled() => return,
    };
    if !matches!(read, Ok(Ok(_))) {
        tracing::debug!(%remote, "no RawSocket handshake");
        return;
    }
    let client = match parse_handshake(request) {
        Ok(Some(client)) => client,
        Ok(None) => {
            tracing::info!(%remote, first_octet = request[0], "not a RawSocket client; closing");
            linger(&mut stream).await;
            return;
        }
        Err(error) => {
            tracing::info!(%remote, ?error, request = ?request, "RawSocket handshake refused");
            if stream.write_all(&error.reply()).await.is_ok() {
                linger(&mut stream).await;
            }
            return;
        }
    };
    let exponent = exponent_for(router.max_message_size());
    if stream
        .write_all(&accept_reply(exponent, client.serializer))
        .await
        .is_err()
    {
        return;
    }
    let limit = length_for_exponent(exponent);
    tracing::debug!(%remote, serializer = client.serializer.name(), limit, peer_limit = client.max_length, "RawSocket connected");
    let (session, queue) = Session::new(
        router,
        "rawsocket",
        Subprotocol::single(client.serializer),
        remote.to_string(),
    );
    let transport = RawSocketTransport {
        framed: Framed::new(stream, RawSocketCodec::new(limit)),
        peer_limit: client.max_length,
    };
    super::serve(transport, session, queue, shutdown).await;
}

/// An established RawSocket connection.
struct RawSocketTransport {
    framed: Framed<TcpStream, RawSocketCodec>,
    /// The largest message the client accepts.
    peer_limit: usize,
}

impl Transport for RawSocketTransport {
    async fn receive(&mut self) -> Inbound {
        loop {
            match self.framed.next().await {
                None => return Inbound::Closed,
                Some(Ok(RawFrame {
                    kind: FrameKind::Message,
                    payload,
                })) => return Inbound::Message(payload),
                Some(Ok(RawFrame {
                    kind: FrameKind::Ping,
                    payload,
                })) => return Inbound::Ping(payload),
                Some(Ok(RawFrame {
                    kind: FrameKind::Pong,
                    ..
                })) => {}
                Some(Err(FrameError::TooLarge { size, limit })) => {
                    return Inbound::TooLarge {
                        size: Some(size),
                        limit,
                    };
                }
                Some(Err(error @ FrameError::Reserved(_))) => {
                    return Inbound::Violation(error.to_string());
                }
                Some(Err(FrameError::Io(error))) => {
                    tracing::debug!(%error, "RawSocket read failed");
                    return Inbound::Closed;
                }
            }
        }
    }

    async fn feed(&mut self, message: &Bytes) -> Result<(), TransportError> {
        if message.len() > self.peer_limit {
            // The spec leaves this to the router; dropping keeps the session usable.
            tracing::warn!(
                size = message.len(),
                limit = self.peer_limit,
                "message larger than the RawSocket peer accepts: dropped"
            );
            return Ok(());
        }
        self.framed
            .feed(RawFrame {
                kind: FrameKind::Message,
                payload: message.clone(),
            })
            .await
            .map_err(into_transport)
    }

    async fn flush(&mut self) -> Result<(), TransportError> {
        SinkExt::<RawFrame>::flush(&mut self.framed)
            .await
            .map_err(into_transport)
    }

    async fn pong(&mut self, payload: Bytes) -> Result<(), TransportError> {
        self.framed
            .send(RawFrame {
                kind: FrameKind::Pong,
                payload,
            })
            .await
            .map_err(into_transport)
    }

    async fn close(&mut self, _ending: Ending) {
        let _ = SinkExt::<RawFrame>::flush(&mut self.framed).await;
        linger(self.framed.get_mut()).await;
    }
}

fn into_transport(error: FrameError) -> TransportError {
    match error {
        FrameError::Io(error) => TransportError::Io(error),
        other => TransportError::Io(io::Error::other(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handshakes() {
        let client = parse_handshake([0x7F, 0xF1, 0, 0]).unwrap().unwrap();
        assert_eq!(
            client,
            ClientHandshake {
                serializer: Serializer::Json,
                max_length: MAX_FRAME_LENGTH
            }
        );
        let client = parse_handshake([0x7F, 0x02, 0, 0]).unwrap().unwrap();
        assert_eq!(
            client,
            ClientHandshake {
                serializer: Serializer::MsgPack,
                max_length: 512
            }
        );
        assert_eq!(
            parse_handshake([0x7F, 0x33, 0, 0])
                .unwrap()
                .unwrap()
                .serializer,
            Serializer::Cbor
        );
        assert_eq!(parse_handshake([0x47, 0x45, 0x54, 0x20]), Ok(None), "GET ");
        assert_eq!(
            parse_handshake([0x7F, 0xF0, 0, 0]),
            Err(HandshakeError::SerializerUnsupported)
        );
        assert_eq!(
            parse_handshake([0x7F, 0xF9, 0, 0]),
            Err(HandshakeError::SerializerUnsupported)
        );
        assert_eq!(
            parse_handshake([0x7F, 0xF1, 0, 1]),
            Err(HandshakeError::ReservedBits)
        );
        assert_eq!(
            HandshakeError::SerializerUnsupported.reply(),
            [0x7F, 0x10, 0, 0]
        );
        assert_eq!(HandshakeError::MaxConnections.reply(), [0x7F, 0x40, 0, 0]);
        assert_eq!(accept_reply(15, Serializer::MsgPack), [0x7F, 0xF2, 0, 0]);
    }

    #[test]
    fn exponents() {
        assert_eq!(exponent_for(512), 0);
        assert_eq!(exponent_for(1023), 0);
        assert_eq!(exponent_for(1024), 1);
        assert_eq!(exponent_for(65536), 7);
        assert_eq!(exponent_for(16 * 1024 * 1024), 15);
        assert_eq!(exponent_for(usize::MAX), 15);
        assert_eq!(length_for_exponent(0), 512);
        assert_eq!(length_for_exponent(7), 65536);
        assert_eq!(length_for_exponent(15), MAX_FRAME_LENGTH);
    }

    #[test]
    fn frames_round_trip_and_split() {
        let mut codec = RawSocketCodec::new(1024);
        let mut buffer = BytesMut::new();
        let frames = [
            RawFrame {
                kind: FrameKind::Message,
                payload: Bytes::from_static(b"[1,\"realm1\",{}]"),
            },
            RawFrame {
                kind: FrameKind::Ping,
                payload: Bytes::from_static(b"hi"),
            },
            RawFrame {
                kind: FrameKind::Pong,
                payload: Bytes::new(),
            },
        ];
        for frame in &frames {
            codec.encode(frame.clone(), &mut buffer).unwrap();
        }
        assert_eq!(&buffer[..4], &[0, 0, 0, 15]);
        // Byte by byte: every prefix is incomplete until the frame's last byte.
        let mut input = BytesMut::new();
        let mut decoded = Vec::new();
        for byte in buffer.iter() {
            input.put_u8(*byte);
            while let Some(frame) = codec.decode(&mut input).unwrap() {
                decoded.push(frame);
            }
        }
        assert_eq!(decoded, frames);
        assert!(input.is_empty());
    }

    #[test]
    fn bad_frames_are_errors() {
        let mut codec = RawSocketCodec::new(16);
        let mut oversized = BytesMut::from(&[0u8, 0, 0, 17][..]);
        assert!(matches!(
            codec.decode(&mut oversized),
            Err(FrameError::TooLarge {
                size: 17,
                limit: 16
            })
        ));
        let mut reserved = BytesMut::from(&[3u8, 0, 0, 1, 0][..]);
        assert!(matches!(
            codec.decode(&mut reserved),
            Err(FrameError::Reserved(3))
        ));
        let mut reserved = BytesMut::from(&[0x80u8, 0, 0, 1, 0][..]);
        assert!(matches!(
            codec.decode(&mut reserved),
            Err(FrameError::Reserved(0x80))
        ));
    }
}

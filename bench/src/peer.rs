//! [`Peer`]: one WAMP session over one WebSocket, driven by the `wamp-proto`
//! [`ClientSession`] state machine.
//!
//! A peer is owned by one task, which alternates between [`Peer::receive`] (wait for at
//! least one frame, then take every frame already buffered), handling the session's events,
//! and [`Peer::flush`] (encode and write everything queued, one socket write per batch).
//! Batching both ways keeps the generator's cost per message low: it shares the machine
//! with the router it measures.
//!
//! With a batched subprotocol (`wamp.2.json.batched`...: [`Target::batched`]) a flush is
//! also one WebSocket message, carrying everything queued, and every message received is
//! taken apart ([`wamp_proto::batch`]).

use std::time::Duration;

use anyhow::{Context, Result, bail};
use futures_util::{FutureExt, SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message as Frame};
use wamp_proto::batch::{self, Subprotocol};
use wamp_proto::client::{Event, Roles};
use wamp_proto::{ClientConfig, ClientSession, RequestId, Serializer, Uri};

/// Where to connect, and how.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// `ws://host:port/path`.
    pub(crate) url: String,
    /// The realm to join.
    pub(crate) realm: String,
    /// The WAMP serializer.
    pub(crate) serializer: Serializer,
    /// Whether to speak the serializer's batched subprotocol (e.g. `wamp.2.json.batched`):
    /// any number of WAMP messages per WebSocket message.
    pub(crate) batched: bool,
}

impl Target {
    /// The WebSocket subprotocol.
    pub(crate) fn protocol(&self) -> Subprotocol {
        Subprotocol {
            serializer: self.serializer,
            batched: self.batched,
        }
    }
}

/// What ends each message of a batched JSON frame the generator writes: Autobahn's 0x18,
/// the only one Crossbar.io reads (`wamp_proto::batch::AUTOBAHN_SEPARATOR`); the dev-router
/// reads it as well as the spec's 0x1E.
const JSON_SEPARATOR: u8 = batch::AUTOBAHN_SEPARATOR;

/// The most one batched WebSocket message carries before the next begins.
const MAX_FRAME: usize = 64 * 1024;

/// How much tungstenite buffers for a connection: a peer that reads many frames through it
/// wants a large read buffer, one of ten thousand idle sessions a small one. Peers that
/// switch to [`Frames`] ([`Peer::read_frames_directly`]) read through their own buffer
/// from then on; tungstenite's then serves only their set-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Buffers {
    /// 16 KiB: one busy connection (the publisher; a caller and the callee until they
    /// switch to [`Frames`]).
    Large,
    /// 4 KiB: many connections that each receive a steady stream once the load starts
    /// (subscribers, which switch to [`Frames`] once subscribed).
    Medium,
    /// 4 KiB: many idle connections.
    Small,
}

impl Buffers {
    /// Not tungstenite's default read buffer (128 KiB): it zero-fills the whole free part of
    /// its read buffer before every read (`FrameCodec::read_in`), so a large one costs CPU
    /// on every wake-up, not only memory. The write buffer only sets when tungstenite writes
    /// on its own; [`Peer::flush`] writes every batch anyway.
    fn config(self) -> WebSocketConfig {
        let read = match self {
            Buffers::Large => 16 * 1024,
            Buffers::Medium => 4 * 1024,
            Buffers::Small => 4 * 1024,
        };
        WebSocketConfig::default()
            .read_buffer_size(read)
            .write_buffer_size(read)
    }
}

/// One joined WAMP session over a WebSocket.
pub(crate) struct Peer {
    ws: WebSocketStream<TcpStream>,
    session: ClientSession,
    serializer: Serializer,
    batched: bool,
    open: bool,
    /// Set by [`Peer::read_frames_directly`]: frames are then read from the socket by
    /// [`Frames`], not by tungstenite.
    frames: Option<Frames>,
}

impl Peer {
    /// Connects, opens the WebSocket with the target's subprotocol, and joins the realm
    /// anonymously with `roles`.
    ///
    /// # Errors
    /// If the connection or handshake fails, the router picks another subprotocol, or the
    /// router does not welcome the session.
    pub(crate) async fn join(target: &Target, roles: Roles, buffers: Buffers) -> Result<Peer> {
        let mut request = target
            .url
            .as_str()
            .into_client_request()
            .with_context(|| format!("invalid router URL `{}`", target.url))?;
        let subprotocol = target.protocol().name();
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static(subprotocol),
        );
        let host = request
            .uri()
            .host()
            .context("the router URL has no host")?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = request.uri().port_u16().unwrap_or(80);
        let stream = TcpStream::connect((host.as_str(), port))
            .await
            .with_context(|| format!("cannot connect to {host}:{port}"))?;
        stream.set_nodelay(true)?;
        let (ws, response) =
            tokio_tungstenite::client_async_with_config(request, stream, Some(buffers.config()))
                .await
                .context("WebSocket handshake failed")?;
        let chosen = response
            .headers()
            .get("Sec-WebSocket-Protocol")
            .and_then(|value| value.to_str().ok());
        if chosen != Some(subprotocol) {
            bail!("the router answered subprotocol {chosen:?} to an offer of {subprotocol}");
        }

        let config = ClientConfig::new(target.realm.as_str())?
            .roles(roles)
            .agent("wamp-bench");
        let mut peer = Peer {
            ws,
            session: ClientSession::new(config),
            serializer: target.serializer,
            batched: target.batched,
            open: true,
            frames: None,
        };
        loop {
            peer.flush().await?;
            if !peer.receive().await? {
                bail!("the router closed the connection before WELCOME");
            }
            while let Some(event) = peer.session.poll_event() {
                match event {
                    Event::Joined(_) => return Ok(peer),
                    Event::Aborted {
                        reason, details, ..
                    } => {
                        bail!("the router refused the session: {reason} {details:?}")
                    }
                    Event::Challenge { auth_method, .. } => {
                        bail!(
                            "the router asks for authentication ({auth_method}); the benchmark joins anonymously"
                        )
                    }
                    _ => {}
                }
            }
        }
    }

    /// The session, to make requests on.
    pub(crate) fn session(&mut self) -> &mut ClientSession {
        &mut self.session
    }

    /// The next event of the session, if any.
    pub(crate) fn poll_event(&mut self) -> Option<Event> {
        self.session.poll_event()
    }

    /// Waits for at least one frame, then also takes every frame already buffered, feeding
    /// each into the session. Returns `false` once the transport is closed (the session has
    /// then seen [`ClientSession::connection_lost`]).
    ///
    /// Cancel-safe: no frame is lost if the future is dropped.
    ///
    /// # Errors
    /// If the router breaks the protocol (the session then queued `ABORT`).
    pub(crate) async fn receive(&mut self) -> Result<bool> {
        self.receive_filtered(|_| false).await
    }

    /// [`Peer::receive`], offering each message's bytes to `take` first: a message it takes
    /// (returns `true` for) does not reach the session. For a workload that can check its
    /// hottest message from the bytes for much less than decoding it costs.
    ///
    /// # Errors
    /// As [`Peer::receive`].
    pub(crate) async fn receive_filtered(
        &mut self,
        mut take: impl FnMut(&[u8]) -> bool,
    ) -> Result<bool> {
        if !self.open {
            return Ok(false);
        }
        if self.frames.is_some() {
            return self.receive_directly(&mut take).await;
        }
        let frame = self.ws.next().await;
        self.handle_frame(frame, &mut take)?;
        while self.open {
            match self.ws.next().now_or_never() {
                Some(frame) => self.handle_frame(frame, &mut take)?,
                None => break,
            }
        }
        Ok(self.open)
    }

    /// From now on, reads the router's frames from the socket itself ([`Frames`]), not
    /// through tungstenite, which costs about a third of a subscriber's time at a million
    /// events a second: its frame codec, a UTF-8 check of every text frame and a copy of
    /// each into its own buffer. Writing (GOODBYE, a pong, the close) stays with tungstenite.
    ///
    /// Call it only when nothing from the router is under way: after the last answer
    /// expected (e.g. `SUBSCRIBED`), before the load starts. tungstenite has then read every
    /// frame it buffered (see [`Peer::receive`]), so the socket's next byte begins a frame.
    pub(crate) fn read_frames_directly(&mut self) {
        self.frames.get_or_insert_with(Frames::new);
    }

    /// [`Peer::receive_filtered`] through [`Frames`]: one read, then every whole frame in
    /// the buffer. Cancel-safe: a read either returns bytes, which are then handled without
    /// another await, or nothing.
    async fn receive_directly(&mut self, take: &mut impl FnMut(&[u8]) -> bool) -> Result<bool> {
        let Some(mut frames) = self.frames.take() else {
            return Ok(self.open);
        };
        let read = frames.read(self.ws.get_mut()).await;
        let mut pings = Vec::new();
        let handled = match read {
            Ok(0) | Err(_) => {
                self.closed();
                Ok(())
            }
            Ok(_) => self.handle_frames(&mut frames, take, &mut pings),
        };
        self.frames = Some(frames);
        handled?;
        for payload in pings {
            // Best effort: a lost pong loses no event.
            let _ = self.ws.send(Frame::Pong(payload.into())).await;
        }
        Ok(self.open)
    }

    /// Every whole frame `frames` holds, each message to [`Peer::handle_message`]; pings'
    /// payloads into `pings`, to answer.
    fn handle_frames(
        &mut self,
        frames: &mut Frames,
        take: &mut impl FnMut(&[u8]) -> bool,
        pings: &mut Vec<Vec<u8>>,
    ) -> Result<()> {
        while self.open {
            let Some(frame) = frames.next().context("a malformed WebSocket frame")? else {
                break;
            };
            match frame {
                RawFrame::Message(bytes) => self.handle_payload(bytes, take)?,
                RawFrame::Ping(payload) => pings.push(payload.to_vec()),
                RawFrame::Close => self.closed(),
            }
        }
        frames.compact();
        Ok(())
    }

    fn handle_frame(
        &mut self,
        frame: Option<Result<Frame, tungstenite::Error>>,
        take: &mut impl FnMut(&[u8]) -> bool,
    ) -> Result<()> {
        let bytes: &[u8] = match &frame {
            Some(Ok(Frame::Text(text))) => text.as_bytes(),
            Some(Ok(Frame::Binary(binary))) => binary,
            Some(Ok(Frame::Ping(_) | Frame::Pong(_) | Frame::Frame(_))) => return Ok(()),
            Some(Ok(Frame::Close(_)) | Err(_)) | None => {
                self.closed();
                return Ok(());
            }
        };
        self.handle_payload(bytes, take)
    }

    /// The connection is closed or failed: the session learns it, nothing more is read.
    fn closed(&mut self) {
        self.open = false;
        self.session.connection_lost();
    }

    /// One WebSocket message from the router: a WAMP message, or a batch of them.
    fn handle_payload(&mut self, bytes: &[u8], take: &mut impl FnMut(&[u8]) -> bool) -> Result<()> {
        if !self.batched {
            return self.handle_message(bytes, take);
        }
        for message in batch::messages(self.serializer, bytes) {
            let message = message.context("a malformed batch from the router")?;
            self.handle_message(message, take)?;
        }
        Ok(())
    }

    fn handle_message(&mut self, bytes: &[u8], take: &mut impl FnMut(&[u8]) -> bool) -> Result<()> {
        if take(bytes) {
            return Ok(());
        }
        match self.serializer.decode(bytes) {
            Ok(message) => self
                .session
                .handle_message(message)
                .context("the router broke the protocol")?,
            Err(error) => {
                self.session.handle_decode_error(&error);
                bail!("undecodable message from the router: {error}");
            }
        }
        Ok(())
    }

    /// Encodes and writes every message the session queued, then flushes the socket once.
    ///
    /// # Errors
    /// If the socket fails.
    pub(crate) async fn flush(&mut self) -> Result<()> {
        let mut written = false;
        let mut frame = Vec::new();
        while let Some(message) = self.session.poll_transmit() {
            if !self.open {
                continue;
            }
            let bytes = self.serializer.encode(&message);
            if !self.batched {
                self.feed(bytes).await?;
                written = true;
                continue;
            }
            batch::append_with(self.serializer, &mut frame, &bytes, JSON_SEPARATOR);
            if frame.len() >= MAX_FRAME {
                self.feed(std::mem::take(&mut frame)).await?;
                written = true;
            }
        }
        if !frame.is_empty() {
            self.feed(frame).await?;
            written = true;
        }
        if written {
            self.ws.flush().await.context("sending to the router")?;
        }
        Ok(())
    }

    /// Buffers one WebSocket message, in the serializer's frame type.
    async fn feed(&mut self, bytes: Vec<u8>) -> Result<()> {
        let frame = if self.serializer.is_text() {
            Frame::text(String::from_utf8(bytes).context("JSON encoder produced non-UTF-8")?)
        } else {
            Frame::binary(bytes)
        };
        self.ws.feed(frame).await.context("sending to the router")
    }

    /// Sends what is queued and waits for the answer to `request` (`REGISTERED`,
    /// `SUBSCRIBED`, ...), dropping other events. For set-up, before any load.
    ///
    /// # Errors
    /// If the router refuses the request, closes the session, or takes over `patience`.
    pub(crate) async fn roundtrip(
        &mut self,
        request: RequestId,
        patience: Duration,
    ) -> Result<Event> {
        let answer = async {
            loop {
                self.flush().await?;
                if !self.receive().await? {
                    bail!("the router closed the connection");
                }
                while let Some(event) = self.session.poll_event() {
                    match event {
                        Event::Registered { request: r, .. }
                        | Event::Subscribed { request: r, .. }
                            if r == request =>
                        {
                            return Ok(event);
                        }
                        Event::RequestFailed {
                            request: r, error, ..
                        } if r == request => {
                            bail!("the router refused the request: {error}")
                        }
                        Event::Aborted { reason, .. } | Event::Left { reason, .. } => {
                            bail!("the router closed the session: {reason}")
                        }
                        _ => {}
                    }
                }
            }
        };
        tokio::time::timeout(patience, answer)
            .await
            .context("no answer from the router")?
    }

    /// Leaves the realm: `GOODBYE`, waits up to `patience` for the router's, then closes
    /// the WebSocket. Best effort: a router that already closed is fine.
    pub(crate) async fn leave(mut self, patience: Duration) {
        if !self.session.state().is_established() {
            let _ = self.ws.close(None).await;
            return;
        }
        if self
            .session
            .leave(Uri::new("wamp.close.close_realm"))
            .is_err()
        {
            return;
        }
        let goodbye = async {
            self.flush().await?;
            while !self.session.state().is_closed() {
                if !self.receive().await? {
                    break;
                }
            }
            anyhow::Ok(())
        };
        let _ = tokio::time::timeout(patience, goodbye).await;
        let _ = tokio::time::timeout(patience, self.ws.close(None)).await;
    }
}

/// A WebSocket frame as [`Frames`] hands it out.
#[derive(Debug, PartialEq, Eq)]
enum RawFrame<'a> {
    /// A whole text or binary message (fragments joined).
    Message(&'a [u8]),
    Ping(&'a [u8]),
    Close,
}

/// Why [`Frames`] cannot go on.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
enum FrameError {
    #[error("reserved bits set ({0:#04x})")]
    Reserved(u8),
    #[error("unknown opcode {0:#x}")]
    Opcode(u8),
    #[error("a masked frame from the server")]
    Masked,
    #[error("a {0}-byte frame, over the {MAX_MESSAGE}-byte limit")]
    TooLarge(u64),
    #[error("a continuation frame with no message begun")]
    Continuation,
    #[error("a new message begun inside a fragmented one")]
    Interleaved,
}

/// The largest message [`Frames`] accepts.
const MAX_MESSAGE: usize = 16 * 1024 * 1024;
/// How much [`Frames`] reads at once.
const READ_SIZE: usize = 16 * 1024;

/// The frames a WebSocket server sends (RFC 6455 §5), read from the socket into one buffer
/// and taken apart in place: a frame's payload is handed out as a slice of that buffer,
/// uncopied and unchecked (a text frame's UTF-8 is the serializer's business). Fragmented
/// messages are joined; pings and the close frame are handed out for the peer to act on.
struct Frames {
    buffer: Vec<u8>,
    /// Where the next frame begins in `buffer`.
    at: usize,
    /// A fragmented message's frames so far, and whether it is under way.
    fragments: Vec<u8>,
    fragmented: bool,
    /// The message [`Frames::next`] last joined, kept until the next call.
    joined: Vec<u8>,
}

impl Frames {
    fn new() -> Frames {
        Frames {
            buffer: Vec::new(),
            at: 0,
            fragments: Vec::new(),
            fragmented: false,
            joined: Vec::new(),
        }
    }

    /// Reads once from `stream` after what is buffered; `Ok(0)` at end of stream.
    async fn read(&mut self, stream: &mut TcpStream) -> std::io::Result<usize> {
        use tokio::io::AsyncReadExt as _;
        let need = self
            .pending_len()
            .map_or(READ_SIZE, |len| len.max(READ_SIZE));
        self.buffer.reserve(need);
        stream.read_buf(&mut self.buffer).await
    }

    /// The whole size of the frame begun at `at`, when its header is in.
    fn pending_len(&self) -> Option<usize> {
        match Self::header(&self.buffer[self.at..]) {
            Ok(Some((header, payload))) => Some(header + payload),
            _ => None,
        }
    }

    /// `(header length, payload length)` of the frame `bytes` begins with; `None` while its
    /// header is incomplete.
    fn header(bytes: &[u8]) -> Result<Option<(usize, usize)>, FrameError> {
        let [first, second, rest @ ..] = bytes else {
            return Ok(None);
        };
        if first & 0x70 != 0 {
            return Err(FrameError::Reserved(*first));
        }
        if second & 0x80 != 0 {
            return Err(FrameError::Masked);
        }
        let (extra, len) = match second & 0x7f {
            126 => match rest {
                [a, b, ..] => (2, u64::from(u16::from_be_bytes([*a, *b]))),
                _ => return Ok(None),
            },
            127 => match rest.first_chunk::<8>() {
                Some(bytes) => (8, u64::from_be_bytes(*bytes)),
                None => return Ok(None),
            },
            len => (0, u64::from(len)),
        };
        let payload = usize::try_from(len)
            .ok()
            .filter(|&len| len <= MAX_MESSAGE)
            .ok_or(FrameError::TooLarge(len))?;
        Ok(Some((2 + extra, payload)))
    }

    /// The next whole frame, if the buffer holds one.
    fn next(&mut self) -> Result<Option<RawFrame<'_>>, FrameError> {
        loop {
            let bytes = &self.buffer[self.at..];
            let Some((header, len)) = Self::header(bytes)? else {
                return Ok(None);
            };
            if bytes.len() < header + len {
                return Ok(None);
            }
            let first = bytes[0];
            let start = self.at + header;
            self.at = start + len;
            let fin = first & 0x80 != 0;
            match first & 0x0f {
                0x1 | 0x2 if self.fragmented => return Err(FrameError::Interleaved),
                0x1 | 0x2 if fin => {
                    return Ok(Some(RawFrame::Message(&self.buffer[start..self.at])));
                }
                0x1 | 0x2 => {
                    self.fragments.clear();
                    self.fragments
                        .extend_from_slice(&self.buffer[start..self.at]);
                    self.fragmented = true;
                }
                0x0 if self.fragmented => {
                    self.fragments
                        .extend_from_slice(&self.buffer[start..self.at]);
                    if self.fragments.len() > MAX_MESSAGE {
                        return Err(FrameError::TooLarge(self.fragments.len() as u64));
                    }
                    if fin {
                        self.fragmented = false;
                        return self.joined();
                    }
                }
                0x0 => return Err(FrameError::Continuation),
                0x8 => return Ok(Some(RawFrame::Close)),
                0x9 => return Ok(Some(RawFrame::Ping(&self.buffer[start..self.at]))),
                0xa => {}
                opcode => return Err(FrameError::Opcode(opcode)),
            }
        }
    }

    fn joined(&mut self) -> Result<Option<RawFrame<'_>>, FrameError> {
        self.joined = std::mem::take(&mut self.fragments);
        Ok(Some(RawFrame::Message(&self.joined)))
    }

    /// Drops the frames handed out, keeping a partial one at the front.
    fn compact(&mut self) {
        self.buffer.drain(..self.at);
        self.at = 0;
        if self.buffer.is_empty() && self.buffer.capacity() > READ_SIZE {
            self.buffer = Vec::new();
        }
    }
}

/// The `ABORT` reason the dev-router gives a session it cut off for not reading.
pub(crate) const SLOW_CONSUMER: &str = "dev_router.error.slow_consumer";

#[cfg(test)]
mod tests {
    use super::*;

    /// An unmasked frame as a server writes it.
    fn frame(first: u8, payload: &[u8]) -> Vec<u8> {
        let mut bytes = vec![first];
        match payload.len() {
            len @ 0..=125 => bytes.push(len as u8),
            len @ 126..=0xffff => {
                bytes.push(126);
                bytes.extend_from_slice(&(len as u16).to_be_bytes());
            }
            len => {
                bytes.push(127);
                bytes.extend_from_slice(&(len as u64).to_be_bytes());
            }
        }
        bytes.extend_from_slice(payload);
        bytes
    }

    fn frames(bytes: &[u8]) -> Frames {
        let mut frames = Frames::new();
        frames.buffer.extend_from_slice(bytes);
        frames
    }

    #[test]
    fn messages_of_every_length_encoding_come_out_whole() {
        let long = vec![7u8; 70_000];
        let medium = vec![8u8; 300];
        let bytes = [
            frame(0x81, b"[36,1,2,{},[]]"),
            frame(0x82, &medium),
            frame(0x82, &long),
            frame(0x81, b""),
        ]
        .concat();
        let mut frames = frames(&bytes);
        assert_eq!(
            frames.next(),
            Ok(Some(RawFrame::Message(&b"[36,1,2,{},[]]"[..])))
        );
        assert_eq!(frames.next(), Ok(Some(RawFrame::Message(&medium[..]))));
        assert_eq!(frames.next(), Ok(Some(RawFrame::Message(&long[..]))));
        assert_eq!(frames.next(), Ok(Some(RawFrame::Message(&b""[..]))));
        assert_eq!(frames.next(), Ok(None));
    }

    #[test]
    fn a_frame_split_anywhere_waits_for_its_rest() {
        let whole = [frame(0x81, &[b'x'; 200]), frame(0x81, b"next")].concat();
        for cut in 0..whole.len() {
            let mut frames = frames(&whole[..cut]);
            let mut seen = Vec::new();
            while let Some(RawFrame::Message(bytes)) = frames.next().unwrap() {
                seen.push(bytes.to_vec());
            }
            frames.compact();
            frames.buffer.extend_from_slice(&whole[cut..]);
            while let Some(RawFrame::Message(bytes)) = frames.next().unwrap() {
                seen.push(bytes.to_vec());
            }
            assert_eq!(seen, [vec![b'x'; 200], b"next".to_vec()], "cut at {cut}");
        }
    }

    #[test]
    fn fragments_are_joined_around_control_frames() {
        let bytes = [
            frame(0x01, b"[36,"),
            frame(0x89, b"ping"),
            frame(0x00, b"1,2,"),
            frame(0x8a, b"pong"),
            frame(0x80, b"{},[]]"),
            frame(0x88, &[0x03, 0xe8]),
        ]
        .concat();
        let mut frames = frames(&bytes);
        assert_eq!(frames.next(), Ok(Some(RawFrame::Ping(&b"ping"[..]))));
        assert_eq!(
            frames.next(),
            Ok(Some(RawFrame::Message(&b"[36,1,2,{},[]]"[..])))
        );
        assert_eq!(frames.next(), Ok(Some(RawFrame::Close)));
    }

    #[test]
    fn broken_frames_are_errors() {
        let cases = [
            (frame(0xc1, b"x"), FrameError::Reserved(0xc1)),
            (frame(0x83, b"x"), FrameError::Opcode(3)),
            (vec![0x81, 0x81, 1, 2, 3, 4, b'x'], FrameError::Masked),
            (frame(0x80, b"x"), FrameError::Continuation),
            (
                [frame(0x01, b"a"), frame(0x81, b"b")].concat(),
                FrameError::Interleaved,
            ),
            (
                [&[0x82, 127][..], &(1u64 << 40).to_be_bytes()].concat(),
                FrameError::TooLarge(1 << 40),
            ),
        ];
        for (bytes, error) in cases {
            assert_eq!(frames(&bytes).next(), Err(error));
        }
    }
}

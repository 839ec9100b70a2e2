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

/// How much a connection buffers: a peer that reads many frames wants a large read buffer,
/// one of ten thousand idle sessions a small one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Buffers {
    /// 16 KiB: one busy connection (a caller, the callee, the publisher).
    Large,
    /// 4 KiB: many connections that each still receive a steady stream (about 60 events
    /// a read).
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
                self.open = false;
                self.session.connection_lost();
                return Ok(());
            }
        };
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

/// The `ABORT` reason the dev-router gives a session it cut off for not reading.
pub(crate) const SLOW_CONSUMER: &str = "dev_router.error.slow_consumer";

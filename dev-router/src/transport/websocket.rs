//! WAMP over WebSocket: subprotocols `wamp.2.json` (text frames), `wamp.2.msgpack` and
//! `wamp.2.cbor` (binary frames), one WAMP message per WebSocket message; and their batched
//! kin `wamp.2.json.batched`, `wamp.2.msgpack.batched` and `wamp.2.cbor.batched`, any number
//! per WebSocket message ([`wamp_proto::batch`]). Spec: "WebSocket Transport" and its
//! "Message Batching" (`rfc/text/basic/bp_transports.md`). Batched JSON ends each message
//! with the spec's 0x1E, or with 0x18 to a peer that does so itself, as Autobahn and
//! Crossbar.io do ([`batch::AUTOBAHN_SEPARATOR`]).

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::{Buf, Bytes};
use futures_util::{SinkExt, StreamExt};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::error::{CapacityError, ProtocolError};
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode, header};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message as Frame, Utf8Bytes};
use tokio_util::sync::CancellationToken;
use wamp_proto::Serializer;
use wamp_proto::batch::{self, Subprotocol};

use super::http::{self, Prefixed, Route};
use super::{HANDSHAKE_TIMEOUT, Inbound, Transport, TransportError, linger};
use crate::router::Router;
use crate::session::{Ending, Session};

type Stream = Prefixed<TcpStream>;

/// tungstenite's read buffer per connection, and the most one read takes: 1 KiB, about 15
/// small messages a read. Its default, 128 KiB, costs twice: the buffer is allocated at
/// that size, and every read first zero-fills all of its free space
/// (`FrameCodec::read_in`), so every page is resident and every wake-up of a connection
/// task clears 128 KiB. At 1 KiB, 10,000 sessions fit in 100 MiB; the price is more
/// `read` calls for large messages (a 1 MiB message takes a thousand), which a development
/// router rarely sees.
const READ_BUFFER_SIZE: usize = 1024;
/// How much is buffered before it is written, even within a batch (which ends with a flush
/// anyway, [`super::serve`]): this only splits very large batches. For our own buffer and
/// for tungstenite's (which only carries its own control frames).
const WRITE_BUFFER_SIZE: usize = 64 * 1024;

/// Serves one connection on the WebSocket port, from its first byte to its close; plain
/// HTTP requests get the `inspector`'s files.
pub(crate) async fn accept(
    mut stream: TcpStream,
    remote: SocketAddr,
    router: Arc<Router>,
    shutdown: CancellationToken,
    inspector: http::Inspector,
) {
    let local = match stream.local_addr() {
        Ok(local) => local,
        Err(_) => return,
    };
    // Each phase's future is boxed: a task's future is allocated at the size of its largest
    // state for the connection's whole life, and inline the request head's read buffer and
    // the WebSocket handshake made that 7 KiB per session.
    let read_head = Box::pin(http::read_head(&mut stream));
    let head = tokio::select! {
        head = tokio::time::timeout(HANDSHAKE_TIMEOUT, read_head) => head,
        () = shutdown.cancelled() => return,
    };
    let (head, bytes) = match head {
        Ok(Ok(head)) => head,
        Ok(Err(error)) => {
            tracing::debug!(%remote, %error, "no HTTP request");
            return;
        }
        Err(_) => {
            tracing::debug!(%remote, "no HTTP request in time");
            return;
        }
    };
    match http::route(&head, local, &inspector) {
        Route::Plain(response) => {
            tracing::debug!(%remote, method = %head.method, path = %head.path, status = response.status, "plain HTTP");
            Box::pin(http::send_plain(stream, &head, &response)).await;
        }
        Route::File(path) => {
            tracing::debug!(%remote, method = %head.method, path = %head.path, "inspector file");
            Box::pin(http::send_file(stream, &head, path, local)).await;
        }
        Route::WebSocket => {
            let stream = Prefixed::new(bytes, stream);
            Box::pin(upgrade(stream, remote, router, shutdown)).await;
        }
    }
}

/// The WebSocket handshake, then the session.
#[allow(
    clippy::result_large_err,
    reason = "the callback's signature is tungstenite's"
)]
async fn upgrade(
    stream: Stream,
    remote: SocketAddr,
    router: Arc<Router>,
    shutdown: CancellationToken,
) {
    let limit = router.max_message_size();
    let config = WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER_SIZE)
        .write_buffer_size(WRITE_BUFFER_SIZE)
        .max_message_size(Some(limit))
        .max_frame_size(Some(limit));
    let mut chosen = None;
    let callback =
        |request: &Request, response: Response| negotiate(request, response, &mut chosen);
    let handshake = Box::pin(tokio_tungstenite::accept_hdr_async_with_config(
        stream,
        callback,
        Some(config),
    ));
    let ws = tokio::select! {
        ws = tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake) => ws,
        () = shutdown.cancelled() => return,
    };
    let ws = match ws {
        Ok(Ok(ws)) => ws,
        Ok(Err(tungstenite::Error::Http(response))) => {
            tracing::info!(%remote, status = %response.status(), "WebSocket handshake refused");
            return;
        }
        Ok(Err(error)) => {
            tracing::debug!(%remote, %error, "WebSocket handshake failed");
            return;
        }
        Err(_) => return,
    };
    let Some(protocol) = chosen else {
        return;
    };
    tracing::debug!(%remote, subprotocol = protocol.name(), "WebSocket connected");
    let (session, queue) = Session::new(router, "websocket", protocol, remote.to_string());
    let transport = WebSocketTransport::new(ws, limit, protocol);
    Box::pin(super::serve(transport, session, queue, shutdown)).await;
}

/// Picks the first WAMP subprotocol the client offers (batched or not), in its order of
/// preference, and echoes it (browsers fail the handshake otherwise); refuses clients that
/// offer none.
#[allow(
    clippy::result_large_err,
    reason = "the signature is tungstenite's `Callback`"
)]
fn negotiate(
    request: &Request,
    mut response: Response,
    chosen: &mut Option<Subprotocol>,
) -> Result<Response, ErrorResponse> {
    let offered = request
        .headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim);
    for name in offered {
        if let Some(protocol) = Subprotocol::parse(name) {
            response.headers_mut().insert(
                header::SEC_WEBSOCKET_PROTOCOL,
                HeaderValue::from_static(protocol.name()),
            );
            *chosen = Some(protocol);
            return Ok(response);
        }
    }
    let body = format!("{}\n", http::subprotocol_hint());
    let mut refusal = ErrorResponse::new(None);
    *refusal.status_mut() = StatusCode::BAD_REQUEST;
    let headers = refusal.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    *refusal.body_mut() = Some(body);
    Err(refusal)
}

/// An established WAMP WebSocket connection.
///
/// tungstenite reads frames and writes its own control frames (pong, close); the router's
/// messages it does not write: [`Transport::feed`] frames them into `out` (a server's
/// frames are unmasked: a header and the encoded bytes as they are), and
/// [`Transport::flush`] writes `out` to the socket. That spares a copy into tungstenite's
/// `Frame`, a UTF-8 check of the same EVENT once per subscriber, and tungstenite's write
/// buffer, which keeps its largest size for the connection's life. The two writers never
/// interleave inside a frame: `flush` first has tungstenite finish writing whatever it has
/// (a pong it began while reading), and tungstenite only writes while reading or closing,
/// which never happens while `out` is partly written (a batch is written to the end before
/// the connection reads again, and `close` flushes `out` first).
///
/// Batched, every message fed between two flushes goes into one frame, opened in `out` by
/// the first of them ([`open_frame`]) and closed by the flush ([`close_frame`]); and every
/// frame read is handed out one message at a time, the rest kept in `unread`.
struct WebSocketTransport {
    ws: WebSocketStream<Stream>,
    limit: usize,
    /// JSON travels in text frames, the binary serializers in binary frames.
    text: bool,
    /// The serializer, for the batches' framing.
    serializer: Serializer,
    /// Whether the subprotocol is a batched one.
    batched: bool,
    /// Frames fed and not yet written.
    out: Vec<u8>,
    /// How much of `out` is already written (a write the peer's window cut short).
    written: usize,
    /// Batched: where in `out` the frame that takes the messages being fed begins.
    open: Option<usize>,
    /// Batched: what is left of the last frame read. Kept here, not in `receive`'s future,
    /// so that cancelling `receive` loses no message.
    unread: Bytes,
    /// Batched JSON: what ends each message written: the spec's record separator, until the
    /// peer ends one of its own with Autobahn's 0x18; from then on that
    /// ([`batch::AUTOBAHN_SEPARATOR`]), which is all such a peer can read.
    separator: u8,
}

impl WebSocketTransport {
    fn new(ws: WebSocketStream<Stream>, limit: usize, protocol: Subprotocol) -> Self {
        WebSocketTransport {
            ws,
            limit,
            text: protocol.serializer.is_text(),
            serializer: protocol.serializer,
            batched: protocol.batched,
            out: Vec::new(),
            written: 0,
            open: None,
            unread: Bytes::new(),
            separator: batch::RECORD_SEPARATOR,
        }
    }

    fn opcode(&self) -> OpCode {
        if self.text {
            OpCode::Text
        } else {
            OpCode::Binary
        }
    }

    /// The next message of `unread`; `None` once it is empty. A malformed rest is dropped
    /// and reported.
    fn next_unread(&mut self) -> Option<Inbound> {
        match batch::next(self.serializer, &self.unread) {
            Ok(Some(piece)) => {
                if piece.separator == Some(batch::AUTOBAHN_SEPARATOR) {
                    self.separator = batch::AUTOBAHN_SEPARATOR;
                }
                let message = self.unread.slice(piece.message);
                self.unread.advance(piece.taken);
                Some(Inbound::Message(message))
            }
            Ok(None) => None,
            Err(error) => {
                self.unread = Bytes::new();
                Some(Inbound::Violation(error.to_string()))
            }
        }
    }

    /// Closes the batched frame being fed, if one is open.
    fn close_batch(&mut self) {
        if let Some(start) = self.open.take() {
            let opcode = self.opcode();
            end_frame(&mut self.out, &mut self.written, start, opcode);
        }
    }
}

impl Transport for WebSocketTransport {
    async fn receive(&mut self) -> Inbound {
        // Nothing awaited before this: a message taken here is returned.
        if let Some(inbound) = self.next_unread() {
            return inbound;
        }
        loop {
            let frame = match self.ws.next().await {
                None => return Inbound::Closed,
                Some(Ok(frame)) => frame,
                Some(Err(error)) => return self.inbound_error(error),
            };
            // Either frame type is fine on input; the serializer decides.
            let bytes = match frame {
                Frame::Text(text) => Bytes::from(text),
                Frame::Binary(bytes) => bytes,
                Frame::Close(_) => return Inbound::Closed,
                // tungstenite answers pings itself.
                Frame::Ping(_) | Frame::Pong(_) | Frame::Frame(_) => continue,
            };
            if !self.batched {
                return Inbound::Message(bytes);
            }
            self.unread = bytes;
            // An empty batch carries nothing: read on.
            if let Some(inbound) = self.next_unread() {
                return inbound;
            }
        }
    }

    fn has_buffered_input(&self) -> bool {
        !self.unread.is_empty()
    }

    async fn feed(&mut self, message: &Bytes) -> Result<(), TransportError> {
        if self.batched {
            if self.open.is_none() {
                self.open = Some(open_frame(&mut self.out));
            }
            batch::append_with(self.serializer, &mut self.out, message, self.separator);
        } else {
            // The JSON serializer writes UTF-8 only (it encodes Rust strings), so its
            // messages go out as text frames unchecked.
            let opcode = if self.text {
                OpCode::Text
            } else {
                OpCode::Binary
            };
            frame_into(&mut self.out, opcode, message);
        }
        if self.out.len() >= WRITE_BUFFER_SIZE {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), TransportError> {
        // The batch ends here; closed before anything is awaited, so that a cancelled flush
        // leaves whole frames behind.
        self.close_batch();
        // Whatever tungstenite began (see the type's documentation), to its end.
        self.ws.flush().await?;
        while self.written < self.out.len() {
            let written = self.ws.get_mut().write(&self.out[self.written..]).await?;
            if written == 0 {
                return Err(std::io::Error::from(std::io::ErrorKind::WriteZero).into());
            }
            self.written += written;
        }
        // Freed, not kept: an idle session then holds no write buffer at all, and one
        // allocation per batch is little beside the write itself.
        self.written = 0;
        self.out = Vec::new();
        Ok(())
    }

    async fn pong(&mut self, _payload: Bytes) -> Result<(), TransportError> {
        Ok(())
    }

    async fn close(&mut self, ending: Ending) {
        // Our frames before tungstenite's Close.
        if self.flush().await.is_err() {
            return;
        }
        let code = match ending {
            Ending::Normal => CloseCode::Normal,
            Ending::ProtocolViolation => CloseCode::Protocol,
            Ending::MessageTooBig => CloseCode::Size,
            Ending::SlowConsumer => CloseCode::Policy,
            Ending::Shutdown => CloseCode::Away,
        };
        // Sends our Close frame, or the reply to the peer's, and flushes.
        let _ = self
            .ws
            .close(Some(CloseFrame {
                code,
                reason: Utf8Bytes::default(),
            }))
            .await;
        linger(self.ws.get_mut()).await;
    }
}

/// The first octet of a final frame (FIN set, no extension bits) with this opcode.
#[derive(Debug, Clone, Copy)]
enum OpCode {
    Text = 0x81,
    Binary = 0x82,
}

/// Appends one unmasked, unfragmented frame carrying `payload` (RFC 6455, section 5.2).
fn frame_into(out: &mut Vec<u8>, opcode: OpCode, payload: &[u8]) {
    let length = payload.len();
    out.reserve(10 + length);
    out.push(opcode as u8);
    if length < 126 {
        // Fits in 7 bits.
        out.push(length as u8);
    } else if let Ok(length) = u16::try_from(length) {
        out.push(126);
        out.extend_from_slice(&length.to_be_bytes());
    } else {
        out.push(127);
        out.extend_from_slice(&(length as u64).to_be_bytes());
    }
    out.extend_from_slice(payload);
}

/// The longest frame header a server writes: no mask, a 64-bit length.
const MAX_HEADER: usize = 10;

/// Opens a frame whose payload is appended to `out` next (batched mode): reserves room for
/// the longest header, as the payload's length is not known yet. Returns where the frame
/// begins, for [`close_frame`].
fn open_frame(out: &mut Vec<u8>) -> usize {
    let start = out.len();
    out.extend_from_slice(&[0; MAX_HEADER]);
    start
}

/// Writes the header of the frame opened at `start` by [`open_frame`], whose payload is the
/// rest of `out`: the shortest one for its length, as RFC 6455 (section 5.2) requires, right
/// before the payload. Returns where the header begins; what lies between `start` and there
/// is unused.
fn close_frame(out: &mut [u8], start: usize, opcode: OpCode) -> usize {
    let payload = start + MAX_HEADER;
    let length = out.len() - payload;
    let begin = if length < 126 {
        out[payload - 1] = length as u8;
        payload - 2
    } else if let Ok(length) = u16::try_from(length) {
        out[payload - 2..payload].copy_from_slice(&length.to_be_bytes());
        out[payload - 3] = 126;
        payload - 4
    } else {
        out[payload - 8..payload].copy_from_slice(&(length as u64).to_be_bytes());
        out[payload - 9] = 127;
        payload - 10
    };
    out[begin] = opcode as u8;
    begin
}

/// Closes the frame opened at `start` ([`close_frame`]) and removes the unused part of its
/// header's room: when nothing unwritten precedes the frame (the usual case, a batch per
/// flush), by counting it as written; otherwise by moving the frame down.
fn end_frame(out: &mut Vec<u8>, written: &mut usize, start: usize, opcode: OpCode) {
    let begin = close_frame(out, start, opcode);
    if start == *written {
        *written = begin;
    } else {
        out.copy_within(begin.., start);
        out.truncate(out.len() - (begin - start));
    }
}

impl WebSocketTransport {
    fn inbound_error(&self, error: tungstenite::Error) -> Inbound {
        match error {
            tungstenite::Error::Capacity(CapacityError::MessageTooLong { size, .. }) => {
                Inbound::TooLarge {
                    size: Some(size),
                    limit: self.limit,
                }
            }
            tungstenite::Error::Capacity(_) => Inbound::TooLarge {
                size: None,
                limit: self.limit,
            },
            // The peer went away without a close handshake: nobody is left to tell.
            tungstenite::Error::Protocol(ProtocolError::ResetWithoutClosingHandshake) => {
                Inbound::Closed
            }
            tungstenite::Error::Protocol(error) => {
                Inbound::Violation(format!("WebSocket protocol error: {error}"))
            }
            tungstenite::Error::Utf8(_) => {
                Inbound::Violation("a text frame is not valid UTF-8".into())
            }
            error => {
                tracing::debug!(%error, "WebSocket read failed");
                Inbound::Closed
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn frames_are_what_tungstenite_reads() {
        use tokio_tungstenite::tungstenite::protocol::frame::FrameHeader;
        for (length, header) in [(0, 2), (125, 2), (126, 4), (65_535, 4), (65_536, 10)] {
            let payload = vec![b'x'; length];
            let mut out = vec![9u8];
            frame_into(&mut out, OpCode::Text, &payload);
            assert_eq!(out.len(), 1 + header + length);
            let mut cursor = std::io::Cursor::new(&out[1..]);
            let (parsed, parsed_length) = FrameHeader::parse(&mut cursor).unwrap().unwrap();
            assert_eq!(parsed_length, length as u64);
            assert_eq!(cursor.position(), header as u64);
            assert!(parsed.is_final && parsed.mask.is_none());
            assert_eq!(u8::from(parsed.opcode), 1);
            assert_eq!(&out[1 + header..], &payload[..]);
        }
        let mut out = Vec::new();
        frame_into(&mut out, OpCode::Binary, b"ab");
        assert_eq!(out, [0x82, 2, b'a', b'b']);
    }

    #[test]
    fn batched_frames_get_the_shortest_header() {
        use tokio_tungstenite::tungstenite::protocol::frame::FrameHeader;
        for (length, header) in [(1, 2), (125, 2), (126, 4), (65_535, 4), (65_536, 10)] {
            let payload = vec![b'x'; length];
            // Nothing unwritten before the frame: its header's unused room is skipped.
            // Something unwritten before it: the frame is moved down to follow it.
            for (before, written) in [(0, 0), (3, 3), (3, 1)] {
                let mut out = vec![9u8; before];
                let mut skipped = written;
                let start = open_frame(&mut out);
                out.extend_from_slice(&payload);
                end_frame(&mut out, &mut skipped, start, OpCode::Binary);
                let frame = if written == before {
                    assert_eq!(skipped, before + MAX_HEADER - header);
                    &out[skipped..]
                } else {
                    assert_eq!(skipped, written);
                    assert_eq!(&out[..before], &vec![9u8; before][..]);
                    &out[before..]
                };
                assert_eq!(frame.len(), header + length);
                let mut cursor = std::io::Cursor::new(frame);
                let (parsed, parsed_length) = FrameHeader::parse(&mut cursor).unwrap().unwrap();
                assert_eq!(parsed_length, length as u64);
                assert_eq!(cursor.position(), header as u64);
                assert!(parsed.is_final && parsed.mask.is_none());
                assert_eq!(u8::from(parsed.opcode), 2);
                assert_eq!(&frame[header..], &payload[..]);
            }
        }
    }

    /// A connection task's future is allocated at its largest state for the connection's
    /// whole life: it must stay small (each phase is boxed), or 10,000 sessions pay for it.
    #[tokio::test]
    async fn a_connection_future_stays_small() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (stream, remote) = listener.accept().await.unwrap();
        let router = Arc::new(Router::new(&Config::default()));
        let connection = accept(
            stream,
            remote,
            router,
            CancellationToken::new(),
            http::Inspector::default(),
        );
        let size = std::mem::size_of_val(&connection);
        assert!(size <= 1024, "{size} bytes");
        drop(client);
    }

    /// The same for the session's loop, which runs for the connection's life: the
    /// closing handshake is boxed.
    #[tokio::test]
    async fn a_session_future_stays_small() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let _client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (stream, remote) = listener.accept().await.unwrap();
        let router = Arc::new(Router::new(&Config::default()));
        let ws = WebSocketStream::from_raw_socket(
            Prefixed::new(Bytes::new(), stream),
            tokio_tungstenite::tungstenite::protocol::Role::Server,
            None,
        )
        .await;
        let protocol = Subprotocol::batched(Serializer::Json);
        let (session, queue) = Session::new(router, "websocket", protocol, remote.to_string());
        let transport = WebSocketTransport::new(ws, 1024, protocol);
        let serve = super::super::serve(transport, session, queue, CancellationToken::new());
        let size = std::mem::size_of_val(&serve);
        assert!(size <= 2048, "{size} bytes");
    }
}

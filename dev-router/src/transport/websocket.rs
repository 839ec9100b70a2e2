//! WAMP over WebSocket: subprotocols `wamp.2.json` (text frames), `wamp.2.msgpack` and
//! `wamp.2.cbor` (binary frames). Spec: "WebSocket Transport" (`rfc/text/basic/bp_transports.md`).

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
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
    let Some(serializer) = chosen else {
        return;
    };
    tracing::debug!(%remote, serializer = serializer.name(), "WebSocket connected");
    let (session, queue) = Session::new(router, "websocket", serializer, remote.to_string());
    let transport = WebSocketTransport {
        ws,
        limit,
        text: serializer.is_text(),
        out: Vec::new(),
        written: 0,
    };
    Box::pin(super::serve(transport, session, queue, shutdown)).await;
}

/// Picks the first WAMP subprotocol the client offers, in its order of preference, and
/// echoes it (browsers fail the handshake otherwise); refuses clients that offer none.
#[allow(
    clippy::result_large_err,
    reason = "the signature is tungstenite's `Callback`"
)]
fn negotiate(
    request: &Request,
    mut response: Response,
    chosen: &mut Option<Serializer>,
) -> Result<Response, ErrorResponse> {
    let offered = request
        .headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim);
    for name in offered {
        if let Some(serializer) = Serializer::from_subprotocol(name) {
            response.headers_mut().insert(
                header::SEC_WEBSOCKET_PROTOCOL,
                HeaderValue::from_static(serializer.subprotocol()),
            );
            *chosen = Some(serializer);
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
struct WebSocketTransport {
    ws: WebSocketStream<Stream>,
    limit: usize,
    /// JSON travels in text frames, the binary serializers in binary frames.
    text: bool,
    /// Frames fed and not yet written.
    out: Vec<u8>,
    /// How much of `out` is already written (a write the peer's window cut short).
    written: usize,
}

impl Transport for WebSocketTransport {
    async fn receive(&mut self) -> Inbound {
        loop {
            let frame = match self.ws.next().await {
                None => return Inbound::Closed,
                Some(Ok(frame)) => frame,
                Some(Err(error)) => return self.inbound_error(error),
            };
            match frame {
                // Either frame type is fine on input; the serializer decides.
                Frame::Text(text) => return Inbound::Message(Bytes::from(text)),
                Frame::Binary(bytes) => return Inbound::Message(bytes),
                Frame::Close(_) => return Inbound::Closed,
                // tungstenite answers pings itself.
                Frame::Ping(_) | Frame::Pong(_) | Frame::Frame(_) => {}
            }
        }
    }

    async fn feed(&mut self, message: &Bytes) -> Result<(), TransportError> {
        // The JSON serializer writes UTF-8 only (it encodes Rust strings), so its messages
        // go out as text frames unchecked.
        let opcode = if self.text {
            OpCode::Text
        } else {
            OpCode::Binary
        };
        frame_into(&mut self.out, opcode, message);
        if self.out.len() >= WRITE_BUFFER_SIZE {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), TransportError> {
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
        let (session, queue) =
            Session::new(router, "websocket", Serializer::Json, remote.to_string());
        let transport = WebSocketTransport {
            ws,
            limit: 1024,
            text: true,
            out: Vec::new(),
            written: 0,
        };
        let serve = super::super::serve(transport, session, queue, CancellationToken::new());
        let size = std::mem::size_of_val(&serve);
        assert!(size <= 2048, "{size} bytes");
    }
}

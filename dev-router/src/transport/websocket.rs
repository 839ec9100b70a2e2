//! WAMP over WebSocket: subprotocols `wamp.2.json` (text frames), `wamp.2.msgpack` and
//! `wamp.2.cbor` (binary frames). Spec: "WebSocket Transport" (`rfc/text/basic/bp_transports.md`).

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
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

/// tungstenite's read buffer per connection. Its default, 128 KiB, costs twice: the buffer
/// is allocated at that size, and every read zero-fills all of its free space first
/// (`FrameCodec::read_in`), so every page is resident and every wake-up of a connection
/// task clears 128 KiB. Frames larger than this still arrive (the buffer grows for them);
/// a busy reader only makes a few more `read` calls.
const READ_BUFFER_SIZE: usize = 4 * 1024;
/// How much tungstenite buffers before it writes on its own; a batch ends with a flush
/// anyway ([`super::serve`]), so this only splits very large batches.
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
    let head = tokio::select! {
        head = tokio::time::timeout(HANDSHAKE_TIMEOUT, http::read_head(&mut stream)) => head,
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
            http::send_plain(stream, &head, &response).await;
        }
        Route::File(path) => {
            tracing::debug!(%remote, method = %head.method, path = %head.path, "inspector file");
            http::send_file(stream, &head, path, local).await;
        }
        Route::WebSocket => {
            let stream = Prefixed::new(bytes, stream);
            upgrade(stream, remote, router, shutdown).await;
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
    let handshake = tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(config));
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
    };
    super::serve(transport, session, queue, shutdown).await;
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
struct WebSocketTransport {
    ws: WebSocketStream<Stream>,
    limit: usize,
    /// JSON travels in text frames, the binary serializers in binary frames.
    text: bool,
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

    async fn feed(&mut self, message: Bytes) -> Result<(), TransportError> {
        let frame = if self.text {
            // A clone of `Bytes` is a reference-count bump. Invalid UTF-8 cannot come out of
            // the JSON serializer; a binary frame is still better than dropping the message.
            match Utf8Bytes::try_from(message.clone()) {
                Ok(text) => Frame::Text(text),
                Err(_) => Frame::Binary(message),
            }
        } else {
            Frame::Binary(message)
        };
        self.ws.feed(frame).await?;
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), TransportError> {
        self.ws.flush().await?;
        Ok(())
    }

    async fn pong(&mut self, _payload: Bytes) -> Result<(), TransportError> {
        Ok(())
    }

    async fn close(&mut self, ending: Ending) {
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

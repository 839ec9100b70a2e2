//! The HTTP front of the WebSocket port.
//!
//! Every connection starts with an HTTP request. This module reads its head, then routes:
//! a WebSocket upgrade on [`WS_PATH`] goes to [`super::websocket`]; plain `GET /` gets a
//! small page saying where the WAMP endpoint is; anything else gets a short error. Static
//! files (the inspector) will be served from here too.
//!
//! The head is read here and replayed to tungstenite through [`Prefixed`], so that the
//! WebSocket handshake (validation, accept key, subprotocol) stays tungstenite's.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use wamp_proto::Serializer;

use super::linger;

/// The path of the WAMP WebSocket endpoint.
pub(crate) const WS_PATH: &str = "/ws";
/// The largest request head accepted.
const MAX_HEAD: usize = 16 * 1024;
/// The most headers accepted in a request.
const MAX_HEADERS: usize = 64;

/// What a request head asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequestHead {
    pub(crate) method: String,
    /// The path, without the query.
    pub(crate) path: String,
    /// Whether it asks to upgrade to WebSocket (`Upgrade: websocket`).
    pub(crate) is_websocket: bool,
}

/// Why no request head could be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HeadError {
    #[error("connection closed before a complete request head")]
    Closed,
    #[error("request head larger than {MAX_HEAD} bytes")]
    TooLarge,
    #[error("malformed HTTP request: {0}")]
    Malformed(httparse::Error),
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Reads bytes until a complete request head has arrived.
///
/// Returns the parsed head and every byte read so far (the head, and anything after it),
/// to be replayed with [`Prefixed`].
pub(crate) async fn read_head(stream: &mut TcpStream) -> Result<(RequestHead, Bytes), HeadError> {
    let mut buffer = Vec::with_capacity(1024);
    loop {
        if buffer.len() >= MAX_HEAD {
            return Err(HeadError::TooLarge);
        }
        let mut chunk = [0u8; 2048];
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Err(HeadError::Closed);
        }
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(head) = parse_head(&buffer)? {
            return Ok((head, Bytes::from(buffer)));
        }
    }
}

/// Parses a request head; `None` while it is incomplete.
fn parse_head(bytes: &[u8]) -> Result<Option<RequestHead>, HeadError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    match request.parse(bytes) {
        Ok(httparse::Status::Partial) => Ok(None),
        Ok(httparse::Status::Complete(_)) => {
            let method = request.method.unwrap_or_default().to_owned();
            let target = request.path.unwrap_or_default();
            let path = target
                .split(['?', '#'])
                .next()
                .unwrap_or_default()
                .to_owned();
            let is_websocket = request.headers.iter().any(|header| {
                header.name.eq_ignore_ascii_case("upgrade")
                    && String::from_utf8_lossy(header.value)
                        .trim()
                        .eq_ignore_ascii_case("websocket")
            });
            Ok(Some(RequestHead {
                method,
                path,
                is_websocket,
            }))
        }
        Err(error) => Err(HeadError::Malformed(error)),
    }
}

/// A plain HTTP response, always with `Connection: close`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlainResponse {
    pub(crate) status: u16,
    pub(crate) reason: &'static str,
    pub(crate) content_type: &'static str,
    pub(crate) extra_headers: Vec<(&'static str, String)>,
    pub(crate) body: String,
}

impl PlainResponse {
    fn text(status: u16, reason: &'static str, body: String) -> Self {
        PlainResponse {
            status,
            reason,
            content_type: "text/plain; charset=utf-8",
            extra_headers: Vec::new(),
            body: body + "\n",
        }
    }

    /// The response's bytes; without the body for `HEAD` requests.
    fn to_bytes(&self, with_body: bool) -> Vec<u8> {
        let mut out = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
            self.status,
            self.reason,
            self.content_type,
            self.body.len()
        );
        for (name, value) in &self.extra_headers {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        out.push_str("\r\n");
        if with_body {
            out.push_str(&self.body);
        }
        out.into_bytes()
    }
}

/// The text a WebSocket client that asks for no WAMP subprotocol gets.
pub(crate) fn subprotocol_hint() -> String {
    format!(
        "this is a WAMP endpoint: request one of the subprotocols {}",
        subprotocol_list()
    )
}

/// `wamp.2.json, wamp.2.msgpack, wamp.2.cbor`.
fn subprotocol_list() -> String {
    let names: Vec<&str> = Serializer::ALL
        .iter()
        .map(|serializer| serializer.subprotocol())
        .collect();
    names.join(", ")
}

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// The WAMP WebSocket endpoint.
    WebSocket,
    /// A plain answer.
    Plain(PlainResponse),
}

/// Routes a request; `local` is the listening address, for the index page.
pub(crate) fn route(head: &RequestHead, local: SocketAddr) -> Route {
    if head.method != "GET" && head.method != "HEAD" {
        let mut response = PlainResponse::text(
            405,
            "Method Not Allowed",
            format!("method {} is not supported here", head.method),
        );
        response.extra_headers.push(("Allow", "GET, HEAD".into()));
        return Route::Plain(response);
    }
    let response = match (head.path.as_str(), head.is_websocket) {
        (WS_PATH, true) => return Route::WebSocket,
        (WS_PATH, false) => {
            let mut response = PlainResponse::text(
                426,
                "Upgrade Required",
                format!(
                    "this is a WAMP endpoint: connect with a WebSocket client and request one of \
                     the subprotocols {}",
                    subprotocol_list()
                ),
            );
            response.extra_headers.push(("Upgrade", "websocket".into()));
            response
        }
        (path, true) => PlainResponse::text(
            404,
            "Not Found",
            format!("no WebSocket endpoint at {path}; the WAMP endpoint is {WS_PATH}"),
        ),
        ("/", false) => PlainResponse {
            status: 200,
            reason: "OK",
            content_type: "text/html; charset=utf-8",
            extra_headers: Vec::new(),
            body: index_page(local),
        },
        (path, false) => PlainResponse::text(404, "Not Found", format!("nothing at {path}")),
    };
    Route::Plain(response)
}

fn index_page(local: SocketAddr) -> String {
    let protocols: Vec<&str> = Serializer::ALL
        .iter()
        .map(|serializer| serializer.subprotocol())
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>dev-router</title></head>\n\
         <body>\n<h1>dev-router is running</h1>\n\
         <p>WAMP over WebSocket: <code>ws://{local}{WS_PATH}</code> \
         (subprotocols <code>{}</code>).</p>\n</body>\n</html>\n",
        protocols.join("</code>, <code>")
    )
}

/// Writes `response` and closes the connection.
pub(crate) async fn send_plain(
    mut stream: TcpStream,
    head: &RequestHead,
    response: &PlainResponse,
) {
    let bytes = response.to_bytes(head.method != "HEAD");
    if stream.write_all(&bytes).await.is_ok() {
        linger(&mut stream).await;
    }
}

/// A stream that first yields bytes already read from it, then reads on.
#[derive(Debug)]
pub(crate) struct Prefixed<S> {
    prefix: Bytes,
    inner: S,
}

impl<S> Prefixed<S> {
    pub(crate) fn new(prefix: Bytes, inner: S) -> Self {
        Prefixed { prefix, inner }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Prefixed<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.prefix.has_remaining() {
            let count = self.prefix.len().min(buf.remaining());
            buf.put_slice(&self.prefix[..count]);
            self.prefix.advance(count);
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Prefixed<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &str) -> Option<RequestHead> {
        parse_head(text.as_bytes()).unwrap()
    }

    #[test]
    fn heads_parse() {
        assert_eq!(head("GET /ws HTTP/1.1\r\nHost: x\r\n"), None, "incomplete");
        let upgrade = head(
            "GET /ws?x=1 HTTP/1.1\r\nHost: x\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n\r\n",
        )
        .unwrap();
        assert_eq!(
            upgrade,
            RequestHead {
                method: "GET".into(),
                path: "/ws".into(),
                is_websocket: true
            }
        );
        let plain = head("GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert_eq!(
            plain,
            RequestHead {
                method: "GET".into(),
                path: "/".into(),
                is_websocket: false
            }
        );
        assert!(parse_head(b"\x7f\x21\0\0").is_err());
    }

    #[test]
    fn routes() {
        let local: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let route = |method: &str, path: &str, is_websocket: bool| match route(
            &RequestHead {
                method: method.into(),
                path: path.into(),
                is_websocket,
            },
            local,
        ) {
            Route::Plain(response) => response,
            Route::WebSocket => panic!("{method} {path} went to the WebSocket endpoint"),
        };
        let head = RequestHead {
            method: "GET".into(),
            path: "/ws".into(),
            is_websocket: true,
        };
        assert_eq!(super::route(&head, local), Route::WebSocket);
        let index = route("GET", "/", false);
        assert_eq!(index.status, 200);
        assert!(
            index.body.contains("ws://127.0.0.1:8080/ws"),
            "{}",
            index.body
        );
        assert_eq!(route("GET", "/ws", false).status, 426);
        assert_eq!(route("GET", "/other", true).status, 404);
        assert_eq!(route("GET", "/favicon.ico", false).status, 404);
        assert_eq!(route("POST", "/", false).status, 405);

        let bytes = String::from_utf8(route("HEAD", "/", false).to_bytes(false)).unwrap();
        assert!(bytes.starts_with("HTTP/1.1 200 OK\r\n"), "{bytes}");
        assert!(bytes.ends_with("\r\n\r\n"), "{bytes}");
    }

    #[tokio::test]
    async fn prefixed_replays_then_reads_on() {
        let (mut client, server) = tokio::io::duplex(64);
        client.write_all(b" world").await.unwrap();
        drop(client);
        let mut stream = Prefixed::new(Bytes::from_static(b"hello"), server);
        let mut text = String::new();
        stream.read_to_string(&mut text).await.unwrap();
        assert_eq!(text, "hello world");
    }
}

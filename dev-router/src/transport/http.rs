//! The HTTP front of the WebSocket port.
//!
//! Every connection starts with an HTTP request. This module reads its head, then routes:
//! a WebSocket upgrade on [`WS_PATH`] goes to [`super::websocket`]; plain `GET` requests get
//! the built inspector's files from the [`Inspector`] directory (`/` is its `index.html`),
//! or, without one, a small page saying where the WAMP endpoint is and how to build the
//! inspector; anything else gets a short error.
//!
//! The head is read here and replayed to tungstenite through [`Prefixed`], so that the
//! WebSocket handshake (validation, accept key, subprotocol) stays tungstenite's.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use wamp_proto::batch::Subprotocol;

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

/// `wamp.2.json, wamp.2.json.batched, wamp.2.msgpack, ...`.
fn subprotocol_list() -> String {
    subprotocol_names().join(", ")
}

/// Every subprotocol's name ([`Subprotocol::ALL`]).
fn subprotocol_names() -> Vec<&'static str> {
    Subprotocol::ALL
        .iter()
        .map(|protocol| protocol.name())
        .collect()
}

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// The WAMP WebSocket endpoint.
    WebSocket,
    /// A plain answer.
    Plain(PlainResponse),
    /// A file of the inspector (which may turn out to be missing).
    File(PathBuf),
}

/// The directory of the built inspector, if the router serves it. Cheap to clone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Inspector {
    dir: Option<Arc<Path>>,
}

impl Inspector {
    pub(crate) fn new(dir: Option<PathBuf>) -> Self {
        Inspector {
            dir: dir.map(Arc::from),
        }
    }

    /// The file a request path names: `/` is `index.html`; every other path must be plain
    /// names (letters, digits, `.`, `_`, `-`; no leading dot, so no `..` and no hidden
    /// files) at most a few levels deep. `None` for anything else, and without a directory.
    fn file(&self, path: &str) -> Option<PathBuf> {
        let dir = self.dir.as_deref()?;
        let relative = path.strip_prefix('/')?;
        if relative.is_empty() {
            return Some(dir.join("index.html"));
        }
        let mut file = dir.to_path_buf();
        for (depth, segment) in relative.split('/').enumerate() {
            let plain = !segment.is_empty()
                && !segment.starts_with('.')
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
            if !plain || depth >= 4 {
                return None;
            }
            file.push(segment);
        }
        Some(file)
    }
}

/// The `Content-Type` of a served file, by its extension.
fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
    {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Routes a request; `local` is the listening address, for the index page.
pub(crate) fn route(head: &RequestHead, local: SocketAddr, inspector: &Inspector) -> Route {
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
        (path, false) => match inspector.file(path) {
            Some(file) => return Route::File(file),
            None if path == "/" => index_response(local, None),
            None => PlainResponse::text(404, "Not Found", format!("nothing at {path}")),
        },
    };
    Route::Plain(response)
}

/// The page `/` shows when the inspector is not there; `missing` names the directory that
/// lacks it.
fn index_response(local: SocketAddr, missing: Option<&Path>) -> PlainResponse {
    PlainResponse {
        status: 200,
        reason: "OK",
        content_type: "text/html; charset=utf-8",
        extra_headers: Vec::new(),
        body: index_page(local, missing),
    }
}

fn index_page(local: SocketAddr, missing: Option<&Path>) -> String {
    let protocols = subprotocol_names();
    let why = match missing {
        Some(dir) => format!(
            "There is no <code>index.html</code> in <code>{}</code>. ",
            escape(&dir.display().to_string())
        ),
        None => String::new(),
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>dev-router</title></head>\n\
         <body>\n<h1>dev-router is running</h1>\n\
         <p>WAMP over WebSocket: <code>ws://{local}{WS_PATH}</code> \
         (subprotocols <code>{}</code>).</p>\n\
         <p>The inspector is not served here. {why}Run <code>cargo xtask run</code>, which builds it \
         and starts the router serving it, or build it with <code>cargo xtask inspector</code> and \
         start the router with <code>--inspector-dir target/inspector/dist</code>.</p>\n</body>\n</html>\n",
        protocols.join("</code>, <code>")
    )
}

/// `text` with the HTML special characters escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Sends the inspector's file `path` and closes the connection: 404 if it is missing, or
/// for `index.html`, the page saying how to build the inspector.
pub(crate) async fn send_file(
    stream: TcpStream,
    head: &RequestHead,
    path: PathBuf,
    local: SocketAddr,
) {
    let read_path = path.clone();
    // A blocking read, off the async workers; the files are small.
    let read = tokio::task::spawn_blocking(move || std::fs::read(read_path)).await;
    let response = match read {
        Ok(Ok(body)) => {
            let mut out = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\n\
                 Cache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
                content_type(&path),
                body.len()
            )
            .into_bytes();
            if head.method != "HEAD" {
                out.extend_from_slice(&body);
            }
            return send_bytes(stream, &out).await;
        }
        _ if path.file_name().is_some_and(|name| name == "index.html") && head.path == "/" => {
            index_response(local, path.parent())
        }
        _ => PlainResponse::text(404, "Not Found", format!("nothing at {}", head.path)),
    };
    send_plain(stream, head, &response).await;
}

async fn send_bytes(mut stream: TcpStream, bytes: &[u8]) {
    if stream.write_all(bytes).await.is_ok() {
        linger(&mut stream).await;
    }
}

/// Writes `response` and closes the connection.
pub(crate) async fn send_plain(stream: TcpStream, head: &RequestHead, response: &PlainResponse) {
    send_bytes(stream, &response.to_bytes(head.method != "HEAD")).await;
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
            if !self.prefix.has_remaining() {
                // An empty `Bytes` still holds the whole request head's buffer; let it go
                // rather than keep it for the connection's life.
                self.prefix = Bytes::new();
            }
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
        let none = Inspector::default();
        let route = |method: &str, path: &str, is_websocket: bool| match route(
            &RequestHead {
                method: method.into(),
                path: path.into(),
                is_websocket,
            },
            local,
            &none,
        ) {
            Route::Plain(response) => response,
            other => panic!("{method} {path} went to {other:?}"),
        };
        let head = RequestHead {
            method: "GET".into(),
            path: "/ws".into(),
            is_websocket: true,
        };
        assert_eq!(super::route(&head, local, &none), Route::WebSocket);
        let index = route("GET", "/", false);
        assert_eq!(index.status, 200);
        assert!(
            index.body.contains("ws://127.0.0.1:8080/ws"),
            "{}",
            index.body
        );
        assert!(
            index.body.contains("cargo xtask run"),
            "says how to get the inspector"
        );
        assert_eq!(route("GET", "/ws", false).status, 426);
        assert_eq!(route("GET", "/other", true).status, 404);
        assert_eq!(route("GET", "/favicon.ico", false).status, 404);
        assert_eq!(route("POST", "/", false).status, 405);

        let bytes = String::from_utf8(route("HEAD", "/", false).to_bytes(false)).unwrap();
        assert!(bytes.starts_with("HTTP/1.1 200 OK\r\n"), "{bytes}");
        assert!(bytes.ends_with("\r\n\r\n"), "{bytes}");
    }

    #[test]
    fn the_inspector_is_served_from_its_directory_only() {
        let local: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let inspector = Inspector::new(Some(PathBuf::from("/srv/inspector")));
        let route = |method: &str, path: &str| {
            let head = RequestHead {
                method: method.into(),
                path: path.into(),
                is_websocket: false,
            };
            super::route(&head, local, &inspector)
        };
        let file = |name: &str| Route::File(Path::new("/srv/inspector").join(name));
        assert_eq!(route("GET", "/"), file("index.html"));
        assert_eq!(
            route("HEAD", "/inspector_bg.wasm"),
            file("inspector_bg.wasm")
        );
        assert_eq!(route("GET", "/assets/app-1.js"), file("assets/app-1.js"));
        for bad in [
            "/..",
            "/../secret",
            "/a/../../etc/passwd",
            "/.hidden",
            "/a//b",
            "/%2e%2e/x",
            "/a\\b",
            "/a/b/c/d/e",
            "/x?y",
            "/~root",
        ] {
            assert!(
                matches!(route("GET", bad), Route::Plain(ref r) if r.status == 404),
                "{bad} must not reach the file system"
            );
        }
        assert!(matches!(route("POST", "/"), Route::Plain(ref r) if r.status == 405));
        assert!(
            matches!(route("GET", "/ws"), Route::Plain(ref r) if r.status == 426),
            "the WAMP endpoint is not a file"
        );
    }

    #[test]
    fn content_types() {
        for (name, expected) in [
            ("index.html", "text/html; charset=utf-8"),
            ("inspector.js", "text/javascript; charset=utf-8"),
            ("inspector_bg.wasm", "application/wasm"),
            ("inspector.css", "text/css; charset=utf-8"),
            ("blob", "application/octet-stream"),
        ] {
            assert_eq!(content_type(Path::new(name)), expected);
        }
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

//! Test helpers: an in-process server on port 0, and WebSocket and RawSocket clients that
//! speak WAMP messages.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::Duration;

use dev_router::Config;
use dev_router::server::{self, Listeners};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{self, Message as Frame};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tokio_util::sync::CancellationToken;
use wamp_proto::{Dict, Id, Message, Payload, Serializer, SessionId, Uri, Value};

/// How long any single expected event may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A router running in this process.
pub struct TestServer {
    pub ws_addr: SocketAddr,
    pub raw_addr: SocketAddr,
    shutdown: CancellationToken,
    task: JoinHandle<()>,
}

impl TestServer {
    pub async fn start() -> TestServer {
        TestServer::with_config(Config::default()).await
    }

    pub async fn with_config(config: Config) -> TestServer {
        let websocket = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let rawsocket = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let ws_addr = websocket.local_addr().unwrap();
        let raw_addr = rawsocket.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let listeners = Listeners {
            websocket,
            rawsocket: Some(rawsocket),
        };
        let task = tokio::spawn(server::run(listeners, config, shutdown.clone()));
        TestServer {
            ws_addr,
            raw_addr,
            shutdown,
            task,
        }
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.ws_addr)
    }

    /// Shuts the server down and waits for it to finish.
    pub async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(TIMEOUT, self.task)
            .await
            .expect("server did not stop in time")
            .unwrap();
    }
}

/// HELLO details of a client with all four roles.
pub fn client_details() -> Dict {
    let roles: Dict = ["caller", "callee", "publisher", "subscriber"]
        .into_iter()
        .map(|role| (role.to_owned(), Value::Dict(Dict::new())))
        .collect();
    Dict::from([("roles".to_owned(), Value::Dict(roles))])
}

pub fn hello(realm: &str) -> Message {
    Message::Hello {
        realm: Uri::new(realm),
        details: client_details(),
    }
}

pub fn id(value: u64) -> Id {
    Id::new(value).unwrap()
}

pub fn dict<const N: usize>(entries: [(&str, Value); N]) -> Dict {
    entries
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect()
}

/// The reason and `message` detail of an ABORT, or a panic.
pub fn abort_of(message: &Message) -> (&str, &str) {
    match message {
        Message::Abort { reason, details } => (
            reason.as_str(),
            details
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        ),
        other => panic!("expected ABORT, got {other:?}"),
    }
}

/// A WAMP client over some transport.
pub enum Client {
    WebSocket {
        ws: Box<WebSocketStream<MaybeTlsStream<TcpStream>>>,
        serializer: Serializer,
    },
    RawSocket {
        stream: TcpStream,
        serializer: Serializer,
    },
}

impl Client {
    /// Opens a WebSocket asking for `serializer`'s subprotocol.
    pub async fn websocket(server: &TestServer, serializer: Serializer) -> Client {
        let mut request = server.ws_url().into_client_request().unwrap();
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static(serializer.subprotocol()),
        );
        let (ws, response) = tokio_tungstenite::connect_async(request).await.unwrap();
        assert_eq!(
            response
                .headers()
                .get("Sec-WebSocket-Protocol")
                .and_then(|value| value.to_str().ok()),
            Some(serializer.subprotocol())
        );
        Client::WebSocket {
            ws: Box::new(ws),
            serializer,
        }
    }

    /// Opens a RawSocket and completes its handshake (client max length 16 MiB).
    pub async fn rawsocket(server: &TestServer, serializer: Serializer) -> Client {
        let mut stream = TcpStream::connect(server.raw_addr).await.unwrap();
        stream
            .write_all(&[0x7F, 0xF0 | serializer.rawsocket_code(), 0, 0])
            .await
            .unwrap();
        let mut reply = [0u8; 4];
        tokio::time::timeout(TIMEOUT, stream.read_exact(&mut reply))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(reply[0], 0x7F);
        assert_eq!(
            reply[1] & 0x0F,
            serializer.rawsocket_code(),
            "handshake reply {reply:?}"
        );
        assert_eq!(&reply[2..], &[0, 0]);
        Client::RawSocket { stream, serializer }
    }

    /// Connects over WebSocket and joins `realm1`.
    pub async fn join(server: &TestServer, serializer: Serializer) -> (Client, SessionId) {
        let mut client = Client::websocket(server, serializer).await;
        let session = client.establish("realm1").await;
        (client, session)
    }

    /// Sends HELLO for `realm` and expects WELCOME.
    pub async fn establish(&mut self, realm: &str) -> SessionId {
        self.send(&hello(realm)).await;
        match self.recv().await {
            Message::Welcome { session, details } => {
                assert_eq!(
                    details.get("authrole").and_then(Value::as_str),
                    Some("anonymous")
                );
                assert_eq!(
                    details.get("authmethod").and_then(Value::as_str),
                    Some("anonymous")
                );
                let roles = details.get("roles").and_then(Value::as_dict).unwrap();
                assert!(
                    roles.contains_key("broker") && roles.contains_key("dealer"),
                    "{roles:?}"
                );
                session
            }
            other => panic!("expected WELCOME, got {other:?}"),
        }
    }

    pub fn serializer(&self) -> Serializer {
        match self {
            Client::WebSocket { serializer, .. } | Client::RawSocket { serializer, .. } => {
                *serializer
            }
        }
    }

    pub async fn send(&mut self, message: &Message) {
        let bytes = self.serializer().encode(message);
        self.send_bytes(bytes).await;
    }

    /// Sends bytes as one message (a text frame for JSON over WebSocket).
    pub async fn send_bytes(&mut self, bytes: Vec<u8>) {
        match self {
            Client::WebSocket { ws, serializer } => {
                let frame = match serializer.is_text() {
                    true => Frame::Text(String::from_utf8(bytes).unwrap().into()),
                    false => Frame::Binary(bytes.into()),
                };
                ws.send(frame).await.unwrap();
            }
            Client::RawSocket { stream, .. } => {
                let mut frame = (bytes.len() as u32).to_be_bytes().to_vec();
                frame.extend_from_slice(&bytes);
                stream.write_all(&frame).await.unwrap();
            }
        }
    }

    /// The next WAMP message; panics on timeout or close.
    pub async fn recv(&mut self) -> Message {
        match tokio::time::timeout(TIMEOUT, self.next()).await {
            Ok(Some(message)) => message,
            Ok(None) => panic!("connection closed while a message was expected"),
            Err(_) => panic!("no message within {TIMEOUT:?}"),
        }
    }

    /// The next WAMP message, or `None` once the connection is closed.
    pub async fn next(&mut self) -> Option<Message> {
        let serializer = self.serializer();
        match self {
            Client::WebSocket { ws, .. } => loop {
                match ws.next().await? {
                    Ok(Frame::Text(text)) => {
                        return Some(serializer.decode(text.as_bytes()).unwrap());
                    }
                    Ok(Frame::Binary(bytes)) => return Some(serializer.decode(&bytes).unwrap()),
                    Ok(Frame::Close(_)) | Err(_) => return None,
                    Ok(_) => {}
                }
            },
            Client::RawSocket { stream, .. } => loop {
                let mut header = [0u8; 4];
                stream.read_exact(&mut header).await.ok()?;
                let length = u32::from_be_bytes([0, header[1], header[2], header[3]]) as usize;
                let mut payload = vec![0; length];
                stream.read_exact(&mut payload).await.ok()?;
                if header[0] == 0 {
                    return Some(serializer.decode(&payload).unwrap());
                }
            },
        }
    }

    /// Expects the connection to close, with no further WAMP message; returns the WebSocket
    /// close frame, if any.
    pub async fn expect_closed(&mut self) -> Option<CloseFrame> {
        let close = async {
            match self {
                Client::WebSocket { ws, .. } => loop {
                    match ws.next().await {
                        None | Some(Err(_)) => return None,
                        Some(Ok(Frame::Close(frame))) => {
                            // Let tungstenite answer the close handshake.
                            while let Some(Ok(_)) = ws.next().await {}
                            return frame;
                        }
                        Some(Ok(Frame::Text(_) | Frame::Binary(_))) => {
                            panic!("a message arrived instead of the close")
                        }
                        Some(Ok(_)) => {}
                    }
                },
                Client::RawSocket { stream, .. } => {
                    let mut rest = Vec::new();
                    let _ = stream.read_to_end(&mut rest).await;
                    assert!(
                        rest.is_empty(),
                        "bytes arrived instead of the close: {rest:?}"
                    );
                    None
                }
            }
        };
        tokio::time::timeout(TIMEOUT, close)
            .await
            .expect("connection not closed in time")
    }

    /// Sends a raw WebSocket frame.
    pub async fn send_frame(&mut self, frame: Frame) {
        match self {
            Client::WebSocket { ws, .. } => ws.send(frame).await.unwrap(),
            Client::RawSocket { .. } => panic!("not a WebSocket"),
        }
    }

    /// Says GOODBYE and expects the router's GOODBYE, then the close.
    pub async fn leave(mut self) {
        let goodbye = Message::Goodbye {
            details: Dict::new(),
            reason: Uri::new("wamp.close.close_realm"),
        };
        self.send(&goodbye).await;
        match self.recv().await {
            Message::Goodbye { reason, .. } => {
                assert_eq!(reason.as_str(), "wamp.close.goodbye_and_out")
            }
            other => panic!("expected GOODBYE, got {other:?}"),
        }
        self.expect_closed().await;
    }

    pub async fn subscribe(&mut self, request: u64, topic: &str) -> Id {
        self.send(&Message::Subscribe {
            request: id(request),
            options: Dict::new(),
            topic: Uri::new(topic),
        })
        .await;
        match self.recv().await {
            Message::Subscribed {
                request: answered,
                subscription,
            } => {
                assert_eq!(answered, id(request));
                subscription
            }
            other => panic!("expected SUBSCRIBED, got {other:?}"),
        }
    }

    pub async fn register(&mut self, request: u64, procedure: &str) -> Id {
        let register = Message::Register {
            request: id(request),
            options: Dict::new(),
            procedure: Uri::new(procedure),
        };
        self.send(&register).await;
        match self.recv().await {
            Message::Registered {
                request: answered,
                registration,
            } => {
                assert_eq!(answered, id(request));
                registration
            }
            other => panic!("expected REGISTERED, got {other:?}"),
        }
    }

    pub async fn call(&mut self, request: u64, procedure: &str, payload: Payload) {
        let call = Message::Call {
            request: id(request),
            options: Dict::new(),
            procedure: Uri::new(procedure),
            payload,
        };
        self.send(&call).await;
    }
}

/// A new session can still join and get an answer from the router.
pub async fn assert_router_works(server: &TestServer) {
    let (mut client, _) = Client::join(server, Serializer::Json).await;
    client
        .call(1, "com.example.nobody_home", Payload::default())
        .await;
    match client.recv().await {
        Message::Error { error, .. } => assert_eq!(error.as_str(), "wamp.error.no_such_procedure"),
        other => panic!("expected ERROR, got {other:?}"),
    }
    client.leave().await;
}

/// Sends raw bytes on a fresh TCP connection to `addr` and returns all that comes back.
pub async fn raw_exchange(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(TIMEOUT, stream.read_to_end(&mut response))
        .await
        .unwrap()
        .unwrap();
    response
}

/// Makes `tungstenite::Error` nameable in tests without another import.
pub type WsError = tungstenite::Error;

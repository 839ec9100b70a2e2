//! Transports: WebSocket (behind a small HTTP front) and RawSocket.
//!
//! A transport turns frames into message bytes and back ([`Transport`]); it knows nothing
//! of WAMP sessions. [`serve`] is the one loop that connects a transport to a
//! [`Session`]: it reads frames, decodes them, feeds them to the session, and drains the
//! session's outbound queue in batches, until the session or the peer ends it.

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use wamp_proto::{Message, Serializer};

use crate::realm::Outgoing;
use crate::session::{Ending, Session, Step};

pub(crate) mod http;
pub(crate) mod rawsocket;
pub(crate) mod websocket;

/// How long a new connection may take to send its HTTP request head, its RawSocket
/// handshake, and then its HELLO.
pub(crate) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long closing may take: the last messages, the close frame, and waiting for the peer
/// to close its side, so that it reads everything before the connection goes.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(3);
/// How long to wait for the peer's GOODBYE after the router's, on shutdown.
const GOODBYE_TIMEOUT: Duration = Duration::from_secs(1);
/// How long to wait for the peer to close its side after ours.
const LINGER_TIMEOUT: Duration = Duration::from_secs(1);
/// The most messages written between two flushes.
const MAX_BATCH: usize = 256;

/// What a transport read.
#[derive(Debug)]
pub(crate) enum Inbound {
    /// One serialized WAMP message.
    Message(Bytes),
    /// A transport-level ping to answer with [`Transport::pong`] (RawSocket only:
    /// WebSocket answers pings itself).
    Ping(Bytes),
    /// A message over the limit; its size, when known, and the limit.
    TooLarge { size: Option<usize>, limit: usize },
    /// A framing error, described for the ABORT message.
    Violation(String),
    /// The peer closed the connection, or it failed.
    Closed,
}

/// Why writing failed; the connection is then dropped.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TransportError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    WebSocket(#[from] tokio_tungstenite::tungstenite::Error),
}

/// One connection's framing.
pub(crate) trait Transport: Send {
    /// The next inbound event. Cancel-safe: dropping the future loses nothing.
    fn receive(&mut self) -> impl Future<Output = Inbound> + Send;

    /// Whether [`Transport::receive`] has a message at hand, read and not yet returned (the
    /// rest of a batched frame), so that it returns without waiting for the peer.
    fn has_buffered_input(&self) -> bool {
        false
    }

    /// Buffers one serialized message for sending; [`Transport::flush`] sends it. Cancelling
    /// the future leaves the buffer consistent. Borrowed: the bytes of one EVENT are shared
    /// by all its recipients, and a transport that copies them needs no reference of its own.
    fn feed(&mut self, message: &Bytes) -> impl Future<Output = Result<(), TransportError>> + Send;

    /// Sends what is buffered.
    fn flush(&mut self) -> impl Future<Output = Result<(), TransportError>> + Send;

    /// Answers an [`Inbound::Ping`].
    fn pong(&mut self, payload: Bytes) -> impl Future<Output = Result<(), TransportError>> + Send;

    /// Closes: sends the transport's close signal for `ending`, then waits for the peer to
    /// close its side. Callers bound it with a timeout.
    fn close(&mut self, ending: Ending) -> impl Future<Output = ()> + Send;
}

/// How the main loop ended.
enum Exit {
    /// Send what is queued, then `last`, then close.
    Close {
        last: Option<Message>,
        ending: Ending,
    },
    /// The router is shutting down.
    Shutdown,
    /// Cut off for not reading: try to send `abort` and close, skipping the queue.
    CutOff(Message),
    /// The peer closed: complete the transport's close handshake.
    PeerClosed,
    /// The connection is gone.
    Gone,
}

/// Runs `session` over `transport` until either ends it or `shutdown` is cancelled.
pub(crate) async fn serve<T: Transport>(
    mut transport: T,
    mut session: Session,
    mut queue: mpsc::Receiver<Outgoing>,
    shutdown: CancellationToken,
) {
    let serializer = session.serializer();
    let cut_off = session.cut_off_token();
    let closed = session.close_token();
    let hello_deadline = tokio::time::sleep(HANDSHAKE_TIMEOUT);
    // Made once, not on every turn of the loop: a fresh `cancelled()` future registers
    // with its token (a lock) when first polled and deregisters when dropped, three tokens
    // per turn, and a busy connection turns once per batch written.
    let cut_off_signal = cut_off.cancelled();
    let shutdown_signal = shutdown.cancelled();
    let closed_signal = closed.cancelled();
    tokio::pin!(
        hello_deadline,
        cut_off_signal,
        shutdown_signal,
        closed_signal
    );
    let mut batch = Vec::new();
    // Messages taken from a batch already read while writes waited (see the queue's branch).
    let mut run = 0;
    let exit = loop {
        tokio::select! {
            biased;
            () = &mut cut_off_signal => break Exit::CutOff(session.cut_off()),
            () = &mut shutdown_signal => break Exit::Shutdown,
            // Killed through the meta API: the GOODBYE is queued last; send it, then close.
            () = &mut closed_signal => break Exit::Close { last: None, ending: Ending::Normal },
            () = &mut hello_deadline, if session.is_establishing() => {
                if let Step::Close { last, ending } = session.handle_hello_timeout(HANDSHAKE_TIMEOUT) {
                    break Exit::Close { last, ending };
                }
            }
            // Everything queued, up to MAX_BATCH, in one take: the queue's permits go back
            // once per batch, not once per message. While a batch the peer sent is still
            // being taken apart, up to MAX_BATCH of its messages go first: their answers
            // then leave together, in one frame and one write, not one write per message.
            1.. = queue.recv_many(&mut batch, MAX_BATCH),
                if run >= MAX_BATCH || !transport.has_buffered_input() => {
                run = 0;
                // A peer that does not read blocks this write; being cut off or shut down
                // must still get through.
                let written = tokio::select! {
                    written = write_batch(&mut transport, serializer, &mut batch) => written,
                    () = &mut cut_off_signal => Ok(()),
                    () = &mut shutdown_signal => Ok(()),
                };
                if let Err(error) = written {
                    tracing::debug!(session = ?session.id(), %error, "write failed");
                    break Exit::Gone;
                }
            }
            inbound = transport.receive() => {
                let step = match inbound {
                    Inbound::Message(bytes) => match serializer.decode(&bytes) {
                        Ok(message) => {
                            tracing::trace!(session = ?session.id(), ?message, "received");
                            session.handle_received(message, bytes)
                        }
                        Err(error) => session.handle_decode_error(&error),
                    },
                    Inbound::Ping(payload) => match transport.pong(payload).await {
                        Ok(()) => Step::Continue,
                        Err(_) => break Exit::Gone,
                    },
                    Inbound::TooLarge { size, limit } => session.handle_oversized(size, limit),
                    Inbound::Violation(message) => session.handle_transport_violation(message),
                    Inbound::Closed => break Exit::PeerClosed,
                };
                if let Step::Close { last, ending } = step {
                    break Exit::Close { last, ending };
                }
                run = if transport.has_buffered_input() { run + 1 } else { 0 };
            }
        }
    };

    if !matches!(exit, Exit::Shutdown) {
        // Leaves the realm now (if not yet), so that nothing more is queued for this session.
        session.close();
    }
    // Boxed: the closing handshake's futures are large, and inline they would make every
    // connection's future (allocated for its whole life) larger by kilobytes.
    let closing = Box::pin(async {
        match exit {
            Exit::Close { last, ending } => {
                drain_queue(&mut transport, serializer, &mut queue).await;
                if let Some(last) = last {
                    let _ = transport.feed(&encode(serializer, &last)).await;
                }
                let _ = transport.flush().await;
                transport.close(ending).await;
            }
            Exit::Shutdown => {
                say_goodbye(&mut transport, &mut session, &mut queue).await;
                transport.close(Ending::Shutdown).await;
            }
            Exit::CutOff(abort) => {
                let _ = transport.feed(&encode(serializer, &abort)).await;
                let _ = transport.flush().await;
                transport.close(Ending::SlowConsumer).await;
            }
            Exit::PeerClosed => transport.close(Ending::Normal).await,
            Exit::Gone => {}
        }
    });
    if tokio::time::timeout(CLOSE_TIMEOUT, closing).await.is_err() {
        tracing::debug!("closing timed out; dropping the connection");
    }
}

/// The router's side of the closing handshake on shutdown: GOODBYE, then a short wait for
/// the peer's GOODBYE.
async fn say_goodbye<T: Transport>(
    transport: &mut T,
    session: &mut Session,
    queue: &mut mpsc::Receiver<Outgoing>,
) {
    let serializer = session.serializer();
    let Some(goodbye) = session.shutdown() else {
        return;
    };
    drain_queue(transport, serializer, queue).await;
    if transport.feed(&encode(serializer, &goodbye)).await.is_err()
        || transport.flush().await.is_err()
    {
        return;
    }
    let reply = async {
        loop {
            match transport.receive().await {
                Inbound::Message(bytes) => match serializer.decode(&bytes) {
                    Ok(message) => {
                        if let Step::Close { .. } = session.handle_received(message, bytes) {
                            return;
                        }
                    }
                    Err(_) => return,
                },
                Inbound::Ping(payload) => {
                    let _ = transport.pong(payload).await;
                }
                Inbound::TooLarge { .. } | Inbound::Violation(_) | Inbound::Closed => return,
            }
        }
    };
    let _ = tokio::time::timeout(GOODBYE_TIMEOUT, reply).await;
}

/// Feeds `batch` (what one `recv_many` took from the queue), then flushes once; leaves
/// `batch` empty and without capacity (an idle session keeps no batch buffer).
async fn write_batch<T: Transport>(
    transport: &mut T,
    serializer: Serializer,
    batch: &mut Vec<Outgoing>,
) -> Result<(), TransportError> {
    let taken = std::mem::take(batch);
    for message in &taken {
        transport.feed(message.encoded_ref(serializer)).await?;
    }
    drop(taken);
    transport.flush().await
}

/// Feeds everything still queued, ignoring errors (the connection is closing anyway).
async fn drain_queue<T: Transport>(
    transport: &mut T,
    serializer: Serializer,
    queue: &mut mpsc::Receiver<Outgoing>,
) {
    while let Ok(next) = queue.try_recv() {
        if transport.feed(next.encoded_ref(serializer)).await.is_err() {
            return;
        }
    }
}

fn encode(serializer: Serializer, message: &Message) -> Bytes {
    Bytes::from(serializer.encode(message))
}

/// Half-closes `stream` and reads until the peer closes too (or [`LINGER_TIMEOUT`]),
/// discarding what arrives.
///
/// Closing a socket with unread data makes the kernel send a reset, which can destroy the
/// last messages (an ABORT, a GOODBYE) before the peer reads them; lingering avoids that.
pub(crate) async fn linger<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut S) {
    let _ = stream.shutdown().await;
    let drain = async {
        let mut sink = [0u8; 4096];
        while let Ok(1..) = stream.read(&mut sink).await {}
    };
    let _ = tokio::time::timeout(LINGER_TIMEOUT, drain).await;
}

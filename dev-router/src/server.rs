//! The server: accepts connections on already-bound listeners and serves each in its own
//! task until shutdown.
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! use dev_router::{Config, server};
//! use tokio::net::TcpListener;
//! use tokio_util::sync::CancellationToken;
//!
//! let websocket = TcpListener::bind("127.0.0.1:0").await?;
//! println!("ws://{}/ws", websocket.local_addr()?);
//! let shutdown = CancellationToken::new();
//! let listeners = server::Listeners { websocket, rawsocket: None };
//! let server = tokio::spawn(server::run(listeners, Config::default(), shutdown.clone()));
//! // ... later:
//! shutdown.cancel();
//! server.await.ok();
//! # Ok(())
//! # }
//! ```

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::router::Router;
use crate::transport::{http, rawsocket, websocket};

/// The sockets to serve, bound by the caller (so that tests can bind port 0 and read the
/// port before the server starts).
#[derive(Debug)]
pub struct Listeners {
    /// WebSocket, and plain HTTP on the same port.
    pub websocket: TcpListener,
    /// RawSocket, if enabled.
    pub rawsocket: Option<TcpListener>,
}

/// Serves until `shutdown` is cancelled, then closes every session (GOODBYE with
/// `wamp.close.system_shutdown`) and returns once all connections are done.
///
/// From `config`, `run` uses the realms, `max_message_size`, `queue_capacity` and
/// `inspector_dir`; the host and ports were the caller's business when binding. Accept
/// errors are logged and retried: this function does not fail.
pub async fn run(listeners: Listeners, config: Config, shutdown: CancellationToken) {
    let router = Arc::new(Router::new(&config));
    let tracker = TaskTracker::new();
    for realm in router.realms() {
        tracker.spawn(realm.clone().run_timer(shutdown.clone()));
    }
    let Listeners {
        websocket,
        rawsocket,
    } = listeners;

    let inspector = http::Inspector::new(config.inspector_dir.clone());
    tracker.spawn(accept_loop(
        websocket,
        router.clone(),
        tracker.clone(),
        shutdown.clone(),
        move |stream, remote, router, shutdown| {
            websocket::accept(stream, remote, router, shutdown, inspector.clone())
        },
    ));
    if let Some(rawsocket) = rawsocket {
        tracker.spawn(accept_loop(
            rawsocket,
            router.clone(),
            tracker.clone(),
            shutdown.clone(),
            rawsocket::accept,
        ));
    }

    shutdown.cancelled().await;
    tracing::info!("shutting down");
    tracker.close();
    tracker.wait().await;
    tracing::info!("all connections closed");
}

/// Accepts connections until shutdown, spawning `serve` for each on `tracker`.
async fn accept_loop<F, Fut>(
    listener: TcpListener,
    router: Arc<Router>,
    tracker: TaskTracker,
    shutdown: CancellationToken,
    serve: F,
) where
    F: Fn(TcpStream, SocketAddr, Arc<Router>, CancellationToken) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = shutdown.cancelled() => return,
        };
        match accepted {
            Ok((stream, remote)) => {
                // WAMP messages are small and latency matters more than packet count.
                let _ = stream.set_nodelay(true);
                tracing::debug!(%remote, "connection accepted");
                tracker.spawn(serve(stream, remote, router.clone(), shutdown.clone()));
            }
            Err(error) => {
                // Typically out of file descriptors: wait for some to be freed rather than
                // spin.
                tracing::warn!(%error, "accept failed");
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_millis(100)) => {}
                    () = shutdown.cancelled() => return,
                }
            }
        }
    }
}

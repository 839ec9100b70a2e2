//! The machine's floor for RPC latency: what four hops over loopback TCP cost with nothing
//! else to do, measured at the start of every suite run.
//!
//! A WAMP call with one caller and one call in flight makes four hops: caller to router,
//! router to callee, callee to router, router to caller. Each hop is a write, a wake-up of
//! a sleeping thread and a read. Here two threads play ping-pong with 32 bytes, two round
//! trips per "call", on blocking sockets: no WebSocket, no WAMP, no async runtime. No
//! router can answer a call faster than this on the same machine, so the table's latencies
//! are best read against it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

/// Calls timed, after the warm-up.
const CALLS: usize = 10_000;
/// Calls before timing starts.
const WARMUP: usize = 500;
/// Bytes per hop: about a small CALL.
const MESSAGE: usize = 32;

/// Latency of one "call" (two round trips).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Floor {
    pub(crate) p50: Duration,
    pub(crate) p99: Duration,
}

/// Measures the floor; with `pin`, the echoing thread runs on CPU 0 (where the suite pins
/// the routers) and the timing thread on the caller's CPU (the generator's).
///
/// # Errors
/// If a loopback socket cannot be opened or fails.
pub(crate) fn measure(pin: bool) -> Result<Floor> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding a loopback socket")?;
    let address = listener.local_addr()?;
    let echo = std::thread::spawn(move || -> Result<()> {
        if pin {
            crate::pin_to_cpu(0)?;
        }
        let (mut stream, _) = listener.accept()?;
        stream.set_nodelay(true)?;
        let mut buffer = [0u8; MESSAGE];
        loop {
            match stream.read(&mut buffer)? {
                0 => return Ok(()),
                read => stream.write_all(&buffer[..read])?,
            }
        }
    });
    let mut stream = TcpStream::connect(address).context("connecting over loopback")?;
    stream.set_nodelay(true)?;
    let mut latencies = Vec::with_capacity(CALLS);
    let mut buffer = [0u8; MESSAGE];
    for call in 0..WARMUP + CALLS {
        let start = Instant::now();
        for _ in 0..2 {
            stream.write_all(&[7u8; MESSAGE])?;
            stream.read_exact(&mut buffer)?;
        }
        if call >= WARMUP {
            latencies.push(start.elapsed());
        }
    }
    drop(stream);
    echo.join()
        .map_err(|_| anyhow::anyhow!("the echo thread panicked"))??;
    latencies.sort_unstable();
    Ok(Floor {
        p50: latencies[latencies.len() / 2],
        p99: latencies[latencies.len() * 99 / 100],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_floor_is_measured() {
        let floor = measure(false).unwrap();
        assert!(floor.p50 > Duration::ZERO);
        assert!(floor.p99 >= floor.p50);
    }
}

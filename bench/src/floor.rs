//! The machine's floors, measured at the start of every suite run: what loopback TCP costs
//! with nothing else to do, for a call and for a fan-out.
//!
//! A WAMP call with one caller and one call in flight makes four hops: caller to router,
//! router to callee, callee to router, router to caller. Each hop is a write, a wake-up of
//! a sleeping thread and a read. Here two threads play ping-pong with 32 bytes, two round
//! trips per "call", on blocking sockets: no WebSocket, no WAMP, no async runtime. No
//! router can answer a call faster than this on the same machine, so the table's latencies
//! are best read against it.
//!
//! The same call through a relay that does nothing but copy bytes: a single-threaded tokio
//! runtime on the routers' CPU, one task per direction copying from one socket to the other,
//! between a caller and a callee thread on the generator's CPU. That is a router with no
//! WebSocket, no decoding and no routing, on the same runtime and readiness loop (epoll) as
//! the dev-router: what is left between it and the dev-router is the router's own work.
//!
//! A publication to `n` subscribers over WebSocket is `n` writes, one per connection, each
//! a syscall that also runs the receiving side of loopback TCP and wakes the reader. Here
//! one thread writes an EVENT-sized message to each of `n` sockets, on blocking sockets,
//! while a single-threaded tokio runtime on the other CPU reads them all, as a generator
//! would; a round every millisecond (1,000 publications a second). The time one round
//! takes is the least a router on one core needs to reach the last of `n` subscribers, so
//! no p99 publish-to-event latency at that rate can be below it.

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

/// Rounds of fan-out writes timed.
const ROUNDS: usize = 100;
/// Bytes per fan-out write: a WebSocket frame with a JSON EVENT and a 32-byte payload.
pub(crate) const EVENT: usize = 80;

/// Latency of one "call" (two round trips), the same through a tokio relay, and the fan-out
/// floor.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Floor {
    pub(crate) call: Percentiles,
    pub(crate) relay: Percentiles,
    pub(crate) fan_out: FanOut,
}

/// The median and the 99th percentile of a latency.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Percentiles {
    pub(crate) p50: Duration,
    pub(crate) p99: Duration,
}

impl Percentiles {
    fn of(mut latencies: Vec<Duration>) -> Percentiles {
        latencies.sort_unstable();
        Percentiles {
            p50: latencies[latencies.len() / 2],
            p99: latencies[latencies.len() * 99 / 100],
        }
    }
}

/// One write to each of `subscribers` sockets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FanOut {
    pub(crate) subscribers: usize,
    /// The median time of a whole round.
    pub(crate) round: Duration,
}

impl FanOut {
    /// The median time of one write.
    pub(crate) fn write(&self) -> Duration {
        self.round / u32::try_from(self.subscribers.max(1)).unwrap_or(u32::MAX)
    }
}

/// Measures the floors, the fan-out one with `subscribers` sockets; with `pin`, the echoing
/// thread, the relay and the writing thread run on CPU 0 (where the suite pins the routers),
/// the timing, calling, answering and reading threads on the generator's CPU.
///
/// # Errors
/// If a loopback socket cannot be opened or fails.
pub(crate) fn measure(pin: bool, subscribers: usize) -> Result<Floor> {
    Ok(Floor {
        call: call(pin)?,
        relay: relay(pin)?,
        fan_out: fan_out(pin, subscribers)?,
    })
}

/// A "call": two round trips between two threads.
fn call(pin: bool) -> Result<Percentiles> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding a loopback socket")?;
    let address = listener.local_addr()?;
    let echo = spawn("echo", pin.then_some(0), move || {
        let (stream, _) = listener.accept()?;
        echo(stream)
    });
    let mut stream = TcpStream::connect(address).context("connecting over loopback")?;
    let timed = time_calls(&mut stream, 2);
    drop(stream);
    echo.join()??;
    Ok(Percentiles::of(timed?))
}

/// [`WARMUP`] and then [`CALLS`] calls of `round_trips` round trips of [`MESSAGE`] bytes
/// each on `stream`: the latency of each timed call.
fn time_calls(stream: &mut TcpStream, round_trips: usize) -> Result<Vec<Duration>> {
    stream.set_nodelay(true)?;
    let mut latencies = Vec::with_capacity(CALLS);
    let mut buffer = [0u8; MESSAGE];
    for call in 0..WARMUP + CALLS {
        let start = Instant::now();
        for _ in 0..round_trips {
            stream.write_all(&[7u8; MESSAGE])?;
            stream.read_exact(&mut buffer)?;
        }
        if call >= WARMUP {
            latencies.push(start.elapsed());
        }
    }
    Ok(latencies)
}

/// A thread of a floor, pinned to `cpu` if given.
struct Worker<T> {
    name: &'static str,
    handle: std::thread::JoinHandle<Result<T>>,
}

fn spawn<T: Send + 'static>(
    name: &'static str,
    cpu: Option<usize>,
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Worker<T> {
    let handle = std::thread::spawn(move || {
        if let Some(cpu) = cpu {
            crate::pin_to_cpu(cpu)?;
        }
        work()
    });
    Worker { name, handle }
}

impl<T> Worker<T> {
    /// Waits for the thread: its result, or an error if it panicked.
    fn join(self) -> Result<Result<T>> {
        self.handle
            .join()
            .map_err(|_| anyhow::anyhow!("the {} thread panicked", self.name))
    }
}

/// Sends back what arrives on `stream` until the other side closes it.
fn echo(mut stream: TcpStream) -> Result<()> {
    stream.set_nodelay(true)?;
    let mut buffer = [0u8; MESSAGE];
    loop {
        match stream.read(&mut buffer)? {
            0 => return Ok(()),
            read => stream.write_all(&buffer[..read])?,
        }
    }
}

/// A "call" through a relay: the caller writes [`MESSAGE`] bytes, the relay copies them to the
/// callee, which sends them back the same way.
fn relay(pin: bool) -> Result<Percentiles> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding a loopback socket")?;
    let address = listener.local_addr()?;
    let relay = spawn("relay", pin.then_some(0), move || {
        listener.set_nonblocking(true)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()?;
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            let (caller, _) = listener.accept().await?;
            let (callee, _) = listener.accept().await?;
            caller.set_nodelay(true)?;
            callee.set_nodelay(true)?;
            let (mut caller_in, mut caller_out) = caller.into_split();
            let (mut callee_in, mut callee_out) = callee.into_split();
            let there =
                tokio::spawn(async move { tokio::io::copy(&mut caller_in, &mut callee_out).await });
            let back =
                tokio::spawn(async move { tokio::io::copy(&mut callee_in, &mut caller_out).await });
            there.await??;
            back.await??;
            Ok(())
        })
    });
    let caller = TcpStream::connect(address).context("connecting over loopback")?;
    // The relay accepts in the order of connecting: the caller first, then the callee.
    let callee = TcpStream::connect(address).context("connecting over loopback")?;
    let answer = spawn("answering", pin.then_some(1), move || echo(callee));
    let mut stream = caller;
    let timed = time_calls(&mut stream, 1);
    // Closing the caller ends the relay's first copy, which closes the callee's side and so
    // ends the answering thread and the second copy.
    drop(stream);
    let answered = answer.join()?;
    let relayed = relay.join()?;
    let latencies = timed?;
    answered?;
    relayed?;
    Ok(Percentiles::of(latencies))
}

/// The fan-out floor: [`ROUNDS`] rounds of one [`EVENT`]-sized write to each of
/// `subscribers` sockets, a round every millisecond or right after the last one if it took
/// longer.
fn fan_out(pin: bool, subscribers: usize) -> Result<FanOut> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding a loopback socket")?;
    let address = listener.local_addr()?;
    let reader = spawn("reading", pin.then_some(1), move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()?;
        runtime.block_on(async move {
            let mut readers = tokio::task::JoinSet::new();
            for _ in 0..subscribers {
                let mut stream = tokio::net::TcpStream::connect(address).await?;
                stream.set_nodelay(true)?;
                readers.spawn(async move {
                    use tokio::io::AsyncReadExt as _;
                    let mut buffer = vec![0u8; 4096];
                    while stream.read(&mut buffer).await? > 0 {}
                    std::io::Result::Ok(())
                });
            }
            while let Some(read) = readers.join_next().await {
                read??;
            }
            Ok(())
        })
    });
    let writer = spawn("writing", pin.then_some(0), move || {
        let mut streams = Vec::with_capacity(subscribers);
        for _ in 0..subscribers {
            let (stream, _) = listener.accept()?;
            stream.set_nodelay(true)?;
            streams.push(stream);
        }
        let mut rounds = Vec::with_capacity(ROUNDS);
        let event = [0x5au8; EVENT];
        let tick = Duration::from_millis(1);
        for _ in 0..ROUNDS {
            let start = Instant::now();
            for stream in &mut streams {
                stream.write_all(&event)?;
            }
            let took = start.elapsed();
            rounds.push(took);
            if let Some(rest) = tick.checked_sub(took) {
                std::thread::sleep(rest);
            }
        }
        Ok(rounds)
    });
    // Writing ends first (its sockets close, which ends the reader), failed or not.
    let written = writer.join()?;
    let read = reader.join()?;
    let rounds = written?;
    read?;
    Ok(FanOut {
        subscribers,
        round: Percentiles::of(rounds).p50,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_floor_is_measured() {
        let floor = measure(false, 20).unwrap();
        assert!(floor.call.p50 > Duration::ZERO);
        assert!(floor.call.p99 >= floor.call.p50);
        assert!(floor.relay.p50 > Duration::ZERO);
        assert!(floor.relay.p99 >= floor.relay.p50);
        assert_eq!(floor.fan_out.subscribers, 20);
        assert!(floor.fan_out.round > Duration::ZERO);
        assert!(floor.fan_out.write() <= floor.fan_out.round);
    }
}

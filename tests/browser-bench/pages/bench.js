// The workloads, written once for every library (adapters.js): `?lib=NAME` picks the
// library (`&entry=` names wamp-wasm's browser entry, relative to tests/browser-bench), and
// bench.mjs drives
// `window.bench.rpc(options)` and `window.bench.events(options)` through page.evaluate.
//
// Both workloads run their two sessions in this one page: caller and callee, or publisher
// and subscriber, each on its own WebSocket to the router. Each has a warm-up, then a
// measured window; counts inside the window give the rate, and at the end every call must
// have been answered with its own value and every event received once, in order.

import { LIBRARIES } from "./adapters.js";

const params = new URLSearchParams(location.search);
const state = document.querySelector("#state");

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Rejects after `ms` with `what` in the message. */
function within(promise, what, ms) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/** Ends sessions without letting a slow or failed goodbye fail the measurement. */
async function closeAll(sessions) {
  await Promise.all(
    sessions.map((session) =>
      within(Promise.resolve(session.close()), "close", 3000).catch(() => {}),
    ),
  );
}

/** A measured window: `mark()` at its start and end, against a running counter. */
function windowOf(counter) {
  const marks = [];
  return {
    mark: () => marks.push({ time: performance.now(), count: counter() }),
    result() {
      const [start, end] = marks;
      const seconds = (end.time - start.time) / 1000;
      return { count: end.count - start.count, seconds, rate: (end.count - start.count) / seconds };
    },
  };
}

let library;

/**
 * RPC: one callee echoes its one argument; one caller keeps `inFlight` calls under way, each
 * with its own sequence number, and checks that each answer carries its own.
 */
async function rpc({ url, realm, serializer, inFlight, warmupMs, durationMs }) {
  const callee = await library.connect({ url, realm, serializer });
  const caller = await library.connect({ url, realm, serializer });
  const procedure = `bench.echo.${unique()}`;
  let invoked = 0;
  await callee.register(procedure, (value) => {
    invoked += 1;
    return value;
  });

  let issued = 0;
  let answered = 0;
  let wrong = 0;
  let failed = 0;
  let firstError;
  let running = true;
  async function worker() {
    while (running) {
      const value = issued;
      issued += 1;
      try {
        const result = await caller.call(procedure, value);
        if (result !== value) {
          wrong += 1;
          firstError ??= `call ${value} answered ${JSON.stringify(result)}`;
        }
        answered += 1;
      } catch (error) {
        failed += 1;
        firstError ??= String(error?.stack ?? error);
      }
    }
  }

  const measured = windowOf(() => answered);
  const workers = Array.from({ length: inFlight }, worker);
  await sleep(warmupMs);
  measured.mark();
  await sleep(durationMs);
  measured.mark();
  running = false;
  await within(Promise.all(workers), "the calls under way to be answered", 10000).catch((error) => {
    firstError ??= String(error);
  });
  await closeAll([caller, callee]);
  return { ...measured.result(), issued, answered, wrong, failed, invoked, firstError };
}

/**
 * Events: one subscriber, one publisher that keeps at most `windowSize` events under way
 * (published, not yet received), so that it goes as fast as the subscriber receives and
 * never overruns the router's queue for the subscriber. Each payload is a 32-byte string
 * holding the sequence number; the subscriber checks they arrive once each, in order.
 */
async function events({ url, realm, serializer, windowSize, warmupMs, durationMs }) {
  const subscriber = await library.connect({ url, realm, serializer });
  const publisher = await library.connect({ url, realm, serializer });
  const topic = `bench.events.${unique()}`;

  let published = 0;
  let received = 0;
  let outOfOrder = 0;
  let failed = 0;
  let firstError;
  let wake = null;
  await subscriber.subscribe(topic, (payload) => {
    if (Number(payload) !== received || payload.length !== 32) {
      outOfOrder += 1;
      firstError ??= `event ${received} carried ${JSON.stringify(payload)}`;
    }
    received += 1;
    if (wake && published - received <= windowSize / 2) {
      const resume = wake;
      wake = null;
      resume();
    }
  });

  let running = true;
  const publishing = (async () => {
    while (running) {
      while (running && published - received < windowSize) {
        const payload = String(published).padStart(32, "0");
        published += 1;
        const sent = publisher.publish(topic, payload);
        sent?.catch?.((error) => {
          failed += 1;
          firstError ??= String(error?.stack ?? error);
        });
      }
      if (running) await new Promise((resolve) => (wake = resolve));
    }
  })();

  const measured = windowOf(() => received);
  await sleep(warmupMs);
  measured.mark();
  await sleep(durationMs);
  measured.mark();
  running = false;
  wake?.();
  await publishing;
  // Whatever is still under way must arrive.
  const deadline = performance.now() + 5000;
  while (received < published && performance.now() < deadline) await sleep(10);
  await closeAll([publisher, subscriber]);
  return {
    ...measured.result(),
    published,
    received,
    lost: published - received,
    outOfOrder,
    failed,
    firstError,
  };
}

try {
  const name = params.get("lib");
  if (!LIBRARIES[name]) throw new Error(`unknown library ${name}`);
  library = await LIBRARIES[name]({ entry: params.get("entry") });
  window.bench = { rpc, events, version: library.version };
  state.textContent = `${name} loaded`;
  document.body.dataset.ready = "true";
} catch (error) {
  state.textContent = `failed: ${error?.stack ?? error}`;
  document.body.dataset.ready = `failed: ${error?.stack ?? error}`;
}

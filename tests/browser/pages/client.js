// The page the client tests drive with page.evaluate: it loads the package's browser build
// (`?entry=` names the file inside node_modules/wamp-wasm, from the package's `exports`)
// and puts small helpers on `window`.

const entry = new URLSearchParams(location.search).get("entry");
const state = document.querySelector("#state");

try {
  const wamp = await import(`../node_modules/wamp-wasm/${entry}`);
  window.wamp = wamp;

  /** Frames sent over every WebSocket made through `CountingWebSocket`. */
  window.sent = { frames: 0 };
  window.CountingWebSocket = class extends WebSocket {
    send(data) {
      window.sent.frames += 1;
      super.send(data);
    }
  };

  /** An error as plain data, so that the test sees its class and WAMP fields. */
  window.describeError = (error) => ({
    name: error?.name,
    message: error?.message,
    wampError: error instanceof wamp.WampError,
    connectionError: error instanceof wamp.ConnectionError,
    typeError: error instanceof TypeError,
    rangeError: error instanceof RangeError,
    uri: error?.uri,
    args: error?.args,
    kwargs: error?.kwargs,
    reason: error?.reason,
    cause: error?.cause === undefined ? undefined : String(error.cause),
  });

  /** `{ ok: true, value }` or `{ ok: false, error: describeError(...) }`. */
  window.attempt = async (work) => {
    try {
      return { ok: true, value: await work() };
    } catch (error) {
      return { ok: false, error: window.describeError(error) };
    }
  };

  /** Resolves once `check()` is truthy, polling; rejects after `ms`. */
  window.until = async (check, ms = 5000, what = "a condition") => {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = check();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  /** A value as plain data that keeps what page.evaluate would blur: BigInt, bytes, -0. */
  window.tag = (value) => {
    if (typeof value === "bigint") return { $bigint: value.toString() };
    if (value instanceof Uint8Array) return { $bytes: [...value] };
    if (Object.is(value, -0)) return { $negativeZero: true };
    if (value === undefined) return { $undefined: true };
    if (Array.isArray(value)) return value.map(window.tag);
    if (value && typeof value === "object") {
      if (Object.getPrototypeOf(value) !== Object.prototype) {
        return { $class: value.constructor?.name, ...window.tag({ ...value }) };
      }
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, window.tag(v)]));
    }
    return value;
  };

  window.sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  /** Sessions the test keeps between evaluate calls, by name. */
  window.sessions = {};

  state.textContent = "ready";
  document.body.dataset.ready = "true";
} catch (error) {
  state.textContent = `failed: ${error}`;
  document.body.dataset.ready = "failed";
  console.error(error);
}

// Entry point for browsers and bundlers: the `--target web` build, initialised on first use.
import init, { connect as connectWasm, __install } from "../dist/web/wamp_wasm.js";
import { prepare } from "./auth.js";
import { Chunks, ConnectionError, eventDetails, InvocationDetails, Result, result, WampError } from "./classes.js";

export { ConnectionError, Result, WampError };

let ready;

function load() {
  ready ??= init()
    .then(() => __install(WampError, ConnectionError, Result, Chunks, InvocationDetails, eventDetails, result))
    .catch((error) => {
      ready = undefined;
      throw error;
    });
  return ready;
}

/** Opens a WebSocket and joins a realm; see index.d.ts. */
export async function connect(options) {
  await load();
  if (options && typeof options === "object" && options.auth != null) {
    options = { ...options, auth: await prepare(options.auth) };
  }
  return connectWasm(options);
}


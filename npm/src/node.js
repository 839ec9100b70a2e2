// Entry point for Node.js: the `--target experimental-nodejs-module` build, which loads the
// WebAssembly synchronously on import.
import { connect as connectWasm, __install } from "../dist/node/wamp_wasm.js";
import { prepare } from "./auth.js";
import { Chunks, ConnectionError, eventDetails, InvocationDetails, Result, result, WampError } from "./classes.js";

export { ConnectionError, Result, WampError };

__install(WampError, ConnectionError, Result, Chunks, InvocationDetails, eventDetails, result);

/**
 * Opens a WebSocket and joins a realm; see index.d.ts. Node 20 has no global WebSocket:
 * without `options.WebSocket`, the optional peer dependency `ws` is used when installed.
 */
export async function connect(options) {
  if (options && typeof options === "object" && !options.WebSocket && !globalThis.WebSocket) {
    try {
      const { default: WebSocket } = await import("ws");
      options = { ...options, WebSocket };
    } catch {
      // Not installed: connect() explains what is missing.
    }
  }
  if (options && typeof options === "object" && options.auth != null) {
    options = { ...options, auth: await prepare(options.auth) };
  }
  return connectWasm(options);
}

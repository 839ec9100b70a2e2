// Start and stop the dev-router binary, and join sessions with the npm `autobahn` client.
//
// The router runs on free ports (`--port 0 --rawsocket-port 0`) and announces them on
// stdout: `dev-router listening: ws://127.0.0.1:PORT/ws (realms: realm1)`.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import WebSocket from "ws";

// Node 20 has no global WebSocket; autobahn uses the global one.
globalThis.WebSocket ??= WebSocket;
const { default: autobahn } = await import("autobahn");

// autobahn-js reports every connection close as a warning; the tests close many on purpose.
const autobahnWarn = autobahn.log.warn;
autobahn.log.warn = (first, ...rest) => {
  const routine = typeof first === "string" && /^(connection closed|auto-reconnect)/.test(first);
  if (!routine) autobahnWarn(first, ...rest);
};

export { autobahn };

export const TIMEOUT_MS = 5000;
const STARTUP_TIMEOUT_MS = 10000;
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Rejects after `ms` with a message naming what timed out. */
export function within(promise, what, ms = TIMEOUT_MS) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([Promise.resolve(promise), timeout]).finally(() => clearTimeout(timer));
}

function routerBinary() {
  const binary = process.env.DEV_ROUTER_BIN ?? path.join(REPO_ROOT, "target/release/dev-router");
  if (!existsSync(binary)) {
    throw new Error(
      `router binary ${binary} not found: ` +
        "run `cargo build --release -p dev-router` or set DEV_ROUTER_BIN",
    );
  }
  return binary;
}

/**
 * Starts a router; resolves once it has announced its listeners.
 * Returns `{ wsUrl, rsPort, stop }`; `stop()` resolves to a problem description, or null if the
 * router was healthy until then (did not exit on its own, did not panic).
 */
export async function startRouter(...extraArgs) {
  const args = ["--port", "0", "--rawsocket-port", "0", ...extraArgs];
  const child = spawn(routerBinary(), args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_BACKTRACE: "1" },
  });
  let stdout = "";
  let stderr = "";
  let exited = null;
  let stopping = false;
  child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
  const exit = new Promise((resolve) =>
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      resolve();
    }),
  );

  const [wsUrl, rsPort] = await within(
    new Promise((resolve, reject) => {
      child.stdout.setEncoding("utf8").on("data", (chunk) => {
        stdout += chunk;
        const ws = /dev-router listening: (ws:\/\/127\.0\.0\.1:\d+\/ws)/.exec(stdout);
        const rs = /dev-router listening: rawsocket tcp:\/\/127\.0\.0\.1:(\d+)/.exec(stdout);
        if (ws && rs) resolve([ws[1], Number(rs[1])]);
      });
      child.on("error", reject);
      exit.then(() =>
        reject(new Error(`dev-router exited early: ${JSON.stringify(exited)}\n${stderr}`)),
      );
    }),
    "dev-router announcing its listeners",
    STARTUP_TIMEOUT_MS,
  ).catch((error) => {
    child.kill("SIGKILL");
    throw error;
  });

  async function stop() {
    let problem = null;
    if (exited && !stopping) problem = `dev-router exited on its own: ${JSON.stringify(exited)}`;
    else if (stderr.includes("panicked at")) problem = "dev-router panicked";
    if (!exited) {
      stopping = true;
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
      await exit;
      clearTimeout(killer);
    }
    return problem && `${problem}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`;
  }

  return { wsUrl, rsPort, stop };
}

const SERIALIZERS = {
  json: () => new autobahn.serializer.JSONSerializer(),
  msgpack: () => new autobahn.serializer.MsgpackSerializer(),
  cbor: () => new autobahn.serializer.CBORSerializer(),
};

/** The transports autobahn-js offers on Node: WebSocket with each serializer, RawSocket
 * with JSON (the only serializer its RawSocket transport speaks). */
export const TRANSPORTS = ["ws-json", "ws-msgpack", "ws-cbor", "rs-json"];

/**
 * Opens an autobahn Connection over `transport` (one of TRANSPORTS) and resolves with its
 * joined session (no reconnects). Rejects with `{ reason, details }` if the router refuses
 * the session.
 */
export function join(router, transport = "ws-json", realm = "realm1") {
  const [kind, serializer] = transport.split("-");
  const reach =
    kind === "rs"
      ? { transports: [{ type: "rawsocket", host: "127.0.0.1", port: router.rsPort }] }
      : { url: router.wsUrl, serializers: [SERIALIZERS[serializer]()] };
  const connection = new autobahn.Connection({
    ...reach,
    realm,
    max_retries: 0,
    retry_if_unreachable: false,
    // Application errors thrown by test callees are expected; anything else is printed.
    on_user_error: (error, message) => {
      if (!(error instanceof autobahn.Error)) console.error(message, error);
    },
  });
  const opened = new Promise((resolve, reject) => {
    connection.onopen = (session) => resolve(session);
    connection.onclose = (reason, details) => {
      const error = new Error(`session closed: ${reason} ${details.reason}`);
      reject(Object.assign(error, { reason, details }));
      return true; // never reconnect
    };
  });
  connection.open();
  return within(opened, `joining ${realm} over ${transport}`).then((session) => {
    session.connection = connection;
    return session;
  });
}

/** Leaves (GOODBYE) and waits until the transport has closed. */
export async function leave(session) {
  const connection = session.connection;
  if (!connection.isOpen) return;
  const closed = new Promise((resolve) => {
    connection.onclose = () => {
      resolve();
      return true;
    };
  });
  connection.close();
  await within(closed, "closing the connection");
}

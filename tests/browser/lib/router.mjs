// Starts and stops the dev-router binary for a test, on a free port or a given one.
//
// The router announces its listeners on stdout:
// `dev-router listening: ws://127.0.0.1:PORT/ws (realms: realm1)`.

import { existsSync } from "node:fs";
import path from "node:path";

import { REPO_ROOT, spawnTracked, stopChild, within } from "./util.mjs";

const STARTUP_TIMEOUT_MS = 10000;

export function routerBinary() {
  const binary = process.env.DEV_ROUTER_BIN ?? path.join(REPO_ROOT, "target/release/dev-router");
  if (!existsSync(binary)) {
    throw new Error(
      `router binary ${binary} not found: run \`cargo build --release -p dev-router\` ` +
        "or set DEV_ROUTER_BIN",
    );
  }
  return binary;
}

/** An example router configuration of the repository, e.g. `auth.toml`. */
export function exampleConfig(name) {
  return path.join(REPO_ROOT, "dev-router/examples", name);
}

/**
 * Starts a router (WebSocket only) on `port` (0: a free one) and resolves once it listens:
 * `{ wsUrl, port, stop(), kill(), restart() }`. `stop()` ends it gracefully (SIGTERM),
 * `kill()` abruptly (SIGKILL, as a crash would), `restart()` starts it again on the same
 * port with the same arguments. `problems()` names a panic or an exit nobody asked for.
 */
export async function startRouter({ port = 0, args = [] } = {}) {
  const router = { port, args, child: null };
  const runs = [];

  async function launch(onPort) {
    const child = spawnTracked(
      routerBinary(),
      ["--port", String(onPort), "--no-rawsocket", ...args],
      { env: { ...process.env, RUST_BACKTRACE: "1" } },
    );
    router.child = child;
    runs.push(child);
    child.expected = false;
    const url = await within(
      new Promise((resolve, reject) => {
        const poll = setInterval(() => {
          const match = /dev-router listening: (ws:\/\/127\.0\.0\.1:(\d+)\/ws)/.exec(
            child.output().stdout,
          );
          if (match) {
            clearInterval(poll);
            resolve(match);
          }
        }, 20);
        child.exited.then((status) => {
          clearInterval(poll);
          reject(
            new Error(
              `dev-router exited early: ${JSON.stringify(status)}\n${child.output().stderr}`,
            ),
          );
        });
      }),
      "dev-router announcing its listener",
      STARTUP_TIMEOUT_MS,
    ).catch((error) => {
      child.kill("SIGKILL");
      throw error;
    });
    router.wsUrl = url[1];
    router.port = Number(url[2]);
  }

  async function end(signal) {
    const child = router.child;
    if (!child) return;
    child.expected = true;
    if (signal === "SIGKILL") {
      child.kill("SIGKILL");
      await child.exited;
    } else {
      await stopChild(child);
    }
  }

  await launch(port);
  router.stop = () => end("SIGTERM");
  router.kill = () => end("SIGKILL");
  router.restart = () => launch(router.port);
  router.problems = () => {
    for (const child of runs) {
      const { stderr } = child.output();
      if (!child.expected && child.exitCode !== null) {
        return `dev-router exited on its own (${child.exitCode})\n${stderr}`;
      }
      if (stderr.includes("panicked at")) return `dev-router panicked\n${stderr}`;
    }
    return null;
  };
  return router;
}

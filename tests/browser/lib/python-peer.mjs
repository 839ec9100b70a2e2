// A Python peer (autobahn-python from tests/.venv) that talks to the test in JSON lines:
// it prints `{"ready": true, ...}` once it has joined, then one JSON object per line, and
// reads commands `{"id": N, "cmd": ...}` on stdin, answering with the same `id`.

import { existsSync } from "node:fs";
import path from "node:path";

import { REPO_ROOT, spawnTracked, stopChild, within } from "./util.mjs";

/** tests/.venv's Python (or `INTEROP_PYTHON`), or an error that says how to make it. */
export function venvPython() {
  const python = process.env.INTEROP_PYTHON ?? path.join(REPO_ROOT, "tests/.venv/bin/python");
  if (!existsSync(python)) {
    throw new Error(
      `${python} not found: these tests need tests/.venv with autobahn ` +
        "(`cargo xtask test python-env`), or INTEROP_PYTHON",
    );
  }
  return python;
}

/**
 * Starts `script` with `args` and resolves once it printed its ready line:
 * `{ ready, messages, waitFor(predicate, what, ms), request(command, ms), exited, stop() }`.
 * `messages` holds every JSON line so far; `stop()` closes stdin (the peer leaves), then
 * SIGTERM and SIGKILL if it lingers.
 */
export async function startPythonPeer(script, args, { readyMs = 20000 } = {}) {
  const child = spawnTracked(venvPython(), ["-u", script, ...args], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const messages = [];
  const watchers = new Set();
  let buffer = "";
  child.stdout.on("data", (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (!line.startsWith("{")) continue; // autobahn's own log lines
      messages.push(JSON.parse(line));
      for (const watcher of watchers) watcher();
    }
  });
  // A closed pipe after the peer exited is not the test's problem.
  child.stdin.on("error", () => {});
  const dump = () => {
    const { stdout, stderr } = child.output();
    return `python peer output:\n${stdout}\n${stderr}`;
  };

  /** Resolves with the first message that satisfies `predicate`, now or later. */
  function waitFor(predicate, what, ms = 10000) {
    let watcher;
    const found = new Promise((resolve, reject) => {
      watcher = () => {
        const message = messages.find(predicate);
        if (message) resolve(message);
      };
      watchers.add(watcher);
      watcher();
      child.exited.then(() => {
        watcher();
        reject(new Error(`the python peer exited before ${what}\n${dump()}`));
      });
    });
    return within(found, `python peer: ${what}`, ms)
      .catch((error) => {
        throw new Error(`${error.message}\n${dump()}`);
      })
      .finally(() => watchers.delete(watcher));
  }

  let ready;
  try {
    ready = await waitFor((message) => message.ready, "joining the router", readyMs);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }

  let nextId = 1;
  return {
    ready,
    messages,
    waitFor,
    exited: child.exited,
    /** Sends a command and resolves with its answer (`{ ok, value | error }`). */
    request(command, ms = 10000) {
      const id = nextId++;
      child.stdin.write(`${JSON.stringify({ id, ...command })}\n`);
      return waitFor((message) => message.id === id, JSON.stringify(command), ms);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin.end();
      await within(child.exited, "the python peer leaving", 5000).catch(() => stopChild(child));
    },
  };
}

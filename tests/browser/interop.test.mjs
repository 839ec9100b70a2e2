// Interop: the wamp-wasm client in Chromium and autobahn-python (PyPI) as the other peer,
// through the dev-router, over each serializer. The Python side (peers/autobahn_peer.py)
// registers and subscribes, the browser calls and publishes; then the browser registers and
// subscribes and the Python side calls and publishes. Payloads with binary and 64-bit
// integers, application errors and progressive results cross in both directions.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

import { launchChromium } from "./lib/chromium.mjs";
import { BROWSER_DIR, inPage, openClientPage } from "./lib/client-page.mjs";
import { startRouter } from "./lib/router.mjs";
import { serveStatic } from "./lib/static-server.mjs";
import { REPO_ROOT, spawnTracked, stopChild, within } from "./lib/util.mjs";

const PEER = path.join(path.dirname(fileURLToPath(import.meta.url)), "peers/autobahn_peer.py");

function venvPython() {
  const python = process.env.INTEROP_PYTHON ?? path.join(REPO_ROOT, "tests/.venv/bin/python");
  if (!existsSync(python)) {
    throw new Error(
      `${python} not found: the interop test needs tests/.venv with autobahn ` +
        "(`cargo xtask test python-env`), or INTEROP_PYTHON",
    );
  }
  return python;
}

/** Starts the Python peer and resolves once it has joined and registered. */
async function startPeer(url, serializer, prefix) {
  const child = spawnTracked(venvPython(), [PEER, "--url", url, "--serializer", serializer, "--prefix", prefix], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const waiting = new Map();
  const events = [];
  let ready;
  const readyPromise = new Promise((resolve) => (ready = resolve));
  let buffer = "";
  child.stdout.on("data", (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (!line.startsWith("{")) continue; // autobahn's own log lines
      const message = JSON.parse(line);
      if (message.ready) ready(message);
      else if (message.event) events.push(message);
      else if (waiting.has(message.id)) waiting.get(message.id)(message);
    }
  });
  const dump = () => `python peer output:\n${child.output().stdout}\n${child.output().stderr}`;
  await within(
    Promise.race([
      readyPromise,
      child.exited.then((status) => {
        throw new Error(`the python peer exited: ${JSON.stringify(status)}\n${dump()}`);
      }),
    ]),
    `autobahn-python joining over ${serializer}`,
    20000,
  ).catch((error) => {
    child.kill("SIGKILL");
    throw new Error(`${error.message}\n${dump()}`);
  });

  let nextId = 1;
  return {
    events,
    /** Sends a command and resolves with its answer (`{ ok, value | error }`). */
    request(command) {
      const id = nextId++;
      const answer = new Promise((resolve) => waiting.set(id, resolve));
      child.stdin.write(`${JSON.stringify({ id, ...command })}\n`);
      return within(answer, `python peer: ${JSON.stringify(command)}`, 10000);
    },
    async stop() {
      if (child.exitCode === null) {
        child.stdin.end();
        await within(child.exited, "the python peer leaving", 5000).catch(() => stopChild(child));
      }
    },
  };
}

describe("interop with autobahn-python", () => {
  let router;
  let server;
  let browser;
  let page;

  before(async () => {
    venvPython();
    router = await startRouter();
    server = await serveStatic(BROWSER_DIR);
    browser = await launchChromium();
    page = await openClientPage(browser, server);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    const problems = router?.problems();
    await router?.stop();
    assert.equal(problems ?? null, null, "the router stayed healthy");
  });

  for (const serializer of ["json", "msgpack", "cbor"]) {
    it(`wasm calls and publishes to python, python calls and publishes to wasm, over ${serializer}`, async () => {
      const prefix = `interop.${serializer}`;
      const peer = await startPeer(router.wsUrl, serializer, prefix);
      try {
        // --- the browser calls and publishes, autobahn-python answers and receives ---
        const fromWasm = await inPage(page, async ({ url, serializer, prefix }) => {
          const { connect } = window.wamp;
          const session = await connect({ url, realm: "realm1", serializer, reconnect: false });
          sessions[prefix] = session;
          const py = `${prefix}.py`;
          const received = [];
          await session.subscribe(`${py}.received`, (args, kwargs) => received.push({ args: tag(args), kwargs: tag(kwargs) }));
          const progress = [];
          const out = {
            add: (await session.call(`${py}.add`, [2, 3])).value,
            echo: tag((await session.call(`${py}.echo`, ["ü", 2n ** 63n - 1n, new Uint8Array([1, 2, 3])], { k: 2n ** 64n - 1n })).args),
            describe: (await session.call(`${py}.describe`, [1, 2n ** 60n, new Uint8Array([1]), "s", 1.5, null, true, [], {}])).value,
            fail: await attempt(() => session.call(`${py}.fail`)),
            progress: null,
            sample: null,
          };
          const counted = await session.call(`${py}.progress`, [3], null, {
            onProgress: (result) => progress.push({ args: result.args, kwargs: result.kwargs }),
          });
          out.progress = { progress, final: { args: counted.args, kwargs: counted.kwargs } };
          const sample = await session.call(`${py}.sample`);
          out.sample = { args: tag(sample.args), kwargs: tag(sample.kwargs) };
          await session.publish(`${py}.topic`, ["from wasm", new Uint8Array([0, 255]), 2n ** 62n], { n: -(2n ** 63n) }, { acknowledge: true });
          await until(() => received.length > 0, 5000, "python's echo of the event").catch(() => {});
          out.received = received;
          return out;
        }, { url: router.wsUrl, serializer, prefix });

        assert.equal(fromWasm.add, 5);
        assert.deepEqual(fromWasm.echo, ["ü", { $bigint: String(2n ** 63n - 1n) }, { $bytes: [1, 2, 3] }]);
        assert.deepEqual(fromWasm.describe, ["int", "int", "bytes", "str", "float", "NoneType", "bool", "list", "dict"]);
        assert.equal(fromWasm.fail.ok, false);
        assert.ok(fromWasm.fail.error.wampError);
        assert.equal(fromWasm.fail.error.uri, "com.example.error.py_failed");
        assert.deepEqual(fromWasm.fail.error.args, ["from python"]);
        assert.deepEqual(fromWasm.fail.error.kwargs, { code: 7 });
        assert.deepEqual(fromWasm.progress, {
          progress: [1, 2, 3].map((step) => ({ args: [step], kwargs: { step } })),
          final: { args: ["done"], kwargs: { total: 3 } },
        });
        assert.deepEqual(fromWasm.sample, {
          args: [
            { $bytes: [0, 1, 254, 255] }, { $bigint: String(2n ** 63n - 1n) },
            { $bigint: String(-(2n ** 63n)) }, { $bigint: String(2n ** 64n - 1n) },
            "Grüße 🚀", 1.5, null, [true, { nested: [2 ** 53] }],
          ],
          kwargs: { raw: { $bytes: [107, 119] }, big: { $bigint: String(2n ** 60n) } },
        });
        const pyEvent = peer.events.find((event) => event.event === `${prefix}.py.topic`);
        assert.deepEqual(pyEvent, {
          event: `${prefix}.py.topic`,
          args: ["from wasm", { $bytes: [0, 255] }, { $bigint: String(2n ** 62n) }],
          kwargs: { n: { $bigint: String(-(2n ** 63n)) } },
        });
        assert.deepEqual(fromWasm.received, [{
          args: ["from wasm", { $bytes: [0, 255] }, { $bigint: String(2n ** 62n) }],
          kwargs: { n: { $bigint: String(-(2n ** 63n)) } },
        }]);

        // --- the browser registers and subscribes, autobahn-python calls and publishes ---
        await inPage(page, async ({ prefix }) => {
          const { Result, WampError } = window.wamp;
          const session = sessions[prefix];
          const wasm = `${prefix}.wasm`;
          window.wasmEvents = [];
          await session.register(`${wasm}.mul`, (args) => args[0] * args[1]);
          await session.register(`${wasm}.fail`, () => {
            throw new WampError("com.example.error.wasm_failed", ["from wasm"], { code: 9 });
          });
          await session.register(`${wasm}.progress`, async (args, _kw, details) => {
            if (details.receiveProgress) {
              for (let step = 1; step <= args[0]; step += 1) {
                details.progress([step], { step });
                await sleep(10);
              }
            }
            return new Result(["done"], { total: args[0] });
          });
          await session.register(`${wasm}.sample`, () =>
            new Result([new Uint8Array([5, 6]), 2n ** 64n - 1n, -(2n ** 63n), "ü", 0.5], { flag: true }),
          );
          await session.subscribe(`${wasm}.topic`, (args, kwargs, details) =>
            window.wasmEvents.push({ args: tag(args), kwargs: tag(kwargs), topic: details.topic }),
          );
        }, { prefix });

        const wasm = `${prefix}.wasm`;
        const mul = await peer.request({ cmd: "call", procedure: `${wasm}.mul`, args: [6, 7] });
        assert.deepEqual(mul, { id: mul.id, ok: true, value: { args: [42], kwargs: {}, progress: [] } });
        const fail = await peer.request({ cmd: "call", procedure: `${wasm}.fail` });
        assert.deepEqual(fail.error, { uri: "com.example.error.wasm_failed", args: ["from wasm"], kwargs: { code: 9 } });
        const progress = await peer.request({ cmd: "call", procedure: `${wasm}.progress`, args: [3], progress: true });
        assert.deepEqual(progress.value, {
          args: ["done"], kwargs: { total: 3 },
          progress: [1, 2, 3].map((step) => ({ args: [step], kwargs: { step } })),
        });
        const plain = await peer.request({ cmd: "call", procedure: `${wasm}.progress`, args: [2] });
        assert.deepEqual(plain.value, { args: ["done"], kwargs: { total: 2 }, progress: [] });
        const sample = await peer.request({ cmd: "call", procedure: `${wasm}.sample` });
        assert.deepEqual(sample.value, {
          args: [{ $bytes: [5, 6] }, { $bigint: String(2n ** 64n - 1n) }, { $bigint: String(-(2n ** 63n)) }, "ü", 0.5],
          kwargs: { flag: true },
          progress: [],
        });
        const published = await peer.request({
          cmd: "publish", topic: `${wasm}.topic`,
          args: ["from python", { $bytes: [9, 8] }, { $bigint: String(2n ** 63n) }], kwargs: { k: "v" },
        });
        assert.equal(published.ok, true, JSON.stringify(published));
        const wasmEvents = await inPage(page, async ({ prefix }) => {
          await until(() => window.wasmEvents.length > 0, 5000, "python's event").catch(() => {});
          await sessions[prefix].leave();
          delete sessions[prefix];
          return window.wasmEvents;
        }, { prefix });
        assert.deepEqual(wasmEvents, [{
          args: ["from python", { $bytes: [9, 8] }, { $bigint: String(2n ** 63n) }],
          kwargs: { k: "v" },
          topic: `${wasm}.topic`,
        }]);
      } finally {
        await peer.stop();
      }
    });
  }

  it("leaves no page errors", () => {
    assert.deepEqual(page.problems, []);
  });
});

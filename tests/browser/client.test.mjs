// The wamp-wasm client (the packed npm package's `--target web` build) in headless Chromium
// against a dev-router started here: every role and serializer, payload fidelity, the
// advanced profile (progressive results, cancellation, timeout), authentication, reconnect
// after a router restart, and the errors the API promises.

import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, it } from "node:test";

import { launchChromium } from "./lib/chromium.mjs";
import { BROWSER_DIR, inPage, openClientPage } from "./lib/client-page.mjs";
import { exampleConfig, startRouter } from "./lib/router.mjs";
import { serveStatic } from "./lib/static-server.mjs";

const SERIALIZERS = ["json", "msgpack", "cbor"];

/** A port nothing listens on (it was free a moment ago). */
async function closedPort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A browser with the client page, shared by every suite in this file. */
let browser;
let server;
before(async () => {
  server = await serveStatic(BROWSER_DIR);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** Starts a router for a suite and checks at the end that it stayed healthy. */
function routerFor(options) {
  const holder = {};
  before(async () => {
    Object.assign(holder, await startRouter(options));
  });
  after(async () => {
    const problems = holder.problems?.();
    await holder.stop?.();
    assert.equal(problems, null, "the router stayed healthy");
  });
  return holder;
}

/** A fresh client page per suite, closed at its end. */
function pageFor() {
  const holder = { page: null };
  before(async () => {
    holder.page = await openClientPage(browser, server);
  });
  after(async () => {
    const problems = holder.page?.problems ?? [];
    await holder.page?.context().close();
    assert.deepEqual(problems, [], "no page errors");
  });
  return holder;
}

describe("roles", () => {
  const router = routerFor();
  const holder = pageFor();

  for (const serializer of SERIALIZERS) for (const batched of [true, false]) {
    // `batched: true` batches every serializer, JSON too (by default JSON is not batched).
    const protocol = `wamp.2.${serializer}${batched ? ".batched" : ""}`;
    it(`call, register, publish, subscribe, unregister, unsubscribe, leave over ${protocol}${batched ? "" : " (batched: false)"}`, async () => {
      const out = await inPage(
        holder.page,
        async ({ url, serializer, batched }) => {
          const { connect, Result, ConnectionError } = window.wamp;
          const options = { url, realm: "realm1", serializer, batched, reconnect: false };
          const callee = await connect(options);
          const caller = await connect(options);
          const prefix = `test.roles.${serializer}`;
          const out = {
            serializers: [callee.serializer, caller.serializer],
            protocols: [callee.protocol, caller.protocol],
            distinctIds: typeof callee.id === "number" && callee.id !== caller.id,
            realm: callee.realm,
            state: callee.state,
            routerRoles: Object.keys(callee.routerRoles).sort(),
            authmethod: callee.authmethod,
          };

          const invocations = [];
          const add = await callee.register(`${prefix}.add`, (args, _kwargs, details) => {
            invocations.push({ procedure: details.procedure, registration: details.registration });
            return args[0] + args[1];
          });
          const echo = await callee.register(`${prefix}.echo`, (args, kwargs) =>
            Promise.resolve(new Result(args, kwargs)),
          );
          out.registration = { procedure: add.procedure, active: add.active, id: typeof add.id };
          out.sum = (await caller.call(`${prefix}.add`, [2, 3])).value;
          out.invocations = invocations.map((i) => ({ ...i, sameId: i.registration === add.id }));

          const args = [
            null, true, false, 0, -1, 42, 2 ** 53, -(2 ** 53), 1.5, -0.25, "",
            "Grüße, 世界 🚀", [1, [2, [3]]], { nested: { list: [1, "a", null] } },
            new Uint8Array([0, 1, 2, 254, 255]), 2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n - 1n,
          ];
          const kwargs = { a: 1, ключ: "значение", bytes: new Uint8Array([9]), big: 2n ** 60n, gone: undefined };
          const echoed = await caller.call(`${prefix}.echo`, args, kwargs);
          out.echo = { args: tag(echoed.args), kwargs: tag(echoed.kwargs), value: tag(echoed.value) };
          out.sentArgs = tag(args);

          const events = [];
          const sub = await callee.subscribe(`${prefix}.topic`, (args, kwargs, details) => {
            events.push({ args: tag(args), kwargs: tag(kwargs), topic: details.topic,
              subscription: details.subscription, publication: details.publication });
          });
          out.subscription = { topic: sub.topic, active: sub.active };
          const publication = await caller.publish(`${prefix}.topic`, ["hi", 2n ** 62n], { bytes: new Uint8Array([7]) }, { acknowledge: true });
          out.unacknowledged = await caller.publish(`${prefix}.topic`, ["second"]);
          await until(() => events.length === 2, 5000, "two events");
          out.events = events;
          out.publicationMatches = events[0].publication === publication && events[0].subscription === sub.id;

          await sub.unsubscribe();
          out.subscriptionActiveAfter = sub.active;
          await caller.publish(`${prefix}.topic`, ["after unsubscribe"], null, { acknowledge: true });
          await sleep(300);
          out.eventsAfterUnsubscribe = events.length;

          await add.unregister();
          out.registrationActiveAfter = add.active;
          out.afterUnregister = await attempt(() => caller.call(`${prefix}.add`, [1, 1]));
          await echo.unregister();

          out.leave = await caller.leave();
          out.closed = await caller.closed;
          out.stateAfterLeave = caller.state;
          out.protocolAfterLeave = caller.protocol;
          out.idAfterLeave = caller.id;
          out.callAfterLeave = await attempt(() => caller.call(`${prefix}.echo`));
          await callee.leave();
          return out;
        },
        { url: router.wsUrl, serializer, batched },
      );

      assert.deepEqual(out.serializers, [serializer, serializer]);
      assert.deepEqual(out.protocols, [protocol, protocol]);
      assert.equal(out.protocolAfterLeave, undefined);
      assert.ok(out.distinctIds, "two sessions with numeric IDs");
      assert.equal(out.realm, "realm1");
      assert.equal(out.state, "open");
      assert.ok(out.routerRoles.includes("broker") && out.routerRoles.includes("dealer"), String(out.routerRoles));
      assert.equal(out.authmethod, "anonymous");
      assert.deepEqual(out.registration, { procedure: `test.roles.${serializer}.add`, active: true, id: "number" });
      assert.equal(out.sum, 5);
      assert.deepEqual(out.invocations, [{ procedure: `test.roles.${serializer}.add`, registration: out.invocations[0].registration, sameId: true }]);

      // Every payload type survives the serializer exactly.
      assert.deepEqual(out.echo.args, out.sentArgs);
      assert.deepEqual(out.echo.kwargs, {
        a: 1, ключ: "значение", bytes: { $bytes: [9] }, big: { $bigint: String(2n ** 60n) },
      });
      assert.deepEqual(out.echo.value, null);

      assert.deepEqual(out.subscription, { topic: `test.roles.${serializer}.topic`, active: true });
      assert.equal(out.unacknowledged, undefined);
      assert.deepEqual(out.events.map((e) => [e.args, e.kwargs, e.topic]), [
        [["hi", { $bigint: String(2n ** 62n) }], { bytes: { $bytes: [7] } }, `test.roles.${serializer}.topic`],
        [["second"], {}, `test.roles.${serializer}.topic`],
      ]);
      assert.ok(out.publicationMatches, "EVENT details carry the acknowledged publication and the subscription");
      assert.equal(out.subscriptionActiveAfter, false);
      assert.equal(out.eventsAfterUnsubscribe, 2);
      assert.equal(out.registrationActiveAfter, false);
      assert.equal(out.afterUnregister.ok, false);
      assert.equal(out.afterUnregister.error.uri, "wamp.error.no_such_procedure");
      assert.ok(out.afterUnregister.error.wampError);

      assert.equal(out.leave.initiator, "client");
      assert.equal(out.leave.willReconnect, false);
      assert.equal(out.leave.reason, "wamp.close.goodbye_and_out");
      assert.deepEqual(out.closed, out.leave);
      assert.equal(out.stateAfterLeave, "closed");
      assert.equal(out.idAfterLeave, null);
      assert.equal(out.callAfterLeave.ok, false);
      assert.ok(out.callAfterLeave.error.connectionError, JSON.stringify(out.callAfterLeave.error));
    });
  }

  // JSON is batched only when asked (`batched: true`): see `ConnectOptions::batched`.
  for (const [serializer, batched] of [["msgpack", undefined], ["cbor", undefined], ["json", true]]) {
    it(`batching over ${serializer}: 300 calls and 300 events at once, in few WebSocket messages`, async () => {
      const out = await inPage(holder.page, async ({ url, serializer, batched }) => {
        const { connect } = window.wamp;
        // Counts the WebSocket messages each way, as the application's own constructor.
        const frames = { sent: 0, received: 0 };
        class Counting extends WebSocket {
          constructor(...args) {
            super(...args);
            this.addEventListener("message", () => frames.received++);
          }
          send(data) {
            frames.sent++;
            super.send(data);
          }
        }
        const options = { url, realm: "realm1", serializer, reconnect: false, WebSocket: Counting };
        if (batched !== undefined) options.batched = batched;
        // Without the option, JSON is not batched.
        const plain = await connect({ url, realm: "realm1", serializer, reconnect: false });
        const plainProtocol = plain.protocol;
        await plain.leave();
        const [callee, caller] = await Promise.all([connect(options), connect(options)]);
        const topic = `test.batching.${serializer}.topic`;
        await callee.register(`test.batching.${serializer}.echo`, (args) => args[0]);
        const events = [];
        await callee.subscribe(topic, (args) => events.push(args[0]));
        const before = { ...frames };
        const n = 300;
        const calls = Array.from({ length: n }, (_, i) => caller.call(`test.batching.${serializer}.echo`, [i]));
        const acks = Array.from({ length: n }, (_, i) => caller.publish(topic, [i], null, { acknowledge: true }));
        const results = (await Promise.all(calls)).map((r) => r.value);
        await Promise.all(acks);
        await until(() => events.length === n, 5000, "every event");
        const used = { sent: frames.sent - before.sent, received: frames.received - before.received };
        const protocols = [callee.protocol, caller.protocol];
        await Promise.all([callee.leave(), caller.leave()]);
        return { results, events, used, protocols, plainProtocol };
      }, { url: router.wsUrl, serializer, batched });

      const inOrder = Array.from({ length: 300 }, (_, i) => i);
      assert.deepEqual(out.results, inOrder, "each call got its own answer");
      assert.deepEqual(out.events, inOrder, "every event once, in order");
      assert.deepEqual(out.protocols, Array(2).fill(`wamp.2.${serializer}.batched`));
      assert.equal(out.plainProtocol, `wamp.2.${serializer}${batched ? "" : ".batched"}`);
      // 900 messages out (CALL, PUBLISH, YIELD) and 1,200 in (INVOCATION, RESULT, PUBLISHED,
      // EVENT): unbatched, one WebSocket message each; batched, far fewer (how many depends
      // on how the router's writes fall, so the bounds are loose).
      assert.ok(out.used.sent < 300, `WebSocket messages sent: ${out.used.sent}`);
      assert.ok(out.used.received < 900, `WebSocket messages received: ${out.used.received}`);
    });
  }

  it("publish options and pattern-based subscriptions and registrations", async () => {
    const out = await inPage(holder.page, async ({ url }) => {
      const { connect } = window.wamp;
      const options = { url, realm: "realm1", reconnect: false };
      const [a, b, c] = await Promise.all([connect(options), connect(options), connect(options)]);
      const got = { a: [], b: [], c: [] };
      for (const [name, session] of Object.entries({ a, b, c })) {
        await session.subscribe("test.opts.topic", (args) => got[name].push(args[0]));
      }
      const patterns = [];
      await b.subscribe("test.opts.prefix", (args, _kw, details) => patterns.push(["prefix", details.topic]), { match: "prefix" });
      await b.subscribe("test.opts..leaf", (args, _kw, details) => patterns.push(["wildcard", details.topic]), { match: "wildcard" });
      await b.register("test.opts.rpc", (args, _kw, details) => details.procedure, { match: "prefix" });

      await a.publish("test.opts.topic", ["default"], null, { acknowledge: true });
      await a.publish("test.opts.topic", ["excludeMe false"], null, { acknowledge: true, excludeMe: false });
      await a.publish("test.opts.topic", ["eligible c"], null, { acknowledge: true, eligible: [c.id] });
      await a.publish("test.opts.topic", ["exclude b"], null, { acknowledge: true, exclude: [b.id], excludeMe: false });
      await a.publish("test.opts.prefix.deeper", [], null, { acknowledge: true });
      await a.publish("test.opts.any.leaf", [], null, { acknowledge: true });
      const procedure = (await a.call("test.opts.rpc.concrete.name")).value;
      await sleep(300);
      await Promise.all([a.leave(), b.leave(), c.leave()]);
      return { got, patterns, procedure };
    }, { url: router.wsUrl });

    assert.deepEqual(out.got.a, ["excludeMe false", "exclude b"]);
    assert.deepEqual(out.got.b, ["default", "excludeMe false"]);
    assert.deepEqual(out.got.c, ["default", "excludeMe false", "eligible c", "exclude b"]);
    assert.deepEqual(out.patterns.sort(), [
      ["prefix", "test.opts.prefix.deeper"],
      ["wildcard", "test.opts.any.leaf"],
    ]);
    assert.equal(out.procedure, "test.opts.rpc.concrete.name");
  });

  it("errors: callee WampError with args and kwargs, runtime errors, router errors", async () => {
    const out = await inPage(holder.page, async ({ url }) => {
      const { connect, WampError } = window.wamp;
      const options = { url, realm: "realm1", reconnect: false };
      const callee = await connect(options);
      const caller = await connect(options);
      await callee.register("test.errors.app", () => {
        throw new WampError("com.example.error.oops", ["it broke", 2], { code: 42, detail: { deep: [true] } });
      });
      await callee.register("test.errors.async", async () => {
        await sleep(10);
        throw new WampError("com.example.error.later", [], { when: "later" });
      });
      await callee.register("test.errors.plain", () => {
        throw new Error("plain boom");
      });
      const out = {
        app: await attempt(() => caller.call("test.errors.app")),
        async: await attempt(() => caller.call("test.errors.async")),
        plain: await attempt(() => caller.call("test.errors.plain")),
        missing: await attempt(() => caller.call("test.errors.nobody")),
        duplicate: await attempt(() => callee.register("test.errors.app", () => 1)),
        unsubscribeTwice: null,
      };
      // The error object is the package's class, usable with instanceof.
      try {
        await caller.call("test.errors.app");
      } catch (error) {
        out.instance = error instanceof WampError && error instanceof Error && error.name === "WampError";
        out.details = typeof error.details === "object";
      }
      await Promise.all([callee.leave(), caller.leave()]);
      return out;
    }, { url: router.wsUrl });

    assert.ok(out.app.error.wampError);
    assert.equal(out.app.error.uri, "com.example.error.oops");
    assert.deepEqual(out.app.error.args, ["it broke", 2]);
    assert.deepEqual(out.app.error.kwargs, { code: 42, detail: { deep: [true] } });
    assert.equal(out.app.error.message, "it broke");
    assert.equal(out.async.error.uri, "com.example.error.later");
    assert.deepEqual(out.async.error.kwargs, { when: "later" });
    assert.equal(out.async.error.message, "com.example.error.later");
    assert.equal(out.plain.error.uri, "wamp.error.runtime_error");
    assert.equal(out.plain.error.args[0], "plain boom");
    assert.equal(out.missing.error.uri, "wamp.error.no_such_procedure");
    assert.equal(out.duplicate.error.uri, "wamp.error.procedure_already_exists");
    assert.ok(out.instance, "instanceof WampError");
    assert.ok(out.details);
  });

  it("invalid input is rejected before anything is sent", async () => {
    const out = await inPage(holder.page, async ({ url }) => {
      const { connect } = window.wamp;
      const session = await connect({ url, realm: "realm1", reconnect: false, WebSocket: CountingWebSocket });
      await session.register("test.input.echo", (args) => args[0]);
      const before = sent.frames;
      const cyclic = [];
      cyclic.push(cyclic);
      const cases = {
        spaceUri: () => session.call("test.input.has space"),
        emptyComponent: () => session.call("test..input"),
        emptyUri: () => session.call(""),
        hashUri: () => session.publish("test.#.topic"),
        registerBad: () => session.register("bad uri", () => 1),
        subscribeBad: () => session.subscribe("bad uri", () => 1),
        functionArg: () => session.call("test.input.echo", [() => 1]),
        symbolArg: () => session.call("test.input.echo", [Symbol("s")]),
        mapKwarg: () => session.call("test.input.echo", [], { map: new Map() }),
        setArg: () => session.publish("test.input.topic", [new Set([1])]),
        cycle: () => session.call("test.input.echo", cyclic),
        hugeBigInt: () => session.call("test.input.echo", [2n ** 64n]),
        negativeHugeBigInt: () => session.call("test.input.echo", [-(2n ** 63n) - 1n]),
      };
      const out = {};
      for (const [name, work] of Object.entries(cases)) out[name] = await attempt(work);
      out.framesSentMeanwhile = sent.frames - before;
      // The session is still fine afterwards.
      out.stillWorks = (await session.call("test.input.echo", ["ok"])).value;
      await session.leave();
      return out;
    }, { url: router.wsUrl });

    const typeErrors = ["spaceUri", "emptyComponent", "emptyUri", "hashUri", "registerBad",
      "subscribeBad", "functionArg", "symbolArg", "mapKwarg", "setArg", "cycle"];
    for (const name of typeErrors) {
      assert.equal(out[name].ok, false, `${name} rejected`);
      assert.ok(out[name].error.typeError, `${name}: TypeError, got ${JSON.stringify(out[name].error)}`);
    }
    for (const name of ["hugeBigInt", "negativeHugeBigInt"]) {
      assert.equal(out[name].ok, false, `${name} rejected`);
      assert.ok(out[name].error.rangeError, `${name}: RangeError, got ${JSON.stringify(out[name].error)}`);
    }
    assert.match(out.functionArg.error.message, /function/i);
    assert.equal(out.framesSentMeanwhile, 0, "no frame left for invalid input");
    assert.equal(out.stillWorks, "ok");
  });

  it("invalid connect options and refused sessions", async () => {
    const out = await inPage(holder.page, async ({ url, deadUrl }) => {
      const { connect } = window.wamp;
      return {
        noRealm: await attempt(() => connect({ url, reconnect: false })),
        badSerializer: await attempt(() => connect({ url, realm: "realm1", serializer: "xml" })),
        unknownRealm: await attempt(() => connect({ url, realm: "no.such.realm", reconnect: false })),
        unreachable: await attempt(() => connect({ url: deadUrl, realm: "realm1", timeout: 3000 })),
      };
    }, { url: router.wsUrl, deadUrl: `ws://127.0.0.1:${await closedPort()}/ws` });
    assert.ok(out.noRealm.error.typeError, JSON.stringify(out.noRealm));
    assert.ok(out.badSerializer.error.typeError, JSON.stringify(out.badSerializer));
    assert.equal(out.unknownRealm.error.uri, "wamp.error.no_such_realm");
    assert.ok(out.unknownRealm.error.wampError);
    assert.ok(out.unreachable.error.connectionError, JSON.stringify(out.unreachable));
  });
});

describe("advanced profile", () => {
  const router = routerFor();
  const holder = pageFor();

  for (const serializer of ["json", "cbor"]) {
    it(`progressive call results, callee to caller, over ${serializer}`, async () => {
      const out = await inPage(holder.page, async ({ url, serializer }) => {
        const { connect, Result } = window.wamp;
        const options = { url, realm: "realm1", serializer, reconnect: false };
        const callee = await connect(options);
        const caller = await connect(options);
        const flags = [];
        await callee.register("test.progress.count", async (args, _kw, details) => {
          flags.push(details.receiveProgress);
          if (details.receiveProgress) {
            for (let i = 1; i <= 3; i += 1) {
              details.progress([i], { step: i });
              await sleep(20);
            }
          }
          return new Result(["done"], { total: args[0] });
        });
        const progress = [];
        const final = await caller.call("test.progress.count", [3], null, {
          onProgress: (result) => progress.push({ args: result.args, kwargs: result.kwargs }),
        });
        // Without onProgress the callee learns not to send any; progress() then throws.
        let progressError = null;
        await callee.register("test.progress.refused", (_args, _kw, details) => {
          try {
            details.progress([1]);
          } catch (error) {
            progressError = describeError(error);
          }
          return details.receiveProgress;
        });
        const plain = await caller.call("test.progress.refused");
        await Promise.all([callee.leave(), caller.leave()]);
        return { flags, progress, final: { args: final.args, kwargs: final.kwargs }, plain: plain.value, progressError };
      }, { url: router.wsUrl, serializer });

      assert.deepEqual(out.flags, [true]);
      assert.deepEqual(out.progress, [
        { args: [1], kwargs: { step: 1 } },
        { args: [2], kwargs: { step: 2 } },
        { args: [3], kwargs: { step: 3 } },
      ]);
      assert.deepEqual(out.final, { args: ["done"], kwargs: { total: 3 } });
      assert.equal(out.plain, false);
      assert.ok(out.progressError?.typeError, JSON.stringify(out.progressError));
    });
  }

  it("progressive call invocations: a handler receives the caller's chunks", async () => {
    const out = await inPage(holder.page, async ({ url }) => {
      const { connect } = window.wamp;
      const callee = await connect({ url, realm: "realm1", reconnect: false });
      const seen = [];
      await callee.register("test.stream.sum", async (args, _kw, details) => {
        let total = args[0];
        seen.push({ first: args, streamed: Boolean(details.chunks) });
        if (details.chunks) {
          for await (const chunk of details.chunks) {
            seen.push(chunk);
            total += chunk.args[0];
          }
        }
        return total;
      });
      // The caller speaks WAMP JSON by hand: the client does not send progressive
      // invocations itself. CALL with progress: true, twice, then the last chunk.
      const result = await new Promise((resolve, reject) => {
        const socket = new WebSocket(url, ["wamp.2.json"]);
        const features = { progressive_call_invocations: true, call_canceling: true };
        socket.onopen = () => socket.send(JSON.stringify([1, "realm1", { roles: { caller: { features } } }]));
        socket.onerror = () => reject(new Error("socket error"));
        socket.onmessage = async ({ data }) => {
          const message = JSON.parse(data);
          if (message[0] === 2) {
            socket.send(JSON.stringify([48, 7, { progress: true }, "test.stream.sum", [1]]));
            await sleep(30);
            socket.send(JSON.stringify([48, 7, { progress: true }, "test.stream.sum", [2], { part: 2 }]));
            await sleep(30);
            socket.send(JSON.stringify([48, 7, {}, "test.stream.sum", [3]]));
          } else {
            socket.close();
            resolve(message);
          }
        };
      });
      // A plain call to the same handler: no chunks.
      const caller = await connect({ url, realm: "realm1", reconnect: false });
      const plain = await caller.call("test.stream.sum", [5]);
      await Promise.all([callee.leave(), caller.leave()]);
      return { seen, result, plain: plain.value };
    }, { url: router.wsUrl });

    assert.deepEqual(out.seen, [
      { first: [1], streamed: true },
      { args: [2], kwargs: { part: 2 } },
      { args: [3], kwargs: {} },
      { first: [5], streamed: false },
    ]);
    assert.deepEqual(out.result, [50, 7, {}, [6]]);
    assert.equal(out.plain, 5);
  });

  it("cancellation through an AbortSignal interrupts the callee", async () => {
    const out = await inPage(holder.page, async ({ url }) => {
      const { connect } = window.wamp;
      const options = { url, realm: "realm1", reconnect: false };
      const callee = await connect(options);
      const caller = await connect({ ...options, WebSocket: CountingWebSocket });
      let interrupted = null;
      let started = 0;
      await callee.register("test.cancel.slow", (_args, _kw, details) => {
        started += 1;
        return new Promise((resolve) => {
          const timer = setTimeout(() => resolve("too late"), 8000);
          details.signal.addEventListener("abort", () => {
            interrupted = String(details.signal.reason ?? "aborted");
            clearTimeout(timer);
            resolve("ignored after cancel");
          });
        });
      });
      const out = {};
      for (const mode of ["kill", "killnowait", "skip"]) {
        const controller = new AbortController();
        interrupted = null;
        const t0 = performance.now();
        const pending = attempt(() =>
          caller.call("test.cancel.slow", [], null, { signal: controller.signal, cancelMode: mode }),
        );
        await until(() => started > 0, 3000, "the invocation");
        controller.abort(new Error(`stop ${mode}`));
        const result = await pending;
        out[mode] = { result, ms: performance.now() - t0 };
        if (mode !== "skip") {
          await until(() => interrupted !== null, 3000, `INTERRUPT for ${mode}`).catch(() => {});
          out[mode].interrupted = interrupted;
        }
        started = 0;
      }
      // An already aborted signal: rejected before anything is sent.
      const framesBefore = sent.frames;
      out.preAborted = await attempt(() =>
        caller.call("test.cancel.slow", [], null, { signal: AbortSignal.abort("early") }),
      );
      out.preAbortedFrames = sent.frames - framesBefore;
      out.stillWorks = await attempt(() => caller.call("test.cancel.none"));
      await Promise.all([callee.leave(), caller.leave()]);
      return out;
    }, { url: router.wsUrl });

    for (const mode of ["kill", "killnowait", "skip"]) {
      const { result, ms, interrupted } = out[mode];
      assert.equal(result.ok, false, `${mode}: rejected`);
      assert.equal(result.error.uri, "wamp.error.canceled", `${mode}: ${JSON.stringify(result.error)}`);
      assert.match(String(result.error.cause), new RegExp(`stop ${mode}`), `${mode}: cause is the abort reason`);
      assert.ok(ms < 3000, `${mode}: rejected promptly (${Math.round(ms)} ms)`);
      if (mode !== "skip") assert.ok(interrupted, `${mode}: the callee's signal was aborted (INTERRUPT)`);
    }
    assert.equal(out.preAborted.error.uri, "wamp.error.canceled");
    assert.equal(out.preAbortedFrames, 0);
    assert.equal(out.stillWorks.error.uri, "wamp.error.no_such_procedure");
  });

  it("call timeout rejects with wamp.error.timeout and interrupts the callee", async () => {
    const out = await inPage(holder.page, async ({ url }) => {
      const { connect } = window.wamp;
      const options = { url, realm: "realm1", reconnect: false };
      const callee = await connect(options);
      const caller = await connect(options);
      let interrupted = false;
      await callee.register("test.timeout.slow", (_args, _kw, details) =>
        new Promise((resolve) => {
          const timer = setTimeout(() => resolve("too late"), 8000);
          details.signal.addEventListener("abort", () => {
            interrupted = true;
            clearTimeout(timer);
            resolve("dropped");
          });
        }),
      );
      await callee.register("test.timeout.fast", () => "quick");
      const t0 = performance.now();
      const slow = await attempt(() => caller.call("test.timeout.slow", [], null, { timeout: 300 }));
      const ms = performance.now() - t0;
      await until(() => interrupted, 3000, "INTERRUPT after the timeout").catch(() => {});
      const fast = await attempt(async () => (await caller.call("test.timeout.fast", [], null, { timeout: 2000 })).value);
      await Promise.all([callee.leave(), caller.leave()]);
      return { slow, ms, interrupted, fast };
    }, { url: router.wsUrl });

    assert.equal(out.slow.ok, false);
    assert.equal(out.slow.error.uri, "wamp.error.timeout", JSON.stringify(out.slow.error));
    assert.ok(out.ms >= 250 && out.ms < 2500, `rejected after about 300 ms (${Math.round(out.ms)} ms)`);
    assert.ok(out.interrupted, "the callee's signal was aborted");
    assert.deepEqual(out.fast, { ok: true, value: "quick" });
  });

  it("a callee that leaves fails the pending call; leave() rejects pending calls", async () => {
    const out = await inPage(holder.page, async ({ url }) => {
      const { connect } = window.wamp;
      const options = { url, realm: "realm1", reconnect: false };
      const callee = await connect(options);
      const caller = await connect(options);
      let started = false;
      await callee.register("test.leave.slow", () => {
        started = true;
        return new Promise(() => {});
      });
      const pending = attempt(() => caller.call("test.leave.slow"));
      await until(() => started, 3000, "the invocation");
      await callee.leave();
      const calleeGone = await pending;

      const callee2 = await connect(options);
      started = false;
      await callee2.register("test.leave.slow", () => {
        started = true;
        return new Promise(() => {});
      });
      const pending2 = attempt(() => caller.call("test.leave.slow"));
      await until(() => started, 3000, "the second invocation");
      await caller.leave("wamp.close.close_realm");
      const callerLeft = await pending2;
      await callee2.leave();
      return { calleeGone, callerLeft };
    }, { url: router.wsUrl });
    assert.ok(out.calleeGone.error.wampError, JSON.stringify(out.calleeGone));
    assert.equal(out.calleeGone.error.uri, "wamp.error.canceled");
    assert.ok(out.callerLeft.error.wampError, JSON.stringify(out.callerLeft));
    assert.equal(out.callerLeft.error.uri, "wamp.close.close_realm");
  });
});

describe("authentication (dev-router/examples/auth.toml)", () => {
  const router = routerFor({ args: ["--config", exampleConfig("auth.toml")] });
  const holder = pageFor();

  // From auth.toml: dave's Ed25519 seed is 32 bytes of 0xd4; erin's keys are the seeds
  // "c0ffee" and "5eed" repeated.
  const AUTH = {
    ticket: { method: "ticket", authid: "alice", ticket: "alice-ticket" },
    wrongTicket: { method: "ticket", authid: "alice", ticket: "not-her-ticket" },
    wampcra: { method: "wampcra", authid: "bob", secret: "bob-secret" },
    wrongCra: { method: "wampcra", authid: "bob", secret: "guess" },
    salted: { method: "wampcra", authid: "carol", secret: "carol-secret" },
    wrongSalted: { method: "wampcra", authid: "carol", secret: "carol" },
    cryptosign: { method: "cryptosign", authid: "dave", privateKey: "d4".repeat(32) },
    keyOnly: { method: "cryptosign", privateKey: "5eed".repeat(16) },
    wrongKey: { method: "cryptosign", authid: "dave", privateKey: "01".repeat(32) },
    unknownUser: { method: "ticket", authid: "mallory", ticket: "x" },
  };

  it("every method succeeds with the right credentials, over each serializer", async () => {
    const out = await inPage(holder.page, async ({ url, auth }) => {
      const { connect } = window.wamp;
      const cases = [
        ["ticket", "json"], ["wampcra", "msgpack"], ["salted", "cbor"],
        ["cryptosign", "json"], ["keyOnly", "cbor"],
      ];
      const out = {};
      for (const [name, serializer] of cases) {
        out[name] = await attempt(async () => {
          const session = await connect({ url, realm: "realm1", serializer, auth: auth[name], reconnect: false });
          const who = { authid: session.authid, authrole: session.authrole, authmethod: session.authmethod };
          await session.leave();
          return who;
        });
      }
      return out;
    }, { url: router.wsUrl, auth: AUTH });

    assert.deepEqual(out.ticket, { ok: true, value: { authid: "alice", authrole: "frontend", authmethod: "ticket" } });
    assert.deepEqual(out.wampcra, { ok: true, value: { authid: "bob", authrole: "backend", authmethod: "wampcra" } });
    assert.deepEqual(out.salted, { ok: true, value: { authid: "carol", authrole: "backend", authmethod: "wampcra" } });
    assert.deepEqual(out.cryptosign, { ok: true, value: { authid: "dave", authrole: "frontend", authmethod: "cryptosign" } });
    assert.deepEqual(out.keyOnly, { ok: true, value: { authid: "erin", authrole: "backend", authmethod: "cryptosign" } });
  });

  it("wrong credentials, unknown users and anonymous sessions are refused", async () => {
    const out = await inPage(holder.page, async ({ url, auth }) => {
      const { connect } = window.wamp;
      const out = {};
      for (const name of ["wrongTicket", "wrongCra", "wrongSalted", "wrongKey", "unknownUser"]) {
        out[name] = await attempt(() => connect({ url, realm: "realm1", auth: auth[name], reconnect: false }));
      }
      out.anonymous = await attempt(() => connect({ url, realm: "realm1", reconnect: false }));
      out.badKey = await attempt(() => connect({ url, realm: "realm1", auth: { method: "cryptosign", privateKey: "xyz" } }));
      return out;
    }, { url: router.wsUrl, auth: AUTH });

    for (const name of ["wrongTicket", "wrongCra", "wrongSalted", "wrongKey", "unknownUser"]) {
      assert.equal(out[name].ok, false, `${name} refused`);
      assert.ok(out[name].error.wampError, `${name}: ${JSON.stringify(out[name].error)}`);
      assert.match(out[name].error.uri, /^wamp\.error\.(authentication_failed|not_authorized|no_such_principal)$/, name);
    }
    assert.equal(out.anonymous.error.uri, "wamp.error.no_auth_method");
    assert.ok(out.badKey.error.typeError, JSON.stringify(out.badKey));
  });

  it("roles limit what an authenticated session may do", async () => {
    const out = await inPage(holder.page, async ({ url, auth }) => {
      const { connect } = window.wamp;
      const alice = await connect({ url, realm: "realm1", auth: auth.ticket, reconnect: false });
      const bob = await connect({ url, realm: "realm1", auth: auth.wampcra, reconnect: false });
      await bob.register("com.example.add", (args) => args[0] + args[1], { discloseCaller: true });
      const out = {
        call: await attempt(async () => (await alice.call("com.example.add", [20, 22])).value),
        register: await attempt(() => alice.register("com.example.mine", () => 1)),
        privateCall: await attempt(() => alice.call("com.example.private.secret")),
      };
      await Promise.all([alice.leave(), bob.leave()]);
      return out;
    }, { url: router.wsUrl, auth: AUTH });
    assert.deepEqual(out.call, { ok: true, value: 42 });
    assert.equal(out.register.error.uri, "wamp.error.not_authorized");
    assert.equal(out.privateCall.error.uri, "wamp.error.not_authorized");
  });
});

describe("reconnect after the router restarts on the same port", () => {
  const router = routerFor();
  const holder = pageFor();

  for (const how of ["crash (SIGKILL)", "graceful shutdown (SIGTERM)"]) {
    it(`restores registrations and subscriptions after a ${how}`, async () => {
      const page = holder.page;
      const name = how.startsWith("crash") ? "kill" : "term";
      await inPage(page, async ({ url, name }) => {
        const { connect } = window.wamp;
        const session = await connect({
          url, realm: "realm1",
          reconnect: { initialDelay: 100, maxDelay: 500, jitter: 0.1 },
          timeout: 3000,
        });
        const record = { events: [], lifecycle: [], received: [], firstId: session.id };
        session.on("open", (info) => record.lifecycle.push(["open", info.reconnected, info.sessionId]));
        session.on("close", (info) => record.lifecycle.push(["close", info.initiator, info.willReconnect, info.reason]));
        session.on("reconnecting", (info) => record.lifecycle.push(["reconnecting", info.attempt]));
        session.on("error", (error) => record.lifecycle.push(["error", String(error)]));
        record.registration = await session.register(`test.reconnect.${name}.echo`, (args) => `echo ${args[0]}`);
        record.subscription = await session.subscribe(`test.reconnect.${name}.topic`, (args) => record.received.push(args[0]));
        record.firstRegistrationId = record.registration.id;
        sessions[name] = { session, record };
      }, { url: router.wsUrl, name });

      if (name === "kill") await router.kill();
      else await router.stop();

      const during = await inPage(page, async ({ name }) => {
        const { session, record } = sessions[name];
        await until(() => session.state === "reconnecting", 5000, "state reconnecting");
        return {
          state: session.state,
          id: session.id,
          call: await attempt(() => session.call(`test.reconnect.${name}.echo`, ["x"])),
          lifecycle: record.lifecycle.slice(),
        };
      }, { name });
      assert.equal(during.state, "reconnecting");
      assert.equal(during.id, null);
      assert.ok(during.call.error.connectionError, JSON.stringify(during.call));
      const close = during.lifecycle.find((entry) => entry[0] === "close");
      assert.ok(close, JSON.stringify(during.lifecycle));
      assert.equal(close[2], true, "willReconnect");
      if (name === "kill") assert.deepEqual(close.slice(1, 2), ["transport"]);
      else assert.deepEqual([close[1], close[3]], ["router", "wamp.close.system_shutdown"]);

      // Let a few attempts fail against the closed port, then bring the router back.
      await new Promise((resolve) => setTimeout(resolve, 600));
      await router.restart();

      const out = await inPage(page, async ({ url, name }) => {
        const { connect } = window.wamp;
        const { session, record } = sessions[name];
        await until(() => record.lifecycle.some((e) => e[0] === "open"), 10000, "the session to rejoin");
        const other = await connect({ url, realm: "realm1", reconnect: false });
        const echo = await attempt(async () => (await other.call(`test.reconnect.${name}.echo`, ["back"])).value);
        await other.publish(`test.reconnect.${name}.topic`, ["event after restart"], null, { acknowledge: true });
        await until(() => record.received.length > 0, 3000, "the event").catch(() => {});
        await other.leave();
        const result = {
          echo,
          received: record.received,
          lifecycle: record.lifecycle,
          state: session.state,
          newId: session.id !== null && session.id !== record.firstId,
          registrationActive: record.registration.active,
          subscriptionActive: record.subscription.active,
          registrationIdChanged: typeof record.registration.id === "number",
        };
        await session.leave();
        delete sessions[name];
        return result;
      }, { url: router.wsUrl, name }, 30000);

      assert.deepEqual(out.echo, { ok: true, value: "echo back" }, JSON.stringify(out.lifecycle));
      assert.deepEqual(out.received, ["event after restart"]);
      assert.equal(out.state, "open");
      assert.ok(out.newId, "a new session ID");
      assert.ok(out.registrationActive && out.subscriptionActive);
      const opens = out.lifecycle.filter((e) => e[0] === "open");
      assert.equal(opens.length, 1, JSON.stringify(out.lifecycle));
      assert.equal(opens[0][1], true, "open.reconnected");
      assert.ok(out.lifecycle.some((e) => e[0] === "reconnecting"), "reconnecting events");
      assert.ok(!out.lifecycle.some((e) => e[0] === "error"), JSON.stringify(out.lifecycle));
    });
  }
});

// autobahn-js (npm `autobahn`, with `ws` as its WebSocket on Node 20) against dev-router:
// RPC and pub/sub round trips, the error URI of an unknown procedure, and application
// errors, for each transport and serializer autobahn-js offers on Node.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { TRANSPORTS, autobahn, join, leave, startRouter, within } from "./router.mjs";

// Unicode of every plane, nesting, and integers up to 2^53 (the largest exact in JS).
const ARGS = [
  "héllo wörld",
  "emoji 😀🎉👩‍💻",
  "漢字 かな カナ 한국어 中文",
  "",
  0,
  -1,
  2 ** 31,
  2 ** 53,
  -(2 ** 53),
  3.5,
  -0.25,
  true,
  false,
  null,
  [],
  {},
  [1, [2, [3, { deep: ["x", null, false] }]]],
];
const KWARGS = {
  "ünïcødé": "✓ 😀 漢字",
  "emoji 🚀": [1, 2, 3],
  nested: { a: { b: { c: [null, true, 1.5, "d"] } } },
  max_safe: 2 ** 53,
  min_safe: -(2 ** 53),
  empty: {},
};

let router;
let counter = 0;
const uri = (name) => `com.example.node${++counter}.${name}`;

before(async () => {
  router = await startRouter();
});

after(async () => {
  const problem = await router?.stop();
  assert.equal(problem, null, problem ?? undefined);
});

for (const transport of TRANSPORTS) {
  describe(`autobahn-js over ${transport}`, () => {
    let callee;
    let caller;

    before(async () => {
      [callee, caller] = await Promise.all([join(router, transport), join(router, transport)]);
    });

    after(async () => {
      await Promise.all([callee, caller].filter(Boolean).map(leave));
    });

    test("the session runs over the requested transport", () => {
      const [kind, serializer] = transport.split("-");
      const info = caller.connection.transport.info;
      assert.equal(info.type, kind === "rs" ? "rawsocket" : "websocket");
      assert.equal(info.protocol, `wamp.2.${serializer}`);
      assert.ok(Number.isSafeInteger(caller.id) && caller.id >= 1);
    });

    test("call round-trips args and kwargs", async () => {
      const procedure = uri("echo");
      const echo = (args, kwargs) => new autobahn.Result(args, kwargs);
      await within(callee.register(procedure, echo), "register");
      const result = await within(caller.call(procedure, ARGS, KWARGS), "call");
      assert.ok(result instanceof autobahn.Result, `expected a Result: ${JSON.stringify(result)}`);
      assert.deepEqual(normalize(result.args), ARGS);
      assert.deepEqual(normalize(result.kwargs), KWARGS);
    });

    test("a single result comes back as a plain value", async () => {
      const procedure = uri("add");
      await within(callee.register(procedure, ([a, b]) => a + b), "register");
      assert.equal(await within(caller.call(procedure, [2, 40]), "call"), 42);
    });

    test("calling an unknown procedure fails with wamp.error.no_such_procedure", async () => {
      await assert.rejects(within(caller.call(uri("nobody.home")), "call"), (error) => {
        assert.ok(error instanceof autobahn.Error, `expected autobahn.Error, got ${error}`);
        assert.equal(error.error, "wamp.error.no_such_procedure");
        return true;
      });
    });

    test("registering a taken procedure fails with procedure_already_exists", async () => {
      const procedure = uri("taken");
      await within(callee.register(procedure, () => 1), "register");
      await assert.rejects(within(caller.register(procedure, () => 2), "register"), (error) => {
        assert.equal(error.error, "wamp.error.procedure_already_exists");
        return true;
      });
    });

    test("an application error reaches the caller with its URI, args and kwargs", async () => {
      const procedure = uri("oops");
      await within(
        callee.register(procedure, () => {
          throw new autobahn.Error("com.example.oops", [1, "two"], { x: 3, nested: { k: ["v"] } });
        }),
        "register",
      );
      await assert.rejects(within(caller.call(procedure), "call"), (error) => {
        assert.ok(error instanceof autobahn.Error, `expected autobahn.Error, got ${error}`);
        assert.equal(error.error, "com.example.oops");
        assert.deepEqual(normalize(error.args), [1, "two"]);
        assert.deepEqual(normalize(error.kwargs), { x: 3, nested: { k: ["v"] } });
        return true;
      });
    });

    test("an acknowledged publish returns a publication and reaches subscribers", async () => {
      const topic = uri("news");
      const received = nextEvent(await within(callee.subscribe(topic, recorder()), "subscribe"));
      const publication = await within(
        caller.publish(topic, ARGS, KWARGS, { acknowledge: true }),
        "publish",
      );
      assert.ok(Number.isSafeInteger(publication.id) && publication.id >= 1);
      const event = await within(received, "event");
      assert.deepEqual(normalize(event.args), ARGS);
      assert.deepEqual(normalize(event.kwargs), KWARGS);
      assert.equal(event.details.publication, publication.id);
    });

    test("the publisher gets its own event only with exclude_me: false", async () => {
      const topic = uri("chat");
      const own = recorder();
      const other = recorder();
      await within(caller.subscribe(topic, own), "subscribe");
      await within(callee.subscribe(topic, other), "subscribe");

      await within(caller.publish(topic, ["first"], {}, { acknowledge: true }), "publish");
      const first = await within(other.next(), "event for the other subscriber");
      assert.deepEqual(first.args, ["first"]);
      // The marker reaches the publisher itself; "first" would have arrived before it.
      await within(
        caller.publish(topic, ["marker"], {}, { acknowledge: true, exclude_me: false }),
        "publish",
      );
      assert.deepEqual((await within(own.next(), "own event")).args, ["marker"]);
    });
  });
}

/** An event handler that queues events; `next()` resolves with the next one. */
function recorder() {
  const queued = [];
  const waiting = [];
  const handler = (args, kwargs, details) => {
    const event = { args, kwargs, details };
    const resolve = waiting.shift();
    if (resolve) resolve(event);
    else queued.push(event);
  };
  handler.next = () =>
    queued.length
      ? Promise.resolve(queued.shift())
      : new Promise((resolve) => waiting.push(resolve));
  return handler;
}

function nextEvent(subscription) {
  return subscription.handler.next();
}

/** Plain JSON-like data: serializer libraries may hand back Maps or Buffers-as-objects. */
function normalize(value) {
  if (value instanceof Map) return normalize(Object.fromEntries(value));
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  }
  return value;
}

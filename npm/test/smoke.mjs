// Smoke test of the built package in Node: against a dev-router started here on port 0,
// with each serializer, one session registers and subscribes, another calls and publishes.
//
//   node test/smoke.mjs [path/to/dev-router]   (default: ../target/release/dev-router)
import { spawn } from "node:child_process";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { connect, ConnectionError, Result, WampError } from "wamp-wasm";

const root = fileURLToPath(new URL("../..", import.meta.url));
const routerBin = process.argv[2] ?? process.env.DEV_ROUTER_BIN ?? `${root}target/release/dev-router`;

function startRouter(...args) {
  const port = args.includes("--port") ? [] : ["--port", "0"];
  const child = spawn(routerBin, ["--rawsocket-port", "0", ...port, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = out.match(/(ws:\/\/[^\s]+)/);
      if (match) resolve({ child, url: match[1] });
    });
    child.on("exit", (code) => reject(new Error(`dev-router exited with ${code}: ${out}`)));
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function deferred() {
  let resolve;
  const promise = new Promise((r) => (resolve = r));
  return { promise, resolve };
}

async function roles(url, serializer) {
  const options = { url, realm: "realm1", serializer, WebSocket };
  const callee = await connect(options);
  const caller = await connect(options);
  assert.equal(callee.serializer, serializer);
  assert.equal(typeof callee.id, "number");
  assert.equal(callee.state, "open");

  // RPC: values, kwargs, Result, errors, binary, big integers.
  const add = await callee.register("com.example.add", (args) => args[0] + args[1]);
  assert.equal(typeof add.id, "number");
  assert.equal((await caller.call("com.example.add", [2, 3])).value, 5);

  await callee.register("com.example.echo", (args, kwargs, details) =>
    new Result(args, { ...kwargs, procedure: details.procedure }),
  );
  const bytes = new Uint8Array([0, 1, 2, 255]);
  const echoed = await caller.call("com.example.echo", [bytes, 2n ** 60n, 1.5, null, "ü"], { k: [true] });
  assert.deepEqual(echoed.args, [bytes, 2n ** 60n, 1.5, null, "ü"]);
  assert.deepEqual(echoed.kwargs, { k: [true], procedure: "com.example.echo" });

  await callee.register("com.example.fail", async () => {
    throw new WampError("com.example.error.illegal", ["no way"], { why: 1 });
  });
  await assert.rejects(caller.call("com.example.fail"), (error) => {
    assert.ok(error instanceof WampError);
    assert.equal(error.uri, "com.example.error.illegal");
    assert.deepEqual(error.args, ["no way"]);
    assert.deepEqual(error.kwargs, { why: 1 });
    assert.equal(error.message, "no way");
    return true;
  });
  await callee.register("com.example.crash", () => {
    throw new Error("boom");
  });
  await assert.rejects(caller.call("com.example.crash"), { name: "WampError", uri: "wamp.error.runtime_error", message: "boom" });
  await assert.rejects(caller.call("com.example.nothing"), { uri: "wamp.error.no_such_procedure" });

  // Bad input is rejected before anything is sent.
  await assert.rejects(caller.call("not a uri"), TypeError);
  await assert.rejects(caller.call("com.example.add", [() => 1]), /args\[0\]: a function cannot be sent/);
  await assert.rejects(caller.call("com.example.add", [2n ** 70n]), RangeError);

  // Progressive results.
  await callee.register("com.example.count", async (args, kwargs, details) => {
    for (let i = 0; i < args[0]; i++) details.progress([i]);
    return "done";
  });
  const progress = [];
  const counted = await caller.call("com.example.count", [3], null, { onProgress: (r) => progress.push(r.value) });
  assert.equal(counted.value, "done");
  assert.deepEqual(progress, [0, 1, 2]);

  // PubSub with acknowledge, exclude_me, pattern subscriptions.
  const got = deferred();
  const sub = await callee.subscribe("com.example.topic", (args, kwargs, details) => got.resolve({ args, kwargs, details }));
  const publication = await caller.publish("com.example.topic", ["hello"], { n: 1 }, { acknowledge: true });
  assert.equal(typeof publication, "number");
  const event = await got.promise;
  assert.deepEqual(event.args, ["hello"]);
  assert.deepEqual(event.kwargs, { n: 1 });
  assert.equal(event.details.topic, "com.example.topic");
  assert.equal(event.details.publication, publication);

  const prefixed = deferred();
  await callee.subscribe("com.example.prefix.", (args, kwargs, details) => prefixed.resolve(details.topic), { match: "prefix" });
  assert.equal(await caller.publish("com.example.prefix.a.b", []), undefined);
  assert.equal(await prefixed.promise, "com.example.prefix.a.b");

  await sub.unsubscribe();
  assert.equal(sub.active, false);
  await add.unregister();
  assert.equal(add.active, false);
  await assert.rejects(caller.call("com.example.add", [1, 2]), { uri: "wamp.error.no_such_procedure" });

  const closed = await caller.leave();
  assert.equal(closed.initiator, "client");
  assert.equal(caller.state, "closed");
  await assert.rejects(caller.call("com.example.echo"), ConnectionError);
  await callee.leave();
}

async function cancelAndTimeout(url) {
  const callee = await connect({ url, realm: "realm1", WebSocket });
  const caller = await connect({ url, realm: "realm1", serializer: "msgpack", WebSocket });
  const interrupted = deferred();
  await callee.register("com.example.slow", (args, kwargs, details) =>
    new Promise((resolve) => {
      details.signal.addEventListener("abort", () => interrupted.resolve("aborted"));
      setTimeout(() => resolve("late"), 3000);
    }),
  );
  const dealer = caller.routerRoles.dealer?.features ?? {};
  if (dealer.call_canceling) {
    const controller = new AbortController();
    const pending = caller.call("com.example.slow", [], null, { signal: controller.signal });
    await sleep(50);
    controller.abort(new Error("changed my mind"));
    await assert.rejects(pending, (error) => {
      assert.ok(error instanceof WampError);
      assert.equal(error.uri, "wamp.error.canceled");
      assert.equal(error.cause.message, "changed my mind");
      return true;
    });
    assert.equal(await interrupted.promise, "aborted");
  } else {
    console.log("  (the router does not announce call_canceling: cancel not checked)");
  }
  const started = Date.now();
  await assert.rejects(caller.call("com.example.slow", [], null, { timeout: 200 }), { uri: "wamp.error.timeout" });
  assert.ok(Date.now() - started < 2000);
  const aborted = AbortSignal.abort();
  await assert.rejects(caller.call("com.example.slow", [], null, { signal: aborted }), { uri: "wamp.error.canceled" });

  // Errors of event handlers reach the session's "error" listeners.
  const reported = deferred();
  callee.on("error", (error) => reported.resolve(error));
  await callee.subscribe("com.example.faulty", () => {
    throw new Error("handler bug");
  });
  await caller.publish("com.example.faulty", []);
  assert.equal((await reported.promise).message, "handler bug");
  await caller.leave();
  await callee.leave();
}

async function authentication(url) {
  const join = (auth) => connect({ url, realm: "realm1", WebSocket, auth, reconnect: false });
  const cases = [
    [{ method: "ticket", authid: "alice", ticket: "alice-ticket" }, "alice", "frontend"],
    [{ method: "wampcra", authid: "bob", secret: "bob-secret" }, "bob", "backend"],
    [{ method: "wampcra", authid: "carol", secret: "carol-secret" }, "carol", "backend"],
    [{ method: "cryptosign", authid: "dave", privateKey: "d4".repeat(32) }, "dave", "frontend"],
    [{ method: "cryptosign", privateKey: "c0ffee".repeat(11).slice(0, 64) }, "erin", "backend"],
  ];
  for (const [auth, authid, authrole] of cases) {
    const session = await join(auth);
    assert.equal(session.authid, authid);
    assert.equal(session.authrole, authrole);
    assert.equal(session.authmethod, auth.method);
    await session.leave();
  }
  await assert.rejects(join({ method: "ticket", authid: "alice", ticket: "wrong" }), (error) => {
    assert.ok(error instanceof WampError, String(error));
    assert.match(error.uri, /^wamp\.error\./);
    return true;
  });
  await assert.rejects(join(undefined), WampError);
  await assert.rejects(join({ method: "cryptosign", privateKey: "xyz" }), TypeError);
}

async function reconnect(url, port, restart) {
  const options = { url, realm: "realm1", WebSocket, reconnect: { initialDelay: 100, maxDelay: 500 } };
  const session = await connect(options);
  const events = [];
  const reopened = deferred();
  session.on("close", (info) => events.push(`close:${info.willReconnect}`));
  session.on("reconnecting", (info) => events.push(`reconnecting:${info.attempt}`));
  session.on("open", (info) => {
    events.push(`open:${info.reconnected}`);
    reopened.resolve(info);
  });
  const reg = await session.register("com.example.survivor", () => "still here");
  const got = deferred();
  const sub = await session.subscribe("com.example.news", (args) => got.resolve(args[0]));
  const before = session.id;

  await restart();
  const info = await reopened.promise;
  assert.equal(session.state, "open");
  assert.notEqual(session.id, before);
  assert.equal(info.sessionId, session.id);
  assert.ok(reg.active && sub.active);
  assert.equal(events[0], "close:true");
  assert.ok(events.includes("reconnecting:1"));

  const other = await connect({ url, realm: "realm1", WebSocket });
  assert.equal((await other.call("com.example.survivor")).value, "still here");
  await other.publish("com.example.news", ["fresh"]);
  assert.equal(await got.promise, "fresh");
  await other.leave();
  const closed = session.closed;
  await session.leave();
  assert.equal((await closed).willReconnect, false);
}

let { child, url } = await startRouter();
try {
  for (const serializer of ["json", "msgpack", "cbor"]) {
    await roles(url, serializer);
    console.log(`ok ${serializer}`);
  }
  await cancelAndTimeout(url);
  console.log("ok cancel and timeout");
  const port = new URL(url).port;
  await reconnect(url, port, async () => {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill();
    await exited;
    await sleep(300);
    ({ child } = await startRouter("--port", port));
  });
  console.log("ok reconnect");
  await assert.rejects(connect({ url, realm: "no.such.realm", WebSocket }), { uri: "wamp.error.no_such_realm" });
  await assert.rejects(connect({ url: url.replace(/:\d+/, ":1"), realm: "realm1", WebSocket }), ConnectionError);
  await assert.rejects(connect({ realm: "realm1" }), TypeError);
  console.log("ok errors");
} finally {
  child.kill();
}

const auth = await startRouter("--config", `${root}dev-router/examples/auth.toml`);
try {
  await authentication(auth.url);
  console.log("ok authentication");
} finally {
  auth.child.kill();
}

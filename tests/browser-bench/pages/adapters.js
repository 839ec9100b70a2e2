// One small adapter per library, so that the workloads in bench.js are written once. Each
// `connect()` resolves to a joined session with the same five operations:
//
//   register(procedure, handler)   handler(value) -> value; the callee answers args [value]
//   call(procedure, value)         resolves with the callee's args[0]
//   subscribe(topic, handler)      handler(args[0]) per event
//   publish(topic, value)          without acknowledge where the library allows it
//   close()
//
// Every library gets the same shape of work: one positional argument in, one out.

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(script);
  });
}

/**
 * wamp-wasm as installed in node_modules (or another copy of the package here): `entry`
 * is its browser entry from its package.json `exports`, relative to tests/browser-bench.
 */
async function wampWasm({ entry }, extra = {}) {
  const wamp = await import(`../${entry}`);
  return {
    version: "wamp-wasm",
    async connect({ url, realm, serializer }) {
      const session = await wamp.connect({ url, realm, serializer, reconnect: false, ...extra });
      return {
        register: (procedure, handler) => session.register(procedure, (args) => handler(args[0])),
        call: (procedure, value) => session.call(procedure, [value]).then((result) => result.value),
        subscribe: (topic, handler) => session.subscribe(topic, (args) => handler(args[0])),
        publish: (topic, value) => session.publish(topic, [value]),
        close: () => session.leave(),
      };
    },
  };
}

/** autobahn's `Connection` opened once, resolving with the joined session. */
function autobahnSession(autobahn, { url, realm, serializer }) {
  const serializers = {
    json: () => new autobahn.serializer.JSONSerializer(),
    msgpack: () => new autobahn.serializer.MsgpackSerializer(),
  };
  if (!serializers[serializer]) throw new Error(`autobahn: no ${serializer} serializer here`);
  return new Promise((resolve, reject) => {
    const connection = new autobahn.Connection({
      url,
      realm,
      serializers: [serializers[serializer]()],
      max_retries: 0,
      retry_if_unreachable: false,
    });
    connection.onopen = (session) =>
      resolve({
        register: (procedure, handler) => session.register(procedure, (args) => handler(args[0])),
        call: (procedure, value) => session.call(procedure, [value]),
        subscribe: (topic, handler) => session.subscribe(topic, (args) => handler(args[0])),
        publish: (topic, value) => session.publish(topic, [value]),
        close: () => connection.close(),
      });
    connection.onclose = (reason, details) => {
      reject(new Error(`autobahn closed: ${reason} ${JSON.stringify(details)}`));
      return true; // do not retry
    };
    connection.open();
  });
}

/** npm autobahn, bundled by lib/bundles.mjs into build/autobahn.js. */
async function autobahnNpm() {
  await loadScript("../build/autobahn.js");
  const { autobahn } = window;
  return { version: autobahn.version, connect: (options) => autobahnSession(autobahn, options) };
}

/** autobahn-browser: autobahn's own prebuilt, minified browser build. */
async function autobahnBrowser() {
  await loadScript("../node_modules/autobahn-browser/autobahn.min.js");
  const { autobahn } = window;
  return { version: autobahn.version, connect: (options) => autobahnSession(autobahn, options) };
}

/** wampy, bundled by lib/bundles.mjs into build/wampy.js (with its MessagePack serializer). */
async function wampy() {
  await loadScript("../build/wampy.js");
  const { Wampy, JsonSerializer, MsgpackSerializer } = window.wampy;
  const serializers = { json: () => new JsonSerializer(), msgpack: () => new MsgpackSerializer() };
  return {
    version: "wampy",
    async connect({ url, realm, serializer }) {
      if (!serializers[serializer]) throw new Error(`wampy: no ${serializer} serializer here`);
      const client = new Wampy(url, {
        realm,
        serializer: serializers[serializer](),
        autoReconnect: false,
      });
      await client.connect();
      return {
        register: (procedure, handler) =>
          client.register(procedure, ({ argsList }) => ({ argsList: [handler(argsList[0])] })),
        call: (procedure, value) =>
          client.call(procedure, [value]).then((result) => result.argsList[0]),
        // Both options given: wampy sends `{ match, get_retained }` as they are, and msgpackr
        // encodes an `undefined` as its extension type 0, which the router refuses as
        // malformed MessagePack (ABORT wamp.error.protocol_violation).
        subscribe: (topic, handler) =>
          client.subscribe(topic, ({ argsList }) => handler(argsList[0]), {
            match: "exact",
            get_retained: false,
          }),
        // wampy always sends `acknowledge: true` with PUBLISH; it has no way to leave it out.
        publish: (topic, value) => client.publish(topic, [value]),
        close: () => client.disconnect(),
      };
    },
  };
}

export const LIBRARIES = {
  "wamp-wasm": wampWasm,
  // One WAMP message per WebSocket message: MessagePack and CBOR are otherwise batched
  // (wamp.2.msgpack.batched) with a router that speaks it, as the dev-router does.
  "wamp-wasm-unbatched": (options) => wampWasm(options, { batched: false }),
  // JSON batched too (`batched: true`; by default JSON is not, see wamp-wasm's README).
  "wamp-wasm-batched": (options) => wampWasm(options, { batched: true }),
  autobahn: autobahnNpm,
  "autobahn-browser": autobahnBrowser,
  wampy,
};

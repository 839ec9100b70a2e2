// A Node 20 ESM program using the installed wamp-wasm package, as an app would: one session
// with `ws` passed explicitly, one relying on the package finding `ws` by itself. It does
// call, register, publish and subscribe, and prints a JSON summary on its last line.
//
//     node app.mjs ws://127.0.0.1:8080/ws

import WebSocket from "ws";
import { ConnectionError, Result, WampError, connect } from "wamp-wasm";

const url = process.argv[2] ?? "ws://127.0.0.1:8080/ws";
// Nothing here may hang a test run.
setTimeout(() => {
  console.error("app.mjs: timed out");
  process.exit(2);
}, 20000).unref();

const backend = await connect({ url, realm: "realm1", WebSocket, serializer: "msgpack", reconnect: false });
const frontend = await connect({ url, realm: "realm1", serializer: "cbor", reconnect: false });

const registration = await backend.register("app.greet", (args, kwargs, details) =>
  new Result([`hello, ${args[0]}`], { procedure: details.procedure, big: 2n ** 63n }),
);
await backend.register("app.fail", () => {
  throw new WampError("app.error.nope", ["no"], { reason: "test" });
});

const events = [];
let eventArrived;
const arrived = new Promise((resolve) => (eventArrived = resolve));
await backend.subscribe("app.news", (args, kwargs, details) => {
  events.push({
    text: args[0],
    bytes: args[1] instanceof Uint8Array ? [...args[1]] : null,
    kwargs,
    topic: details.topic,
  });
  eventArrived();
});

const greeting = await frontend.call("app.greet", ["node"]);
let failure;
try {
  await frontend.call("app.fail");
} catch (error) {
  failure = { isWampError: error instanceof WampError, uri: error.uri, args: error.args, kwargs: error.kwargs };
}
const publication = await frontend.publish("app.news", ["extra!", new Uint8Array([1, 2])], { n: 1 }, { acknowledge: true });
await arrived;

await registration.unregister();
await frontend.leave();
let afterLeave;
try {
  await frontend.call("app.greet", ["again"]);
} catch (error) {
  afterLeave = error instanceof ConnectionError;
}
await backend.leave();

console.log(
  JSON.stringify({
    serializers: [backend.serializer, frontend.serializer],
    greeting: greeting.value,
    greetingKwargs: { ...greeting.kwargs, big: String(greeting.kwargs.big) },
    failure,
    publication: typeof publication,
    events,
    afterLeave,
  }),
);

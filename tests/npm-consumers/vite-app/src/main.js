// What a web developer writes after `npm install wamp-wasm`: no Vite plugin, no config.
// The router comes from `?router=ws://...` (default: the dev-router's default address).
import { WampError, connect } from "wamp-wasm";

const result = document.querySelector("#result");
const router = new URLSearchParams(location.search).get("router") ?? "ws://127.0.0.1:8080/ws";

async function main() {
  const callee = await connect({ url: router, realm: "realm1" });
  const caller = await connect({ url: router, realm: "realm1", serializer: "cbor" });
  await callee.register("com.example.add", (args) => args[0] + args[1]);
  const sum = await caller.call("com.example.add", [40, 2]);
  let missing = "";
  try {
    await caller.call("com.example.nobody");
  } catch (error) {
    missing = error instanceof WampError ? error.uri : String(error);
  }
  await Promise.all([caller.leave(), callee.leave()]);
  return `40 + 2 = ${sum.value}; ${missing}`;
}

main().then(
  (text) => {
    result.textContent = text;
    result.dataset.status = "ok";
  },
  (error) => {
    result.textContent = `failed: ${error}`;
    result.dataset.status = "failed";
  },
);

// Compiled with `tsc --noEmit` against index.d.ts: every part of the API, typed as a user
// would write it. Never run.
import {
  connect,
  ConnectionError,
  Result,
  WampError,
  type CallOptions,
  type CloseInfo,
  type EventDetails,
  type InvocationDetails,
  type Registration,
  type Session,
  type Subscription,
} from "wamp-wasm";

async function example(WebSocketImpl: new (url: string, protocols?: string | string[]) => unknown): Promise<void> {
  const session: Session = await connect({
    url: "ws://127.0.0.1:8080/ws",
    realm: "realm1",
    serializer: "cbor",
    auth: { method: "cryptosign", authid: "joe", privateKey: "00".repeat(32) },
    reconnect: { initialDelay: 100, maxDelay: 5000, jitter: 0.2, maxRetries: 10 },
    WebSocket: WebSocketImpl,
    timeout: 5000,
  });
  await connect({ url: "ws://x/ws", realm: "r", auth: { method: "ticket", authid: "a", ticket: "t" }, reconnect: false });
  await connect({ url: "ws://x/ws", realm: "r", auth: { method: "wampcra", authid: "a", secret: "s" } });

  const id: number | null = session.id;
  const roles: Record<string, unknown> = session.routerRoles;
  const authid: string | undefined = session.authid;
  console.log(id, roles, authid, session.authrole, session.authmethod, session.realm, session.serializer, session.state);

  const off = session.on("close", (info: CloseInfo) => console.log(info.reason, info.willReconnect, info.initiator));
  off();
  session.on("reconnecting", ({ attempt, delay }) => console.log(attempt, delay));
  session.on("open", ({ sessionId, reconnected }) => console.log(sessionId, reconnected));
  session.on("error", (error: Error) => console.error(error.message));

  const registration: Registration = await session.register(
    "com.example.add",
    (args: unknown[], kwargs: Record<string, unknown>, details: InvocationDetails) => {
      details.progress([1]);
      details.signal.addEventListener("abort", () => undefined);
      if (details.caller !== undefined) return new Result([details.caller], { procedure: details.procedure });
      return (args[0] as number) + (args[1] as number);
    },
    { match: "prefix", invoke: "roundrobin", discloseCaller: true },
  );
  console.log(registration.id, registration.procedure, registration.active);
  await session.register("com.example.sum", async (args, _kwargs, details) => {
    let total = args[0] as number;
    if (details.chunks) for await (const chunk of details.chunks) total += chunk.args[0] as number;
    return total;
  });

  const controller = new AbortController();
  const options: CallOptions = {
    timeout: 1000,
    discloseMe: true,
    signal: controller.signal,
    cancelMode: "killnowait",
    onProgress: (partial: Result) => console.log(partial.value, partial.args, partial.kwargs),
  };
  try {
    const result: Result = await session.call("com.example.add", [2, 3], null, options);
    const sum = result.value as number;
    console.log(sum, result.details);
  } catch (error) {
    if (error instanceof WampError) console.log(error.uri, error.args, error.kwargs, error.details);
    else if (error instanceof ConnectionError) console.log(error.reason);
  }

  const subscription: Subscription = await session.subscribe(
    "com.example.",
    async (args, kwargs, details: EventDetails) => {
      console.log(args, kwargs, details.topic, details.publisher, details.retained);
    },
    { match: "wildcard", getRetained: true },
  );
  const publication: number | undefined = await session.publish("com.example.topic", [1], { a: 1n }, {
    acknowledge: true,
    excludeMe: false,
    eligible: [1, 2],
    exclude: [3],
    eligibleAuthrole: ["user"],
    excludeAuthid: ["eve"],
  });
  console.log(publication, subscription.topic, subscription.id);
  await subscription.unsubscribe();
  await registration.unregister();
  const closed: CloseInfo = await session.leave("wamp.close.normal");
  console.log(closed, await session.closed);
}

function fail(): never {
  throw new WampError("com.example.error", ["message"], { detail: 1 });
}

void example;
void fail;

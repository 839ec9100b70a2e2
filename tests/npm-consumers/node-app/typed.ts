// A typed tour of the whole wamp-wasm API, compiled with `tsc --noEmit` to check the
// package's declarations (index.d.ts): every export, option and event is used with the type
// a user would write, and `@ts-expect-error` lines check that wrong use is refused.
// It is type-checked only, never run.

import WebSocket from "ws";
import {
  ConnectionError,
  Result,
  WampError,
  connect,
  type Args,
  type AuthOptions,
  type CallOptions,
  type CloseInfo,
  type ConnectOptions,
  type EventDetails,
  type EventHandler,
  type InvocationDetails,
  type InvocationHandler,
  type Kwargs,
  type OpenInfo,
  type PublishOptions,
  type ReconnectOptions,
  type ReconnectingInfo,
  type RegisterOptions,
  type Registration,
  type SerializerName,
  type Session,
  type SessionState,
  type SubscribeOptions,
  type Subscription,
  type Uri,
} from "wamp-wasm";

const auths: AuthOptions[] = [
  { method: "anonymous" },
  { method: "anonymous", authid: "guest" },
  { method: "ticket", authid: "alice", ticket: "alice-ticket" },
  { method: "wampcra", authid: "bob", secret: "bob-secret" },
  { method: "cryptosign", privateKey: "d4".repeat(32) },
  { method: "cryptosign", authid: "dave", privateKey: "d4".repeat(32) },
];

const reconnect: ReconnectOptions = {
  enabled: true,
  initialDelay: 500,
  maxDelay: 30_000,
  multiplier: 2,
  jitter: 0.5,
  maxRetries: Infinity,
};

const serializers: SerializerName[] = ["json", "msgpack", "cbor"];

export async function tour(url: string): Promise<CloseInfo> {
  const options: ConnectOptions = {
    url,
    realm: "realm1",
    serializer: serializers[1],
    auth: auths[2],
    reconnect,
    WebSocket,
    timeout: 10_000,
    agent: "typed-example/1.0",
  };
  const session: Session = await connect(options);
  await connect({ url, realm: "realm1", reconnect: false });

  const id: number | null = session.id;
  const realm: Uri = session.realm;
  const who: [string | undefined, string | undefined, string | undefined] = [
    session.authid,
    session.authrole,
    session.authmethod,
  ];
  const roles: Record<string, unknown> = session.routerRoles;
  const details: Record<string, unknown> = session.details;
  const serializer: SerializerName = session.serializer;
  const state: SessionState = session.state;
  void [id, realm, who, roles, details, serializer, state];

  // Events.
  const offOpen: () => void = session.on("open", (info: OpenInfo) => {
    const sessionId: number = info.sessionId;
    const again: boolean = info.reconnected;
    void [sessionId, again, info.details];
  });
  const onClose = (info: CloseInfo) => {
    const initiator: "client" | "router" | "transport" = info.initiator;
    const message: string | undefined = info.message;
    void [initiator, message, info.reason, info.willReconnect, info.details];
  };
  session.on("close", onClose);
  session.off("close", onClose);
  session.on("reconnecting", (info: ReconnectingInfo) => void [info.attempt, info.delay]);
  session.on("error", (error: Error) => console.error(error.message));
  offOpen();

  // Register: values, Results, Promises, progressive results, errors.
  const add: InvocationHandler = (args: Args, _kwargs: Kwargs, _details: InvocationDetails) =>
    (args[0] as number) + (args[1] as number);
  const registerOptions: RegisterOptions = {
    match: "prefix",
    invoke: "roundrobin",
    discloseCaller: true,
    options: { force_reregister: true },
  };
  const registration: Registration = await session.register("com.example.add", add, registerOptions);
  await session.register("com.example.slow", async (args, kwargs, invocation) => {
    const procedure: Uri = invocation.procedure;
    const registrationId: number = invocation.registration;
    const caller: number | undefined = invocation.caller;
    void [procedure, registrationId, caller, invocation.callerAuthid, invocation.callerAuthrole];
    if (invocation.receiveProgress) invocation.progress([1], { of: 3 });
    invocation.signal.addEventListener("abort", () => console.log("canceled"));
    const raw: Record<string, unknown> = invocation.raw;
    void raw;
    if (kwargs.fail) throw new WampError("com.example.error.failed", ["no"], { why: "asked" });
    return new Result(args, { done: true });
  });
  const regId: number = registration.id;
  const regActive: boolean = registration.active;
  const regUri: Uri = registration.procedure;
  void [regId, regActive, regUri];

  // Call: every option.
  const controller = new AbortController();
  const callOptions: CallOptions = {
    timeout: 5_000,
    discloseMe: true,
    onProgress: (partial: Result) => console.log(partial.args, partial.kwargs),
    signal: controller.signal,
    cancelMode: "killnowait",
    options: { rkey: "k1" },
  };
  const result: Result = await session.call("com.example.add", [2, 3], { verbose: true }, callOptions);
  const value: unknown = result.value;
  const resultArgs: Args = result.args;
  const resultKwargs: Kwargs = result.kwargs;
  void [value, resultArgs, resultKwargs, result.details];
  await session.call("com.example.ping");
  await session.call("com.example.ping", null, null, { cancelMode: "skip" });

  // Errors.
  try {
    await session.call("com.example.nothing");
  } catch (error) {
    if (error instanceof WampError) {
      const uri: Uri = error.uri;
      const name: "WampError" = error.name;
      void [uri, name, error.args, error.kwargs, error.details, error.message];
    } else if (error instanceof ConnectionError) {
      const reason: Uri | undefined = error.reason;
      const name: "ConnectionError" = error.name;
      void [reason, name];
    }
  }
  const own = new WampError("com.example.error.mine", null, null, { cause: new Error("why") });
  const own2 = new WampError("com.example.error.mine");
  const lost = new ConnectionError("no session", "wamp.close.transport_lost");
  const lost2 = new ConnectionError("no session");
  const made = new Result();
  const made2 = new Result([1], { a: 1 });
  void [own, own2, lost, lost2, made, made2];

  // Subscribe and publish.
  const onEvent: EventHandler = (args: Args, kwargs: Kwargs, event: EventDetails) => {
    const topic: Uri = event.topic;
    const subscriptionId: number = event.subscription;
    const publication: number = event.publication;
    const publisher: number | undefined = event.publisher;
    const retained: boolean = event.retained;
    void [args, kwargs, topic, subscriptionId, publication, publisher, retained, event.raw];
    void [event.publisherAuthid, event.publisherAuthrole];
  };
  const subscribeOptions: SubscribeOptions = { match: "wildcard", getRetained: true, options: {} };
  const subscription: Subscription = await session.subscribe("com..news", onEvent, subscribeOptions);
  const subTopic: Uri = subscription.topic;
  const subId: number = subscription.id;
  const subActive: boolean = subscription.active;
  void [subTopic, subId, subActive];

  const publishOptions: PublishOptions = {
    acknowledge: true,
    excludeMe: false,
    discloseMe: true,
    retain: true,
    eligible: [1, 2],
    eligibleAuthid: ["alice"],
    eligibleAuthrole: ["frontend"],
    exclude: [3],
    excludeAuthid: ["mallory"],
    excludeAuthrole: ["guest"],
    options: { custom: 1 },
  };
  const publicationId: number | undefined = await session.publish(
    "com.example.news",
    ["hello", new Uint8Array([1]), 2n ** 60n],
    { at: new Date() },
    publishOptions,
  );
  await session.publish("com.example.news");
  void publicationId;

  await subscription.unsubscribe();
  await registration.unregister();
  const closed: Promise<CloseInfo> = session.closed;
  void closed;
  return session.leave("wamp.close.close_realm");
}

// Wrong use the declarations must refuse.
export async function mistakes(session: Session): Promise<void> {
  // @ts-expect-error: not a serializer
  await connect({ url: "ws://x", realm: "r", serializer: "xml" });
  // @ts-expect-error: realm is required
  await connect({ url: "ws://x" });
  // @ts-expect-error: a ticket needs the ticket
  await connect({ url: "ws://x", realm: "r", auth: { method: "ticket", authid: "a" } });
  // @ts-expect-error: no such auth method
  await connect({ url: "ws://x", realm: "r", auth: { method: "password", authid: "a" } });
  // @ts-expect-error: args are a list
  await session.call("com.example.add", 1);
  // @ts-expect-error: not a match policy
  await session.subscribe("com.example.t", () => {}, { match: "regex" });
  // @ts-expect-error: not a cancel mode
  await session.call("com.example.add", [], {}, { cancelMode: "stop" });
  // @ts-expect-error: no such event
  session.on("message", () => {});
  // @ts-expect-error: the id is read-only
  session.id = 5;
  // @ts-expect-error: eligible takes session IDs
  await session.publish("com.example.t", [], {}, { eligible: ["alice"] });
}

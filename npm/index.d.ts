// Type declarations for wamp-wasm: a WAMP v2 client compiled from Rust to WebAssembly.
//
// One entry point, `connect()`, resolves to a joined `Session`. Every other operation is a
// method of the session and returns a Promise. Errors are `WampError` (the router or a callee
// answered with an error URI) or `ConnectionError` (no session to send on); invalid input
// from the application is rejected with a `TypeError` or `RangeError` before anything is sent.

/** A WAMP URI, e.g. `"com.example.add"`. */
export type Uri = string;

/** Positional arguments (`Arguments|list`). */
export type Args = unknown[];

/** Keyword arguments (`ArgumentsKw|dict`). */
export type Kwargs = Record<string, unknown>;

/** The wire serializer; each one is a WebSocket subprotocol (`wamp.2.json`, ...). */
export type SerializerName = "json" | "msgpack" | "cbor";

/** How a registration or subscription URI matches: `"exact"` (the default), `"prefix"`, `"wildcard"`. */
export type MatchPolicy = "exact" | "prefix" | "wildcard";

/** How the router picks a callee among several sharing one registration. */
export type InvokePolicy = "single" | "roundrobin" | "random" | "first" | "last";

/** `CANCEL.Options.mode`: see the WAMP spec, "Call Canceling". */
export type CancelMode = "kill" | "killnowait" | "skip";

/**
 * A WebSocket constructor: `globalThis.WebSocket` in browsers (the default), or e.g. the
 * default export of the npm package `ws` in Node 20, which has no global WebSocket.
 */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => unknown;

// ---------------------------------------------------------------------------------------
// connect

/** Anonymous authentication (the default when `auth` is absent). */
export interface AnonymousAuth {
  method: "anonymous";
  /** `HELLO.Details.authid`, if the router wants one. */
  authid?: string;
}

/** Ticket authentication: the ticket travels as is, so use it only over `wss://`. */
export interface TicketAuth {
  method: "ticket";
  authid: string;
  ticket: string;
}

/**
 * WAMP-CRA: an HMAC-SHA256 challenge-response over a shared secret. When the router's
 * challenge carries `salt`, `iterations` and `keylen`, the secret is salted with PBKDF2 first
 * (salted WAMP-CRA); nothing extra is needed here.
 */
export interface WampCraAuth {
  method: "wampcra";
  authid: string;
  secret: string;
}

/** WAMP-Cryptosign: an Ed25519 signature; the public key is derived from the seed. */
export interface CryptosignAuth {
  method: "cryptosign";
  authid?: string;
  /** The 32-byte Ed25519 private key seed as 64 hex digits. */
  privateKey: string;
}

export type AuthOptions = AnonymousAuth | TicketAuth | WampCraAuth | CryptosignAuth;

/**
 * When the connection drops after the session had joined, the client reconnects with
 * exponential backoff and jitter, joins again and restores every registration and
 * subscription (with the same handlers). The delay before attempt `n` (from 1) is
 * `min(maxDelay, initialDelay * multiplier ** (n - 1))`, randomised by ±`jitter` of itself.
 */
export interface ReconnectOptions {
  /** Default `true`. `false` turns reconnection off (so does `reconnect: false`). */
  enabled?: boolean;
  /** Milliseconds before the first attempt. Default 500. */
  initialDelay?: number;
  /** Upper bound of the delay, in milliseconds. Default 30000. */
  maxDelay?: number;
  /** Growth factor of the delay per attempt. Default 2. */
  multiplier?: number;
  /** Random spread as a fraction of the delay, 0 to 1. Default 0.5. */
  jitter?: number;
  /** Attempts before giving up (then `"close"` with `willReconnect: false`). Default `Infinity`. */
  maxRetries?: number;
}

export interface ConnectOptions {
  /** The router's WebSocket URL, e.g. `"ws://127.0.0.1:8080/ws"`. */
  url: string;
  /** The realm to join, e.g. `"realm1"`. */
  realm: Uri;
  /** Default `"json"`. */
  serializer?: SerializerName;
  /**
   * Offer the serializer's batched subprotocol (`wamp.2.msgpack.batched`, ...) first: what
   * is sent within one turn of the event loop then goes as one WebSocket message, which is
   * much cheaper for the browser. A router without it picks the plain subprotocol.
   *
   * By default MessagePack and CBOR are batched and JSON is not. `true` batches JSON too,
   * ending each message with the spec's 0x1E: only for routers that follow the spec there
   * (the dev-router does; Crossbar.io and Autobahn use 0x18 and cannot read it). `false`
   * never batches.
   */
  batched?: boolean;
  /** Default: anonymous. */
  auth?: AuthOptions;
  /** Default: on with the defaults of `ReconnectOptions`. `false` turns it off. */
  reconnect?: boolean | ReconnectOptions;
  /** Default `globalThis.WebSocket`. Required in Node 20: `import WebSocket from "ws"`. */
  WebSocket?: WebSocketConstructor;
  /**
   * Milliseconds to wait for the WebSocket to open and the router to welcome the session
   * (each attempt, also when reconnecting). Default 10000; 0 waits forever.
   */
  timeout?: number;
  /** `HELLO.Details.agent`. Default `"wamp-wasm/<version>"`. */
  agent?: string;
}

/**
 * Opens a WebSocket to `options.url` and joins `options.realm`.
 *
 * Rejects with `WampError` when the router refuses the session (e.g.
 * `wamp.error.no_such_realm`, `wamp.error.not_authorized`, `wamp.error.authentication_failed`),
 * with `ConnectionError` when the WebSocket cannot be opened or the timeout expires, and
 * with `TypeError` for invalid options. The first attempt is not retried: `reconnect` applies
 * once a session has joined.
 */
export function connect(options: ConnectOptions): Promise<Session>;

// ---------------------------------------------------------------------------------------
// Session

/** `"open"`: joined; `"reconnecting"`: the connection dropped, waiting to join again; `"closed"`: final. */
export type SessionState = "open" | "reconnecting" | "closed";

/** Payload of the `"open"` event. */
export interface OpenInfo {
  /** The new session ID. */
  sessionId: number;
  /** `true` when this is a rejoin after a lost connection (registrations and subscriptions are restored by now). */
  reconnected: boolean;
  /** `WELCOME.Details` as sent by the router. */
  details: Record<string, unknown>;
}

/** Payload of the `"close"` event and result of `leave()` and `session.closed`. */
export interface CloseInfo {
  /**
   * A WAMP URI: the router's `GOODBYE`/`ABORT` reason (e.g. `wamp.close.system_shutdown`),
   * `wamp.close.goodbye_and_out` after `leave()`, or `wamp.close.transport_lost`.
   */
  reason: Uri;
  /** `Details.message`, if there was one. */
  message?: string;
  /** Who ended it: this client, the router, or the transport (the connection dropped). */
  initiator: "client" | "router" | "transport";
  /** `true` when the client will try to reconnect (state `"reconnecting"`). */
  willReconnect: boolean;
  /** `GOODBYE.Details` or `ABORT.Details`, `{}` for a lost transport. */
  details: Record<string, unknown>;
}

/** Payload of the `"reconnecting"` event: one is emitted before each attempt. */
export interface ReconnectingInfo {
  /** 1 for the first attempt after the connection dropped. */
  attempt: number;
  /** Milliseconds until this attempt. */
  delay: number;
}

export interface SessionEventMap {
  /** The session (re)joined. Listeners added after `connect()` resolved see only rejoins. */
  open: OpenInfo;
  /** The session ended (and maybe will reconnect: `willReconnect`). */
  close: CloseInfo;
  /** A reconnection attempt is scheduled. */
  reconnecting: ReconnectingInfo;
  /**
   * Something failed without a promise to reject: an event handler threw, or restoring a
   * registration or subscription after a reconnect failed.
   */
  error: Error;
}

export interface CallOptions {
  /**
   * Milliseconds. Sent to the router as `CALL.Options.timeout` and enforced locally as well:
   * the promise rejects with `WampError` `wamp.error.timeout` and a `CANCEL` (`killnowait`)
   * is sent. 0 or absent: no timeout.
   */
  timeout?: number;
  /** Ask the router to disclose this caller's session ID to the callee. */
  discloseMe?: boolean;
  /**
   * Receive progressive results: each one is passed here, the final one resolves the promise.
   * Setting it sends `receive_progress: true`.
   */
  onProgress?: (result: Result) => void;
  /**
   * Cancels the call when aborted: the promise rejects at once with `WampError`
   * `wamp.error.canceled` (its `cause` is `signal.reason`), and `CANCEL` with `cancelMode` is
   * sent. An already aborted signal rejects before anything is sent.
   */
  signal?: AbortSignal;
  /** The mode of the `CANCEL` sent for `signal`. Default `"kill"`. */
  cancelMode?: CancelMode;
  /** Further `CALL.Options` sent as given (e.g. `{ rkey: "k1" }`); the typed options win. */
  options?: Record<string, unknown>;
}

export interface RegisterOptions {
  /** Default `"exact"`. A pattern handler learns the concrete URI from `details.procedure`. */
  match?: MatchPolicy;
  /** Default `"single"`. */
  invoke?: InvokePolicy;
  /** Ask the router to disclose every caller to this callee (`details.caller`, ...). */
  discloseCaller?: boolean;
  /** Further `REGISTER.Options` sent as given. */
  options?: Record<string, unknown>;
}

export interface SubscribeOptions {
  /** Default `"exact"`. A pattern handler learns the concrete topic from `details.topic`. */
  match?: MatchPolicy;
  /** Ask the broker for the topic's retained event, if it keeps one. */
  getRetained?: boolean;
  /** Further `SUBSCRIBE.Options` sent as given. */
  options?: Record<string, unknown>;
}

export interface PublishOptions {
  /** Ask the broker to acknowledge: the promise then resolves with the publication ID, or rejects with its error. */
  acknowledge?: boolean;
  /** Default `true`: the publisher does not receive its own event even if subscribed. */
  excludeMe?: boolean;
  /** Ask the broker to disclose this publisher to subscribers. */
  discloseMe?: boolean;
  /** Ask the broker to retain this event for later subscribers (`getRetained`). */
  retain?: boolean;
  /** Only these session IDs receive the event. */
  eligible?: number[];
  /** Only sessions with these authids receive the event. */
  eligibleAuthid?: string[];
  /** Only sessions with these authroles receive the event. */
  eligibleAuthrole?: string[];
  /** These session IDs do not receive the event. */
  exclude?: number[];
  /** Sessions with these authids do not receive the event. */
  excludeAuthid?: string[];
  /** Sessions with these authroles do not receive the event. */
  excludeAuthrole?: string[];
  /** Further `PUBLISH.Options` sent as given. */
  options?: Record<string, unknown>;
}

/** What an invocation handler learns besides the arguments. */
export interface InvocationDetails {
  /** The procedure called (the concrete URI, also for pattern registrations). */
  procedure: Uri;
  /** The registration ID the call came through. */
  registration: number;
  /** The caller's session ID, when disclosed. */
  caller?: number;
  callerAuthid?: string;
  callerAuthrole?: string;
  /** Whether the caller accepts progressive results (`progress()`). */
  receiveProgress: boolean;
  /**
   * Sends a progressive result to the caller; the handler's return value is the final one.
   * Throws a `TypeError` if the caller did not ask for progressive results
   * (`receiveProgress` is false) or the arguments cannot be serialised.
   */
  progress(args?: Args, kwargs?: Kwargs): void;
  /**
   * Aborted when the caller cancels the call (`INTERRUPT`) or the session ends. The caller
   * has been answered with `wamp.error.canceled` by then; what the handler returns later is
   * dropped.
   */
  signal: AbortSignal;
  /**
   * Present when the caller sends this call in chunks (a progressive call invocation,
   * `INVOCATION.Details.progress`): `args` and `kwargs` are the first chunk, and this yields
   * each further chunk as it arrives. It ends after the caller's last chunk, or when the call
   * is canceled. The handler's return value answers the whole call; chunks that arrive after
   * it are dropped.
   */
  chunks?: AsyncIterable<InvocationChunk>;
  /** `INVOCATION.Details` as sent by the router. */
  raw: Record<string, unknown>;
}

/** One further chunk of a progressive call invocation (`InvocationDetails.chunks`). */
export interface InvocationChunk {
  args: Args;
  kwargs: Kwargs;
}

/**
 * Handles a call. Return a value (sent as `args: [value]`; `undefined` sends no
 * arguments), a `Result` (full control over `args` and `kwargs`), or a Promise of either.
 * Throw (or reject with) a `WampError` to answer with its URI, args and kwargs; any other
 * exception answers `wamp.error.runtime_error` with the exception's message as `args[0]`.
 */
export type InvocationHandler = (
  args: Args,
  kwargs: Kwargs,
  details: InvocationDetails,
) => unknown;

/** What an event handler learns besides the arguments. */
export interface EventDetails {
  /** The topic published to (the concrete URI, also for pattern subscriptions). */
  topic: Uri;
  /** The subscription ID the event came through. */
  subscription: number;
  /** The publication ID. */
  publication: number;
  /** The publisher's session ID, when disclosed. */
  publisher?: number;
  publisherAuthid?: string;
  publisherAuthrole?: string;
  /** Whether this is the topic's retained event. */
  retained: boolean;
  /** `EVENT.Details` as sent by the router. */
  raw: Record<string, unknown>;
}

/**
 * Handles an event. Its return value is ignored; an exception (or rejected Promise) is
 * reported through the session's `"error"` event.
 */
export type EventHandler = (args: Args, kwargs: Kwargs, details: EventDetails) => unknown;

/** A registered procedure. */
export interface Registration {
  /** The registration ID; it changes when the registration is restored after a reconnect. */
  readonly id: number;
  /** The procedure URI or pattern, as registered. */
  readonly procedure: Uri;
  /** `false` after `unregister()`, or once the router revoked it or the session closed for good. */
  readonly active: boolean;
  /** Ends the registration. Resolves once the router confirmed; does nothing if not active. */
  unregister(): Promise<void>;
}

/** A subscription. */
export interface Subscription {
  /** The subscription ID; it changes when the subscription is restored after a reconnect. */
  readonly id: number;
  /** The topic URI or pattern, as subscribed. */
  readonly topic: Uri;
  /** `false` after `unsubscribe()`, or once the router revoked it or the session closed for good. */
  readonly active: boolean;
  /** Ends this subscription. Resolves once the router confirmed; does nothing if not active. */
  unsubscribe(): Promise<void>;
}

/** A joined WAMP session; it survives reconnects (its `id` changes). */
export interface Session {
  /** The current session ID; `null` while reconnecting or after close. */
  readonly id: number | null;
  /** The realm joined. */
  readonly realm: Uri;
  /** Who the router authenticated this session as. */
  readonly authid: string | undefined;
  readonly authrole: string | undefined;
  /** E.g. `"anonymous"`, `"ticket"`, `"wampcra"`, `"cryptosign"`. */
  readonly authmethod: string | undefined;
  /** `WELCOME.Details.roles`: the router's roles (`broker`, `dealer`) and their features. */
  readonly routerRoles: Record<string, unknown>;
  /** `WELCOME.Details` as sent by the router. */
  readonly details: Record<string, unknown>;
  /** The serializer in use. */
  readonly serializer: SerializerName;
  /**
   * The WebSocket subprotocol of the current connection, e.g. `"wamp.2.json.batched"`
   * (several messages per WebSocket message) or `"wamp.2.json"`; `undefined` while not
   * connected.
   */
  readonly protocol: string | undefined;
  readonly state: SessionState;
  /** Resolves when the session has ended for good (no reconnect follows). */
  readonly closed: Promise<CloseInfo>;

  /**
   * Calls a procedure. Resolves with the final `Result` (`result.value` is `args[0]`);
   * rejects with `WampError` (e.g. `wamp.error.no_such_procedure`, a callee's own error URI,
   * `wamp.error.timeout`, `wamp.error.canceled`), `ConnectionError` (not connected, or the
   * connection dropped before the answer), `TypeError` (invalid URI, unserialisable
   * argument) or `RangeError` (a BigInt beyond 64 bits).
   */
  call(procedure: Uri, args?: Args | null, kwargs?: Kwargs | null, options?: CallOptions): Promise<Result>;

  /** Registers `handler` for `procedure`. Rejects e.g. with `wamp.error.procedure_already_exists`. */
  register(procedure: Uri, handler: InvocationHandler, options?: RegisterOptions): Promise<Registration>;

  /** Subscribes `handler` to `topic`. */
  subscribe(topic: Uri, handler: EventHandler, options?: SubscribeOptions): Promise<Subscription>;

  /**
   * Publishes an event. Without `acknowledge`, resolves with `undefined` once sent; with it,
   * resolves with the publication ID once the broker accepted, or rejects with `WampError`.
   */
  publish(topic: Uri, args?: Args | null, kwargs?: Kwargs | null, options?: PublishOptions): Promise<number | undefined>;

  /**
   * Leaves the realm (`GOODBYE` with `reason`, default `wamp.close.close_realm`) and closes
   * the connection; no reconnect follows. Pending calls reject with a `WampError` carrying
   * `reason`. Resolves when the router answered (or after 5 s, or at once when not
   * connected); while reconnecting, it stops reconnecting.
   */
  leave(reason?: Uri): Promise<CloseInfo>;

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof SessionEventMap>(event: K, listener: (info: SessionEventMap[K]) => void): () => void;
  /** Removes a listener added with `on`. */
  off<K extends keyof SessionEventMap>(event: K, listener: (info: SessionEventMap[K]) => void): void;
}

// ---------------------------------------------------------------------------------------
// Values

/**
 * A call result: what `call()` resolves with and `onProgress` receives, and what an
 * invocation handler may return for full control over the answer.
 */
export class Result {
  /** `args` default to `[]`, `kwargs` to `{}`. */
  constructor(args?: Args | null, kwargs?: Kwargs | null);
  args: Args;
  kwargs: Kwargs;
  /** `RESULT.Details` for a received result; `{}` otherwise. */
  details: Record<string, unknown>;
  /** `args[0]`: the value of a procedure that returns one value. */
  readonly value: unknown;
}

/**
 * An error with a WAMP error URI: from the router (e.g. `wamp.error.no_such_procedure`) or
 * from a callee (its own URI). Throw one in an invocation handler to answer the caller with
 * it. `message` is `args[0]` when that is a string, else the URI.
 */
export class WampError extends Error {
  constructor(uri: Uri, args?: Args | null, kwargs?: Kwargs | null, options?: { cause?: unknown });
  readonly name: "WampError";
  uri: Uri;
  args: Args;
  kwargs: Kwargs;
  /** `ERROR.Details` (or `ABORT.Details`) for a received error; `{}` otherwise. */
  details: Record<string, unknown>;
}

/**
 * No session to send on: the session is reconnecting or closed, the WebSocket could not be
 * opened, or the connection dropped before the answer (`reason` is then
 * `wamp.close.transport_lost`).
 */
export class ConnectionError extends Error {
  constructor(message: string, reason?: Uri);
  readonly name: "ConnectionError";
  /** A WAMP close URI, when there is one. */
  reason: Uri | undefined;
}

/**
 * Payload values and how they map between JavaScript and WAMP:
 * - `null` and `undefined` (in arrays) ⇄ null; object properties that are `undefined` are left out;
 * - booleans, strings, arrays, plain objects ⇄ the same;
 * - numbers: integers up to ±2^53 travel as integers, others as floats; received integers
 *   beyond ±2^53 arrive as `BigInt`; a `BigInt` within 64 bits (signed or unsigned) travels
 *   as an integer;
 * - `Uint8Array` (and `ArrayBuffer`, other typed arrays as their bytes) ⇄ binary, arriving as `Uint8Array`;
 * - an object with `toJSON()` (e.g. `Date`) is sent as what that returns;
 * - functions, symbols, `Map`, `Set` and cycles are rejected with a `TypeError` naming where they are.
 */
export type Value = unknown;

// The classes of the public API that are plain JavaScript, so that they can be exported
// synchronously and used with `instanceof`. The WebAssembly module receives them at start-up
// (`__install`) and builds every error and result with them.

/** An error with a WAMP error URI, from the router or a callee, or thrown by a handler. */
export class WampError extends Error {
  constructor(uri, args, kwargs, options) {
    const list = args ?? [];
    super(typeof list[0] === "string" ? list[0] : String(uri), options);
    this.name = "WampError";
    this.uri = uri;
    this.args = list;
    this.kwargs = kwargs ?? {};
    this.details = {};
  }
}

/** No session to send on, or the connection dropped before the answer. */
export class ConnectionError extends Error {
  constructor(message, reason) {
    super(message);
    this.name = "ConnectionError";
    this.reason = reason;
  }
}

/**
 * The further chunks of a progressive call invocation (`details.chunks`): an async iterable
 * of `{ args, kwargs }` that ends after the caller's last chunk, or when the call is canceled.
 */
export class Chunks {
  #queue = [];
  #done = false;
  #wake;

  push(args, kwargs) {
    this.#queue.push({ args, kwargs });
    this.#wake?.();
  }

  end() {
    this.#done = true;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator]() {
    for (;;) {
      if (this.#queue.length > 0) yield this.#queue.shift();
      else if (this.#done) return;
      else await new Promise((resolve) => (this.#wake = resolve));
    }
  }
}

/** A call result; return one from a procedure handler for full control over the answer. */
export class Result {
  constructor(args, kwargs, details) {
    this.args = args ?? [];
    this.kwargs = kwargs ?? {};
    this.details = details ?? {};
  }

  /** `args[0]`: the value of a procedure that returns one value. */
  get value() {
    return this.args[0];
  }
}

/** A received call result, made by the WebAssembly module. */
export const result = (args, kwargs, details) => new Result(args, kwargs, details);

/** An invocation handler's `details`; the AbortController behind `signal` is made on first use. */
export class InvocationDetails {
  #controller;

  static make(procedure, registration, raw) {
    const d = new InvocationDetails();
    d.procedure = procedure;
    d.registration = registration;
    if (raw.caller != null) d.caller = raw.caller;
    if (raw.caller_authid != null) d.callerAuthid = raw.caller_authid;
    if (raw.caller_authrole != null) d.callerAuthrole = raw.caller_authrole;
    d.receiveProgress = raw.receive_progress === true;
    d.raw = raw;
    return d;
  }

  static abort(d) {
    (d.#controller ??= new AbortController()).abort();
  }

  get signal() {
    return (this.#controller ??= new AbortController()).signal;
  }

  progress() {
    throw new TypeError("progress(): the caller did not ask for progressive results");
  }
}

/** An event handler's `details`. */
export function eventDetails(topic, subscription, publication, raw) {
  const d = { topic, subscription, publication };
  if (raw.publisher != null) d.publisher = raw.publisher;
  if (raw.publisher_authid != null) d.publisherAuthid = raw.publisher_authid;
  if (raw.publisher_authrole != null) d.publisherAuthrole = raw.publisher_authrole;
  d.retained = raw.retained === true;
  d.raw = raw;
  return d;
}

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
  constructor(args, kwargs) {
    this.args = args ?? [];
    this.kwargs = kwargs ?? {};
    this.details = {};
  }

  /** `args[0]`: the value of a procedure that returns one value. */
  get value() {
    return this.args[0];
  }
}

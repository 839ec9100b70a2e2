// One game seen from one page: the WAMP session, the position (chess.js) and who is here.
//
// The URIs of game `g`:
// - `chess.g.white.move`, `chess.g.black.move`: registered by each player; the opponent
//   calls it to make a move (kwargs `{ from, to, promotion?, ply }`). The callee checks the
//   move with chess.js and answers `{ san, fen, ply }`, or an error URI below.
// - `chess.g.white.state`, `chess.g.black.state`: a player's position (`{ fen, history }`),
//   for an opponent or spectator who (re)joins.
// - `chess.g.moves`: every accepted move, published (and retained) by its mover with the
//   whole history, so one event is enough to catch up.
// - `chess.g.presence`: `{ color, present }` when a player joins or leaves.

import { Chess } from "chess.js";
import { connect, WampError } from "wamp-wasm";

/** The error URIs a player's move procedure answers with. */
export const ERRORS = Object.freeze({
  illegalMove: "chess.error.illegal_move",
  notYourTurn: "chess.error.not_your_turn",
  outOfSync: "chess.error.out_of_sync",
  gameOver: "chess.error.game_over",
  badMove: "chess.error.bad_move",
});

const CALL_TIMEOUT_MS = 10000;
const SQUARE = /^[a-h][1-8]$/;

/** A game name must be one URI component. */
export const GAME_NAME = /^[A-Za-z0-9_-]{1,40}$/;

export function gameUris(game) {
  return {
    move: (color) => `chess.${game}.${color}.move`,
    state: (color) => `chess.${game}.${color}.state`,
    moves: `chess.${game}.moves`,
    presence: `chess.${game}.presence`,
  };
}

export function otherColor(color) {
  return color === "white" ? "black" : "white";
}

/**
 * Emits `"change"` whenever anything shown may have changed, and `"notice"` (detail: text)
 * for things worth telling the user in passing.
 */
export class Match extends EventTarget {
  /**
   * @param {object} options
   * @param {string} options.router the router's WebSocket URL
   * @param {string} options.realm
   * @param {string} options.game
   * @param {"white"|"black"|"spectator"} options.role
   */
  constructor({ router, realm, game, role }) {
    super();
    this.router = router;
    this.realm = realm;
    this.game = game;
    this.role = role;
    this.color = role === "spectator" ? null : role;
    this.opponent = this.color && otherColor(this.color);
    this.uris = gameUris(game);
    this.chess = new Chess();
    this.lastMove = null;
    this.present = { white: false, black: false };
    this.connection = { state: "connecting", detail: router };
    /** `{ from, to }` while this player's move waits for the opponent's answer. */
    this.pending = null;
    this.session = null;
  }

  /** Connects, registers this player's procedures, subscribes, and catches up. */
  async start() {
    this.setConnection("connecting", this.router);
    let session;
    try {
      session = await connect({
        url: this.router,
        realm: this.realm,
        reconnect: { initialDelay: 250, maxDelay: 4000 },
      });
    } catch (error) {
      this.setConnection("closed", error.message);
      throw error;
    }
    this.session = session;
    session.on("open", (info) => {
      this.setConnection("open", `session ${info.sessionId}`);
      // Registrations and subscriptions are back; moves may have happened meanwhile.
      this.catchUp().then(() => this.announce(true));
    });
    session.on("close", (info) =>
      this.setConnection(info.willReconnect ? "reconnecting" : "closed", info.reason),
    );
    session.on("reconnecting", (info) =>
      this.setConnection("reconnecting", `attempt ${info.attempt}, in ${Math.round(info.delay)} ms`),
    );
    session.on("error", (error) => console.error("wamp-wasm:", error));
    this.setConnection("open", `session ${session.id}`);

    await session.subscribe(this.uris.presence, (_args, kwargs) => this.onPresence(kwargs));
    await session.subscribe(this.uris.moves, (_args, kwargs) => this.onMovePublished(kwargs), {
      getRetained: true,
    });
    if (this.color) {
      this.present[this.color] = true;
      try {
        await session.register(this.uris.move(this.color), (_args, kwargs) =>
          this.onOpponentMove(kwargs),
        );
        await session.register(this.uris.state(this.color), () => this.snapshot());
      } catch (error) {
        if (error instanceof WampError && error.uri === "wamp.error.procedure_already_exists") {
          await session.leave();
          throw new Error(`Someone already plays ${this.color} in game “${this.game}”.`);
        }
        throw error;
      }
    }
    await this.catchUp();
    if (this.color) await this.announce(true);
    this.emit("change");
  }

  /** Leaves the realm, telling the others first. */
  async stop() {
    if (!this.session) return;
    if (this.color) await this.announce(false).catch(() => {});
    await this.session.leave();
  }

  /** Whether this page may move now. */
  get myTurn() {
    return Boolean(this.color) && this.chess.turn() === this.color[0] && !this.chess.isGameOver();
  }

  /**
   * Asks the opponent to accept the move `from`-`to`; applies it here once accepted.
   * Rejects with the opponent's `WampError` (e.g. `chess.error.illegal_move`), or an `Error`
   * when it is not this player's turn.
   */
  async play(from, to, promotionChoice = "q") {
    if (!this.color) throw new Error("Spectators cannot move.");
    if (this.pending) throw new Error("Your previous move is still on its way.");
    if (this.chess.isGameOver()) throw new Error("The game is over.");
    if (!this.myTurn) throw new Error(`It is ${this.opponent}'s turn.`);
    const piece = this.chess.get(from);
    const promotion =
      piece?.type === "p" && (to[1] === "8" || to[1] === "1") ? promotionChoice : undefined;
    const ply = this.chess.history().length;
    this.pending = { from, to };
    this.emit("change");
    try {
      const result = await this.session.call(
        this.uris.move(this.opponent),
        [],
        { from, to, promotion, ply },
        { timeout: CALL_TIMEOUT_MS },
      );
      let move;
      try {
        move = this.chess.move({ from, to, promotion });
      } catch {
        // The opponent accepted what this board refuses: take the opponent's position.
        await this.catchUp();
        return;
      }
      this.lastMove = { from: move.from, to: move.to };
      if (result.value?.fen && result.value.fen !== this.chess.fen()) await this.catchUp();
      await this.publishMove(move);
    } catch (error) {
      if (error instanceof WampError) {
        if (error.uri === ERRORS.outOfSync) await this.catchUp();
        if (error.uri === "wamp.error.no_such_procedure") {
          this.present[this.opponent] = false;
          throw new WampError(error.uri, [`${capital(this.opponent)} is not in the game.`]);
        }
      }
      throw error;
    } finally {
      this.pending = null;
      this.emit("change");
    }
  }

  /** The invocation handler of this player's move procedure: the opponent moves. */
  onOpponentMove(move = {}) {
    const mover = this.opponent;
    const { from, to, promotion, ply } = move;
    if (!SQUARE.test(from) || !SQUARE.test(to)) {
      throw new WampError(ERRORS.badMove, ["A move needs `from` and `to` squares."], { from, to });
    }
    if (this.chess.isGameOver()) throw new WampError(ERRORS.gameOver, ["The game is over."]);
    if (this.chess.turn() !== mover[0]) {
      throw new WampError(ERRORS.notYourTurn, [`It is ${this.color}'s turn.`]);
    }
    const expected = this.chess.history().length;
    if (ply !== expected) {
      throw new WampError(ERRORS.outOfSync, [`Expected ply ${expected}, got ${ply}.`], {
        ply: expected,
      });
    }
    let accepted;
    try {
      accepted = this.chess.move({ from, to, promotion });
    } catch {
      this.notice(`${capital(mover)} tried ${from}–${to}: illegal, refused.`);
      throw new WampError(ERRORS.illegalMove, [`Illegal move: ${from}–${to}`], {
        from,
        to,
        fen: this.chess.fen(),
      });
    }
    this.lastMove = { from: accepted.from, to: accepted.to };
    this.present[mover] = true;
    this.emit("change");
    return { san: accepted.san, fen: this.chess.fen(), ply: this.chess.history().length };
  }

  /** What the state procedure answers. */
  snapshot() {
    return { fen: this.chess.fen(), history: this.chess.history() };
  }

  async publishMove(move) {
    const history = this.chess.history();
    await this.session
      .publish(
        this.uris.moves,
        [],
        {
          ply: history.length,
          color: this.color,
          from: move.from,
          to: move.to,
          san: move.san,
          fen: this.chess.fen(),
          history,
        },
        { retain: true, acknowledge: true },
      )
      .catch((error) => console.warn("publishing the move failed:", error));
  }

  onMovePublished(event = {}) {
    if (this.adopt(event.history)) this.emit("change");
  }

  onPresence({ color, present } = {}) {
    if ((color !== "white" && color !== "black") || color === this.color) return;
    const was = this.present[color];
    this.present[color] = Boolean(present);
    if (present && !was) this.notice(`${capital(color)} joined.`);
    if (!present && was) this.notice(`${capital(color)} left.`);
    this.emit("change");
  }

  /** Asks the players' state procedures for a longer history than this page's. */
  async catchUp() {
    const colors = this.color ? [this.opponent] : ["white", "black"];
    for (const color of colors) {
      try {
        const result = await this.session.call(this.uris.state(color), [], {}, { timeout: 5000 });
        this.present[color] = true;
        this.adopt(result.value?.history);
      } catch (error) {
        if (error instanceof WampError && error.uri === "wamp.error.no_such_procedure") {
          this.present[color] = false;
        } else {
          console.warn(`asking ${color} for the position failed:`, error);
        }
      }
    }
    this.emit("change");
  }

  /** Replays `history` (SAN moves) if it is longer than this page's; true if it did. */
  adopt(history) {
    if (!Array.isArray(history) || history.length <= this.chess.history().length) return false;
    const chess = new Chess();
    let last = null;
    try {
      for (const san of history) last = chess.move(san);
    } catch {
      console.warn("ignoring a history chess.js refuses:", history);
      return false;
    }
    this.chess = chess;
    this.lastMove = last && { from: last.from, to: last.to };
    return true;
  }

  async announce(present) {
    if (!this.session || this.session.state !== "open") return;
    await this.session.publish(this.uris.presence, [], { color: this.color, present });
  }

  setConnection(state, detail) {
    this.connection = { state, detail };
    this.emit("change");
  }

  notice(text) {
    this.dispatchEvent(new CustomEvent("notice", { detail: text }));
  }

  emit(kind) {
    this.dispatchEvent(new Event(kind));
  }
}

export function capital(word) {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

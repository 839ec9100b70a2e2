// The board view: draws a chess.js position as a grid of buttons and turns two clicks (a
// piece of your own, then a square) into a move request. It knows no WAMP and no rules
// beyond showing chess.js's legal targets as hints: the opponent decides what is legal.

const GLYPHS = { k: "♚", q: "♛", r: "♜", b: "♝", n: "♞", p: "♟" };
// U+FE0E asks for the text form of the glyph, never the emoji one.
const TEXT_STYLE = "\uFE0E";
const FILES = "abcdefgh";
const NAMES = { k: "king", q: "queen", r: "rook", b: "bishop", n: "knight", p: "pawn" };

/** The glyph of a piece, e.g. `♞` for a knight of either colour (CSS colours it). */
export function glyph(type) {
  return GLYPHS[type] + TEXT_STYLE;
}

export class BoardView {
  /**
   * @param {HTMLElement} element the (empty) board container
   * @param {object} options
   * @param {"white"|"black"} options.orientation the side shown at the bottom
   * @param {"w"|"b"|null} options.color the pieces the viewer may move (null: none)
   * @param {(from: string, to: string) => void} options.onMove a move request
   */
  constructor(element, { orientation, color, onMove }) {
    this.element = element;
    this.orientation = orientation;
    this.color = color;
    this.onMove = onMove;
    this.chess = null;
    this.lastMove = null;
    this.selected = null;
    this.enabled = false;
    this.squares = new Map();
    this.build();
    element.addEventListener("click", (event) => {
      const square = event.target.closest("[data-square]");
      if (square) this.handleClick(square.dataset.square);
    });
  }

  /** Creates the 64 squares once, in the order of the orientation. */
  build() {
    this.element.replaceChildren();
    const ranks = [8, 7, 6, 5, 4, 3, 2, 1];
    const files = [...FILES];
    if (this.orientation === "black") {
      ranks.reverse();
      files.reverse();
    }
    ranks.forEach((rank, row) => {
      files.forEach((file, column) => {
        const name = `${file}${rank}`;
        const square = document.createElement("button");
        square.type = "button";
        square.className = `square ${(FILES.indexOf(file) + rank) % 2 === 0 ? "light" : "dark"}`;
        square.dataset.square = name;
        square.setAttribute("role", "gridcell");
        const piece = document.createElement("span");
        piece.className = "piece";
        square.append(piece);
        if (column === 0) square.append(label("rank", String(rank)));
        if (row === 7) square.append(label("file", file));
        this.element.append(square);
        this.squares.set(name, square);
      });
    });
  }

  /** Shows `chess`'s position; `lastMove` is `{ from, to }` or null. */
  show(chess, lastMove) {
    this.chess = chess;
    this.lastMove = lastMove;
    this.selected = null;
    this.render();
  }

  /** Whether the viewer may pick a piece now (their turn, no move in flight). */
  setEnabled(enabled) {
    this.enabled = enabled;
    if (!enabled) this.selected = null;
    this.render();
  }

  render() {
    const chess = this.chess;
    if (!chess) return;
    const targets = new Set(
      this.selected ? chess.moves({ square: this.selected, verbose: true }).map((m) => m.to) : [],
    );
    const checked = chess.isCheck() ? kingSquare(chess, chess.turn()) : null;
    this.element.dataset.fen = chess.fen();
    this.element.classList.toggle("enabled", this.enabled);
    for (const [name, square] of this.squares) {
      const piece = chess.get(name);
      const span = square.firstChild;
      span.textContent = piece ? glyph(piece.type) : "";
      span.className = piece ? `piece ${piece.color === "w" ? "white" : "black"}` : "piece";
      square.dataset.piece = piece ? piece.color + piece.type : "";
      square.setAttribute(
        "aria-label",
        piece ? `${name} ${piece.color === "w" ? "white" : "black"} ${NAMES[piece.type]}` : name,
      );
      square.classList.toggle("selected", name === this.selected);
      square.classList.toggle("target", targets.has(name));
      square.classList.toggle("capture", targets.has(name) && Boolean(piece));
      square.classList.toggle(
        "last-move",
        Boolean(this.lastMove) && (name === this.lastMove.from || name === this.lastMove.to),
      );
      square.classList.toggle("check", name === checked);
      square.classList.toggle(
        "movable",
        this.enabled && Boolean(piece) && piece.color === this.color,
      );
    }
  }

  handleClick(name) {
    if (!this.enabled || !this.chess || !this.color) return;
    const piece = this.chess.get(name);
    const own = Boolean(piece) && piece.color === this.color;
    if (this.selected === name) {
      this.selected = null;
    } else if (own) {
      this.selected = name;
    } else if (this.selected) {
      // Any square goes: the hints are chess.js's legal moves, but the opponent's page is
      // the referee, and an illegal move gets its error back.
      const from = this.selected;
      this.selected = null;
      this.onMove(from, name);
    }
    this.render();
  }
}

function label(kind, text) {
  const span = document.createElement("span");
  span.className = `coord ${kind}`;
  span.textContent = text;
  span.setAttribute("aria-hidden", "true");
  return span;
}

function kingSquare(chess, color) {
  for (const row of chess.board()) {
    for (const cell of row) {
      if (cell && cell.type === "k" && cell.color === color) return cell.square;
    }
  }
  return null;
}

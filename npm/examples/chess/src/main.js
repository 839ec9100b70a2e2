// The page: reads `?router=ws://...&game=NAME&color=white|black|spectator[&realm=realm1]`,
// shows the lobby form when the game or colour is missing, else joins and draws the game.

import { BoardView, glyph } from "./board.js";
import { GAME_NAME, Match, capital, otherColor } from "./match.js";

const $ = (selector) => document.querySelector(selector);
const ROLES = ["white", "black", "spectator"];
const START_COUNTS = { p: 8, n: 2, b: 2, r: 2, q: 1 };

const params = new URLSearchParams(location.search);
const settings = {
  router: params.get("router") || `ws://${location.hostname || "127.0.0.1"}:8080/ws`,
  realm: params.get("realm") || "realm1",
  game: params.get("game") || "",
  role: params.get("color") || "",
};

if (GAME_NAME.test(settings.game) && ROLES.includes(settings.role)) {
  play(settings);
} else {
  showLobby(settings);
}

function showLobby({ router, game, role }) {
  const form = $("#join-form");
  form.elements.router.value = router;
  form.elements.game.value = game;
  if (ROLES.includes(role)) form.elements.color.value = role;
  $("#lobby").hidden = false;
  document.body.dataset.phase = "lobby";
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = new URLSearchParams(params);
    for (const name of ["router", "game", "color"]) next.set(name, form.elements[name].value.trim());
    location.search = next.toString();
  });
}

async function play({ router, realm, game, role }) {
  $("#game").hidden = false;
  document.body.dataset.phase = "joining";
  document.body.dataset.role = role;
  document.title = `${game} · ${role} · Chess over WAMP`;
  $("#fact-game").textContent = game;
  $("#fact-role").textContent = role === "spectator" ? "a spectator" : `playing ${role}`;
  $("#fact-router").textContent = `${router} (${realm})`;

  const match = new Match({ router, realm, game, role });
  const board = new BoardView($("#board"), {
    orientation: role === "black" ? "black" : "white",
    color: match.color && match.color[0],
    onMove: (from, to) => move(match, from, to),
  });
  const form = $("#move-form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("#move-input").value.trim().toLowerCase();
    const parsed = /^([a-h][1-8])\s*[-x ]?\s*([a-h][1-8])([qrbn])?$/.exec(text);
    if (!parsed) {
      showError(`“${text}” is not a move: write squares, like e2e4.`);
      return;
    }
    $("#move-input").value = "";
    if (parsed[3]) $("#promotion").value = parsed[3];
    move(match, parsed[1], parsed[2]);
  });

  let noticeTimer;
  match.addEventListener("notice", (event) => {
    const notice = $("#notice");
    notice.textContent = event.detail;
    notice.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => (notice.hidden = true), 6000);
  });
  match.addEventListener("change", () => render(match, board));
  addEventListener("pagehide", () => match.stop());
  render(match, board);

  try {
    await match.start();
    document.body.dataset.phase = "playing";
  } catch (error) {
    document.body.dataset.phase = "failed";
    showError(error.message, error.uri);
  }
  render(match, board);
}

async function move(match, from, to) {
  hideError();
  try {
    await match.play(from, to, $("#promotion").value);
  } catch (error) {
    showError(error.message, error.uri);
  }
}

function render(match, board) {
  const { chess } = match;
  if (board.chess !== chess || board.element.dataset.fen !== chess.fen()) {
    board.show(chess, match.lastMove);
  }
  board.setEnabled(match.connection.state === "open" && match.myTurn && !match.pending);
  $("#move-form").hidden = !match.color || chess.isGameOver();

  const connection = $("#connection");
  connection.dataset.state = match.connection.state;
  connection.querySelector(".text").textContent = connectionText(match.connection);

  const status = $("#status");
  const [text, tone] = statusText(match);
  status.textContent = text;
  status.dataset.tone = tone;

  const bottom = match.color ?? "white";
  renderPlayer($("#player-bottom"), match, bottom);
  renderPlayer($("#player-top"), match, otherColor(bottom));
  renderMoves(match);
}

function connectionText({ state, detail }) {
  switch (state) {
    case "open":
      return `connected · ${detail}`;
    case "connecting":
      return "connecting…";
    case "reconnecting":
      return `reconnecting · ${detail}`;
    default:
      return `disconnected${detail ? ` · ${detail}` : ""}`;
  }
}

/** The status line and its tone (`info`, `turn`, `alert`, `end`). */
function statusText(match) {
  const { chess } = match;
  const toMove = chess.turn() === "w" ? "white" : "black";
  if (chess.isCheckmate()) return [`Checkmate — ${capital(otherColor(toMove))} wins.`, "end"];
  if (chess.isStalemate()) return ["Stalemate — a draw.", "end"];
  if (chess.isThreefoldRepetition()) return ["Draw by threefold repetition.", "end"];
  if (chess.isInsufficientMaterial()) return ["Draw: insufficient material.", "end"];
  if (chess.isDraw()) return ["Draw by the fifty-move rule.", "end"];
  if (match.connection.state === "connecting") return ["Joining the game…", "info"];
  if (match.connection.state !== "open") return ["Connection lost — moves wait for it.", "alert"];
  const check = chess.isCheck() ? " Check!" : "";
  if (!match.color) return [`${capital(toMove)} to move.${check}`, "info"];
  if (match.pending) {
    const { from, to } = match.pending;
    return [`Sending ${from}–${to} to ${match.opponent}…`, "info"];
  }
  if (!match.present[match.opponent]) {
    return [`Waiting for ${match.opponent} to join “${match.game}”…`, "info"];
  }
  if (match.myTurn) return [`Your move.${check}`, check ? "alert" : "turn"];
  return [`${capital(toMove)} to move.${check}`, "info"];
}

function renderPlayer(element, match, color) {
  const you = color === match.color;
  const here = you || match.present[color];
  const toMove = !match.chess.isGameOver() && match.chess.turn() === color[0];
  element.dataset.color = color;
  element.classList.toggle("to-move", toMove);
  element.replaceChildren();
  const token = span("token", glyph("k"));
  token.classList.add(color);
  const name = span("name", capital(color));
  const tag = span("tag", you ? "you" : here ? "connected" : "not here");
  tag.dataset.present = String(here);
  const captured = span("captured", capturedBy(match.chess, color));
  element.append(token, name, tag, captured);
}

/** The glyphs of the pieces `color` has taken from the other side. */
function capturedBy(chess, color) {
  const victim = color === "white" ? "b" : "w";
  const counts = { p: 0, n: 0, b: 0, r: 0, q: 0 };
  for (const row of chess.board()) {
    for (const cell of row) {
      if (cell && cell.color === victim && cell.type in counts) counts[cell.type] += 1;
    }
  }
  return ["q", "r", "b", "n", "p"]
    .map((type) => glyph(type).repeat(Math.max(0, START_COUNTS[type] - counts[type])))
    .join("");
}

function renderMoves(match) {
  const list = $("#moves");
  const history = match.chess.history();
  list.replaceChildren();
  for (let ply = 0; ply < history.length; ply += 2) {
    const item = document.createElement("li");
    for (const index of [ply, ply + 1]) {
      if (index >= history.length) break;
      const san = span(index % 2 === 0 ? "san white" : "san black", history[index]);
      san.dataset.ply = String(index + 1);
      if (index === history.length - 1) san.classList.add("latest");
      item.append(san);
    }
    list.append(item);
  }
  list.scrollTop = list.scrollHeight;
}

function showError(message, uri) {
  const error = $("#error");
  error.replaceChildren(span("message", message));
  if (uri) {
    const code = document.createElement("code");
    code.textContent = uri;
    error.append(code);
  }
  error.dataset.uri = uri ?? "";
  error.hidden = false;
}

function hideError() {
  $("#error").hidden = true;
}

function span(className, text) {
  const element = document.createElement("span");
  element.className = className;
  element.textContent = text;
  return element;
}

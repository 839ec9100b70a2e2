// The chess demo (npm/examples/chess), built with Vite against the packed wamp-wasm package,
// in three browser contexts: white, black and a spectator. Each player's page registers
// `chess.<game>.<color>.move`; a move is a call of the opponent's procedure, which checks it
// with chess.js. Screenshots go to target/screenshots/.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";

import { launchChromium, newPage } from "./lib/chromium.mjs";
import { installedPackage } from "./lib/package.mjs";
import { startRouter } from "./lib/router.mjs";
import { serveStatic } from "./lib/static-server.mjs";
import { REPO_ROOT, SCREENSHOT_DIR, runCommand, within } from "./lib/util.mjs";

const CHESS_DIR = path.join(REPO_ROOT, "npm/examples/chess");
const BUILD_DIR = path.join(REPO_ROOT, "target/examples/chess");
const GAME = "test-game";
// Scholar's mate, with an illegal king move by white after 1. e4 e5.
const OPENING = [
  ["white", "e2", "e4", "e4"],
  ["black", "e7", "e5", "e5"],
];
const REST = [
  ["white", "f1", "c4", "Bc4"],
  ["black", "b8", "c6", "Nc6"],
  ["white", "d1", "h5", "Qh5"],
  ["black", "g8", "f6", "Nf6"],
  ["white", "h5", "f7", "Qxf7#"],
];

describe("chess demo: two browsers play over WAMP RPC, a third watches", () => {
  let router;
  let server;
  let browser;
  const pages = {};

  before(async () => {
    installedPackage(CHESS_DIR);
    // The production build, as a user would deploy it.
    await runCommand(
      process.execPath,
      [path.join(CHESS_DIR, "node_modules/vite/bin/vite.js"), "build", "--outDir", BUILD_DIR,
        "--emptyOutDir", "--logLevel", "warn"],
      { cwd: CHESS_DIR, ms: 120000 },
    );
    router = await startRouter();
    server = await serveStatic(BUILD_DIR);
    browser = await launchChromium();
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    const problems = router?.problems();
    await router?.stop();
    assert.equal(problems ?? null, null, "the router stayed healthy");
  });

  function pageUrl(color) {
    const query = new URLSearchParams({ router: router.wsUrl, game: GAME, color });
    return `${server.url}index.html?${query}`;
  }

  async function join(color) {
    const page = await newPage(browser, { viewport: { width: 1180, height: 800 } });
    pages[color] = page;
    await page.goto(pageUrl(color));
    await page.waitForSelector(`body[data-phase="playing"]`, { timeout: 15000 }).catch(async (error) => {
      const text = await page.locator("#error").textContent().catch(() => "");
      throw new Error(`${color} did not join: ${text}\n${page.problems.join("\n")}\n${error.message}`);
    });
    return page;
  }

  /** Opens the page with only the router in the query and joins through the form. */
  async function joinThroughLobby(color) {
    const page = await newPage(browser, { viewport: { width: 1180, height: 800 } });
    pages[color] = page;
    await page.goto(`${server.url}?${new URLSearchParams({ router: router.wsUrl })}`);
    await page.waitForSelector(`body[data-phase="lobby"]`);
    assert.equal(await page.inputValue('input[name="router"]'), router.wsUrl);
    await page.fill('input[name="game"]', GAME);
    await page.check(`input[name="color"][value="${color}"]`);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "chess-lobby.png") });
    await page.click('button[type="submit"]');
    await page.waitForSelector(`body[data-phase="playing"]`, { timeout: 15000 });
    assert.equal(new URL(page.url()).searchParams.get("color"), color);
  }

  const fen = (page) => page.locator("#board").getAttribute("data-fen");
  const moveList = (page) => page.locator("#moves .san").allTextContents();

  /** Clicks `from`, then `to` on `color`'s board. */
  async function click(color, from, to) {
    const page = pages[color];
    await page.waitForSelector("#board.enabled", { timeout: 10000 });
    await page.click(`[data-square="${from}"]`);
    await page.click(`[data-square="${to}"]`);
  }

  /** Waits until every open page shows `plies` moves and the same position. */
  async function settled(plies) {
    await within(
      (async () => {
        for (;;) {
          const lists = await Promise.all(Object.values(pages).map(moveList));
          const fens = await Promise.all(Object.values(pages).map(fen));
          if (lists.every((list) => list.length === plies) && new Set(fens).size === 1) return;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })(),
      `every board showing ${plies} moves`,
      10000,
    );
  }

  async function play(moves, done) {
    let plies = done;
    for (const [color, from, to] of moves) {
      await click(color, from, to);
      plies += 1;
      await settled(plies);
    }
    return plies;
  }

  it("plays a game, refuses an illegal move, and keeps every board in step", async () => {
    await join("white");
    await join("black");
    // Each player sees the other as present.
    await pages.white.waitForSelector(`#player-top .tag[data-present="true"]`);
    await pages.black.waitForSelector(`#player-top .tag[data-present="true"]`);
    assert.match(await pages.white.locator("#status").textContent(), /Your move/);
    assert.match(await pages.black.locator("#status").textContent(), /White to move/);

    // Picking up a piece shows where it may go; picking it again puts it back.
    await pages.white.waitForSelector("#board.enabled");
    await pages.white.click('[data-square="g1"]');
    const targets = await pages.white.locator(".square.target").evaluateAll((squares) =>
      squares.map((square) => square.dataset.square).sort(),
    );
    assert.deepEqual(targets, ["f3", "h3"]);
    await pages.white.screenshot({ path: path.join(SCREENSHOT_DIR, "chess-white-selected.png") });
    await pages.white.click('[data-square="g1"]');
    assert.equal(await pages.white.locator(".square.selected").count(), 0);

    let plies = await play(OPENING, 0);

    // A spectator joins mid-game through the lobby form, and catches up.
    await joinThroughLobby("spectator");
    await settled(plies);
    assert.deepEqual(await moveList(pages.spectator), ["e4", "e5"]);

    // White tries to jump the king two squares: black's page refuses, white's page says so,
    // and no board changes.
    const fensBefore = await Promise.all(Object.values(pages).map(fen));
    await click("white", "e1", "e3");
    await pages.white.waitForSelector("#error:not([hidden])", { timeout: 10000 });
    const errorText = await pages.white.locator("#error").textContent();
    assert.match(errorText, /chess\.error\.illegal_move/);
    assert.match(errorText, /Illegal move: e1–e3/);
    assert.equal(await pages.white.locator("#error").getAttribute("data-uri"), "chess.error.illegal_move");
    await pages.black.waitForSelector("#notice:not([hidden])");
    assert.match(await pages.black.locator("#notice").textContent(), /White tried e1–e3/);
    await pages.white.screenshot({ path: path.join(SCREENSHOT_DIR, "chess-white-illegal-move.png") });
    assert.deepEqual(await Promise.all(Object.values(pages).map(fen)), fensBefore);
    for (const page of Object.values(pages)) assert.deepEqual(await moveList(page), ["e4", "e5"]);
    assert.equal(await pages.white.locator('[data-square="e1"]').getAttribute("data-piece"), "wk");
    assert.equal(await pages.white.locator('[data-square="e3"]').getAttribute("data-piece"), "");

    // Black moving out of turn is refused locally (its board is not even clickable).
    assert.equal(await pages.black.locator("#board.enabled").count(), 0);

    // One move typed into the form instead of clicked, then the rest of the mate.
    await pages.white.fill("#move-input", "f1c4");
    await pages.white.press("#move-input", "Enter");
    plies += 1;
    await settled(plies);
    assert.equal(await pages.white.locator("#error").isHidden(), true, "the error went away");
    plies = await play(REST.slice(1), plies);

    const expected = [...OPENING, ...REST].map((move) => move[3]);
    for (const [color, page] of Object.entries(pages)) {
      assert.deepEqual(await moveList(page), expected, `${color}'s move list`);
      assert.match(await page.locator("#status").textContent(), /Checkmate — White wins/, color);
    }
    assert.equal(await pages.black.locator('[data-square="f7"]').getAttribute("data-piece"), "wq");
    assert.equal(await pages.spectator.locator(".square.check").getAttribute("data-square"), "e8");
    assert.equal(await pages.white.locator("#connection").getAttribute("data-state"), "open");

    for (const [color, page] of Object.entries(pages)) {
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, `chess-${color}.png`) });
      assert.deepEqual(page.problems, [], `${color}: no page errors`);
    }
    await Promise.all(Object.values(pages).map((page) => page.context().close()));
  });
});

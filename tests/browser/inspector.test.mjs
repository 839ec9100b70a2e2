// The inspector (inspector/, built by `cargo xtask inspector` into target/inspector/dist) end
// to end: served by a dev-router that this file starts (`--inspector-dir`), opened in
// headless Chromium, with autobahn-python peers (peers/inspector_peer.py, from tests/.venv)
// making the activity it shows. Each test opens its own inspector page (a fresh browser
// context) and starts its own peers, and stops them whatever happens; each leaves a
// screenshot in target/screenshots/e2e-*.png.

import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

import { launchChromium, newPage } from "./lib/chromium.mjs";
import { startPythonPeer, venvPython } from "./lib/python-peer.mjs";
import { exampleConfig, startRouter } from "./lib/router.mjs";
import { REPO_ROOT, SCREENSHOT_DIR } from "./lib/util.mjs";

const INSPECTOR_DIR = process.env.INSPECTOR_DIR ?? path.join(REPO_ROOT, "target/inspector/dist");
const PEER = path.join(path.dirname(fileURLToPath(import.meta.url)), "peers/inspector_peer.py");
const ERROR_URI = "com.example.error.inspector_test";
/** Per wait in the page: generous, the whole file still runs in well under a minute. */
const WAIT_MS = 10000;

function inspectorDir() {
  if (!existsSync(path.join(INSPECTOR_DIR, "index.html"))) {
    throw new Error(
      `${INSPECTOR_DIR}/index.html not found: build the inspector (\`cargo xtask inspector\`) ` +
        "or set INSPECTOR_DIR",
    );
  }
  return INSPECTOR_DIR;
}

/** The inspector's address on a router started with `--inspector-dir`. */
const inspectorUrl = (router) => `http://127.0.0.1:${router.port}/`;

describe("inspector end to end", () => {
  let router;
  let browser;
  /** What the current test started, stopped by `afterEach` in reverse order. */
  let cleanup = [];

  before(async () => {
    venvPython();
    router = await startRouter({ args: ["--inspector-dir", inspectorDir()] });
    browser = await launchChromium();
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
  });

  afterEach(async () => {
    for (const stop of cleanup.reverse()) await stop().catch(() => {});
    cleanup = [];
  });

  after(async () => {
    await browser?.close();
    const problems = router?.problems();
    await router?.stop();
    assert.equal(problems ?? null, null, "the router stayed healthy");
  });

  async function peer(prefix, target = router) {
    const started = await startPythonPeer(PEER, ["--url", target.wsUrl, "--prefix", prefix]);
    cleanup.push(() => started.stop());
    return started;
  }

  /** Opens the inspector from `target` and waits until it has joined. */
  async function openInspector(target = router, { connected = true } = {}) {
    const page = await newPage(browser, { viewport: { width: 1280, height: 800 } });
    cleanup.push(() => page.context().close());
    await page.goto(inspectorUrl(target));
    if (connected) {
      await page
        .waitForFunction(
          () => document.getElementById("connection-status")?.textContent.startsWith("Connected"),
          null,
          { timeout: WAIT_MS },
        )
        .catch(async (error) => {
          const status = await page.textContent("#connection-status").catch(() => "(none)");
          throw new Error(
            `the inspector did not connect: ${status}\n${page.problems.join("\n")}\n${error.message}`,
          );
        });
    }
    return page;
  }

  async function screenshot(page, name) {
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, `e2e-${name}.png`) });
  }

  /** Fails on errors the page logged (uncaught exceptions, console.error). */
  function assertNoProblems(page) {
    assert.deepEqual(page.problems, [], "the inspector logged no errors");
  }

  /** The trace rows in the DOM (the list is virtualized: those in view) as plain data. */
  function traceRows(page) {
    return page.$$eval(".trace-row", (rows) =>
      rows.map((row) => ({
        session: row.children[3]?.textContent.replace("you", "").trim(),
        own: row.children[3]?.querySelector(".pill") !== null,
        type: row.querySelector(".type")?.textContent.trim(),
        uri: row.children[5]?.textContent.trim(),
        summary: row.querySelector(".summary")?.textContent ?? "",
      })),
    );
  }

  /** Waits until the trace rows in view satisfy `check` (given the rows) and returns them. */
  async function traceUntil(page, check, what) {
    const deadline = Date.now() + WAIT_MS;
    let rows = [];
    while (Date.now() < deadline) {
      rows = await traceRows(page);
      if (check(rows)) return rows;
      await page.waitForTimeout(100);
    }
    throw new Error(`trace: timed out waiting for ${what}; rows:\n${JSON.stringify(rows, null, 1)}`);
  }

  it("a session appears in the sessions table and disappears when it leaves", async () => {
    const page = await openInspector();
    await page.click("#tab-sessions");
    const python = await peer("e2e.sessions");
    const row = page.locator(`#session-${python.ready.session}`);
    await row.waitFor({ state: "visible", timeout: WAIT_MS });
    assert.match(await row.textContent(), /anonymous/);
    await row.click();
    await page.waitForSelector(`.detail-head:has-text("Session ${python.ready.session}")`);
    // Its registrations and subscriptions are listed beside it.
    await page.waitForSelector('.detail .link-list button:has-text("e2e.sessions.add")');
    await page.waitForSelector('.detail .link-list button:has-text("e2e.sessions.topic")');
    // Its message counters follow its traffic (pushed by the router once a second).
    const counters = async () =>
      (await row.locator("td.num").allTextContents()).map((text) => Number(text.replace(/\D/g, "")));
    const [before] = await counters();
    for (let n = 0; n < 5; n++) {
      await python.request({ cmd: "call", procedure: "e2e.sessions.add", args: [n, 1] });
    }
    await page.waitForFunction(
      ([id, least]) => {
        const cell = document.querySelector(`#session-${id} td.num`);
        return cell && Number(cell.textContent.replace(/\D/g, "")) >= least;
      },
      [python.ready.session, before + 10],
      { timeout: WAIT_MS },
    );
    await screenshot(page, "session-appears");

    await python.request({ cmd: "leave" });
    await row.waitFor({ state: "detached", timeout: WAIT_MS });
    await page.waitForSelector('.detail :text("This session has left the realm.")');
    assertNoProblems(page);
  });

  it("a registration of another client shows, and the console calls it with the right result", async () => {
    const page = await openInspector();
    const python = await peer("e2e.call");
    await page.click("#tab-registrations");
    const row = page.locator(`#endpoint-${python.ready.registrations.add}`);
    await row.waitFor({ state: "visible", timeout: WAIT_MS });
    assert.match(await row.textContent(), /e2e\.call\.add/);
    // Selecting it shows the callee: the python peer's session.
    await row.click();
    await page.waitForSelector(`.detail :text("${python.ready.session}")`);

    await page.click("#tab-console");
    await page.click("#mode-call");
    await page.fill("#call-procedure", "e2e.call.add");
    await page.fill("#call-args", "[20, 22]");
    await page.click("#call-button");
    const result = page.locator("#call-result");
    await page.waitForSelector("#call-result .result-head.ok", { timeout: WAIT_MS });
    const text = await result.textContent();
    assert.match(text, /Result of\s*e2e\.call\.add/);
    assert.match(text, /\b42\b/);
    assert.equal(await page.locator("#call-error-uri").count(), 0);
    // The request went into the history, ready to be run again.
    assert.match(await page.textContent("#history"), /e2e\.call\.add/);
    await screenshot(page, "call-result");
    assertNoProblems(page);
  });

  it("an error result shows its URI", async () => {
    const page = await openInspector();
    await peer("e2e.error");
    await page.click("#tab-console");
    await page.click("#mode-call");
    await page.fill("#call-procedure", "e2e.error.fail");
    await page.fill("#call-args", "[]");
    await page.click("#call-button");
    const uri = page.locator("#call-error-uri");
    await uri.waitFor({ state: "visible", timeout: WAIT_MS });
    assert.equal((await uri.textContent()).trim(), ERROR_URI);
    assert.match(await page.textContent("#call-result"), /refused on purpose/);
    await screenshot(page, "call-error");

    // The router's own errors too: a procedure nobody registered.
    await page.fill("#call-procedure", "e2e.error.nobody");
    await page.click("#call-button");
    await page.waitForFunction(
      () => document.getElementById("call-error-uri")?.textContent.trim() === "wamp.error.no_such_procedure",
      null,
      { timeout: WAIT_MS },
    );
    assertNoProblems(page);
  });

  it("a publish from the console arrives at a subscriber and shows in the trace", async () => {
    const page = await openInspector();
    const python = await peer("e2e.publish");
    await page.click("#tab-console");
    await page.click("#mode-publish");
    await page.fill("#publish-topic", "e2e.publish.topic");
    await page.fill("#publish-args", '["hello from the inspector", 7]');
    await page.fill("#publish-kwargs", '{"answer": 42}');
    await page.click("#publish-button");
    const event = await python.waitFor((message) => message.event === "e2e.publish.topic", "the event");
    assert.deepEqual(event.args, ["hello from the inspector", 7]);
    assert.deepEqual(event.kwargs, { answer: 42 });

    await page.click("#tab-trace");
    // The console's PUBLISH, found by its topic.
    await page.fill("#trace-uri", "e2e.publish.topic");
    let rows = await traceUntil(
      page,
      (rows) => rows.some((row) => row.type === "PUBLISH" && row.own),
      "the console's PUBLISH",
    );
    const publish = rows.find((row) => row.type === "PUBLISH" && row.own);
    assert.equal(publish.uri, "e2e.publish.topic");
    assert.match(publish.summary, /hello from the inspector/);
    // The EVENT to the python peer, found by its session: an EVENT carries the
    // subscription's ID, not the topic (the router's URI filter does not see it; the row
    // shows the topic the inspector knows for that ID).
    await page.fill("#trace-uri", "");
    await page.fill("#trace-session", String(python.ready.session));
    rows = await traceUntil(
      page,
      (rows) => rows.some((row) => row.type === "EVENT" && /hello from the inspector/.test(row.summary)),
      "the EVENT to the python peer",
    );
    const delivered = rows.find((row) => row.type === "EVENT");
    assert.equal(delivered.uri, "e2e.publish.topic");
    // Both in one view: the Pub/Sub preset of the type filter, any session.
    await page.fill("#trace-session", "");
    await page.click("#trace-types > summary");
    await page.click('#trace-types .menu-actions button:has-text("Pub/Sub")');
    await page.click("#trace-types > summary");
    rows = await traceUntil(
      page,
      (rows) =>
        rows.some((row) => row.type === "PUBLISH" && row.own) &&
        rows.some((row) => row.type === "EVENT" && row.session === String(python.ready.session)),
      "the PUBLISH and the EVENT with the Pub/Sub preset",
    );
    for (const row of rows) assert.ok(["PUBLISH", "PUBLISHED", "EVENT"].includes(row.type), JSON.stringify(row));
    await screenshot(page, "publish-trace");
    assertNoProblems(page);
  });

  it("the trace filters by message type, URI text and session", async () => {
    const page = await openInspector();
    const python = await peer("e2e.filter");
    await page.click("#tab-trace");
    const session = String(python.ready.session);
    // Traffic of the python peer: events and calls to itself, on two different URIs.
    for (const topic of ["e2e.filter.alpha", "e2e.filter.beta"]) {
      const answer = await python.request({ cmd: "publish", topic, args: [topic] });
      assert.equal(answer.ok, true, JSON.stringify(answer));
    }
    const called = await python.request({ cmd: "call", procedure: "e2e.filter.add", args: [1, 2] });
    assert.deepEqual(called, { id: called.id, ok: true, value: 3 });

    // By URI text: only alpha.
    await page.fill("#trace-uri", "filter.alpha");
    let rows = await traceUntil(
      page,
      (rows) => rows.some((row) => row.type === "PUBLISH" && row.session === session),
      "the PUBLISH to e2e.filter.alpha",
    );
    for (const row of rows) assert.match(row.uri, /filter\.alpha/, JSON.stringify(row));

    // By type: CALL only, whatever the URI.
    await page.fill("#trace-uri", "");
    await page.click("#trace-types > summary");
    await page.check('#trace-types label:has(span.type:text-is("CALL")) input');
    await page.click("#trace-types > summary");
    rows = await traceUntil(
      page,
      (rows) => rows.some((row) => row.uri === "e2e.filter.add" && row.session === session),
      "the CALL of e2e.filter.add",
    );
    for (const row of rows) assert.equal(row.type, "CALL", JSON.stringify(row));

    // Both, and the session: the python peer's PUBLISH and CALL, nothing else.
    await page.click("#trace-types > summary");
    await page.check('#trace-types label:has(span.type:text-is("PUBLISH")) input');
    await page.click("#trace-types > summary");
    await page.fill("#trace-uri", "e2e.filter.");
    await page.fill("#trace-session", session);
    rows = await traceUntil(
      page,
      (rows) =>
        rows.length === 3 &&
        rows.every((row) => row.session === session && ["CALL", "PUBLISH"].includes(row.type)),
      "exactly the python peer's two PUBLISH and one CALL",
    );
    assert.deepEqual(
      rows.map((row) => `${row.type} ${row.uri}`).sort(),
      ["CALL e2e.filter.add", "PUBLISH e2e.filter.alpha", "PUBLISH e2e.filter.beta"],
    );
    assert.match(await page.textContent("#trace-count"), /^3 of \d+ messages/);
    await screenshot(page, "trace-filter");
    assertNoProblems(page);
  });

  it("killing a session asks first, then ends it at the router", async () => {
    const page = await openInspector();
    const python = await peer("e2e.kill");
    await page.click("#tab-sessions");
    const row = page.locator(`#session-${python.ready.session}`);
    await row.click({ timeout: WAIT_MS });
    const kill = page.locator('.detail-head button:has-text("Kill")');

    // Cancel: nothing happens.
    await kill.click();
    await page.waitForSelector("#confirm-button");
    await page.click('.dialog button:has-text("Cancel")');
    await page.waitForSelector("#confirm-button", { state: "detached" });
    await page.waitForTimeout(300);
    assert.equal(python.messages.some((message) => "left" in message), false, "still joined");
    assert.equal(await row.count(), 1);

    // Confirm: the router kills it.
    await kill.click();
    await page.waitForSelector("#confirm-button");
    assert.match(await page.textContent(".dialog"), new RegExp(`Kill session ${python.ready.session}\\?`));
    await screenshot(page, "kill-confirm");
    await page.click("#confirm-button");
    const left = await python.waitFor((message) => "left" in message, "being killed");
    assert.equal(left.left, "wamp.close.killed");
    await row.waitFor({ state: "detached", timeout: WAIT_MS });
    assertNoProblems(page);
  });

  it("against a router with authentication: refused anonymously, a notice where the meta API is denied", async () => {
    const secured = await startRouter({
      args: ["--config", exampleConfig("auth.toml"), "--inspector-dir", inspectorDir()],
    });
    cleanup.push(() => secured.stop());
    const page = await openInspector(secured, { connected: false });
    // realm1 admits no anonymous session: the connect dialog opens and says why.
    await page.waitForSelector("#connect-url", { timeout: WAIT_MS });
    await page.waitForFunction(
      () => document.getElementById("connection-status")?.textContent.startsWith("Disconnected"),
      null,
      { timeout: WAIT_MS },
    );
    // alice (frontend) may join but not use the meta API.
    await page.selectOption("#connect-auth", "ticket");
    await page.fill("#connect-authid", "alice");
    await page.fill("#connect-secret", "alice-ticket");
    await page.click("#connect-button");
    await page.waitForFunction(
      () => /^Connected.*alice \(frontend\)/.test(document.getElementById("connection-status")?.textContent ?? ""),
      null,
      { timeout: WAIT_MS },
    );
    await page.click("#tab-sessions");
    const notice = page.locator(".panel .notice").first();
    await notice.waitFor({ state: "visible", timeout: WAIT_MS });
    assert.match(await notice.textContent(), /not (authorized|allowed)|denied|permission/i);
    await screenshot(page, "auth-denied");
    // Console errors from the refused anonymous join are expected here; page errors not.
    assert.deepEqual(page.problems.filter((problem) => problem.startsWith("pageerror")), []);
  });
});

// The packed wamp-wasm tarball as users consume it, each installed with
// `npm install --no-save <tarball>` next to its committed lockfile:
// - vite-app/: a fresh Vite app; `vite build`, then the build served statically and opened
//   in headless Chromium, where it does a call round trip through a dev-router;
// - node-app/app.mjs: a Node 20 ESM program (with `ws`) doing call, register, publish and
//   subscribe against the dev-router;
// - node-app/typed.ts: `tsc --noEmit` over a typed use of the whole API (index.d.ts).
//
// Chromium, the router and the static server come from ../browser/lib (playwright-core is
// installed in tests/browser).

import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

import { launchChromium, newPage } from "../browser/lib/chromium.mjs";
import { installedPackage } from "../browser/lib/package.mjs";
import { startRouter } from "../browser/lib/router.mjs";
import { serveStatic } from "../browser/lib/static-server.mjs";
import { REPO_ROOT, runCommand } from "../browser/lib/util.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const VITE_APP = path.join(HERE, "vite-app");
const NODE_APP = path.join(HERE, "node-app");

describe("npm consumers of the packed package", () => {
  let router;

  before(async () => {
    router = await startRouter();
  });

  after(async () => {
    const problems = router?.problems();
    await router?.stop();
    assert.equal(problems ?? null, null, "the router stayed healthy");
  });

  it("a fresh Vite app builds with it and talks to the router from Chromium", async () => {
    installedPackage(VITE_APP);
    const outDir = path.join(REPO_ROOT, "target/npm-consumers/vite-app");
    await runCommand(
      process.execPath,
      [path.join(VITE_APP, "node_modules/vite/bin/vite.js"), "build", "--outDir", outDir,
        "--emptyOutDir", "--logLevel", "warn"],
      { cwd: VITE_APP, ms: 120000 },
    );
    const assets = readdirSync(path.join(outDir, "assets"));
    assert.ok(assets.some((name) => name.endsWith(".wasm")), `Vite emitted the wasm: ${assets}`);

    const server = await serveStatic(outDir);
    const browser = await launchChromium();
    try {
      const page = await newPage(browser);
      await page.goto(`${server.url}?${new URLSearchParams({ router: router.wsUrl })}`);
      await page.waitForSelector('#result:not([data-status="pending"])', { timeout: 15000 });
      const result = page.locator("#result");
      assert.equal(await result.getAttribute("data-status"), "ok", await result.textContent());
      assert.equal(await result.textContent(), "40 + 2 = 42; wamp.error.no_such_procedure");
      assert.deepEqual(page.problems, []);
    } finally {
      await browser.close();
      await server.close();
    }
  });

  it("a Node 20 ESM program calls, registers, publishes and subscribes", async () => {
    installedPackage(NODE_APP);
    const { stdout } = await runCommand(process.execPath, ["app.mjs", router.wsUrl], {
      cwd: NODE_APP,
      ms: 30000,
    });
    const summary = JSON.parse(stdout.trim().split("\n").at(-1));
    assert.deepEqual(summary, {
      serializers: ["msgpack", "cbor"],
      greeting: "hello, node",
      greetingKwargs: { procedure: "app.greet", big: String(2n ** 63n) },
      failure: { isWampError: true, uri: "app.error.nope", args: ["no"], kwargs: { reason: "test" } },
      publication: "number",
      events: [{ text: "extra!", bytes: [1, 2], kwargs: { n: 1 }, topic: "app.news" }],
      afterLeave: true,
    });
  });

  it("tsc --noEmit accepts a typed use of the whole API and refuses wrong use", async () => {
    installedPackage(NODE_APP);
    await runCommand(
      process.execPath,
      [path.join(NODE_APP, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", "tsconfig.json"],
      { cwd: NODE_APP, ms: 120000 },
    );
  });
});

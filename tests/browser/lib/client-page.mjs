// The client test page (pages/client.html) in headless Chromium, loading the installed
// package's browser build, and a way to run code in it with a timeout.

import path from "node:path";
import { fileURLToPath } from "node:url";

import { newPage } from "./chromium.mjs";
import { browserEntry, installedPackage } from "./package.mjs";
import { within } from "./util.mjs";

/** tests/browser: the static server's root (pages/ and node_modules/wamp-wasm/). */
export const BROWSER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Opens pages/client.html from `server` and waits until the package has loaded. */
export async function openClientPage(browser, server) {
  const entry = browserEntry(installedPackage(BROWSER_DIR));
  const page = await newPage(browser);
  await page.goto(`${server.url}pages/client.html?entry=${encodeURIComponent(entry)}`);
  const ready = await page
    .waitForFunction(() => document.body.dataset.ready, null, { timeout: 15000 })
    .then((handle) => handle.jsonValue());
  if (ready !== "true") {
    throw new Error(`the test page could not load wamp-wasm (${entry}):\n${page.problems.join("\n")}`);
  }
  return page;
}

/**
 * `page.evaluate(work, arg)` that fails after `ms` instead of hanging, and names the page's
 * console errors when it fails.
 */
export async function inPage(page, work, arg, ms = 20000) {
  try {
    return await within(page.evaluate(work, arg), "page.evaluate", ms);
  } catch (error) {
    if (page.problems.length) error.message += `\npage problems:\n${page.problems.join("\n")}`;
    throw error;
  }
}

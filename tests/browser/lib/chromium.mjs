// Headless Chromium through playwright-core: Debian's /usr/bin/chromium, never a download.

import { existsSync } from "node:fs";

import { chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";

/** Launches headless Chromium; close it with `browser.close()`. */
export async function launchChromium() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} not found: apt-get install -y chromium chromium-driver (or set CHROMIUM_BIN)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    timeout: 30000,
  });
}

/**
 * A new page in a new context (a separate user: own storage, own connections), with
 * default timeouts and a log of console errors and page errors (`page.problems`).
 */
export async function newPage(browser, { viewport = { width: 1200, height: 860 } } = {}) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  context.setDefaultTimeout(10000);
  const page = await context.newPage();
  page.problems = [];
  page.on("pageerror", (error) => page.problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    // Chromium itself logs every WebSocket that cannot connect; the tests cause those on
    // purpose (unreachable routers, restarts), and the client reports them through its API.
    const text = message.text();
    if (message.type() === "error" && !/^WebSocket connection to .* failed/.test(text)) {
      page.problems.push(`console.error: ${text}`);
    }
  });
  return page;
}

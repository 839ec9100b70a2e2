// The browser side of the benchmark harness (issue 6): wamp-wasm against the npm autobahn
// package (bundled here; and autobahn-browser, its prebuilt browser build) and wampy, in
// headless Chromium, against a dev-router this script starts on 127.0.0.1 (a free port) and
// stops at the end, with the static server and Chromium, also on failure.
//
//   node bench.mjs [--smoke] [--runs N] [--warmup S] [--duration S] [--in-flight N]
//                  [--window N] [--only LIB,...] [--output FILE] [--profile LIB:SERIALIZER,...]
//                  [--package DIR]
//
// Workloads, per library and serializer, in a fresh page each run: RPC calls/s with 16 calls
// in flight (one caller, one callee, in the page), then events/s received by a subscriber
// from a publisher in the page (32-byte payloads, publish without acknowledge). The runs
// go round the libraries in turn, so that a change in the machine's load touches all of
// them alike; the table shows the median, and ratios against autobahn (npm) with the same
// serializer. Then the bundle sizes (gzip -9). `--smoke` runs everything for a fraction of
// a second and checks correctness only. `cargo xtask bench --browser` runs this; see
// README.md here.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

import { chromium } from "playwright-core";

import { browserEntry, installedPackage } from "../browser/lib/package.mjs";
import { startRouter } from "../browser/lib/router.mjs";
import { serveStatic } from "../browser/lib/static-server.mjs";
import { REPO_ROOT, within } from "../browser/lib/util.mjs";
import { BENCH_DIR, buildBundles, bundleWampWasmGlue, sizeOf } from "./lib/bundles.mjs";
import { cpuSnapshot, mainThreadSeconds } from "./lib/cpu.mjs";
import { countWasmImports, importCallsPerRpc, profileRpc } from "./lib/profile.mjs";

const CHROMIUM = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";
const REALM = "realm1";
const BASELINE = "autobahn";

/** The same wamp-wasm package with another `batched` option (pages/adapters.js): the label. */
const WAMP_WASM_VARIANTS = { "wamp-wasm-unbatched": "batched: false", "wamp-wasm-batched": "batched: true" };

/** Library and serializer pairs, in the order the table shows them. */
const CONFIGS = [
  ["wamp-wasm", "json"],
  ["wamp-wasm-batched", "json"],
  ["wamp-wasm", "msgpack"],
  ["wamp-wasm-unbatched", "msgpack"],
  ["autobahn", "json"],
  ["autobahn", "msgpack"],
  ["autobahn-browser", "json"],
  ["autobahn-browser", "msgpack"],
  ["wampy", "json"],
  ["wampy", "msgpack"],
].map(([library, serializer]) => ({ library, serializer }));

function options() {
  const { values } = parseArgs({
    options: {
      smoke: { type: "boolean", default: false },
      runs: { type: "string" },
      warmup: { type: "string" },
      duration: { type: "string" },
      "in-flight": { type: "string", default: "16" },
      window: { type: "string", default: "256" },
      only: { type: "string" },
      output: { type: "string" },
      profile: { type: "string" },
      package: { type: "string" },
    },
  });
  const smoke = values.smoke;
  const number = (text, fallback) => {
    const value = Number(text ?? fallback);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`not a positive number: ${text}`);
    return value;
  };
  const only = values.only?.split(",");
  for (const name of only ?? []) {
    if (!CONFIGS.some((config) => config.library === name)) {
      throw new Error(`unknown library ${name}: ${[...new Set(CONFIGS.map((c) => c.library))]}`);
    }
  }
  return {
    smoke,
    runs: number(values.runs, smoke ? 1 : 5),
    warmupMs: number(values.warmup, smoke ? 0.05 : 1) * 1000,
    durationMs: number(values.duration, smoke ? 0.2 : 3) * 1000,
    inFlight: number(values["in-flight"]),
    windowSize: number(values.window),
    configs: CONFIGS.filter((config) => !only || only.includes(config.library)),
    output: values.output,
    profile: values.profile,
    // Another copy of the wamp-wasm package under tests/browser-bench, e.g. one whose .wasm
    // keeps its function names for --profile (README.md says how to make it).
    packageDir: values.package && path.resolve(BENCH_DIR, values.package),
  };
}

/** Headless Chromium: Debian's, never a download. */
function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    timeout: 30000,
  });
}

/** A fresh context and page on bench.html with `library` loaded; `page.problems` logs errors. */
async function openBenchPage(browser, server, library, entry, initScript) {
  const context = await browser.newContext();
  const page = await context.newPage();
  if (initScript) await page.addInitScript(initScript);
  page.problems = [];
  page.on("pageerror", (error) => page.problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") page.problems.push(`console.error: ${message.text()}`);
  });
  page.fetched = [];
  page.on("response", (response) => page.fetched.push(new URL(response.url()).pathname));
  const query = new URLSearchParams({ lib: library, entry });
  await page.goto(`${server.url}pages/bench.html?${query}`);
  const ready = await page
    .waitForFunction(() => document.body.dataset.ready, null, { timeout: 15000 })
    .then((handle) => handle.jsonValue());
  if (ready !== "true") {
    await context.close();
    throw new Error(`the page could not load ${library}: ${ready}\n${page.problems.join("\n")}`);
  }
  page.cdp = await context.newCDPSession(page);
  await page.cdp.send("Performance.enable");
  return page;
}

/**
 * `window.bench[workload](args)` in the page, bounded in time, with the CPU time it cost per
 * operation (call answered or event received, warm-up included) in µs: `cost.page` (the
 * page's main thread), `cost.browser` (every Chromium process), `cost.router`.
 */
async function inPage(page, workload, args, routerPid) {
  const ms = args.warmupMs + args.durationMs + 30000;
  try {
    const before = { ...cpuSnapshot(routerPid), page: await mainThreadSeconds(page.cdp) };
    const result = await within(
      page.evaluate(([name, input]) => window.bench[name](input), [workload, args]),
      `${workload} in the page`,
      ms,
    );
    const after = { ...cpuSnapshot(routerPid), page: await mainThreadSeconds(page.cdp) };
    const operations = workload === "rpc" ? result.answered : result.received;
    result.cost = Object.fromEntries(
      ["page", "browser", "router"].map((key) => [
        key,
        (1e6 * (after[key] - before[key])) / operations,
      ]),
    );
    return result;
  } catch (error) {
    if (page.problems.length) error.message += `\npage problems:\n${page.problems.join("\n")}`;
    throw error;
  }
}

/** What must hold after a run, whatever its speed; an empty list when all is well. */
function check(workload, result) {
  const problems = [];
  if (workload === "rpc") {
    if (result.failed) problems.push(`${result.failed} calls failed`);
    if (result.wrong) problems.push(`${result.wrong} calls answered with another call's value`);
    if (result.answered !== result.issued) {
      problems.push(`${result.issued - result.answered} of ${result.issued} calls unanswered`);
    }
    if (result.invoked !== result.issued) {
      problems.push(`callee invoked ${result.invoked} times for ${result.issued} calls`);
    }
    if (!(result.count > 0)) problems.push("no call answered in the measured window");
  } else {
    if (result.lost) problems.push(`${result.lost} of ${result.published} events lost`);
    if (result.outOfOrder) problems.push(`${result.outOfOrder} events out of order or changed`);
    if (result.failed) problems.push(`${result.failed} publishes failed`);
    if (!(result.count > 0)) problems.push("no event received in the measured window");
  }
  if (problems.length && result.firstError) problems.push(`first error: ${result.firstError}`);
  return problems;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const thousands = (value) => Math.round(value).toLocaleString("en-US");
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
const ratio = (value, base) => (base ? `${(value / base).toFixed(2)}x` : "");

function loadAverage() {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
}

/** The sizes table rows: what a browser downloads for each library, gzip -9. */
async function bundleSizes(bundles, wampWasm) {
  const glue = await bundleWampWasmGlue(wampWasm.packageDir, wampWasm.entry);
  const wasm = [...new Set(wampWasm.fetched.filter((file) => file.endsWith(".wasm")))].map(
    (pathname) => path.join(BENCH_DIR, decodeURIComponent(pathname)),
  );
  // No .wasm fetched: the package inlines its wasm into the JavaScript.
  const wasmNames = wasm.length
    ? wasm.map((file) => path.basename(file)).join(" + ")
    : "no .wasm fetched";
  return [
    {
      library: "wamp-wasm",
      what: `glue (esbuild --minify) + ${wasmNames}; JSON, MessagePack, CBOR`,
      ...(await sizeOf([glue, ...wasm])),
    },
    {
      library: "autobahn",
      what: "esbuild --minify bundle with Node polyfills; JSON, MessagePack, CBOR",
      ...(await sizeOf([bundles.autobahn])),
    },
    {
      library: "autobahn-browser",
      what: "autobahn.min.js as published; JSON, MessagePack, CBOR",
      ...(await sizeOf([path.join(BENCH_DIR, "node_modules/autobahn-browser/autobahn.min.js")])),
    },
    {
      library: "wampy",
      what: "esbuild --minify bundle; JSON only",
      ...(await sizeOf([bundles["wampy-json"]])),
    },
    {
      library: "wampy",
      what: "esbuild --minify bundle; JSON and MessagePack (msgpackr)",
      ...(await sizeOf([bundles.wampy])),
    },
  ];
}

/** The commit the work tree is at, and whether the client's sources differ from it. */
function sourceState() {
  try {
    const git = (...args) =>
      execFileSync("git", ["-C", REPO_ROOT, ...args], { encoding: "utf8" }).trim();
    const changed = git("status", "--porcelain", "--", "wamp-wasm", "wamp-proto", "npm");
    return `${git("rev-parse", "--short", "HEAD")}${changed ? ", with uncommitted changes in wamp-wasm/, wamp-proto/ or npm/" : ""}`;
  } catch {
    return "unknown";
  }
}

function versions(wampWasmDir) {
  const version = (dir) => JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")).version;
  const modules = path.join(BENCH_DIR, "node_modules");
  return {
    "wamp-wasm": version(wampWasmDir),
    ...Object.fromEntries(Object.keys(WAMP_WASM_VARIANTS).map((name) => [name, version(wampWasmDir)])),
    autobahn: version(path.join(modules, "autobahn")),
    "autobahn-browser": version(path.join(modules, "autobahn-browser")),
    wampy: version(path.join(modules, "wampy")),
  };
}

/** The whole report as Markdown. */
function report({ opts, results, sizes, meta }) {
  const lines = [];
  const out = (line = "") => lines.push(line);
  const rows = (workload) =>
    opts.configs.map((config) => {
      const runs = results.get(`${config.library}/${config.serializer}`)?.[workload] ?? [];
      const rates = runs.map((run) => run.rate);
      const cost = (key) => median(runs.map((run) => run.cost[key]));
      return {
        ...config,
        rates,
        median: rates.length ? median(rates) : NaN,
        cost: runs.length
          ? { page: cost("page"), browser: cost("browser"), router: cost("router") }
          : null,
      };
    });
  const baseline = (table, serializer) =>
    table.find((row) => row.library === BASELINE && row.serializer === serializer)?.median;
  const version = (library) =>
    library in WAMP_WASM_VARIANTS
      ? `wamp-wasm ${meta.versions[library]} (${WAMP_WASM_VARIANTS[library]})`
      : `${library} ${meta.versions[library]}`;

  out(
    `Chromium: ${meta.chromium}; ${meta.cpus} CPUs (${meta.cpuModel}); ` +
      `load average ${meta.loadBefore} before, ${meta.loadAfter} after; started ${meta.date}`,
  );
  out(`wamp-wasm: the tarball packed from the work tree at ${meta.source}.`);
  out(
    `Each figure: median of ${opts.runs} run(s) of ${opts.warmupMs / 1000} s warm-up + ` +
      `${opts.durationMs / 1000} s measured, a fresh page per run; ratios against ` +
      `${version(BASELINE)} (npm) with the same serializer.`,
  );
  out();
  for (const [workload, title, unit] of [
    ["rpc", `RPC, 1 caller with ${opts.inFlight} calls in flight, 1 callee, same page`, "calls/s"],
    [
      "events",
      `Events received, 1 publisher (at most ${opts.windowSize} under way), 1 subscriber, same page, 32-byte payload`,
      "events/s",
    ],
  ]) {
    const table = rows(workload);
    const op = workload === "rpc" ? "call" : "event";
    out(
      `| ${title} | serializer | ${unit} | runs (min-max) | vs autobahn | ` +
        `page main thread, µs/${op} | Chromium CPU, µs/${op} | router CPU, µs/${op} |`,
    );
    out("|---|---|---:|---:|---:|---:|---:|---:|");
    for (const row of table) {
      const spread = row.rates.length
        ? `${thousands(Math.min(...row.rates))}-${thousands(Math.max(...row.rates))}`
        : "";
      const note =
        workload === "events" && row.library === "wampy"
          ? " (publishes acknowledged)"
          : row.library === "wamp-wasm" && row.serializer !== "json"
            ? " (batched)"
            : "";
      out(
        `| ${version(row.library)}${note} | ${row.serializer} | ${thousands(row.median)} | ` +
          `${spread} | ${ratio(row.median, baseline(table, row.serializer))} | ` +
          (row.cost
            ? `${row.cost.page.toFixed(0)} | ${row.cost.browser.toFixed(0)} | ${row.cost.router.toFixed(0)} |`
            : " | | |"),
      );
    }
    out();
  }
  if (sizes) {
    const base = sizes.find((row) => row.library === BASELINE)?.gzip;
    out("| bundle | what the browser loads | raw | gzip -9 | vs autobahn |");
    out("|---|---|---:|---:|---:|");
    for (const row of sizes) {
      out(
        `| ${version(row.library)} | ${row.what} | ${kib(row.raw)} | ${kib(row.gzip)} | ` +
          `${ratio(row.gzip, base)} |`,
      );
    }
    out();
  }
  const rpc = rows("rpc");
  for (const [library, serializer] of [["wamp-wasm", "json"], ["wamp-wasm-batched", "json"], ["wamp-wasm", "msgpack"]]) {
    const ours = rpc.find((row) => row.library === library && row.serializer === serializer);
    const base = baseline(rpc, serializer);
    if (ours && base) {
      const factor = ours.median / base;
      out(
        `Target (issue 6), ${serializer}: ${version(library)} RPC calls/s >= 1.5x autobahn: ` +
          `${factor.toFixed(2)}x, ${factor >= 1.5 ? "met" : `missed (${(1.5 / factor).toFixed(2)}x short)`}.`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

async function main() {
  const opts = options();
  const packageDir = opts.packageDir ?? installedPackage(BENCH_DIR);
  if (path.relative(BENCH_DIR, packageDir).startsWith("..")) {
    throw new Error(
      `--package must be a directory under ${BENCH_DIR}, which the pages are served from`,
    );
  }
  const packageEntry = browserEntry(packageDir);
  const entry = path
    .relative(BENCH_DIR, path.join(packageDir, packageEntry))
    .split(path.sep)
    .join("/");
  const meta = {
    date: new Date().toISOString(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    loadBefore: loadAverage(),
    versions: versions(packageDir),
    source: sourceState(),
  };
  const bundles = await buildBundles();

  const router = await startRouter();
  let server;
  let browser;
  const problems = [];
  const results = new Map();
  let wampWasmFetched = [];
  try {
    server = await serveStatic(BENCH_DIR);
    browser = await launchChromium();
    meta.chromium = browser.version();
    console.log(`router ${router.wsUrl}, pages ${server.url}, Chromium ${meta.chromium}`);
    const workloadArgs = {
      url: router.wsUrl,
      realm: REALM,
      inFlight: opts.inFlight,
      windowSize: opts.windowSize,
      warmupMs: opts.warmupMs,
      durationMs: opts.durationMs,
    };
    for (let run = 1; run <= opts.runs; run += 1) {
      for (const config of opts.configs) {
        const key = `${config.library}/${config.serializer}`;
        const page = await openBenchPage(browser, server, config.library, entry);
        try {
          const entryResults = results.get(key) ?? { rpc: [], events: [] };
          results.set(key, entryResults);
          for (const workload of ["rpc", "events"]) {
            const result = await inPage(
              page,
              workload,
              { ...workloadArgs, serializer: config.serializer },
              router.child.pid,
            );
            const found = check(workload, result);
            for (const problem of found) problems.push(`${key} ${workload} run ${run}: ${problem}`);
            entryResults[workload].push(result);
            console.log(
              `run ${run}/${opts.runs} ${key.padEnd(24)} ${workload.padEnd(6)} ` +
                `${thousands(result.rate).padStart(8)}/s  ` +
                (workload === "rpc"
                  ? `(${result.answered}/${result.issued} answered)`
                  : `(${result.received}/${result.published} received)`) +
                `  CPU µs/op: page ${result.cost.page.toFixed(0)}, Chromium ${result.cost.browser.toFixed(0)}, ` +
                `router ${result.cost.router.toFixed(0)}` +
                (found.length ? `  PROBLEM: ${found.join("; ")}` : ""),
            );
          }
          if (page.problems.length) {
            problems.push(`${key} run ${run}: page problems:\n${page.problems.join("\n")}`);
          }
          if (config.library === "wamp-wasm") wampWasmFetched = page.fetched;
        } finally {
          await page.context().close();
        }
      }
    }

    const sizes = wampWasmFetched.length
      ? await bundleSizes(bundles, { packageDir, entry: packageEntry, fetched: wampWasmFetched })
      : null;

    for (const target of opts.profile?.split(",") ?? []) {
      const [library, serializer = "json"] = target.split(":");
      const page = await openBenchPage(browser, server, library, entry);
      try {
        const summary = await profileRpc(
          page,
          { ...workloadArgs, serializer },
          `${library}-${serializer}`,
        );
        console.log(summary);
      } finally {
        await page.context().close();
      }
      const counting = await openBenchPage(browser, server, library, entry, countWasmImports);
      try {
        const counts = await importCallsPerRpc(counting, { ...workloadArgs, serializer });
        if (counts) console.log(counts);
      } finally {
        await counting.context().close();
      }
    }

    meta.loadAfter = loadAverage();
    const text = report({ opts, results, sizes, meta });
    console.log(`\n${text}`);
    if (opts.output) {
      await mkdir(path.dirname(path.resolve(opts.output)), { recursive: true });
      await writeFile(opts.output, text);
      console.log(`written to ${opts.output}`);
    }
    const routerProblem = router.problems();
    if (routerProblem) problems.push(routerProblem);
  } catch (error) {
    const log = router.child?.output().stderr.trim().split("\n").slice(-20).join("\n");
    if (log) console.error(`last lines of the router's log:\n${log}`);
    throw error;
  } finally {
    await browser?.close().catch(() => {});
    await server?.close();
    await router.stop();
  }
  if (problems.length) {
    console.error(`\nFAILED: ${problems.length} problem(s):\n${problems.join("\n")}`);
    process.exitCode = 1;
  } else if (opts.smoke) {
    console.log("smoke: every call answered with its own value, every event received, none lost");
  }
}

main().catch((error) => {
  console.error(error?.stack ?? error);
  process.exitCode = 1;
});

// A Chrome DevTools CPU profile of one RPC run, taken through playwright's CDP session:
// where the page's main thread spends its time (wasm, each script, garbage collection,
// idle), written as a .cpuprofile that DevTools opens, and summarised as text. And, for a
// page with WebAssembly, how often the wasm calls out to JavaScript per call: every
// function it imports is wrapped with a counter (in a run of its own, after the profile,
// since the wrappers cost time themselves).

import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

import { REPO_ROOT } from "../../browser/lib/util.mjs";

const PROFILE_DIR = path.join(REPO_ROOT, "target/bench");

/** Self time in ms per profile node id, from the samples and their time deltas. */
function selfTimes(profile) {
  const times = new Map();
  profile.samples.forEach((id, index) => {
    times.set(id, (times.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000);
  });
  return times;
}

/**
 * A wasm function's Rust module, two path segments deep (`wamp_wasm::codec`,
 * `alloc::collections`), when the .wasm keeps its names; `null` for an unnamed one.
 */
function rustModule(functionName) {
  if (!functionName.includes("::")) return null;
  // `<dlmalloc[e24a...]::dlmalloc::Dlmalloc<...>>::malloc`, `wamp_wasm::codec::json::write::h3d2b...`
  const path = functionName
    .replace(/^<+/, "")
    .replace(/\[[0-9a-f]+\]/g, "")
    .split(/::|</);
  return path.slice(0, 2).join("::");
}

function category({ functionName, url }) {
  if (/^\((idle|program|garbage collector)\)$/.test(functionName)) return functionName;
  if (url.startsWith("wasm://") || url.endsWith(".wasm")) return "wasm";
  if (!url) return "(native or V8 builtins)";
  return path.basename(new URL(url, "http://x").pathname) || url;
}

/**
 * Runs `window.bench.rpc(args)` in `page` under the CPU profiler (100 µs sampling), writes
 * `target/bench/browser-profile-NAME.cpuprofile` and returns a summary: the share of time
 * per category and the functions with the most self time.
 */
export async function profileRpc(page, args, name) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
  await cdp.send("Profiler.start");
  const result = await page.evaluate((input) => window.bench.rpc(input), args);
  const { profile } = await cdp.send("Profiler.stop");
  await cdp.detach();

  await mkdir(PROFILE_DIR, { recursive: true });
  const file = path.join(PROFILE_DIR, `browser-profile-${name}.cpuprofile`);
  await writeFile(file, JSON.stringify(profile));

  const times = selfTimes(profile);
  const total = [...times.values()].reduce((sum, ms) => sum + ms, 0);
  const byCategory = new Map();
  const byFunction = new Map();
  const byModule = new Map();
  for (const node of profile.nodes) {
    const ms = times.get(node.id) ?? 0;
    if (!ms) continue;
    const group = category(node.callFrame);
    byCategory.set(group, (byCategory.get(group) ?? 0) + ms);
    const module = group === "wasm" ? rustModule(node.callFrame.functionName) : null;
    if (module) byModule.set(module, (byModule.get(module) ?? 0) + ms);
    const where = node.callFrame.url ? path.basename(node.callFrame.url) : "";
    const label = `${node.callFrame.functionName || "(anonymous)"} ${where}`.trim();
    byFunction.set(label, (byFunction.get(label) ?? 0) + ms);
  }
  const share = (ms) => `${((100 * ms) / total).toFixed(1).padStart(5)}%`;
  const top = (map, count) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([label, ms]) => `  ${share(ms)}  ${label}`);
  return [
    `profile of ${name} (rpc, ${Math.round(result.rate)} calls/s while profiled): ${file}`,
    `self time by where it runs (${(total / 1000).toFixed(1)} s sampled):`,
    ...top(byCategory, 12),
    "functions with the most self time:",
    ...top(byFunction, 25),
    ...(byModule.size
      ? ["wasm self time by Rust module (share of all sampled time):", ...top(byModule, 12)]
      : []),
  ].join("\n");
}

/**
 * A script for `page.addInitScript`: wraps every function a WebAssembly module imports
 * with a counter, `window.importCalls` (name -> calls).
 */
export function countWasmImports() {
  window.importCalls = new Map();
  const wrap = (imports) => {
    for (const functions of Object.values(imports ?? {})) {
      for (const [name, imported] of Object.entries(functions)) {
        if (typeof imported !== "function") continue;
        functions[name] = function counted(...args) {
          window.importCalls.set(name, (window.importCalls.get(name) ?? 0) + 1);
          return imported.apply(this, args);
        };
      }
    }
    return imports;
  };
  const { instantiate, instantiateStreaming } = WebAssembly;
  WebAssembly.instantiate = (source, imports) => instantiate(source, wrap(imports));
  WebAssembly.instantiateStreaming = (source, imports) =>
    instantiateStreaming(source, wrap(imports));
}

/**
 * Runs `window.bench.rpc(args)` in `page` (opened with [`countWasmImports`]) and returns
 * the calls from wasm to JavaScript per RPC call, in all and for the most frequent imports;
 * `null` when nothing was imported (a library without WebAssembly).
 */
export async function importCallsPerRpc(page, args) {
  const { answered, counts } = await page.evaluate(async (input) => {
    window.importCalls.clear();
    const result = await window.bench.rpc(input);
    return { answered: result.answered, counts: [...window.importCalls.entries()] };
  }, args);
  const total = counts.reduce((sum, [, calls]) => sum + calls, 0);
  if (!total) return null; // no WebAssembly in this library
  return [
    `calls from wasm to JavaScript per RPC call (caller and callee together, ${answered} calls): ` +
      (total / answered).toFixed(1),
    ...counts
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([name, calls]) => `  ${(calls / answered).toFixed(2).padStart(6)}  ${name}`),
  ].join("\n");
}

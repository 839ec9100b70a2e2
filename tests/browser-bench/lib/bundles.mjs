// The libraries as the benchmark page loads them, and their size as a browser would
// download them (gzip -9 of the minified bundle).
//
// - autobahn (npm, 26.x) ships CommonJS for Node only: it is bundled here with esbuild,
//   with the Node built-ins its dependencies use (Buffer, process, stream, util, events,
//   assert) replaced by their npm browser versions, as browserify does for autobahn's own
//   browser build. `autobahn-browser` is that prebuilt build (older: 22.x), loaded as is.
// - wampy is ESM: bundled with esbuild, once with its JSON serializer only (its default) and
//   once with MessagePack too.
// - wamp-wasm is loaded by the page as installed (native ES modules, the .wasm fetched by
//   its glue); its size is the glue bundled and minified by esbuild plus the .wasm files
//   the page fetched (gzip -9 each).

import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

import { build } from "esbuild";

/** tests/browser-bench: the static server's root. */
export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** Where the bundles go (gitignored). */
export const BUILD_DIR = path.join(BENCH_DIR, "build");

const SHIM_DIR = path.join(BENCH_DIR, "lib/shims");

/** Each bundle: its file under build/ and its entry source. */
const BUNDLES = {
  autobahn: {
    file: "autobahn.js",
    source: `import autobahn from "autobahn"; window.autobahn = autobahn;`,
    node: true,
  },
  "wampy-json": {
    file: "wampy-json.js",
    source: `import { Wampy } from "wampy"; window.wampy = { Wampy };`,
  },
  wampy: {
    file: "wampy.js",
    source:
      `import { Wampy } from "wampy";\n` +
      `import { JsonSerializer } from "wampy/JsonSerializer.js";\n` +
      `import { MsgpackSerializer } from "wampy/MsgpackSerializer.js";\n` +
      `window.wampy = { Wampy, JsonSerializer, MsgpackSerializer };`,
  },
};

async function bundle({ file, source, node }) {
  const outfile = path.join(BUILD_DIR, file);
  await build({
    stdin: { contents: source, resolveDir: BENCH_DIR, loader: "js" },
    bundle: true,
    minify: true,
    format: "iife",
    platform: "browser",
    target: "es2020",
    outfile,
    logLevel: "error",
    ...(node
      ? {
          define: { global: "globalThis" },
          inject: [path.join(SHIM_DIR, "node-globals.js")],
          alias: { stream: "stream-browserify", fs: path.join(SHIM_DIR, "empty.js") },
        }
      : {}),
  });
  return outfile;
}

/** Builds every bundle into build/; resolves with `{ name: absolute path }`. */
export async function buildBundles() {
  await mkdir(BUILD_DIR, { recursive: true });
  const built = {};
  for (const [name, spec] of Object.entries(BUNDLES)) built[name] = await bundle(spec);
  return built;
}

/** `{ raw, gzip }` in bytes for the files together (gzip -9 of each, summed). */
export async function sizeOf(files) {
  let raw = 0;
  let gzip = 0;
  for (const file of files) {
    const bytes = await readFile(file);
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  return { raw, gzip };
}

/**
 * wamp-wasm's JS glue as one minified ES module (its browser entry and what it imports; the
 * .wasm stays a separate file, fetched through `new URL(..., import.meta.url)`).
 */
export async function bundleWampWasmGlue(packageDir, entry) {
  await mkdir(BUILD_DIR, { recursive: true });
  const outfile = path.join(BUILD_DIR, "wamp-wasm-glue.js");
  await build({
    entryPoints: [path.join(packageDir, entry)],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2020",
    outfile,
    logLevel: "error",
  });
  return outfile;
}

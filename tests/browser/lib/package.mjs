// The packed npm package as the tests install it: `npm install --no-save <tarball>` into
// each test folder (the xtask `browser-deps` step does it; see tests/browser/README.md).

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/** `dir/node_modules/wamp-wasm`, or an error that says how to install it. */
export function installedPackage(dir) {
  const packageDir = path.join(dir, "node_modules/wamp-wasm");
  if (!existsSync(path.join(packageDir, "package.json"))) {
    throw new Error(
      `wamp-wasm is not installed in ${dir}: build the tarball (see tests/browser/README.md) ` +
        "and run `npm install --no-save <tarball>` there, or `cargo xtask test browser`",
    );
  }
  return packageDir;
}

/**
 * The file a browser loads for `import "wamp-wasm"`, relative to the package directory,
 * read from its `exports` (conditions `browser`, `import`, `default`, in that order).
 */
export function browserEntry(packageDir) {
  const manifest = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8"));
  const root = manifest.exports?.["."] ?? manifest.exports ?? manifest.browser ?? manifest.module;
  const pick = (target) => {
    if (typeof target === "string") return target;
    if (Array.isArray(target)) return target.map(pick).find(Boolean);
    if (target && typeof target === "object") {
      for (const condition of ["browser", "import", "default"]) {
        const found = condition in target ? pick(target[condition]) : undefined;
        if (found) return found;
      }
    }
    return undefined;
  };
  const entry = pick(root) ?? manifest.main;
  if (!entry) throw new Error(`no browser entry in ${packageDir}/package.json`);
  return entry.replace(/^\.\//, "");
}

import { defineConfig } from "vite";

export default defineConfig({
  // Relative asset URLs: the build works from any directory of any static server.
  base: "./",
  // The dev server's dependency pre-bundling would move wamp-wasm's JS away from its
  // `.wasm` file (which it loads with `new URL(..., import.meta.url)`); serve it as is.
  optimizeDeps: { exclude: ["wamp-wasm"] },
  build: { target: "es2022" },
});

// Timeouts, paths and child processes shared by the browser and npm-consumer tests.

import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** Where the chess test leaves its screenshots (gitignored, under target/). */
export const SCREENSHOT_DIR = path.join(REPO_ROOT, "target/screenshots");

/** Rejects after `ms` with a message naming what timed out. */
export function within(promise, what, ms = 10000) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([Promise.resolve(promise), timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Every child process a test starts is killed when the test process exits, whatever the
// reason, so that a failed assertion never leaves a router or a server behind.
const children = new Set();
function killChildren() {
  for (const child of children) child.kill("SIGKILL");
}
process.on("exit", killChildren);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    killChildren();
    process.exit(128 + (signal === "SIGINT" ? 2 : 15));
  });
}

/**
 * Spawns a child that is killed when this process exits. `stdout` and `stderr` are collected
 * on the returned object (`child.output()`), and `child.exited` resolves to `{ code, signal }`.
 */
export function spawnTracked(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
  child.exited = new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
    child.on("error", (error) => {
      children.delete(child);
      stderr += `\n${error.message}`;
      resolve({ code: null, signal: null, error });
    });
  });
  child.output = () => ({ stdout, stderr });
  return child;
}

/**
 * Runs a command to completion within `ms`; resolves with its output, rejects (with the
 * output in the message) if it fails or takes too long.
 */
export async function runCommand(command, args, { ms = 120000, ...options } = {}) {
  const child = spawnTracked(command, args, options);
  let status;
  try {
    status = await within(child.exited, `${command} ${args.join(" ")}`, ms);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  const { stdout, stderr } = child.output();
  if (status.code !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} failed (${JSON.stringify(status)})\n` +
        `--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`,
    );
  }
  return { stdout, stderr };
}

/** Stops a child: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopChild(child, graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const killer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await child.exited;
  clearTimeout(killer);
}

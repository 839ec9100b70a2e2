// CPU time of the processes a run involves, so that a rate can be told apart from its cost:
// the router, and Chromium (every process of it: browser, network service, renderers), read
// from /proc/<pid>/stat of this process's descendants; and the page's main thread, from
// Chrome DevTools' Performance.getMetrics (TaskDuration: time the renderer's main thread
// spent running tasks: script, wasm, garbage collection, message handling).

import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (100 on Linux). */
const TICKS_PER_SECOND = 100;

function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name is in parentheses and may hold spaces: fields start after ") ".
    const close = text.lastIndexOf(")");
    const fields = text.slice(close + 2).split(" ");
    return {
      comm: text.slice(text.indexOf("(") + 1, close),
      ppid: Number(fields[1]),
      cpu: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
    };
  } catch {
    return null; // gone meanwhile, or no /proc
  }
}

/** Seconds of CPU used so far by `routerPid`, and by every other descendant of this process. */
export function cpuSnapshot(routerPid) {
  const processes = new Map();
  let pids = [];
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return { router: 0, browser: 0 };
  }
  for (const pid of pids) {
    const info = stat(pid);
    if (info) processes.set(Number(pid), info);
  }
  const descends = (pid) => {
    for (let at = pid, hops = 0; at > 1 && hops < 32; hops += 1) {
      if (at === process.pid) return true;
      at = processes.get(at)?.ppid ?? 0;
    }
    return false;
  };
  const snapshot = { router: 0, browser: 0 };
  for (const [pid, info] of processes) {
    if (pid === routerPid) snapshot.router += info.cpu;
    else if (pid !== process.pid && descends(pid)) snapshot.browser += info.cpu;
  }
  return snapshot;
}

/** The page's main-thread busy time so far, in seconds (needs `Performance.enable`). */
export async function mainThreadSeconds(cdp) {
  const { metrics } = await cdp.send("Performance.getMetrics");
  return metrics.find((metric) => metric.name === "TaskDuration")?.value ?? 0;
}

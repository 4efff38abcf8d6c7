// CPU time per process, from /proc (Linux): what the fleet bench's load generator, each
// `takt serve` replica and PostgreSQL (the postmaster and every backend) spend, so a figure
// says which process a core went to. Time is user + system, threads included; a process's
// reaped children count through cutime/cstime (PostgreSQL backends that closed their
// connection), living descendants are summed.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let tickMs;
function clockTickMs() {
  if (tickMs === undefined) {
    try {
      tickMs = 1000 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
    } catch {
      tickMs = 10; // USER_HZ is 100 on every Linux in use
    }
  }
  return tickMs;
}

/** /proc/<pid>/stat fields after the command name: [state, ppid, …]; undefined when gone. */
function statFields(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Every living process's parent, read once (for the descendants of a process). */
function parents() {
  const out = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const f = statFields(name);
    if (f) out.set(Number(name), Number(f[1]));
  }
  return out;
}

/** Whether CPU time can be read here (Linux /proc). */
export const cpuReadable = (() => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
})();

/**
 * CPU ms of a process and its descendants (living ones, and reaped ones through cutime/cstime);
 * of the process alone with `tree` false (the load generator, whose children are the replicas).
 */
function treeCpuMs(pid, parentOf, tree) {
  const pids = [pid];
  for (let i = 0; tree && i < pids.length; i++) {
    for (const [child, parent] of parentOf) if (parent === pids[i]) pids.push(child);
  }
  let ticks = 0;
  for (const p of pids) {
    const f = statFields(p);
    // utime, stime, cutime, cstime are fields 14–17 of stat: 11–14 after the name.
    if (f) ticks += Number(f[11]) + Number(f[12]) + (tree ? Number(f[13]) + Number(f[14]) : 0);
  }
  return ticks * clockTickMs();
}

/**
 * CPU ms now of each named process: `{ loadgen: { pid, tree: false }, replica1: pid, postgres: pid }`
 * (a bare pid: the process with its descendants).
 */
export function cpuSnapshot(pids) {
  const parentOf = parents();
  const at = Date.now();
  const ms = {};
  for (const [name, p] of Object.entries(pids)) {
    ms[name] = typeof p === 'number' ? treeCpuMs(p, parentOf, true) : treeCpuMs(p.pid, parentOf, p.tree);
  }
  return { at, ms };
}

/**
 * What each process used between two snapshots: CPU ms, cores (CPU time over wall time) and,
 * given a count of exports, CPU ms per export. Rows in the order of the snapshot's names, then
 * their total.
 */
export function cpuBetween(before, after, exports) {
  const wall = Math.max(1, after.at - before.at);
  const rows = Object.keys(after.ms).map((name) => {
    const ms = Math.max(0, after.ms[name] - (before.ms[name] ?? 0));
    return { name, ms, cores: ms / wall, perExport: exports > 0 ? ms / exports : 0 };
  });
  const ms = rows.reduce((a, r) => a + r.ms, 0);
  rows.push({ name: 'total', ms, cores: ms / wall, perExport: exports > 0 ? ms / exports : 0 });
  return rows;
}

/** One line: `loadgen 0.31 cores 0.134 ms/export, …`. */
export function cpuLine(rows) {
  return rows.map((r) => `${r.name} ${r.cores.toFixed(2)} cores ${r.perExport.toFixed(3)} ms/export`).join(', ');
}

// What a grant entry may look like, per Deno permission: the one set of rules the dashboard's
// grant form checks before it sends, written so that the admin API can import the same file
// (plain ES module, no DOM) and refuse the same entries with the same words.

/** Deno's permission names, in the order the grant form lists them. */
export const PERMISSION_NAMES = ["read", "write", "net", "env", "run", "sys", "ffi", "import"];

/** What `sys` may name (Deno's `--allow-sys` kinds). */
export const SYS_KINDS = [
  "hostname",
  "osRelease",
  "osUptime",
  "loadavg",
  "networkInterfaces",
  "systemMemoryInfo",
  "uid",
  "gid",
  "cpus",
  "homedir",
  "statfs",
  "getPriority",
  "setPriority",
  "userInfo",
];

const HOSTNAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;
const IPV6 = /^\[[0-9a-f:.]*:[0-9a-f:.]*\]$/i;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*\*?$/;

/** Whether `entry` is `host`, `host:port` or `[ipv6]:port` with a port of 1-65535. */
function isHostPort(entry) {
  const m = /^(\[[^\]]*\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(entry);
  if (!m) return false;
  const [, host, port] = m;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return false;
  return host.startsWith("[") ? IPV6.test(host) : HOSTNAME.test(host);
}

/** Per permission: the test an entry must pass, and what it should have been. */
const RULES = {
  read: [(e) => e.startsWith("/"), "an absolute path"],
  write: [(e) => e.startsWith("/"), "an absolute path"],
  ffi: [(e) => e.startsWith("/"), "an absolute path"],
  net: [isHostPort, "host or host:port (IPv6 in brackets: [::1]:1883)"],
  import: [isHostPort, "host or host:port (IPv6 in brackets: [::1]:443)"],
  env: [(e) => ENV_NAME.test(e), "a variable name (letters, digits, _; a trailing * for a prefix)"],
  run: [(e) => !/\s/.test(e), "a program name or absolute path without spaces"],
  sys: [(e) => SYS_KINDS.includes(e), `one of ${SYS_KINDS.join(", ")}`],
};

/**
 * Why `entry` cannot be granted under permission `name`, or null when it can.
 *
 * entryProblem("net", "127.0.0.1:1883") === null
 * entryProblem("net", "::::") === 'net entry "::::" is not host or host:port (...)'
 */
export function entryProblem(name, entry) {
  const rule = RULES[name];
  if (!rule) return `Unknown permission "${name}" (known: ${PERMISSION_NAMES.join(", ")})`;
  const [ok, expected] = rule;
  if (typeof entry !== "string" || entry.trim() === "" || entry.includes("\0")) {
    return `${name} entry ${JSON.stringify(entry)} is empty or not text`;
  }
  return ok(entry) ? null : `${name} entry ${JSON.stringify(entry)} is not ${expected}`;
}

/** The entries of a narrowed list as typed: one per line or comma-separated, blanks dropped. */
export function splitEntries(text) {
  return text.split(/[\n,]/).map((s) => s.trim()).filter((s) => s !== "");
}

/**
 * Every problem of a grant object (`{net: ["host:port"], env: true, ...}`), in order; an empty
 * list means it can be sent. `true` and `false` are always well formed.
 */
export function grantProblems(grant) {
  if (grant === null || typeof grant !== "object" || Array.isArray(grant)) {
    return [`The grant must be an object, got ${JSON.stringify(grant)}`];
  }
  const problems = [];
  for (const [name, value] of Object.entries(grant)) {
    if (!PERMISSION_NAMES.includes(name)) {
      problems.push(`Unknown permission "${name}" (known: ${PERMISSION_NAMES.join(", ")})`);
    } else if (Array.isArray(value)) {
      for (const entry of value) {
        const why = entryProblem(name, entry);
        if (why) problems.push(why);
      }
    } else if (typeof value !== "boolean") {
      problems.push(`${name} must be true, false or a list, got ${JSON.stringify(value)}`);
    }
  }
  return problems;
}

/**
 * `auth_file`: authenticates users against a password file of `user:hash` lines (Mosquitto's
 * `password_file`, aMQTT's `auth.password-file`), reloaded when it changes. Hashes are
 * PBKDF2-SHA512 (`aviary passwd` writes them; Mosquitto 2's `$7$` lines are read too).
 *
 * Clients without a username are left to other plugins (ignore). An unknown user and a wrong
 * password get the same answer (0x86 Bad user name or password) after the same amount of work.
 *
 * @example
 * ```yaml
 * auth: {allow_anonymous: false, plugins: [passwords]}
 * plugins:
 *   passwords:
 *     source: auth_file
 *     permissions: {read: ["/etc/aviary/passwd"]}
 *     config: {path: /etc/aviary/passwd, superusers: [admin]}
 * ```
 *
 * @module
 */

import { definePlugin, type PluginContext } from "../../sdk/mod.ts";
import {
  DEFAULT_ITERATIONS,
  dummyHash,
  parseHash,
  type PasswordHash,
  verifyPassword,
} from "../../sdk/password.ts";
import { parsePasswordFile } from "./passwd_file.ts";

/** Config of `auth_file`. */
export interface AuthFileConfig {
  /** The password file; the operator grants `read` to exactly this path. */
  path: string;
  /** Seconds between checks for a changed file; 0 = never reload. */
  reload_interval: number;
  /** Users allowed with `superuser: true` (topic plugins let them bypass checks). */
  superusers: string[];
}

interface FileState {
  users: Map<string, PasswordHash | null>;
  dummy: PasswordHash;
  /** mtime + size of the version loaded. */
  version: string;
  timer?: ReturnType<typeof setInterval>;
}

// One entry per alias: an in-process (isolation: none) module is shared by its aliases.
const states = new Map<string, FileState>();
const BAD_CREDENTIALS = {
  result: "deny",
  reasonCode: 0x86,
  reason: "Bad user name or password",
} as const;

async function fileVersion(path: string): Promise<string> {
  const info = await Deno.stat(path);
  return `${info.mtime?.getTime() ?? 0}:${info.size}`;
}

async function load(ctx: PluginContext<AuthFileConfig>, previous?: FileState): Promise<FileState> {
  const { path } = ctx.config;
  const version = await fileVersion(path);
  const file = parsePasswordFile(await Deno.readTextFile(path));
  for (const p of file.problems) ctx.log.warn("Password file line skipped", { path, ...p });
  const users = new Map<string, PasswordHash | null>();
  for (const [user, text] of file.users) {
    const hash = parseHash(text);
    if (!hash) ctx.log.warn("Password hash format not supported, user denied", { path, user });
    users.set(user, hash);
  }
  const first = [...users.values()].find((h) => h !== null);
  const iterations = first?.iterations ?? DEFAULT_ITERATIONS;
  const dummy = previous?.dummy.iterations === iterations
    ? previous.dummy
    : await dummyHash(iterations);
  return { users, dummy, version, timer: previous?.timer };
}

async function reload(ctx: PluginContext<AuthFileConfig>): Promise<void> {
  const state = states.get(ctx.alias);
  if (!state) return;
  try {
    if (await fileVersion(ctx.config.path) === state.version) return;
    const next = await load(ctx, state);
    states.set(ctx.alias, next);
    ctx.log.info("Password file reloaded", { path: ctx.config.path, users: next.users.size });
  } catch (err) {
    ctx.log.error("Password file reload failed, keeping the previous users", {
      path: ctx.config.path,
      error: (err as Error).message,
    });
  }
}

/** The `auth_file` plugin. */
export default definePlugin<AuthFileConfig>({
  name: "auth_file",
  version: "1.0.0",
  description: "Users and PBKDF2-SHA512 password hashes from a file, reloaded on change",
  // Unscoped: the operator scopes it to the password file (`read: ["/etc/aviary/passwd"]`).
  permissions: { read: true },
  config: {
    schema: {
      type: "record",
      name: "AuthFileConfig",
      fields: [
        { name: "path", type: "string" },
        { name: "reload_interval", type: "double", default: 2 },
        { name: "superusers", type: { type: "array", items: "string" }, default: [] },
      ],
    },
    defaults: { path: "", reload_interval: 2, superusers: [] },
  },
  async setup(ctx) {
    if (ctx.config.path === "") throw new TypeError('config field "path" is required');
    const state = await load(ctx);
    states.set(ctx.alias, state);
    ctx.log.info("Password file loaded", { path: ctx.config.path, users: state.users.size });
    if (ctx.config.reload_interval > 0) {
      state.timer = setInterval(() => reload(ctx), ctx.config.reload_interval * 1000);
    }
  },
  stop(ctx) {
    clearInterval(states.get(ctx.alias)?.timer);
    states.delete(ctx.alias);
  },
  hooks: {
    "client.authenticate": async ({ client, password }, ctx) => {
      if (client.username === null) return { result: "ignore" };
      const state = states.get(ctx.alias);
      if (!state) return BAD_CREDENTIALS;
      const stored = state.users.get(client.username);
      const given = password ?? new Uint8Array();
      const ok = await verifyPassword(given, stored ?? state.dummy) && stored != null;
      if (!ok) return BAD_CREDENTIALS;
      return ctx.config.superusers.includes(client.username)
        ? { result: "allow", superuser: true }
        : { result: "allow" };
    },
  },
});

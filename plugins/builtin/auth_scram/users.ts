/**
 * Where `auth_scram` finds its users: the config's `users` map and the `user:verifier` lines of
 * an optional file; and the stand-in verifier an unknown user gets.
 *
 * @module
 */
import type { ScramVerifier } from "./scram.ts";

/** User name -> verifier. */
export type ScramUsers = Map<string, ScramVerifier>;

/**
 * Reads the users of `config` (file lines first, the config's map over them). A verifier that does
 * not parse is reported through `skip` and its user left out (refused like an unknown one).
 *
 * @example
 * ```ts
 * import { loadUsers } from "./users.ts";
 * import { parseVerifier } from "./scram.ts";
 * const skipped: string[] = [];
 * const users = await loadUsers({ users: { bob: "nonsense" }, path: "" }, parseVerifier, (u) => skipped.push(u));
 * if (users.size !== 0 || skipped[0] !== "bob") throw new Error("a bad verifier was kept");
 * ```
 */
export async function loadUsers(
  config: { users: Record<string, string>; path: string },
  parse: (text: string) => ScramVerifier,
  skip: (user: string, problem: string) => void,
): Promise<ScramUsers> {
  const entries: [string, string][] = [];
  if (config.path !== "") {
    for (const line of (await Deno.readTextFile(config.path)).split(/\r?\n/)) {
      const t = line.trim();
      if (t === "" || t.startsWith("#")) continue;
      const at = t.indexOf(":");
      if (at <= 0) skip(t.slice(0, 20), "line is not user:verifier");
      else entries.push([t.slice(0, at), t.slice(at + 1)]);
    }
  }
  entries.push(...Object.entries(config.users));
  const users: ScramUsers = new Map();
  for (const [user, text] of entries) {
    try {
      users.set(user, parse(text));
    } catch (err) {
      skip(user, (err as Error).message);
    }
  }
  return users;
}

/** Key for the stand-in salts (one per process: the same user gets the same salt meanwhile). */
const secret = crypto.getRandomValues(new Uint8Array(32));

/**
 * The verifier an unknown user is challenged with: a salt derived from the name, keys that match
 * no password. Its server-first message looks like a real user's.
 */
export async function unknownUser(user: string): Promise<ScramVerifier> {
  const key = await crypto.subtle.importKey(
    "raw",
    secret,
    { name: "HMAC", hash: "SHA-256" },
    false,
    [
      "sign",
    ],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(user)));
  return {
    iterations: 4096,
    salt: mac.slice(0, 16),
    storedKey: crypto.getRandomValues(new Uint8Array(32)),
    serverKey: crypto.getRandomValues(new Uint8Array(32)),
  };
}

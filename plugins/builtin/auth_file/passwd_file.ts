/**
 * The password file: one `user:hash` line per user (Mosquitto's and aMQTT's format). Blank lines
 * and lines starting with `#` are ignored. Shared by the `auth_file` plugin and `aviary passwd`.
 *
 * @module
 */

/** A parsed password file: users in file order, plus the lines that could not be read. */
export interface PasswordFile {
  users: Map<string, string>;
  problems: { line: number; message: string }[];
}

/**
 * Parses password file text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePasswordFile } from "./passwd_file.ts";
 * const f = parsePasswordFile("# users\nalice:$7$101$c2FsdA==$aGFzaA==\nbroken\n");
 * assert.deepEqual([...f.users.keys()], ["alice"]);
 * assert.equal(f.problems[0].line, 3);
 * ```
 */
export function parsePasswordFile(text: string): PasswordFile {
  const users = new Map<string, string>();
  const problems: PasswordFile["problems"] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const colon = line.indexOf(":");
    if (colon <= 0 || colon === line.length - 1) {
      problems.push({ line: i + 1, message: "expected user:hash" });
      return;
    }
    const user = line.slice(0, colon);
    if (users.has(user)) problems.push({ line: i + 1, message: `duplicate user "${user}"` });
    users.set(user, line.slice(colon + 1));
  });
  return { users, problems };
}

/**
 * Writes users back as password file text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatPasswordFile } from "./passwd_file.ts";
 * assert.equal(formatPasswordFile(new Map([["alice", "$7$1$a$b"]])), "alice:$7$1$a$b\n");
 * ```
 */
export function formatPasswordFile(users: Map<string, string>): string {
  return [...users].map(([user, hash]) => `${user}:${hash}\n`).join("");
}

/**
 * Why a username cannot go into the file, or null when it can.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkUsername } from "./passwd_file.ts";
 * assert.equal(checkUsername("a:b"), 'username must not contain ":"');
 * ```
 */
export function checkUsername(user: string): string | null {
  if (user === "") return "username must not be empty";
  if (user.includes(":")) return 'username must not contain ":"';
  if (/[\r\n]/.test(user)) return "username must not contain a line break";
  if (user.trim() !== user || user.startsWith("#")) {
    return "username must not start with # or have surrounding spaces";
  }
  return null;
}

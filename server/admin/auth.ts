/**
 * Admin credentials, hashed the same way as `auth_file` passwords (one implementation:
 * `plugins/sdk/password.ts`): `$pbkdf2-sha512$i=<iterations>$<salt>$<hash>`; and the
 * check of a request's `Authorization` header (basic auth with a user or an API key, or
 * `Bearer <key_id>:<secret>`).
 *
 * @module
 */

import {
  DEFAULT_ITERATIONS,
  hashPassword,
  parseHash,
  verifyPassword,
} from "../../plugins/sdk/password.ts";
import type { AdminConfig } from "../config/types.ts";

export { DEFAULT_ITERATIONS };

/**
 * Hashes a password or API secret for the config file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hashSecret, verifySecret } from "./auth.ts";
 * const hash = await hashSecret("s3cret", 1000);
 * assert.ok(hash.startsWith("$pbkdf2-sha512$i=1000$"));
 * assert.equal(await verifySecret("s3cret", hash), true);
 * ```
 */
export function hashSecret(secret: string, iterations = DEFAULT_ITERATIONS): Promise<string> {
  return hashPassword(secret, iterations);
}

/** Checks a secret against a stored hash in constant time; false for a malformed hash. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  return parsed !== null && await verifyPassword(new TextEncoder().encode(secret), parsed);
}

/** Who made a request. */
export interface Principal {
  kind: "user" | "api_key";
  name: string;
}

/**
 * Checks `Authorization` headers against the configured users and API keys. Successful checks are
 * remembered for a minute (PBKDF2 is slow on purpose; the dashboard polls every second).
 *
 * @example
 * ```ts ignore
 * const auth = new AdminAuth(config.admin);
 * const who = await auth.check(req.headers.get("authorization"));
 * ```
 */
export class AdminAuth {
  #config: Pick<AdminConfig, "users" | "api_keys">;
  /** Checked headers, each with the credential lists it was checked against (a reload drops it). */
  #cache = new Map<string, { who: Principal; until: number; lists: readonly unknown[] }>();

  constructor(config: Pick<AdminConfig, "users" | "api_keys">) {
    this.#config = config;
  }

  /** Whether any credential is configured. */
  get configured(): boolean {
    return this.#config.users.length > 0 || this.#config.api_keys.length > 0;
  }

  /** The principal, or null when the header is missing or wrong. */
  async check(header: string | null): Promise<Principal | null> {
    if (!header) return null;
    const lists = [this.#config.users, this.#config.api_keys] as const;
    const cached = this.#cache.get(header);
    const current = cached?.lists[0] === lists[0] && cached?.lists[1] === lists[1];
    if (cached && current && cached.until > Date.now()) return cached.who;
    const who = await this.#verify(header);
    if (who) {
      if (this.#cache.size > 1000) this.#cache.clear();
      this.#cache.set(header, { who, until: Date.now() + 60_000, lists });
    }
    return who;
  }

  async #verify(header: string): Promise<Principal | null> {
    const [scheme, token = ""] = header.split(" ", 2);
    let id: string, secret: string;
    if (/^basic$/i.test(scheme)) {
      let text: string;
      try {
        text = new TextDecoder().decode(Uint8Array.from(atob(token), (c) => c.charCodeAt(0)));
      } catch {
        return null;
      }
      [id, secret] = [text.slice(0, text.indexOf(":")), text.slice(text.indexOf(":") + 1)];
      if (!text.includes(":")) return null;
    } else if (/^bearer$/i.test(scheme) && token.includes(":")) {
      [id, secret] = [token.slice(0, token.indexOf(":")), token.slice(token.indexOf(":") + 1)];
    } else return null;
    const user = this.#config.users.find((u) => u.username === id);
    if (user && /^basic$/i.test(scheme) && await verifySecret(secret, user.password_hash)) {
      return { kind: "user", name: id };
    }
    const key = this.#config.api_keys.find((k) => k.key_id === id);
    if (key && await verifySecret(secret, key.secret_hash)) return { kind: "api_key", name: id };
    return null;
  }
}

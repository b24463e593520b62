/**
 * Admin credentials: PBKDF2-SHA512 hashes (WebCrypto) in the form
 * `pbkdf2-sha512$<iterations>$<salt base64>$<hash base64>`, and the check of a request's
 * `Authorization` header (basic auth with a user or an API key, or `Bearer <key_id>:<secret>`).
 *
 * @module
 */

import type { AdminConfig } from "../config/types.ts";

/** Iterations used by {@linkcode hashSecret} unless told otherwise (OWASP 2023, SHA-512). */
export const DEFAULT_ITERATIONS = 210_000;

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unb64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

async function derive(secret: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-512", salt: salt as Uint8Array<ArrayBuffer>, iterations },
    key,
    512,
  );
  return new Uint8Array(bits);
}

/**
 * Hashes a password or API secret for the config file.
 *
 * @example
 * ```ts
 * import { hashSecret, verifySecret } from "./auth.ts";
 * const hash = await hashSecret("s3cret", 1000);
 * console.log(hash.startsWith("pbkdf2-sha512$1000$"), await verifySecret("s3cret", hash)); // true true
 * ```
 */
export async function hashSecret(secret: string, iterations = DEFAULT_ITERATIONS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return `pbkdf2-sha512$${iterations}$${b64(salt)}$${b64(await derive(secret, salt, iterations))}`;
}

/** Checks a secret against a stored hash in constant time; false for a malformed hash. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, iter, salt, hash] = stored.split("$");
  const iterations = Number(iter);
  if (scheme !== "pbkdf2-sha512" || !Number.isInteger(iterations) || !salt || !hash) return false;
  let want: Uint8Array;
  try {
    want = unb64(hash);
  } catch {
    return false;
  }
  const got = await derive(secret, unb64(salt), iterations);
  let diff = got.length ^ want.length;
  for (let i = 0; i < got.length; i++) diff |= got[i] ^ (want[i] ?? 0);
  return diff === 0;
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
  #cache = new Map<string, { who: Principal; until: number }>();

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
    const cached = this.#cache.get(header);
    if (cached && cached.until > Date.now()) return cached.who;
    const who = await this.#verify(header);
    if (who) {
      if (this.#cache.size > 1000) this.#cache.clear();
      this.#cache.set(header, { who, until: Date.now() + 60_000 });
    }
    return who;
  }

  async #verify(header: string): Promise<Principal | null> {
    const [scheme, token = ""] = header.split(" ", 2);
    let id: string, secret: string;
    if (/^basic$/i.test(scheme)) {
      let text: string;
      try {
        text = new TextDecoder().decode(unb64(token));
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

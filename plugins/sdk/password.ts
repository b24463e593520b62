/**
 * Password hashes of the password file: PBKDF2-SHA512 through WebCrypto, in Aviary's
 * self-describing format `$pbkdf2-sha512$i=<iterations>$<salt b64>$<hash b64>`, and Mosquitto 2's
 * `$7$<iterations>$<salt b64>$<hash b64>` (the same algorithm, written by `mosquitto_passwd`).
 *
 * @module
 */

/** Iterations of new hashes (OWASP 2023 guidance for PBKDF2-HMAC-SHA512). */
export const DEFAULT_ITERATIONS = 210_000;

const SALT_BYTES = 16;
const HASH_BYTES = 64;
const encoder = new TextEncoder();

/** A parsed hash string. */
export interface PasswordHash {
  scheme: "pbkdf2-sha512" | "7";
  iterations: number;
  salt: Uint8Array;
  hash: Uint8Array;
}

function toBase64(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

function fromBase64(text: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

async function pbkdf2(
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  bytes: number,
): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey(
    "raw",
    password as Uint8Array<ArrayBuffer>,
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-512", salt: salt as Uint8Array<ArrayBuffer>, iterations },
    key,
    bytes * 8,
  );
  return new Uint8Array(bits);
}

/**
 * Hashes a password with a fresh random salt.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hashPassword } from "./password.ts";
 * const h = await hashPassword("secret", 1000);
 * assert.ok(h.startsWith("$pbkdf2-sha512$i=1000$"));
 * ```
 */
export async function hashPassword(
  password: string,
  iterations: number = DEFAULT_ITERATIONS,
): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await pbkdf2(encoder.encode(password), salt, iterations, HASH_BYTES);
  return `$pbkdf2-sha512$i=${iterations}$${toBase64(salt)}$${toBase64(hash)}`;
}

/**
 * Parses a hash string; null when it is in no supported format.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHash } from "./password.ts";
 * assert.equal(parseHash("$7$101$c2FsdA==$aGFzaA==")?.iterations, 101);
 * assert.equal(parseHash("plain"), null);
 * ```
 */
export function parseHash(text: string): PasswordHash | null {
  const parts = text.split("$");
  if (parts.length !== 5 || parts[0] !== "") return null;
  const [, scheme, rounds, saltText, hashText] = parts;
  let iterations: number;
  if (scheme === "pbkdf2-sha512" && rounds.startsWith("i=")) iterations = Number(rounds.slice(2));
  else if (scheme === "7") iterations = Number(rounds);
  else return null;
  if (!Number.isSafeInteger(iterations) || iterations < 1) return null;
  const salt = fromBase64(saltText);
  const hash = fromBase64(hashText);
  if (!salt || !hash || salt.length === 0 || hash.length === 0) return null;
  return { scheme, iterations, salt, hash };
}

/**
 * Whether two byte strings are equal, in time that depends only on their lengths.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { timingSafeEqual } from "./password.ts";
 * assert.equal(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2])), true);
 * assert.equal(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3])), false);
 * ```
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a[i % (a.length || 1)] ?? 0) ^ (b[i % (b.length || 1)] ?? 0);
  return diff === 0;
}

/**
 * Checks `password` against a parsed hash (timing-safe comparison of the derived key).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hashPassword, parseHash, verifyPassword } from "./password.ts";
 * const h = parseHash(await hashPassword("secret", 1000))!;
 * assert.equal(await verifyPassword(new TextEncoder().encode("secret"), h), true);
 * assert.equal(await verifyPassword(new TextEncoder().encode("guess"), h), false);
 * ```
 */
export async function verifyPassword(password: Uint8Array, stored: PasswordHash): Promise<boolean> {
  const derived = await pbkdf2(password, stored.salt, stored.iterations, stored.hash.length);
  return timingSafeEqual(derived, stored.hash);
}

/** A hash of a random password, verified for unknown users so they cost the same time. */
export async function dummyHash(iterations: number = DEFAULT_ITERATIONS): Promise<PasswordHash> {
  return parseHash(await hashPassword(crypto.randomUUID(), iterations))!;
}

/**
 * SCRAM-SHA-256 (RFC 5802, RFC 7677), server side: the stored verifier (PostgreSQL's text form
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, base64), the server-first message,
 * and the check of the client-final proof. Channel binding is not supported (`n,,` / `y,,` only).
 * Pure functions over Web Crypto; no state.
 *
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** What the server keeps per user: never the password. */
export interface ScramVerifier {
  iterations: number;
  salt: Uint8Array;
  storedKey: Uint8Array;
  serverKey: Uint8Array;
}

/** A SCRAM message or verifier that does not follow RFC 5802. */
export class ScramError extends Error {
  override name = "ScramError";
}

const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
function unb64(s: string, what: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) {
    throw new ScramError(`${what} is not base64: ${JSON.stringify(s.slice(0, 40))}`);
  }
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

async function hmac(key: Uint8Array, data: Uint8Array | string): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey(
    "raw",
    key as Uint8Array<ArrayBuffer>,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, bytes as Uint8Array<ArrayBuffer>));
}

async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>));
}

/** Constant-time comparison of two byte strings. */
function same(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/**
 * The verifier of `password` (SaltedPassword = PBKDF2-HMAC-SHA-256; StoredKey = H(ClientKey)).
 *
 * @example
 * ```ts
 * import { formatVerifier, makeVerifier } from "./scram.ts";
 * const salt = Uint8Array.from(atob("W22ZaJ0SNY7soEsUEjb6gQ=="), (c) => c.charCodeAt(0));
 * const v = await makeVerifier("pencil", { salt, iterations: 4096 });
 * if (!formatVerifier(v).startsWith("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$")) {
 *   throw new Error("not PostgreSQL's form");
 * }
 * ```
 */
export async function makeVerifier(
  password: string,
  opts: { salt?: Uint8Array; iterations?: number } = {},
): Promise<ScramVerifier> {
  const salt = opts.salt ?? crypto.getRandomValues(new Uint8Array(16));
  const iterations = opts.iterations ?? 4096;
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, [
    "deriveBits",
  ]);
  const salted = new Uint8Array(
    await crypto.subtle.deriveBits(
      { name: "PBKDF2", hash: "SHA-256", salt: salt as Uint8Array<ArrayBuffer>, iterations },
      key,
      256,
    ),
  );
  const storedKey = await sha256(await hmac(salted, "Client Key"));
  return { iterations, salt, storedKey, serverKey: await hmac(salted, "Server Key") };
}

/** The verifier in PostgreSQL's text form. */
export function formatVerifier(v: ScramVerifier): string {
  return `SCRAM-SHA-256$${v.iterations}:${b64(v.salt)}$${b64(v.storedKey)}:${b64(v.serverKey)}`;
}

/**
 * Reads a verifier in PostgreSQL's text form; throws {@linkcode ScramError} naming what is wrong.
 *
 * @example
 * ```ts
 * import { parseVerifier } from "./scram.ts";
 * let message = "";
 * try { parseVerifier("SCRAM-SHA-1$1:AA==$AA==:AA=="); } catch (e) { message = (e as Error).message; }
 * if (!message.startsWith("Verifier does not start with SCRAM-SHA-256$")) throw new Error(message);
 * ```
 */
export function parseVerifier(text: string): ScramVerifier {
  const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(text.trim());
  if (!m) {
    throw new ScramError(
      "Verifier does not start with SCRAM-SHA-256$ or is not <iterations>:<salt>$<StoredKey>:<ServerKey>",
    );
  }
  const iterations = Number(m[1]);
  if (!Number.isSafeInteger(iterations) || iterations < 1) {
    throw new ScramError(`Verifier iteration count ${m[1]} is not a positive integer`);
  }
  const storedKey = unb64(m[3], "StoredKey"), serverKey = unb64(m[4], "ServerKey");
  if (storedKey.length !== 32 || serverKey.length !== 32) {
    throw new ScramError("Verifier keys must be 32 bytes (SHA-256)");
  }
  return { iterations, salt: unb64(m[2], "Salt"), storedKey, serverKey };
}

/** The `a=value` attributes of a SCRAM message, in order; throws on a malformed one. */
function attributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(",")) {
    if (!/^[a-zA-Z]=/.test(part)) throw new ScramError(`Malformed SCRAM attribute "${part}"`);
    if (out.has(part[0])) throw new ScramError(`SCRAM attribute ${part[0]} given twice`);
    out.set(part[0], part.slice(2));
  }
  return out;
}

/** The client-first message, read. */
export interface ClientFirst {
  /** The user name, `=2C` / `=3D` decoded. */
  user: string;
  nonce: string;
  /** The message without its GS2 header: part of the AuthMessage. */
  bare: string;
}

/**
 * Reads the client-first message `n,,n=<user>,r=<nonce>` (no channel binding, no authzid).
 *
 * @example
 * ```ts
 * import { readClientFirst } from "./scram.ts";
 * const first = readClientFirst(new TextEncoder().encode("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
 * if (first.user !== "user" || first.bare !== "n=user,r=rOprNGfwEbeRWgbNEkqO") throw new Error();
 * ```
 */
export function readClientFirst(data: Uint8Array): ClientFirst {
  const text = decoder.decode(data);
  const header = /^[ny],,/.exec(text);
  if (!header) {
    throw new ScramError("Client-first message must start with n,, (no channel binding)");
  }
  const bare = text.slice(header[0].length);
  const a = attributes(bare);
  const user = a.get("n"), nonce = a.get("r");
  if (user === undefined || nonce === undefined || [...a.keys()].join("") !== "nr") {
    throw new ScramError("Client-first message must be n=<user>,r=<nonce>");
  }
  if (!/^[\x21-\x2b\x2d-\x7e]+$/.test(nonce)) throw new ScramError("Client nonce is not printable");
  if (/=(?!2C|3D)/.test(user)) throw new ScramError("User name has an = not followed by 2C or 3D");
  return { user: user.replaceAll("=2C", ",").replaceAll("=3D", "="), nonce, bare };
}

/** The server-first message for `first`, with the server's part of the nonce `serverNonce`. */
export function serverFirst(first: ClientFirst, serverNonce: string, v: ScramVerifier): string {
  return `r=${first.nonce}${serverNonce},s=${b64(v.salt)},i=${v.iterations}`;
}

/**
 * Checks the client-final message against the exchange so far. Returns the server-final message
 * (`v=<ServerSignature>`) when the proof is right, null when it is wrong; throws
 * {@linkcode ScramError} when the message is malformed, binds a channel, or its nonce is not the
 * one the server sent (a tampered or replayed message).
 */
export async function checkClientFinal(
  data: Uint8Array,
  exchange: { clientFirstBare: string; serverFirst: string; nonce: string },
  v: ScramVerifier,
): Promise<string | null> {
  const text = decoder.decode(data);
  const at = text.lastIndexOf(",p=");
  if (at < 0) throw new ScramError("Client-final message has no proof (p=)");
  const withoutProof = text.slice(0, at);
  const a = attributes(withoutProof);
  if (a.get("c") !== "biws" && a.get("c") !== "eSws") {
    throw new ScramError("Client-final message binds a channel (c= must be n,, or y,,)");
  }
  if (a.get("r") !== exchange.nonce) throw new ScramError("Client-final nonce is not the server's");
  const proof = unb64(text.slice(at + 3), "Client proof");
  const authMessage = `${exchange.clientFirstBare},${exchange.serverFirst},${withoutProof}`;
  const signature = await hmac(v.storedKey, authMessage);
  const clientKey = proof.map((b, i) => b ^ (signature[i] ?? 0));
  if (proof.length !== 32 || !same(await sha256(clientKey), v.storedKey)) return null;
  return `v=${b64(await hmac(v.serverKey, authMessage))}`;
}

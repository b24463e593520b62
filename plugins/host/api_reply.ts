/**
 * The one entry point where a plugin endpoint's answer ({@linkcode ApiReply}, plain data from
 * the cage) becomes an HTTP response of the admin API. Everything in it is untrusted: the status
 * must be an integer 200..599 (what a web `Response` can carry; 204, 205 and 304 without a body),
 * at most {@linkcode MAX_HEADERS} headers with token names and values without control characters,
 * none of them hop-by-hop, a cookie, an authentication challenge or a CORS grant, and a body of at
 * most {@linkcode PLUGIN_API_MAX_BODY_BYTES}. A refusal is a `TypeError` naming what failed, which
 * the admin API answers as 502.
 *
 * The response always carries `Content-Security-Policy: sandbox` and `nosniff`: a page a plugin
 * serves on the admin's origin runs in an opaque origin and cannot drive the admin API with the
 * operator's session.
 *
 * @module
 */

import { PLUGIN_API_MAX_BODY_BYTES } from "../sdk/api.ts";
import { kind } from "./context_params.ts";
import type { ApiReply } from "./api_call.ts";

/** Most headers a plugin endpoint may answer. */
export const MAX_HEADERS = 64;
const MAX_HEADER_VALUE = 8192;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;
// deno-lint-ignore no-control-regex -- control characters are what this refuses
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** Headers a plugin may not set: hop-by-hop, framing, cookies, auth challenges, CORS. */
const REFUSED = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "proxy-authenticate",
  "proxy-authorization",
  "content-length",
  "set-cookie",
  "set-cookie2",
  "www-authenticate",
]);

/** Headers the admin API sets itself on every plugin answer. */
const OWN_HEADERS: [string, string][] = [
  ["content-security-policy", "sandbox; default-src 'none'"],
  ["x-content-type-options", "nosniff"],
  ["cache-control", "no-store"],
];

function refuse(message: string): never {
  throw new TypeError(message);
}

function readStatus(raw: unknown, bodyLength: number): number {
  if (typeof raw !== "number" || !Number.isInteger(raw) || raw < 200 || raw > 599) {
    refuse(`status must be an integer from 200 to 599, got ${shownValue(raw)}`);
  }
  if ((raw === 204 || raw === 205 || raw === 304) && bodyLength > 0) {
    refuse(`status ${raw} cannot carry a body`);
  }
  return raw;
}

function readHeaders(raw: unknown): Headers {
  if (!Array.isArray(raw)) refuse(`headers must be an object of strings, got ${kind(raw)}`);
  if (raw.length > MAX_HEADERS) refuse(`${raw.length} headers, over the limit of ${MAX_HEADERS}`);
  const headers = new Headers();
  for (const pair of raw) {
    const [name, value] = Array.isArray(pair) ? pair : [];
    if (typeof name !== "string" || !TOKEN.test(name)) {
      refuse(`header name ${shownValue(name)} is not a legal HTTP token`);
    }
    const lower = name.toLowerCase();
    if (REFUSED.has(lower) || lower.startsWith("access-control-")) {
      refuse(`header "${lower}" may not be set by a plugin`);
    }
    if (typeof value !== "string") refuse(`header "${lower}" must be a string`);
    if (value.length > MAX_HEADER_VALUE || CONTROL.test(value)) {
      refuse(`header "${lower}" value has control characters or is over ${MAX_HEADER_VALUE}`);
    }
    headers.append(lower, value);
  }
  for (const [name, value] of OWN_HEADERS) headers.set(name, value);
  return headers;
}

function shownValue(v: unknown): string {
  return typeof v === "string" || typeof v === "number" ? JSON.stringify(v).slice(0, 64) : kind(v);
}

/**
 * Checks a plugin endpoint's answer and builds the response; a `TypeError` names what is wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { replyResponse } from "./api_reply.ts";
 * const ok = replyResponse({ status: 201, headers: [["x-a", "1"]], body: new Uint8Array([104, 105]) });
 * assert.equal(ok.status, 201);
 * assert.equal(ok.headers.get("content-security-policy"), "sandbox; default-src 'none'");
 * assert.equal(await ok.text(), "hi");
 * assert.throws(() => replyResponse({ status: 200, headers: [["set-cookie", "s=1"]], body: new Uint8Array() }), /set-cookie/);
 * assert.throws(() => replyResponse({ status: 99, headers: [], body: new Uint8Array() }), /200 to 599/);
 * assert.throws(() => replyResponse({ kind: "number" }), /answered a number/);
 * ```
 */
export function replyResponse(reply: ApiReply): Response {
  if ("kind" in reply) {
    refuse(`the handler answered a ${reply.kind}, not {status, headers, body} or a Response`);
  }
  const body = reply.body;
  if (!(body instanceof Uint8Array)) refuse(`body must be text, bytes or JSON, got ${kind(body)}`);
  if (body.byteLength > PLUGIN_API_MAX_BODY_BYTES) {
    refuse(`the response body is over the limit of ${PLUGIN_API_MAX_BODY_BYTES} bytes`);
  }
  const status = readStatus(reply.status, body.byteLength);
  const headers = readHeaders(reply.headers);
  const bytes = body.byteLength === 0 ? null : body as Uint8Array<ArrayBuffer>;
  return new Response(bytes, { status, headers });
}

/**
 * Reads the raw answer of the cage: an object with `status`, `headers` and `body`, or `kind`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readApiReply } from "./api_reply.ts";
 * assert.throws(() => readApiReply(42), /not a reply/);
 * ```
 */
export function readApiReply(raw: unknown): ApiReply {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    refuse(`the plugin's answer is not a reply, got ${kind(raw)}`);
  }
  const r = raw as Record<string, unknown>;
  if (typeof r.kind === "string") return { kind: r.kind.slice(0, 40) };
  return { status: r.status, headers: r.headers, body: r.body };
}

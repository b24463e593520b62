/**
 * JSON responses and the one mapping from errors to HTTP answers: an {@linkcode AdminError}
 * carries its status and stable code; anything else is a 500 `INTERNAL_ERROR`.
 *
 * @module
 */

import { AdminError } from "../../plugins/host/admin_errors.ts";
import { readCapped } from "../../plugins/host/package_limits.ts";

/** The largest JSON body the API reads (413 TOO_LARGE beyond). */
export const MAX_JSON_BYTES = 1024 * 1024;

/**
 * A JSON response.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { json } from "./http.ts";
 * assert.equal(json({ ok: true }).headers.get("content-type"), "application/json");
 * ```
 */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/**
 * The error body `{code, message, ...details}` with its status; unknown errors are 500
 * `INTERNAL_ERROR`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AdminError } from "../../plugins/host/admin_errors.ts";
 * import { errorResponse } from "./http.ts";
 * assert.equal(errorResponse(new AdminError("NOT_FOUND", "No route")).status, 404);
 * assert.equal(errorResponse(new Error("boom")).status, 500);
 * ```
 */
export function errorResponse(err: unknown): Response {
  if (err instanceof AdminError) return json(err.body(), err.status);
  return json({ code: "INTERNAL_ERROR", message: (err as Error)?.message ?? String(err) }, 500);
}

/** Reads a JSON object body (at most {@linkcode MAX_JSON_BYTES}); 400 BAD_REQUEST when it is not one. */
export async function readJson(req: Request): Promise<Record<string, unknown>> {
  const bytes = await readCapped(req.body, MAX_JSON_BYTES, "The JSON body");
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new AdminError("BAD_REQUEST", "The body must be JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new AdminError("BAD_REQUEST", "The body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

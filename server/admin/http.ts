/**
 * JSON responses and the one mapping from errors to HTTP statuses and stable error codes.
 *
 * @module
 */

import { AdminError, type AdminErrorCode } from "../../plugins/host/mod.ts";
import { readCapped } from "../../plugins/host/package_limits.ts";

/** The largest JSON body the API reads (413 TOO_LARGE beyond). */
export const MAX_JSON_BYTES = 1024 * 1024;

/** An API refusal: HTTP status, stable `code`, message, extra fields for the body. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const STATUS: Record<AdminErrorCode, number> = {
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  IN_CONFIG_FILE: 409,
  BAD_REQUEST: 400,
  BAD_PACKAGE: 400,
  BAD_POSITION: 400,
  BAD_CONFIG: 400,
  CONFIG_REFUSED: 400,
  GRANT_REQUIRED: 403,
  START_FAILED: 422,
  TOO_LARGE: 413,
};

/**
 * A JSON response.
 *
 * @example
 * ```ts
 * import { json } from "./http.ts";
 * console.log(json({ ok: true }).headers.get("content-type")); // application/json
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
 * import { ApiError, errorResponse } from "./http.ts";
 * console.log(errorResponse(new ApiError(404, "NOT_FOUND", "No route")).status); // 404
 * ```
 */
export function errorResponse(err: unknown): Response {
  if (err instanceof ApiError) {
    return json({ code: err.code, message: err.message, ...err.details }, err.status);
  }
  if (err instanceof AdminError) {
    return json({ code: err.code, message: err.message, ...err.details }, STATUS[err.code]);
  }
  return json({ code: "INTERNAL_ERROR", message: (err as Error)?.message ?? String(err) }, 500);
}

/** Reads a JSON object body (at most {@linkcode MAX_JSON_BYTES}); 400 BAD_REQUEST when it is not one. */
export async function readJson(req: Request): Promise<Record<string, unknown>> {
  const bytes = await readCapped(req.body, MAX_JSON_BYTES, "The JSON body");
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new ApiError(400, "BAD_REQUEST", "The body must be JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ApiError(400, "BAD_REQUEST", "The body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

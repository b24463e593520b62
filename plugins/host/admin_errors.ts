/**
 * The one admin error: why a management operation (install, start, config set, ...) or an admin
 * API request was refused. The `code` is stable (the REST API returns it, the CLI prints it) and
 * decides the HTTP status in one table; `details` carries structured data such as the field
 * errors of a bad config or the permissions an install needs.
 *
 * @module
 */

/** Every refusal code, with the HTTP status it is answered with. */
export const ADMIN_ERROR_STATUS = {
  BAD_REQUEST: 400,
  BAD_PACKAGE: 400,
  BAD_POSITION: 400,
  BAD_CONFIG: 400,
  CONFIG_REFUSED: 400,
  UNAUTHORIZED: 401,
  GRANT_REQUIRED: 403,
  CROSS_ORIGIN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  ALREADY_EXISTS: 409,
  IN_CONFIG_FILE: 409,
  TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  MISDIRECTED_REQUEST: 421,
  START_FAILED: 422,
  INCOMPATIBLE_SDK: 422,
  INTERNAL_ERROR: 500,
  NO_PLUGIN_HOST: 503,
} as const satisfies Record<string, number>;

/** Every refusal code. */
export type AdminErrorCode = keyof typeof ADMIN_ERROR_STATUS;

/**
 * A refused admin operation: stable `code`, the HTTP `status` that code maps to, a message and
 * extra fields for the response body.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AdminError } from "./admin_errors.ts";
 * const e = new AdminError("NOT_FOUND", 'No plugin "x"');
 * assert.equal(e.status, 404);
 * assert.deepEqual(e.body(), { code: "NOT_FOUND", message: 'No plugin "x"' });
 * ```
 */
export class AdminError extends Error {
  override name = "AdminError";
  /** The stable code clients test (`NOT_FOUND`, `BAD_CONFIG`, ...). */
  readonly code: AdminErrorCode;
  /** The HTTP status of {@linkcode AdminError.code}. */
  readonly status: number;
  /** Extra fields of the response body (`errors`, `permissions`, ...). */
  readonly details: Record<string, unknown>;

  /** A refusal with `code`; `details` become fields of the response body. */
  constructor(code: AdminErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.status = ADMIN_ERROR_STATUS[code];
    this.details = details;
  }

  /** The JSON body the admin API answers with: `{code, message, ...details}`. */
  body(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...this.details };
  }

  /**
   * The error an admin API answer (status and JSON body) carries; a body without a code is an
   * `INTERNAL_ERROR` whose message names the status.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AdminError } from "./admin_errors.ts";
   * const e = AdminError.fromBody(409, { code: "ALREADY_EXISTS", message: "Taken", alias: "a" });
   * assert.equal(e.code, "ALREADY_EXISTS");
   * assert.deepEqual(e.details, { alias: "a" });
   * ```
   */
  static fromBody(status: number, body: Record<string, unknown>): AdminError {
    const { code, message, ...details } = body;
    const known = typeof code === "string" && Object.hasOwn(ADMIN_ERROR_STATUS, code);
    return new AdminError(
      known ? code as AdminErrorCode : "INTERNAL_ERROR",
      typeof message === "string" ? message : `HTTP ${status}`,
      details,
    );
  }
}

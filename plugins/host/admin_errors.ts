/**
 * Why a plugin management operation (install, start, config set, ...) was refused. The `code` is
 * stable (the REST API returns it); `details` carries structured data such as the field errors of
 * a bad config or the permissions an install needs.
 *
 * @module
 */

/** Every refusal code of plugin management. */
export type AdminErrorCode =
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "BAD_REQUEST"
  | "BAD_PACKAGE"
  | "BAD_POSITION"
  | "BAD_CONFIG"
  | "CONFIG_REFUSED"
  | "GRANT_REQUIRED"
  | "START_FAILED"
  | "TOO_LARGE"
  | "IN_CONFIG_FILE";

/**
 * A refused management operation.
 *
 * @example
 * ```ts
 * import { AdminError } from "./admin_errors.ts";
 * const e = new AdminError("NOT_FOUND", 'No plugin "x"');
 * console.log(e.code, e.message); // NOT_FOUND No plugin "x"
 * ```
 */
export class AdminError extends Error {
  override name = "AdminError";
  readonly code: AdminErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: AdminErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

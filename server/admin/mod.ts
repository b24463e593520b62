/**
 * The admin listener: REST API (`/api/v1/`, OpenAPI at `/api/v1/openapi.json`) and dashboard.
 *
 * @example
 * ```ts ignore
 * import { startAdmin } from "./mod.ts";
 * const admin = await startAdmin(config.admin, { broker: readOnlyBroker(broker), manager, log });
 * await admin.close();
 * ```
 *
 * @module
 */

export { type AdminDeps, type AdminServer, handleAdmin, startAdmin } from "./server.ts";
export { AdminAuth, DEFAULT_ITERATIONS, hashSecret, verifySecret } from "./auth.ts";
export { OPENAPI } from "./openapi.ts";
export { type AdminSelf, adminSelf } from "./guard.ts";
export { type Monitor, ROUTES } from "./routes.ts";
export { renderMetrics } from "./metrics.ts";
export { monitorOf, statusOf } from "./status_api.ts";

/**
 * `log.connections`: one info line per client connected and disconnected, with client id, address
 * and reason, taken from the core's `client.connected` / `client.disconnected` events. (A refused
 * CONNECT is logged by the core itself: "Connection refused" with address, reason code and reason.)
 *
 * @module
 */
import type { BrokerHooks } from "../broker/hooks.ts";
import type { Logger } from "../lib/log.ts";

const EVENTS = new Set(["client.connected", "client.disconnected"]);

/**
 * `hooks` with the connection lines added; the hooks' own listeners still get every event.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultHooks } from "../broker/hooks.ts";
 * import { withConnectionLog } from "./connection_log.ts";
 * const lines: string[] = [];
 * const log = { info: (m: string, f: Record<string, unknown>) => lines.push(`${m} ${f.clientId}`) };
 * const hooks = withConnectionLog(defaultHooks({ allowAnonymous: true }), log as never);
 * assert.ok(hooks.has("client.connected") && !hooks.has("message.publish"));
 * hooks.notify("client.connected", { client: { clientId: "c1", remoteAddr: "127.0.0.1:5" } } as never);
 * assert.deepEqual(lines, ["Client connected c1"]);
 * ```
 */
export function withConnectionLog(hooks: BrokerHooks, log: Logger): BrokerHooks {
  return {
    ...hooks,
    has: (hook) => EVENTS.has(hook) || hooks.has(hook),
    notify: (hook, event) => {
      if (hook === "client.connected" || hook === "client.disconnected") {
        const { client } = event as { client: { clientId: string; remoteAddr: string } };
        const fields = {
          clientId: client.clientId,
          remote: client.remoteAddr,
          ...("listener" in client ? { listener: client.listener } : {}),
        };
        if (hook === "client.connected") log.info("Client connected", fields);
        else {
          const { reason } = event as { reason: string };
          log.info("Client disconnected", { ...fields, reason });
        }
      }
      if (hooks.has(hook)) hooks.notify(hook, event);
    },
  };
}

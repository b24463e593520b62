/**
 * Authentication through plugins, failing closed (issue 9, item 6):
 *
 * 1. A configured authenticator that is not running (failed to load, stopped, crashed) refuses
 *    every CONNECT until it runs again.
 * 2. A client presenting credentials (a username or a password) is let in only by an
 *    authenticator's allow. `auth.allow_anonymous` admits it only when no authentication is
 *    configured at all (nobody could check the credentials, as with Mosquitto without a password
 *    file). With `auth.plugins: null`, an enabled plugin that failed before its hooks were known
 *    might have been an authenticator: credentials are refused while it is down.
 * 3. Clients without credentials follow `auth.allow_anonymous` when every authenticator ignores.
 *
 * A refusal carries a CONNACK failure code only (a plugin's other codes become the default) and
 * no text from the plugin: its reason, and any error text such as the cage's "Requires net
 * access to ...", stays in the broker's log.
 *
 * @module
 */
import type { PluginHost } from "../plugins/host/mod.ts";
import type { AuthenticateEvent, EnhancedAuthEvent } from "../plugins/sdk/mod.ts";
import type { AuthConfig } from "./config/types.ts";
import { isConnackFailure } from "../broker/errors.ts";
import type { AuthResult, EnhancedAuthResult } from "../broker/hooks.ts";
import type { Logger } from "../lib/log.ts";
import type { PluginFaults } from "./plugin_faults.ts";
import type { PluginGuard } from "./plugin_guard.ts";

/** No plugin (allocated once). */
const NONE: readonly string[] = [];

/** A decide chain's answer, as the host gives it. */
type Outcome = Awaited<ReturnType<PluginHost["authenticate"]>>;

/**
 * Decides a CONNECT with `client.connect` then `client.authenticate` plugins. When no
 * authenticator is configured and no plugin registers either hook, the decision is the anonymous
 * rule alone, answered synchronously (an empty chain would answer that same fallback later).
 *
 * @example
 * ```ts ignore
 * const result = await authenticateWithPlugins(host, config.auth, guard, faults, log, event);
 * ```
 */
export function authenticateWithPlugins(
  host: PluginHost,
  auth: AuthConfig,
  guard: PluginGuard,
  faults: PluginFaults,
  log: Logger,
  event: AuthenticateEvent,
): AuthResult | Promise<AuthResult> {
  const view = guard.check("client.authenticate");
  const credentials = event.client.username !== null || event.password !== undefined;
  const down = view.missing.length > 0 ? view.missing : credentials ? view.unknown : NONE;
  if (down.length > 0) {
    faults.warn("authenticate:down", "Authentication refused: an auth plugin is not running", {
      plugins: down.join(","),
    });
    return { allow: false };
  }
  const anonymousRule = auth.allow_anonymous && (!credentials || !view.configured);
  if (!view.configured && !host.has("client.connect") && !host.has("client.authenticate")) {
    return anonymousRule ? { allow: true } : denied({ result: "deny", by: null }, log);
  }
  return askPlugins(host, log, event, anonymousRule ? "allow" : "deny");
}

async function askPlugins(
  host: PluginHost,
  log: Logger,
  event: AuthenticateEvent,
  fallback: "allow" | "deny",
): Promise<AuthResult> {
  if (host.has("client.connect")) {
    const pre = await host.decide("client.connect", { client: event.client }, "allow");
    if (pre.result === "deny") return denied(pre, log);
  }
  const out = await host.authenticate(event, { fallback });
  return out.result === "allow" ? { allow: true, superuser: out.superuser } : denied(out, log);
}

/** A refusal without the plugin's text; the plugin's reason goes to the log. */
function denied(out: Outcome, log: Logger): AuthResult {
  log.debug("Authentication denied", { plugin: out.by ?? undefined, reason: out.reason });
  return isConnackFailure(out.reasonCode) ? { allow: false, reasonCode: out.reasonCode } : {
    allow: false,
  };
}

/** A `client.enhanced_auth` chain's answer. */
type ExchangeOutcome = Omit<Outcome, "result"> & {
  result: string;
  authData?: unknown;
  state?: unknown;
};

/**
 * One round of MQTT 5 enhanced authentication through `client.enhanced_auth` plugins (spec
 * 4.12). A plugin that does not speak the method ignores; when every plugin ignores (or none
 * runs) the method is `unsupported` (CONNACK 0x8C). `continue` carries the plugin's data and
 * state on to the next round; a refusal keeps only a CONNACK failure code, as above.
 *
 * @example
 * ```ts ignore
 * const r = await enhancedAuthWithPlugins(host, log, { client, method: "SCRAM-SHA-256", step: 0, reauth: false });
 * ```
 */
export async function enhancedAuthWithPlugins(
  host: PluginHost,
  log: Logger,
  event: EnhancedAuthEvent,
): Promise<EnhancedAuthResult> {
  if (!host.has("client.enhanced_auth")) return { result: "unsupported" };
  if (event.step === 0 && !event.reauth && host.has("client.connect")) {
    // client.connect comes before any authentication, enhanced or not (no way around a ban list).
    const pre = await host.decide("client.connect", { client: event.client }, "allow");
    if (pre.result === "deny") {
      const { reasonCode } = denied(pre, log);
      return reasonCode === undefined ? { result: "deny" } : { result: "deny", reasonCode };
    }
  }
  // Read wider than DecisionOutcome: `continue`, `authData` and `state` come from this hook only.
  const out: ExchangeOutcome = await host.decide("client.enhanced_auth", event, "deny");
  if (out.by === null) return { result: "unsupported" };
  const authData = out.authData instanceof Uint8Array ? { authData: out.authData } : {};
  if (out.result === "continue") return { result: "continue", ...authData, state: out.state };
  if (out.result === "allow") return { result: "allow", ...authData, superuser: out.superuser };
  log.debug("Enhanced authentication denied", { plugin: out.by, reason: out.reason });
  return isConnackFailure(out.reasonCode)
    ? { result: "deny", reasonCode: out.reasonCode }
    : { result: "deny" };
}

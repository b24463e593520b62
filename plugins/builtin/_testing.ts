/**
 * Test helpers shared by the built-ins' tests (not part of any plugin).
 *
 * @module
 */
import type { TestBroker } from "../../tests/helpers.ts";
import type { ClientInfo, PluginStatusView } from "../sdk/mod.ts";
import {
  type HarnessOptions,
  type PluginHarness,
  startPluginHarness,
} from "../../server/testing.ts";

/** The plugin status rows of a test broker (its plugin host, or a manager holding one). */
export function pluginStatus(broker: TestBroker): PluginStatusView[] {
  const p = broker.plugins as unknown as {
    status?: () => PluginStatusView[];
    host?: { status(): PluginStatusView[] };
  };
  return p.host?.status() ?? p.status?.() ?? [];
}

/** Throws unless every configured plugin is running (with their errors in the message). */
export function assertRunning(broker: TestBroker): void {
  const bad = pluginStatus(broker).filter((s) => s.state !== "running");
  if (bad.length > 0) {
    throw new Error(`plugins not running: ${bad.map((s) => `${s.alias}: ${s.error}`).join("; ")}`);
  }
}

/** The v5 reason code of a PUBACK/SUBACK packet MQTT.js resolved with (0 when absent). */
export function reasonCode(packet: unknown): number {
  return (packet as { reasonCode?: number } | undefined)?.reasonCode ?? 0;
}

/** Options of {@linkcode builtinHarness}: the harness's, less the module. */
export type BuiltinHarnessOptions = Omit<HarnessOptions, "module">;

/**
 * Runs the built-in `name` (`plugins/builtin/<name>/mod.ts`) the way a third-party plugin runs: in
 * its own process cage through the plugin test harness, so its tests also cover the cage, the
 * schema and the grant.
 */
export function builtinHarness(
  name: string,
  opts: BuiltinHarnessOptions = {},
): Promise<PluginHarness> {
  const module = new URL(`./${name}/mod.ts`, import.meta.url);
  return startPluginHarness({ alias: name, ...opts, module });
}

/** A ClientInfo for calling decide hooks directly through the harness's host. */
export function testClient(username: string | null, clientId = "c1"): ClientInfo {
  return {
    clientId,
    username,
    listener: "default",
    transport: "tcp",
    remoteAddr: "127.0.0.1:50000",
    protocolVersion: 5,
    cleanStart: true,
    keepalive: 60,
  };
}

/**
 * Test helpers shared by the built-ins' tests (not part of any plugin).
 *
 * @module
 */
import type { TestBroker } from "../../tests/helpers.ts";
import type { PluginStatusView } from "../sdk/mod.ts";

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

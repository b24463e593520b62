// The broker the dashboard tests drive: TCP and WebSocket listeners, anonymous MQTT clients, and
// the admin API with the test user (tests/admin/helpers.ts).
import { hashSecret } from "../../server/admin/mod.ts";
import { startTestBroker, type TestBroker } from "../helpers.ts";
import { PASSWORD, USER } from "./helpers.ts";

/** A started broker, its admin URL and its WebSocket URL (`ws://127.0.0.1:PORT/mqtt`). */
export type DashboardBroker = TestBroker & { api: string; ws: string };

/** Starts the broker with its data under `dataDir`. */
export async function startDashboardBroker(dataDir: string): Promise<DashboardBroker> {
  const yaml = `data_dir: ${JSON.stringify(dataDir)}
listeners:
  default: {type: tcp, bind: "127.0.0.1:0"}
  web: {type: ws, bind: "127.0.0.1:0", path: "/mqtt"}
admin:
  enable: true
  bind: "127.0.0.1:0"
  users: [{username: ${USER}, password_hash: "${await hashSecret(PASSWORD, 1000)}"}]
`;
  const broker = await startTestBroker(yaml);
  const ws = broker.listeners.get("web")!;
  return { ...broker, api: broker.admin!.url, ws: `ws://127.0.0.1:${ws.port}/mqtt` };
}

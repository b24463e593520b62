// A node that loses NATS keeps serving its local clients (shared groups locally too) and says
// so; when NATS is back, messages cross nodes again and retained messages are in step.
import assert from "node:assert/strict";
import {
  collect,
  connect,
  end,
  startTestBroker,
  subscribe,
  type TestBroker,
  waitFor,
} from "../helpers.ts";
import type { Logger } from "../../lib/log.ts";
import { silentLogger } from "../../lib/log.ts";
import { NATS_SERVER, startNats } from "./_nats.ts";

function recordingLog(lines: string[]): Logger {
  const log: Logger = {
    ...silentLogger,
    warn: (message: string) => lines.push(message),
    info: (message: string) => lines.push(message),
    child: () => log,
  };
  return log;
}

Deno.test({
  name: "a node that loses NATS serves its local clients, then routes again when it is back",
  ignore: !NATS_SERVER,
  fn: async () => {
    const nats = await startNats();
    const lines: string[] = [];
    const yaml = (n: number) =>
      `cluster: {enable: true, node: o${n}, subject_prefix: c2, nats: {servers: ["${nats.url}"]}}\n`;
    const nodes: TestBroker[] = [
      await startTestBroker(yaml(1), { log: recordingLog(lines) }),
      await startTestBroker(yaml(2)),
    ];
    const local = await connect(nodes[0].url);
    const remote = await connect(nodes[1].url);
    const pub = await connect(nodes[0].url);
    try {
      const gotLocal = collect(local);
      const gotRemote = collect(remote);
      await subscribe(local, ["$share/g/x/#", "y/#"], { qos: 1 });
      await subscribe(remote, ["x/#", "y/#"], { qos: 1 });
      await Promise.all(nodes.map((n) => n.cluster!.flush()));

      await nats.stop();
      await waitFor(() => !nodes[0].cluster!.connected, "the node to notice");
      assert.ok(lines.some((l) => l.includes("NATS connection lost")), lines.join("\n"));
      await pub.publishAsync("x/1", "alone", { qos: 1 });
      await waitFor(() => gotLocal.length === 1, "local delivery to the shared group member");

      await nats.restart();
      await waitFor(() => nodes.every((n) => n.cluster!.connected), "reconnection", 10_000);
      assert.ok(lines.some((l) => l.includes("NATS connection back")), lines.join("\n"));
      await Promise.all(nodes.map((n) => n.cluster!.flush()));
      await pub.publishAsync("y/1", "together", { qos: 1 });
      await waitFor(() => gotRemote.some((m) => m.payload === "together"), "cross-node again");
    } finally {
      await Promise.all([local, remote, pub].map((c) => end(c)));
      await Promise.all(nodes.map((n) => n.close()));
      await nats.dispose();
    }
  },
});

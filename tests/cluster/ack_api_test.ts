// A QoS 1/2 publish is acknowledged once the cluster has it [MQTT-4.3.2-4] [MQTT-4.3.3-9]: with
// the NATS server frozen, no PUBACK / PUBREC leaves; once it answers, both do and the message
// crosses. `/api/v1/cluster` lists every node with its clients and load; alone it says so.
// Relative `cluster.nats` file paths are resolved against the config file.
import assert from "node:assert/strict";
import { parseConfig } from "../../server/config/mod.ts";
import {
  collect,
  connect,
  delay,
  end,
  startTestBroker,
  subscribe,
  type TestBroker,
  waitFor,
} from "../helpers.ts";
import { NATS_SERVER, startNats } from "./_nats.ts";

const node = (url: string, n: number, extra = "") =>
  startTestBroker(
    `cluster: {enable: true, node: a${n}, subject_prefix: ack, nats: {servers: ["${url}"]}}\n${extra}`,
  );

Deno.test({
  name: "cluster: PUBACK and PUBREC wait until NATS has the message; /api/v1/cluster",
  ignore: !NATS_SERVER,
  fn: async (t) => {
    const nats = await startNats();
    const admin = `admin: {enable: true, bind: "127.0.0.1:0"}\n`;
    const nodes: TestBroker[] = [await node(nats.url, 1, admin), await node(nats.url, 2)];
    const sub = await connect(nodes[1].url);
    const pub = await connect(nodes[0].url, { protocolVersion: 5 });
    try {
      const got = collect(sub);
      await subscribe(sub, ["q/#"], { qos: 1 });
      await Promise.all(nodes.map((n) => n.cluster!.flush()));

      await t.step("no acknowledgement while NATS is frozen, both once it answers", async () => {
        nats.pause();
        const acked: number[] = [];
        const sent = [1, 2].map((qos) =>
          pub.publishAsync(`q/${qos}`, `m${qos}`, { qos: qos as 1 | 2 }).then(() => acked.push(qos))
        );
        await delay(400);
        assert.deepEqual(acked, [], "acknowledged before the cluster had it");
        nats.resume();
        await Promise.all(sent);
        assert.deepEqual(acked.sort(), [1, 2]);
        await waitFor(() => got.length === 2, "both messages on node 2");
      });

      await t.step("/api/v1/cluster lists both nodes with clients and load", async () => {
        const res = await fetch(`${nodes[0].admin!.url}/api/v1/cluster`);
        assert.equal(res.status, 200);
        const body = await res.json();
        assert.equal(body.enabled, true);
        assert.equal(body.node, "a1");
        assert.equal(body.connected, true);
        assert.deepEqual(body.nodes.map((n: { node: string }) => n.node), ["a1", "a2"]);
        for (const n of body.nodes) {
          for (const k of ["clients", "receivedPerSec", "sentPerSec", "seenAt", "startedAt"]) {
            assert.equal(typeof n[k], "number", `${n.node}.${k}`);
          }
        }
      });
    } finally {
      nats.resume();
      await Promise.all([sub, pub].map((c) => end(c)));
      await Promise.all(nodes.map((n) => n.close()));
      await nats.dispose();
    }
  },
});

Deno.test("/api/v1/cluster alone: not enabled, no nodes", async () => {
  const alone = await startTestBroker(`admin: {enable: true, bind: "127.0.0.1:0"}\n`);
  try {
    const res = await fetch(`${alone.admin!.url}/api/v1/cluster`);
    assert.deepEqual(await res.json(), { enabled: false, nodes: [] });
  } finally {
    await alone.close();
  }
});

Deno.test("cluster.nats file paths are resolved against the config file's directory", () => {
  const cfg = parseConfig(
    `cluster:
  nats:
    servers: ["nats://127.0.0.1:4222"]
    credentials: secrets/node.creds
    tls_ca: ../ca.pem
    tls_cert: /etc/aviary/cert.pem
    tls_key: /etc/aviary/key.pem
`,
    "/srv/aviary/conf/aviary.yaml",
  );
  assert.equal(cfg.cluster.nats.credentials, "/srv/aviary/conf/secrets/node.creds");
  assert.equal(cfg.cluster.nats.tls_ca, "/srv/aviary/ca.pem");
  assert.equal(cfg.cluster.nats.tls_cert, "/etc/aviary/cert.pem"); // absolute: unchanged
  assert.equal(cfg.cluster.nats.tls_key, "/etc/aviary/key.pem");
});

// Plugins managed once for the whole cluster: three Aviary nodes with their admin API on one
// NATS JetStream server (127.0.0.1). A package installed through node 2's REST API runs on every
// node (seen with real MQTT.js clients on nodes 1 and 3), its config change through node 3
// reaches all, stop/start/uninstall converge, a node started later converges, a plugin failing
// on one node is shown failed there with the reason, move and restart reach all, a node restarted
// after changes made while it was down converges (the bucket wins over its state file), two nodes
// acting at once lose nothing (config versions, install of one alias). Hostile: a package whose
// bytes do not match its pinned sha256 is refused on every node; malformed bucket records are
// ignored and logged; without NATS an action is refused with the reason.
import assert from "node:assert/strict";
import type { MqttClient } from "mqtt";
import { Kvm } from "@nats-io/kv";
import { Objm } from "@nats-io/obj";
import { connect as natsConnect } from "@nats-io/transport-node";
import { end } from "../helpers.ts";
import { api, buildPackage, PASSWORD, USER } from "../admin/helpers.ts";
import { aviaryPlugins } from "../kit/_kit.ts";
import { sha256Hex } from "../../server/cluster/plugin_packages.ts";
import { NATS_SERVER, startNats } from "./_nats.ts";
import {
  adminHash,
  converged,
  list,
  type Node,
  pickyPackage,
  prefixOnAll,
  startNode,
  topicSeen,
  upload,
  waitLine,
} from "./_plugin_nodes.ts";

Deno.test({
  name: "plugins managed once for a cluster of three nodes",
  ignore: !NATS_SERVER,
  fn: async (t) => {
    const nats = await startNats();
    const hash = await adminHash();
    const nodes: Node[] = [];
    const clients: MqttClient[] = [];
    const tmp = await Deno.makeTempDir({ prefix: "aviary-cp-pkg-" });
    try {
      for (const n of ["n1", "n2", "n3"]) nodes.push(await startNode(n, nats.url, hash));
      const [n1, n2, n3] = nodes;
      const all = (s: string) => ({ n1: s, n2: s, n3: s });
      const pkg = await buildPackage(tmp);

      await t.step("install through node 2's REST API reaches every node (stopped)", async () => {
        const res = await upload(n2, pkg, { env: ["PREFIXER_DEBUG"] });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        assert.equal(res.body.alias, "prefixer");
        await converged(n1, "prefixer", all("stopped"));
        await converged(n3, "prefixer", all("stopped"));
      });

      await t.step(
        "the same alias again through node 1 is refused (409), nothing lost",
        async () => {
          const res = await upload(n1, pkg, { env: ["PREFIXER_DEBUG"] });
          assert.equal(res.status, 409);
          await converged(n2, "prefixer", all("stopped"));
        },
      );

      await t.step("config through node 3 and start through node 2 run on all", async () => {
        const c = await api(n3.api, "PUT", "/plugins/prefixer/config", { prefix: "x/" });
        assert.equal(c.status, 200, JSON.stringify(c.body));
        const s = await api(n2.api, "PUT", "/plugins/prefixer/start");
        assert.equal(s.status, 200, JSON.stringify(s.body));
        await converged(n2, "prefixer", all("running"));
        assert.equal(await topicSeen(n1, n3, "a/b", clients), "x/a/b");
        assert.equal(await topicSeen(n3, n1, "c", clients), "x/c");
      });

      await t.step("the CLI on node 1 lists the plugin's state on every node", async () => {
        const { code, out } = await aviaryPlugins(["list"], Deno.cwd(), {
          AVIARY_API: n1.api,
          AVIARY_USER: USER,
          AVIARY_PASSWORD: PASSWORD,
        });
        assert.equal(code, 0, out);
        assert.match(out, /NODES/);
        assert.match(out, /prefixer .*n1=running,n2=running,n3=running/);
      });

      await t.step("a config change through node 3 reaches all (running plugins)", async () => {
        const c = await api(n3.api, "PUT", "/plugins/prefixer/config", { prefix: "y/" });
        assert.equal(c.status, 200);
        await prefixOnAll(nodes, "y/");
        assert.equal(await topicSeen(n1, n3, "a", clients), "y/a");
        const bad = await api(n1.api, "PUT", "/plugins/prefixer/config", { prefix: 5 });
        assert.equal(bad.status, 400, "a bad config is refused before it reaches the cluster");
      });

      await t.step(
        "two nodes changing the config at once lose no change (KV revisions)",
        async () => {
          const [a, b] = await Promise.all([
            api(n1.api, "PUT", "/plugins/prefixer/config", { prefix: "p1/" }),
            api(n2.api, "PUT", "/plugins/prefixer/config", { prefix: "p2/" }),
          ]);
          assert.equal(a.status, 200);
          assert.equal(b.status, 200);
          const versions = [a.body.clusterVersion, b.body.clusterVersion].sort();
          assert.notEqual(versions[0], versions[1], "each change has its own cluster version");
          // every node ends with the change written last
          const last = a.body.clusterVersion === versions[1] ? "p1/" : "p2/";
          await prefixOnAll(nodes, last);
        },
      );

      await t.step("stop through node 1 converges; a node started later converges", async () => {
        assert.equal((await api(n1.api, "PUT", "/plugins/prefixer/stop")).status, 200);
        await converged(n3, "prefixer", all("stopped"));
        assert.equal(await topicSeen(n3, n1, "plain", clients), "plain");
        nodes.push(await startNode("n4", nats.url, hash));
        const n4 = nodes[3];
        await converged(n4, "prefixer", { ...all("stopped"), n4: "stopped" });
        assert.equal(
          await api(n1.api, "PUT", "/plugins/prefixer/start").then((r) => r.status),
          200,
        );
        await converged(n4, "prefixer", { ...all("running"), n4: "running" });
      });

      await t.step(
        "a plugin failing on node 1 only is shown failed there, with the reason",
        async () => {
          assert.equal((await upload(n2, await pickyPackage(tmp), {})).status, 201);
          assert.equal((await api(n2.api, "PUT", "/plugins/picky/start")).status, 200);
          const row = await converged(n3, "picky", { n1: "failed", n2: "running", n3: "running" });
          assert.match(row.nodes.n1.error ?? "", /node 1 refuses picky/);
          const one = await api(n2.api, "GET", "/plugins/picky");
          const nodesOf = one.body.nodes as Record<string, { state: string; error?: string }>;
          assert.equal(nodesOf.n1.state, "failed");
          assert.equal(nodesOf.n2.state, "running");
        },
      );

      await t.step(
        "hostile: a package not matching its sha256 pin is refused on every node",
        async () => {
          const nc = await natsConnect({ servers: nats.url });
          try {
            const os = await new Objm(nc).create("cp_packages");
            const pinned = await sha256Hex(new TextEncoder().encode("the real package"));
            await os.putBlob({ name: pinned }, new TextEncoder().encode("something else"));
            const kv = await new Kvm(nc).create("cp_plugins");
            const record = {
              alias: "evil",
              sha256: pinned,
              source: null,
              files: null,
              grant: {},
              enabled: true,
              config: {},
              configVersion: 0,
              restarts: 0,
            };
            await kv.put("p.evil", JSON.stringify(record));
            await kv.put("p.junk", "not json");
            await kv.put("p.liar", JSON.stringify({ ...record, alias: "other" }));
            await kv.put("nonsense", "{}");
            const row = await converged(n1, "evil", { ...all("failed"), n4: "failed" });
            for (const n of Object.values(row.nodes)) {
              assert.match(n.error ?? "", /not the pinned one/);
            }
            for (const node of nodes) {
              await waitLine(node, /Cluster plugin record ignored.*p\.junk/);
              await waitLine(node, /Cluster plugin record ignored.*p\.liar/);
            }
            await kv.delete("p.evil");
          } finally {
            await nc.close();
          }
          // still serving actions after the malformed records
          assert.equal(
            (await api(n3.api, "PUT", "/plugins/prefixer/config", { prefix: "z/" })).status,
            200,
          );
          await prefixOnAll(nodes, "z/");
          assert.equal(await topicSeen(n1, n3, "q", clients), "z/q");
        },
      );

      await t.step("move and restart through one node reach all", async () => {
        const order = async (node: Node) =>
          (await list(node)).map((r) => r.alias).filter((a) => a === "picky" || a === "prefixer");
        assert.deepEqual(await order(n3), ["prefixer", "picky"]);
        const moved = await api(n2.api, "POST", "/plugins/picky/move", { position: "front" });
        assert.equal(moved.status, 200, JSON.stringify(moved.body));
        for (const node of [n1, n3]) {
          const until = Date.now() + 10_000;
          while ((await order(node)).join() !== "picky,prefixer") {
            assert.ok(Date.now() < until, `order on ${node.cluster!.node}: ${await order(node)}`);
            await new Promise((r) => setTimeout(r, 100));
          }
        }
        assert.equal((await api(n3.api, "PUT", "/plugins/prefixer/restart")).status, 200);
        // the other nodes restart it as they converge: unprefixed while it is down
        const until = Date.now() + 10_000;
        let seen: string | undefined;
        while ((seen = await topicSeen(n1, n3, "r", clients)) !== "z/r") {
          assert.ok(Date.now() < until, `n1 still gives ${seen} after the restart`);
        }
        await converged(n1, "prefixer", all("running"));
      });

      await t.step("a node restarted after changes made while it was down converges", async () => {
        await n3.close();
        assert.equal((await api(n1.api, "DELETE", "/plugins/picky")).status, 204);
        const c = await api(n1.api, "PUT", "/plugins/prefixer/config", { prefix: "w/" });
        assert.equal(c.status, 200);
        // its state file still holds picky and the old config: the bucket wins
        const state = await Deno.readTextFile(`${n3.dir}/plugins/state.json`);
        assert.match(state, /"picky"/);
        const again = nodes[2] = await startNode("n3", nats.url, hash, n3.dir);
        assert.ok(!(await list(again)).some((r) => r.alias === "picky"), "picky removed on n3");
        await prefixOnAll([again], "w/");
        await converged(again, "prefixer", all("running"));
        assert.equal(await topicSeen(again, n1, "s", clients), "w/s");
        const dirs = [];
        for await (const e of Deno.readDir(`${n3.dir}/plugins/packages`)) dirs.push(e.name);
        assert.deepEqual(dirs.filter((d) => d.startsWith("picky")), []);
      });

      await t.step(
        "without NATS an action is refused with the reason; then the bucket wins",
        async () => {
          const n1 = nodes[0];
          await nats.stop();
          const res = await api(n1.api, "PUT", "/plugins/prefixer/stop");
          assert.equal(res.status, 500);
          assert.match(String(res.body.message), /plugin bucket cannot be used/);
          await nats.restart();
          // the stop reached no other node and no bucket: node 1 converges back to running
          const until = Date.now() + 30_000;
          const here = async () => (await list(n1)).find((r) => r.alias === "prefixer")?.state;
          while (!n1.cluster!.connected || await here() !== "running") {
            assert.ok(Date.now() < until, `prefixer on n1 is ${await here()}`);
            await new Promise((r) => setTimeout(r, 200));
          }
          await converged(nodes[1], "prefixer", { n1: "running", n2: "running", n3: "running" });
          assert.equal(await topicSeen(n1, nodes[2], "back", clients), "w/back");
        },
      );

      await t.step("uninstall through node 3 converges everywhere", async () => {
        const n3 = nodes[2];
        const res = await api(n3.api, "DELETE", "/plugins/prefixer");
        assert.equal(res.status, 204);
        const until = Date.now() + 10_000;
        for (const node of nodes) {
          while (
            (await list(node)).some((r) => r.alias === "prefixer")
          ) {
            assert.ok(Date.now() < until, `prefixer still on ${node.cluster!.node}`);
            await new Promise((r) => setTimeout(r, 100));
          }
        }
        assert.equal(await topicSeen(n1, n3, "done", clients), "done");
      });

      await t.step(
        "two nodes installing one alias at once: one wins, all converge to it",
        async () => {
          const [a, b] = await Promise.all([
            upload(n1, pkg, { env: ["PREFIXER_DEBUG"] }),
            upload(nodes[2], pkg, { env: ["PREFIXER_DEBUG"] }),
          ]);
          assert.deepEqual(
            [a.status, b.status].sort(),
            [201, 409],
            JSON.stringify([a.body, b.body]),
          );
          await converged(n2, "prefixer", { ...all("stopped"), n4: "stopped" });
        },
      );
    } finally {
      await Promise.all(clients.map((c) => end(c).catch(() => {})));
      for (const node of nodes) await node.close();
      for (const node of nodes) await Deno.remove(node.dir, { recursive: true }).catch(() => {});
      await Deno.remove(tmp, { recursive: true });
      await nats.dispose();
    }
  },
});

// Helpers of tests/cluster/plugins_test.ts: cluster nodes with their admin API, the REST calls
// and the MQTT checks the steps repeat.
import assert from "node:assert/strict";
import type { MqttClient } from "mqtt";
import { collect, connect, end, startTestBroker, subscribe, type TestBroker } from "../helpers.ts";
import { api, PASSWORD, USER } from "../admin/helpers.ts";
import { hashSecret } from "../../server/admin/mod.ts";
import { createLogger } from "../../lib/log.ts";

export type Node = TestBroker & { api: string; dir: string; lines: string[] };
export type Row = { alias: string; state: string; error?: string; nodes: Record<string, Row> };

export const PICKY = `export default {
  name: "picky", version: "1.0.0", permissions: {},
  async start(ctx) {
    const node = (await ctx.broker.config()).cluster?.node;
    if (node === "n1") throw new Error("node 1 refuses picky");
  },
  hooks: {},
};
`;

export async function startNode(
  name: string,
  natsUrl: string,
  hash: string,
  at?: string,
): Promise<Node> {
  const dir = at ?? await Deno.makeTempDir({ prefix: `aviary-cp-${name}-` });
  const lines: string[] = [];
  const yaml = `data_dir: ${JSON.stringify(dir)}
admin:
  enable: true
  bind: "127.0.0.1:0"
  users: [{username: ${USER}, password_hash: "${hash}"}]
cluster: {enable: true, node: ${name}, subject_prefix: cp, nats: {servers: ["${natsUrl}"]}}
`;
  const log = createLogger({ level: "warn", sink: (l) => lines.push(l) });
  const b = await startTestBroker(yaml, { log });
  return { ...b, api: b.admin!.url, dir, lines };
}

export async function list(node: Node): Promise<Row[]> {
  const { status, body } = await api(node.api, "GET", "/plugins");
  assert.equal(status, 200);
  return body.data as Row[];
}

/** Waits until `alias` shows `state` for every node named, as `via` lists it. */
export async function converged(
  via: Node,
  alias: string,
  want: Record<string, string>,
  ms = 10_000,
) {
  const until = Date.now() + ms;
  let last: Row | undefined;
  while (Date.now() < until) {
    last = (await list(via)).find((r) => r.alias === alias);
    const nodes = last?.nodes ?? {};
    if (Object.entries(want).every(([n, s]) => nodes[n]?.state === s)) return last!;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`"${alias}" did not reach ${JSON.stringify(want)}: ${JSON.stringify(last)}`);
}

export async function pickyPackage(dir: string): Promise<string> {
  const stage = `${dir}/picky-1.0.0`;
  await Deno.mkdir(stage, { recursive: true });
  await Deno.writeTextFile(`${stage}/plugin.js`, PICKY);
  await Deno.writeTextFile(
    `${stage}/release.json`,
    JSON.stringify({ name: "picky", version: "1.0.0", main: "plugin.js" }),
  );
  const out = `${dir}/picky-1.0.0.tar.gz`;
  const { code } = await new Deno.Command("tar", { args: ["-czf", out, "-C", dir, "picky-1.0.0"] })
    .output();
  assert.equal(code, 0);
  return out;
}

export async function upload(node: Node, path: string, grant: unknown) {
  const form = new FormData();
  form.append("file", new Blob([await Deno.readFile(path)]), path.split("/").pop());
  form.append("grant", JSON.stringify(grant));
  return await api(node.api, "POST", "/plugins/install", form);
}

/** Publishes `topic` from `from` and returns the topic `to`'s `#` subscriber got. */
export async function topicSeen(from: Node, to: Node, topic: string, clients: MqttClient[]) {
  const sub = await connect(to.url);
  const pub = await connect(from.url);
  clients.push(sub, pub);
  const got = collect(sub);
  await subscribe(sub, ["#"], { qos: 1 });
  await Promise.all([from.cluster!.flush(), to.cluster!.flush()]);
  await pub.publishAsync(topic, "m", { qos: 1 });
  const until = Date.now() + 5000;
  while (got.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  await end(sub);
  await end(pub);
  return got[0]?.topic;
}

export async function waitLine(node: Node, re: RegExp): Promise<void> {
  const until = Date.now() + 5000;
  while (!node.lines.some((l) => re.test(l))) {
    if (Date.now() > until) throw new Error(`No log line ${re} on ${node.cluster!.node}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until every node's prefixer config has `prefix`. */
export async function prefixOnAll(nodes: Node[], prefix: string): Promise<void> {
  const until = Date.now() + 10_000;
  for (const node of nodes) {
    for (;;) {
      const got = await api(node.api, "GET", "/plugins/prefixer/config");
      if ((got.body.config as { prefix?: string })?.prefix === prefix) break;
      assert.ok(Date.now() < until, `${node.cluster!.node} has ${JSON.stringify(got.body)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The admin password hash every node is started with. */
export const adminHash = (): Promise<string> => hashSecret(PASSWORD, 1000);

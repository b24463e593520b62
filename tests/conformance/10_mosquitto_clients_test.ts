import assert from "node:assert/strict";
import { waitFor } from "../helpers.ts";
import { withBroker } from "./_util.ts";

const BINARIES = ["mosquitto_pub", "mosquitto_sub"];

function found(name: string): boolean {
  for (const dir of (Deno.env.get("PATH") ?? "/usr/bin").split(":")) {
    try {
      if (Deno.statSync(`${dir}/${name}`).isFile) return true;
    } catch { /* not here */ }
  }
  return false;
}

const missing = BINARIES.filter((b) => !found(b));
if (missing.length > 0) {
  console.warn(`Skipping the Mosquitto client tests: ${missing.join(", ")} not found on PATH`);
}

/** Runs a Mosquitto client to completion; rejects on a non-zero exit. */
async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`${cmd} exited with ${out.code}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return text;
}

for (const version of ["mqttv5", "mqttv311"] as const) {
  Deno.test({
    name: `mosquitto_pub -V ${version} QoS 1 reaches mosquitto_sub -V ${version} (spec 4.3.2)`,
    ignore: missing.length > 0,
    fn: async () => {
      await withBroker("", async ({ port, broker }) => {
        const common = ["-h", "127.0.0.1", "-p", String(port), "-V", version, "-q", "1"];
        const sub = run("mosquitto_sub", [...common, "-t", "mq/t", "-C", "1", "-W", "10", "-v"]);
        await waitFor(() => broker.subscriptions.size === 1, "mosquitto_sub to subscribe", 5000);
        await run("mosquitto_pub", [...common, "-t", "mq/t", "-m", `hello ${version}`]);
        assert.equal((await sub).trim(), `mq/t hello ${version}`);
      });
    },
  });

  Deno.test({
    name:
      `mosquitto_pub -V ${version} -r leaves a retained message for mosquitto_sub [MQTT-3.3.1-6]`,
    ignore: missing.length > 0,
    fn: async () => {
      await withBroker("", async ({ port }) => {
        const common = ["-h", "127.0.0.1", "-p", String(port), "-V", version];
        await run("mosquitto_pub", [...common, "-q", "1", "-r", "-t", "mq/r", "-m", "kept"]);
        const out = await run("mosquitto_sub", [...common, "-t", "mq/#", "-C", "1", "-W", "10"]);
        assert.equal(out.trim(), "kept");
      });
    },
  });
}

Deno.test({
  name: "mosquitto_sub -V mqttv5 and mosquitto_pub -V mqttv311 interoperate at QoS 2 (spec 4.3.3)",
  ignore: missing.length > 0,
  fn: async () => {
    await withBroker("", async ({ port, broker }) => {
      const at = ["-h", "127.0.0.1", "-p", String(port), "-q", "2"];
      const sub = run("mosquitto_sub", [
        ...at,
        "-V",
        "mqttv5",
        "-t",
        "mq/x",
        "-C",
        "1",
        "-W",
        "10",
      ]);
      await waitFor(() => broker.subscriptions.size === 1, "mosquitto_sub to subscribe", 5000);
      await run("mosquitto_pub", [...at, "-V", "mqttv311", "-t", "mq/x", "-m", "across"]);
      assert.equal((await sub).trim(), "across");
    });
  },
});

/**
 * The `aviary` command line, run as `deno task start` runs it (same permission flags).
 */
import assert from "node:assert/strict";
import { connect, end, nextMessage } from "../helpers.ts";

const deno = Deno.execPath();
const START_FLAGS = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)))
  .tasks.start.replace(/^deno run /, "").replace(/ cli\/launch\.ts$/, "").split(" ") as string[];
const MAIN = new URL("../../cli/launch.ts", import.meta.url).pathname;

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(deno, { args: ["run", ...START_FLAGS, MAIN, ...args] })
    .output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("cli: --help lists every flag and --version prints the version", async () => {
  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  for (const flag of ["--config", "--host", "--port", "--ws-port", "--log-level", "--version"]) {
    assert.match(help.stdout, new RegExp(flag));
  }
  const version = await run(["--version"]);
  assert.match(version.stdout, /^aviary \d+\.\d+\.\d+/);
});

Deno.test("cli: a bad config names the file and the field path, exit code 78", async () => {
  const dir = await Deno.makeTempDir({ dir: "." });
  try {
    const file = `${dir}/bad.yaml`;
    await Deno.writeTextFile(file, "mqtt:\n  max_keepalive: soon\n");
    const result = await run(["--config", file]);
    assert.equal(result.code, 78);
    assert.match(result.stderr, /bad\.yaml/);
    assert.match(result.stderr, /mqtt\.max_keepalive/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Starts `aviary` as a child process and waits for "Aviary started". */
async function startCli(args: string[]) {
  const child = new Deno.Command(deno, {
    args: ["run", ...START_FLAGS, MAIN, ...args],
    stderr: "piped",
    stdout: "null",
  }).spawn();
  const lines: string[] = [];
  const reading = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) lines.push(chunk);
  })();
  const until = Date.now() + 15_000;
  while (!lines.join("").includes("Aviary started")) {
    if (Date.now() > until) {
      child.kill("SIGKILL");
      await reading;
      throw new Error("Broker did not start: " + lines.join(""));
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    log: () => lines.join(""),
    /** Sends SIGTERM and resolves to the exit code. */
    stop: async () => {
      child.kill("SIGTERM");
      const status = await child.status;
      await reading;
      return status.code;
    },
  };
}

Deno.test("cli: starts with least-privilege flags, serves TCP and WebSocket, stops cleanly on SIGTERM", async () => {
  const [port, wsPort] = [freePort(), freePort()];
  const cli = await startCli(["--port", String(port), "--ws-port", String(wsPort)]);
  try {
    assert.match(
      cli.log(),
      new RegExp(`Listening listener=default type=tcp address=127.0.0.1:${port}`),
    );
    assert.match(
      cli.log(),
      new RegExp(`Listening listener=ws type=ws address=127.0.0.1:${wsPort}`),
    );
    const sub = await connect(`ws://127.0.0.1:${wsPort}/mqtt`);
    const pub = await connect(`mqtt://127.0.0.1:${port}`, { protocolVersion: 5 });
    await sub.subscribeAsync("cli/#");
    const got = nextMessage(sub);
    await pub.publishAsync("cli/x", "over ws");
    assert.equal((await got).payload, "over ws");
    await end(pub);
    await end(sub);
  } finally {
    assert.equal(await cli.stop(), 0);
    assert.match(cli.log(), /Broker stopped/);
  }
});

Deno.test("cli: --plugin loads a plugin only with the --grant it declares", async () => {
  const plugin = "tests/plugins/fixtures/needs_local_net.ts";
  const refused = await startCli(["--port", String(freePort()), "--plugin", plugin]);
  assert.equal(await refused.stop(), 0);
  assert.match(refused.log(), /permission net \["127.0.0.1"\] not granted/);
  const granted = await startCli([
    "--port",
    String(freePort()),
    "--plugin",
    plugin,
    "--grant",
    "net=127.0.0.1",
  ]);
  assert.equal(await granted.stop(), 0);
  assert.match(granted.log(), /Plugin loaded plugin=needs_local_net name=needs-local-net/);
});

// The whole lifecycle of one plugin through `aviary plugins ...` (spawned `deno run main.ts`)
// against a running test broker, observed by a real MQTT client.
import assert from "node:assert/strict";
import { roundTrip } from "../helpers.ts";
import { buildPackage, KEY_ID, KEY_SECRET, PASSWORD, startAdminBroker, USER } from "./helpers.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

async function aviary(
  api: string,
  args: string[],
  opts: { key?: boolean } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const auth = opts.key ? [] : ["--user", USER, "--password", PASSWORD];
  const cmd = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-net",
      "--allow-read",
      "--allow-env",
      MAIN,
      "plugins",
      ...args,
      "--api",
      api,
      ...auth,
    ],
    env: opts.key ? { AVIARY_API_KEY: `${KEY_ID}:${KEY_SECRET}` } : {},
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
  const out = await cmd.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("CLI: aviary plugins install, config, start, list, move, stop, uninstall", async () => {
  const dir = await Deno.makeTempDir();
  const pkg = await buildPackage(dir);
  const b = await startAdminBroker(`${dir}/data`);
  // Serve the package over HTTP to exercise the download (progress on stderr).
  const http = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async () => new Response(await Deno.readFile(pkg)),
  );
  const pkgUrl = `http://127.0.0.1:${http.addr.port}/prefixer-1.0.0.tar.gz`;
  try {
    // Not a TTY and no --yes: the permissions are printed, nothing is granted.
    let r = await aviary(b.api, ["install", pkg]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /env: \["PREFIXER_DEBUG"\]/);
    assert.match(r.stderr, /--yes/);

    r = await aviary(b.api, ["install", pkgUrl, "--alias", "cli", "--yes"], { key: true });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /downloading .*: \d+ bytes/);
    assert.match(r.stdout, /"alias": "cli"/);

    r = await aviary(b.api, ["config", "set", "cli", '{"prefix": "Bad"}']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /BAD_CONFIG/);
    assert.match(r.stderr, /^ {2}prefix: lower case letters/m);
    r = await aviary(b.api, ["config", "set", "cli", '{"prefix": "x/"}']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /config version 1/);

    r = await aviary(b.api, ["start", "cli"]);
    assert.equal(r.stdout.trim(), "cli: running (enabled)");
    assert.equal(await roundTrip(b.url, "t"), "x/t");

    r = await aviary(b.api, ["list"], { key: true });
    assert.match(r.stdout, /^ALIAS\s+NAME\s+VERSION\s+STATE/);
    assert.match(r.stdout, /^cli\s+prefixer\s+1\.0\.0\s+running\s+true\s+message\.publish$/m);
    r = await aviary(b.api, ["config", "get", "cli"]);
    assert.equal(JSON.parse(r.stdout).prefix, "x/");
    r = await aviary(b.api, ["describe", "cli"]);
    assert.deepEqual(JSON.parse(r.stdout).health, { ok: true, message: "prefix x/" });
    r = await aviary(b.api, ["move", "cli", "front"]);
    assert.equal(r.stdout.trim(), "cli");
    r = await aviary(b.api, ["move", "cli", "sideways"]);
    assert.match(r.stderr, /BAD_POSITION/);

    r = await aviary(b.api, ["restart", "cli"]);
    assert.equal(r.stdout.trim(), "cli: running (enabled)");
    r = await aviary(b.api, ["stop", "cli"]);
    assert.equal(r.stdout.trim(), "cli: stopped (disabled)");
    assert.equal(await roundTrip(b.url, "t"), "t");
    r = await aviary(b.api, ["enable", "cli"]);
    assert.equal(r.stdout.trim(), "cli: stopped (enabled)");

    r = await aviary(b.api, ["uninstall", "cli"]);
    assert.equal(r.stdout.trim(), "Uninstalled cli");
    r = await aviary(b.api, ["describe", "cli"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /No plugin "cli" \(NOT_FOUND\)/);
    r = await aviary(b.api, ["list"]);
    assert.equal(r.code, 0);

    const wrong = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        "--allow-net",
        "--allow-env",
        MAIN,
        "plugins",
        "list",
        "--api",
        b.api,
        "--user",
        USER,
        "--password",
        "nope",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(wrong.code, 1);
    assert.match(new TextDecoder().decode(wrong.stderr), /UNAUTHORIZED/);
  } finally {
    await http.shutdown();
    await b.close();
    await Deno.remove(dir, { recursive: true });
  }
});

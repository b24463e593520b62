// The dashboard's grant form (issue 16 item 3) in real headless Chromium: see
// _dashboard_grant.ts for the steps. Also the grant rules the form shares with the API
// (server/admin/dashboard/grant_rules.js), checked here without a browser.
// Needs /usr/bin/chromium: `apt-get install -y chromium` (Debian package).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import {
  entryProblem,
  grantProblems,
  splitEntries,
} from "../../server/admin/dashboard/grant_rules.js";

const HAVE_CHROMIUM = existsSync("/usr/bin/chromium");

Deno.test("grant rules accept host, host:port and [ipv6]:port net entries", () => {
  for (const ok of ["127.0.0.1:1883", "broker.example", "api.example.com:443", "[::1]:1883"]) {
    assert.equal(entryProblem("net", ok), null, ok);
  }
});

Deno.test("grant rules refuse malformed entries, naming the entry and what was expected", () => {
  assert.equal(
    entryProblem("net", "::::"),
    'net entry "::::" is not host or host:port (IPv6 in brackets: [::1]:1883)',
  );
  for (const bad of ["host:0", "host:65536", "host:", "a b:1", "http://x:1", "[zz]:1", ":1883"]) {
    assert.match(entryProblem("net", bad) ?? "", /^net entry .* is not host or host:port/, bad);
  }
  assert.match(entryProblem("read", "etc/passwd") ?? "", /is not an absolute path/);
  assert.match(entryProblem("env", "<img src=x>") ?? "", /is not a variable name/);
  assert.match(entryProblem("sys", "everything") ?? "", /is not one of hostname,/);
  assert.match(entryProblem("run", "rm -rf") ?? "", /without spaces/);
  assert.match(entryProblem("net", "a\0b") ?? "", /empty or not text/);
  assert.match(entryProblem("nett", "x") ?? "", /^Unknown permission "nett"/);
});

Deno.test("grant rules check a whole grant: wrong types and unknown keys", () => {
  assert.deepEqual(grantProblems({ net: ["127.0.0.1:1883"], env: true, read: false }), []);
  assert.deepEqual(grantProblems(["net"]), ['The grant must be an object, got ["net"]']);
  assert.deepEqual(grantProblems({ net: "all" }), [
    'net must be true, false or a list, got "all"',
  ]);
  assert.equal(grantProblems({ net: ["::::", "ok:1"], nett: true }).length, 2);
  assert.deepEqual(splitEntries(" a:1, b:2\n\n c:3 ,"), ["a:1", "b:2", "c:3"]);
});

Deno.test({
  name:
    "Dashboard grant form: narrowed net grant, server refusal and bad entry in red, XSS as text",
  ignore: !HAVE_CHROMIUM,
  async fn() {
    const out = await Deno.makeTempDir({ prefix: "aviary-grant-" });
    try {
      const scenario = new URL("./_dashboard_grant.ts", import.meta.url).pathname;
      const run = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--no-prompt", scenario, out],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(run.stdout) + new TextDecoder().decode(run.stderr);
      assert.equal(run.code, 0, text);
      assert.match(text, /dashboard grant scenario passed/);
      const files = [...Deno.readDirSync(out)].map((e) => e.name).sort();
      assert.equal(files.length, 5, files.join(", "));
      for (const name of files) {
        const bytes = await Deno.readFile(`${out}/${name}`);
        const width = new DataView(bytes.buffer).getUint32(16); // PNG IHDR (playwright-free)
        assert.equal(width, name.startsWith("phone") ? 420 : 1280, name);
        assert.ok(bytes.length > 5_000, `${name}: ${bytes.length} bytes`);
      }
      if (Deno.env.get("AVIARY_KEEP_SCREENSHOTS")) console.log(`screenshots in ${out}`);
    } finally {
      if (!Deno.env.get("AVIARY_KEEP_SCREENSHOTS")) await Deno.remove(out, { recursive: true });
    }
  },
});

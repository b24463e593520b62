// Dashboard v2 in real headless Chromium with real MQTT.js clients (see _dashboard_views.ts for
// the steps): login gate, clients search and kick, retained browser, topic tester both ways, live
// charts, failures in red, 401 back to login, hostile names as text, a 420 px phone, and
// screenshots of every view at 1280x800 and 420 px, checked here again.
// Needs /usr/bin/chromium: `apt-get install -y chromium` (Debian package).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";

const HAVE_CHROMIUM = existsSync("/usr/bin/chromium");

Deno.test({
  name: "Dashboard v2: every view in Chromium at 1280x800 and 420 px, with screenshots",
  ignore: !HAVE_CHROMIUM,
  async fn() {
    const out = await Deno.makeTempDir({ prefix: "aviary-dashboard-" });
    try {
      const scenario = new URL("./_dashboard_views.ts", import.meta.url).pathname;
      const run = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--no-prompt", scenario, out],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(run.stdout) + new TextDecoder().decode(run.stderr);
      assert.equal(run.code, 0, text);
      assert.match(text, /dashboard views passed/);
      const files = [...Deno.readDirSync(out)].map((e) => e.name).sort();
      assert.equal(files.length, 12, files.join(", "));
      for (const name of files) {
        const bytes = await Deno.readFile(`${out}/${name}`);
        const width = new DataView(bytes.buffer).getUint32(16);
        assert.equal(width, name.startsWith("phone") ? 420 : 1280, name);
        assert.ok(bytes.length > 5_000, `${name}: ${bytes.length} bytes`);
      }
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});

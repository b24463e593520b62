// The whole lifecycle of one plugin through the dashboard in real headless Chromium
// (playwright-core), observed by a real MQTT client: see _dashboard_scenario.ts for the steps.
// Needs /usr/bin/chromium: `apt-get install -y chromium` (Debian package).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";

const HAVE_CHROMIUM = existsSync("/usr/bin/chromium");
if (!HAVE_CHROMIUM) {
  console.warn("dashboard_test skipped: install Chromium with `apt-get install -y chromium`");
}

Deno.test({
  name: "Dashboard: login, install through the grant form, bad config at the field, start, stop",
  ignore: !HAVE_CHROMIUM,
  async fn() {
    const scenario = new URL("./_dashboard_scenario.ts", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-prompt", scenario],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, text);
    assert.match(text, /dashboard scenario passed/);
  },
});

import assert from "node:assert/strict";
import { PluginGuard, type RosterRow } from "./plugin_guard.ts";

/** A guard over a mutable roster; `loaded` maps alias -> manifest object (the cheap signal). */
function guardOver(rows: RosterRow[], lists: { auth?: string[] | null; acl?: string[] | null }) {
  const loaded = new Map<string, object>();
  const guard = new PluginGuard(() => rows, {
    has: (hook) => rows.some((r) => r.state === "running" && r.hooks.includes(hook)),
    manifest: (alias) => loaded.get(alias) ?? null,
  }, { "client.authenticate": lists.auth ?? null, "client.authorize": lists.acl ?? null });
  return { guard, loaded };
}

Deno.test("PluginGuard: a listed authenticator that is not running is missing", () => {
  const rows: RosterRow[] = [{ alias: "pw", state: "stopped", hooks: [], enabled: false }];
  const { guard } = guardOver(rows, { auth: ["pw"] });
  assert.deepEqual(guard.check("client.authenticate").missing, ["pw"]);
  assert.equal(guard.check("client.authenticate").configured, true);
});

Deno.test("PluginGuard: with plugins null, a plugin seen running keeps its duty once stopped", () => {
  const rows: RosterRow[] = [
    { alias: "acl", state: "running", hooks: ["client.authorize"], enabled: true },
  ];
  const { guard, loaded } = guardOver(rows, {});
  loaded.set("acl", {});
  assert.deepEqual(guard.check("client.authorize").missing, []);
  rows[0] = { alias: "acl", state: "stopped", hooks: [], enabled: false }; // `plugins stop`
  loaded.delete("acl");
  assert.deepEqual(guard.check("client.authorize").missing, ["acl"]);
  rows.length = 0; // uninstalled: no duty left
  loaded.set("acl", {}); // any cheap signal change makes it look again
  assert.deepEqual(guard.check("client.authorize").missing, []);
});

Deno.test("PluginGuard: with plugins null, a plugin that failed before its hooks were known is unknown", () => {
  const rows: RosterRow[] = [{ alias: "x", state: "failed", hooks: [], enabled: true }];
  const { guard } = guardOver(rows, {});
  const view = guard.check("client.authenticate");
  assert.deepEqual(view.unknown, ["x"]);
  assert.deepEqual(view.missing, []);
  assert.equal(view.configured, true);
});

Deno.test("PluginGuard: nothing configured is nothing missing", () => {
  const { guard } = guardOver([], {});
  assert.deepEqual(guard.check("client.authenticate"), {
    ...guard.check("client.authenticate"),
    missing: [],
    unknown: [],
    configured: false,
  });
});

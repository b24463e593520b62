// The redaction of the broker config for plugins, proved against the config schema: every
// string field of the schema gets a unique sentinel, and every secret-bearing one (by a broader
// rule than the redaction's own) must be gone from a plugin's view, every other one kept.
import assert from "node:assert/strict";
import { BROKER_SCHEMA } from "../../schema/broker_schema.ts";
import { isSecretField, pluginConfigView } from "./config_view.ts";

/** What a test reviewer calls secret-bearing: broader than the redaction rule on purpose. */
const SECRET_BEARING = /pass|secret|key|cred|token|hash|private|users/i;

type Schema = unknown;
const named = new Map<string, Schema>();

/** A value for `type` with a unique sentinel in every string; records every string path. */
function sample(type: Schema, path: string, strings: string[]): unknown {
  if (typeof type === "string") {
    if (type === "string") {
      strings.push(path);
      return `S<${path}>`;
    }
    if (["int", "long", "float", "double"].includes(type)) return 1;
    if (type === "boolean") return true;
    if (type === "null") return null;
    const ref = named.get(type) ?? named.get(type.split(".").at(-1)!);
    assert.ok(ref, `unknown type ${type} at ${path}`);
    return sample(ref, path, strings);
  }
  if (Array.isArray(type)) return sample(type.find((t) => t !== "null"), path, strings);
  const t = type as Record<string, unknown>;
  if (t.name) named.set(String(t.name), t);
  if (t.logicalType === "json-object") return { inner: sample("string", `${path}.inner`, strings) };
  switch (t.type) {
    case "record": {
      const out: Record<string, unknown> = {};
      for (const f of t.fields as { name: string; type: Schema }[]) {
        out[f.name] = sample(f.type, path ? `${path}.${f.name}` : f.name, strings);
      }
      return out;
    }
    case "array":
      return [sample(t.items, `${path}[]`, strings)];
    case "map":
      return { m: sample(t.values, `${path}.m`, strings) };
    case "enum":
      return (t.symbols as string[])[0];
    default:
      return sample(t.type, path, strings);
  }
}

Deno.test("pluginConfigView() redacts every secret-bearing field of the config schema", () => {
  const strings: string[] = [];
  const config = sample(BROKER_SCHEMA, "", strings) as Record<string, unknown>;
  const view = JSON.stringify(pluginConfigView(config, "me", { source: "./me.ts" }));
  const secret = strings.filter((p) => p.split(/[.[\]]/).some((s) => SECRET_BEARING.test(s)));
  assert.ok(secret.length >= 7, `found only ${secret.join(", ")}`);
  for (const p of secret) assert.ok(!view.includes(`S<${p}>`), `${p} leaks into the view`);
  const kept = strings.filter((p) => !secret.includes(p) && !p.startsWith("plugins."));
  assert.ok(kept.length > 10);
  for (const p of kept) assert.ok(view.includes(`S<${p}>`), `${p} is missing from the view`);
  for (const p of strings.filter((p) => p.startsWith("plugins."))) {
    assert.ok(!view.includes(`S<${p}>`), `another plugin's ${p} leaks into the view`);
  }
});

Deno.test("pluginConfigView() keeps the caller's own entry and config; the view is frozen", () => {
  const view = pluginConfigView(
    { mqtt: { max_packet_size: 10 }, plugins: { me: { source: "x" } } },
    "me",
    { source: "./me.ts", config: { token: "mine" }, integrity: null },
  );
  assert.deepEqual(view.plugin, {
    alias: "me",
    source: "./me.ts",
    integrity: null,
    config: { token: "mine" },
  });
  assert.ok(Object.isFrozen(view.plugin.config));
  assert.throws(() => ((view.mqtt as Record<string, number>).max_packet_size = 1), TypeError);
});

Deno.test("isSecretField() names what a later section might add", () => {
  for (const name of ["password", "client_secret", "token", "private_key", "tls_key", "keys"]) {
    assert.equal(isSecretField(name), true, name);
  }
  for (const name of ["key_id", "max_keepalive", "bind", "cert", "username"]) {
    assert.equal(isSecretField(name), false, name);
  }
});

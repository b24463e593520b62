import assert from "node:assert/strict";
import { BROKER_SCHEMA } from "./broker_schema.ts";
import { compileAvro } from "./validate.ts";

type Node = Record<string, unknown>;

function fields(schema: unknown, prefix = ""): [string, Node][] {
  if (Array.isArray(schema)) return schema.flatMap((s) => fields(s, prefix));
  if (schema === null || typeof schema !== "object") return [];
  const node = schema as Node;
  const own = ((node.fields ?? []) as Node[]).flatMap((f): [string, Node][] => [
    [`${prefix}${f.name}`, f],
    ...fields(f.type, `${prefix}${f.name}.`),
  ]);
  return [...own, ...fields(node.values, prefix), ...fields(node.items, prefix)];
}

Deno.test("broker.avsc is BROKER_SCHEMA (regenerate with schema/_write_avsc.ts)", async () => {
  const file = await Deno.readTextFile(new URL("./broker.avsc", import.meta.url));
  assert.deepEqual(JSON.parse(file), BROKER_SCHEMA);
});

Deno.test("BROKER_SCHEMA compiles with avsc", () => {
  assert.equal(compileAvro(BROKER_SCHEMA).typeName, "record");
});

Deno.test("BROKER_SCHEMA has a doc on every field", () => {
  const undocumented = fields(BROKER_SCHEMA).filter(([, f]) => typeof f.doc !== "string");
  assert.deepEqual(undocumented.map(([path]) => path), []);
});

Deno.test("BROKER_SCHEMA has a default on every field but the required ones", () => {
  const required = fields(BROKER_SCHEMA).filter(([, f]) => !("default" in f));
  assert.deepEqual(required.map(([path]) => path), [
    "listeners.type",
    "listeners.bind",
    "plugins.source",
    "admin.users.username",
    "admin.users.password_hash",
    "admin.api_keys.key_id",
    "admin.api_keys.secret_hash",
  ]);
});

Deno.test("BROKER_SCHEMA nullable fields default to null", () => {
  for (const [path, f] of fields(BROKER_SCHEMA)) {
    if (Array.isArray(f.type) && f.type[0] === "null") assert.equal(f.default, null, path);
  }
});

import assert from "node:assert/strict";
import { compileAvro, validateAvro } from "./validate.ts";

const SERVER = {
  type: "record",
  name: "Server",
  fields: [
    { name: "name", type: "string" },
    { name: "port", type: "int", default: 1883 },
    {
      name: "level",
      type: { type: "enum", name: "Level", symbols: ["debug", "info"] },
      default: "info",
    },
    { name: "tag", type: ["null", "string"], default: null },
    {
      name: "routes",
      type: {
        type: "map",
        values: {
          type: "record",
          name: "Route",
          fields: [
            { name: "to", type: "string" },
            { name: "weight", type: "int", default: 1 },
          ],
        },
      },
      default: {},
    },
    {
      name: "hops",
      type: { type: "array", items: "Route" },
      default: [],
    },
    { name: "grant", type: ["boolean", { type: "array", items: "string" }], default: false },
    { name: "extra", type: { type: "string", logicalType: "json-object" }, default: "{}" },
    { name: "any", type: { type: "string", logicalType: "json" }, default: "null" },
  ],
};

Deno.test("validateAvro() fills defaults, also in records inside maps and arrays", () => {
  const { value, errors } = validateAvro(SERVER, {
    name: "a",
    routes: { r1: { to: "x" } },
    hops: [{ to: "y", weight: 5 }, { to: "z" }],
  });
  assert.deepEqual(errors, []);
  assert.deepEqual(value, {
    name: "a",
    port: 1883,
    level: "info",
    tag: null,
    routes: { r1: { to: "x", weight: 1 } },
    hops: [{ to: "y", weight: 5 }, { to: "z", weight: 1 }],
    grant: false,
    extra: {},
    any: null,
  });
});

Deno.test("validateAvro() reports an unknown key with its path", () => {
  const { errors } = validateAvro(SERVER, { name: "a", routes: { r1: { to: "x", colour: 1 } } });
  assert.deepEqual(errors, [{ path: "routes.r1.colour", message: "unknown key" }]);
});

Deno.test("validateAvro() suggests a close key name", () => {
  const { errors } = validateAvro(SERVER, { name: "a", prot: 1 });
  assert.deepEqual(errors, [{ path: "prot", message: 'unknown key, did you mean "port"?' }]);
});

Deno.test("validateAvro() reports a wrong type naming what was expected", () => {
  const { errors } = validateAvro(SERVER, { name: 42, routes: [] });
  assert.deepEqual(errors, [
    { path: "name", message: "42 is not a string" },
    { path: "routes", message: "[] is not an object" },
  ]);
});

Deno.test("validateAvro() lists the allowed symbols of an enum", () => {
  const { errors } = validateAvro(SERVER, { name: "a", level: "loud" });
  assert.deepEqual(errors, [{ path: "level", message: '"loud" is not one of debug, info' }]);
});

Deno.test("validateAvro() checks integers and the int range", () => {
  const { errors } = validateAvro(SERVER, {
    name: "a",
    routes: { a: { to: "b", weight: 1.5 } },
    port: 2 ** 31,
  });
  assert.deepEqual(errors, [
    { path: "port", message: "2147483648 is out of range (-2147483648 to 2147483647)" },
    { path: "routes.a.weight", message: "1.5 is not an integer" },
  ]);
});

Deno.test("validateAvro() takes unions as plain values, not Avro's JSON encoding", () => {
  assert.deepEqual(validateAvro(SERVER, { name: "a", tag: "t" }).errors, []);
  assert.deepEqual(validateAvro(SERVER, { name: "a", tag: { string: "t" } }).errors, [
    { path: "tag", message: '{"string":"t"} is not null or a string' },
  ]);
  assert.deepEqual(validateAvro(SERVER, { name: "a", grant: ["net"] }).errors, []);
});

Deno.test("validateAvro() reports inside the one union branch that has the value's shape", () => {
  const { errors } = validateAvro(SERVER, { name: "a", grant: ["net", 3] });
  assert.deepEqual(errors, [{ path: "grant[1]", message: "3 is not a string" }]);
});

Deno.test("validateAvro() accepts any JSON object for logicalType json-object", () => {
  const extra = { deep: [1, { x: null }], s: "y" };
  const { value, errors } = validateAvro<{ extra: unknown }>(SERVER, { name: "a", extra });
  assert.deepEqual(errors, []);
  assert.deepEqual(value.extra, extra);
  assert.deepEqual(validateAvro(SERVER, { name: "a", extra: 5 }).errors, [
    { path: "extra", message: "5 is not an object" },
  ]);
  assert.deepEqual(validateAvro(SERVER, { name: "a", any: [1, "x"] }).errors, []);
});

Deno.test("validateAvro() reports a missing required key", () => {
  const { errors } = validateAvro(SERVER, { routes: { r: {} } });
  assert.deepEqual(errors, [
    { path: "name", message: "missing required key (a string)" },
    { path: "routes.r.to", message: "missing required key (a string)" },
  ]);
});

Deno.test("validateAvro() collects every error", () => {
  const { errors } = validateAvro(SERVER, { name: 1, port: "x", level: 2, hops: [{}], what: 0 });
  assert.deepEqual(errors.map((e) => e.path), ["what", "name", "port", "level", "hops[0].to"]);
});

Deno.test("validateAvro() maps input keys with fieldKey and rejects two spellings", () => {
  const fieldKey = (k: string) => k.replaceAll("-", "_");
  const schema = { type: "record", name: "A", fields: [{ name: "allow_x", type: "boolean" }] };
  assert.deepEqual(validateAvro(schema, { "allow-x": true }, { fieldKey }).value, {
    allow_x: true,
  });
  assert.deepEqual(validateAvro(schema, { "allow-x": true, allow_x: true }, { fieldKey }).errors, [
    { path: "allow_x", message: 'duplicate of key "allow-x"' },
  ]);
});

Deno.test("validateAvro() reports a non-object at the top with an empty path", () => {
  assert.deepEqual(validateAvro(SERVER, ["x"]).errors, [
    { path: "", message: '["x"] is not an object' },
  ]);
});

Deno.test("compileAvro() throws a TypeError for an invalid schema", () => {
  assert.throws(
    () => compileAvro({ type: "record", name: "A", fields: [{ name: "x", type: "nope" }] }),
    {
      name: "TypeError",
      message: /^Invalid Avro schema: /,
    },
  );
});

Deno.test("validateAvro() with nullAsMissing gives null fields their default unless null is valid", () => {
  const value = { name: "a", port: null, tag: null, routes: null };
  assert.deepEqual(validateAvro(SERVER, value).errors.map((e) => e.path), ["port", "routes"]);
  const result = validateAvro<Record<string, unknown>>(SERVER, value, { nullAsMissing: true });
  assert.deepEqual(result.errors, []);
  assert.deepEqual([result.value.port, result.value.tag, result.value.routes], [1883, null, {}]);
  assert.deepEqual(validateAvro(SERVER, { name: null }, { nullAsMissing: true }).errors, [
    { path: "name", message: "missing required key (a string)" },
  ]);
});

import assert from "node:assert/strict";
import { ConfigError, ConfigSyntaxError } from "./errors.ts";

Deno.test("ConfigError names the file and every field path", () => {
  const error = new ConfigError("aviary.yaml", [
    { path: "listeners.default.bind", message: "42 is not a string" },
    { path: "", message: "something about the whole file" },
  ]);
  assert.equal(error.name, "ConfigError");
  assert.equal(error.file, "aviary.yaml");
  assert.equal(error.path, "listeners.default.bind");
  assert.equal(
    error.message,
    "Invalid config aviary.yaml: listeners.default.bind: 42 is not a string; something about the whole file",
  );
});

Deno.test("ConfigSyntaxError is a ConfigError with line and column", () => {
  const cause = new Error("inner");
  const error = new ConfigSyntaxError("a.yaml", 2, 5, "Map keys must be unique", { cause });
  assert.ok(error instanceof ConfigError);
  assert.equal(error.name, "ConfigSyntaxError");
  assert.deepEqual([error.file, error.line, error.column, error.path], ["a.yaml", 2, 5, ""]);
  assert.equal(
    error.message,
    "Cannot parse config a.yaml at line 2, column 5: Map keys must be unique",
  );
  assert.equal(error.cause, cause);
});

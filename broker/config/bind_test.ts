import assert from "node:assert/strict";
import { formatBind, parseBind } from "./bind.ts";

Deno.test("parseBind() splits host and port", () => {
  assert.deepEqual(parseBind("127.0.0.1:1883"), { hostname: "127.0.0.1", port: 1883 });
  assert.deepEqual(parseBind("broker.local:0"), { hostname: "broker.local", port: 0 });
  assert.deepEqual(parseBind("[::1]:65535"), { hostname: "::1", port: 65535 });
});

Deno.test("parseBind() throws a TypeError for text that is not host:port", () => {
  for (const bad of ["1883", ":1883", "host:", "host:port", "::1:1883", "a b:1", "[::1]1883"]) {
    assert.throws(() => parseBind(bad), { name: "TypeError", message: /expected host:port$/ }, bad);
  }
});

Deno.test("parseBind() throws a RangeError for a port above 65535", () => {
  assert.throws(() => parseBind("0.0.0.0:65536"), {
    name: "RangeError",
    message: 'Cannot parse bind address "0.0.0.0:65536": port 65536 is not 0-65535',
  });
});

Deno.test("formatBind() brackets IPv6 hosts and round-trips with parseBind()", () => {
  for (const bind of ["127.0.0.1:1883", "[::]:8883", "example.com:80"]) {
    const { hostname, port } = parseBind(bind);
    assert.equal(formatBind(hostname, port), bind);
  }
});

import assert from "node:assert/strict";
import { formatAddr, parseBind } from "./address.ts";

Deno.test("parseBind() reads IPv4, IPv6 in brackets and host names", () => {
  assert.deepEqual(parseBind("127.0.0.1:1883"), { hostname: "127.0.0.1", port: 1883 });
  assert.deepEqual(parseBind("[::1]:8883"), { hostname: "::1", port: 8883 });
  assert.deepEqual(parseBind("[::]:0"), { hostname: "::", port: 0 });
  assert.deepEqual(parseBind("localhost:8080"), { hostname: "localhost", port: 8080 });
  assert.deepEqual(parseBind("0.0.0.0:0"), { hostname: "0.0.0.0", port: 0 });
});

Deno.test("parseBind() rejects what is not host:port", () => {
  for (const bad of ["1883", "::1:1883", "host:", ":1883", "host:port", "[::1]1883", ""]) {
    assert.throws(() => parseBind(bad), TypeError, bad);
  }
  assert.throws(() => parseBind("127.0.0.1:65536"), {
    name: "RangeError",
    message: 'Invalid bind address "127.0.0.1:65536": port must be from 0 to 65535',
  });
});

Deno.test("formatAddr() brackets IPv6 addresses", () => {
  assert.equal(formatAddr("::1", 1), "[::1]:1");
  assert.equal(formatAddr("10.0.0.1", 2), "10.0.0.1:2");
});

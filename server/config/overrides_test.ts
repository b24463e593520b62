import assert from "node:assert/strict";
import { parseConfig } from "./load.ts";
import { applyOverrides } from "./overrides.ts";

const TWO = `
listeners:
  tls: {type: tls, bind: "0.0.0.0:8883", cert: c.pem, key: k.pem}
  main: {type: tcp, bind: "10.0.0.1:1883"}
  web: {type: ws, bind: "10.0.0.1:9001", path: /ws}
`;

Deno.test("applyOverrides() changes the first tcp listener and leaves the input alone", () => {
  const cfg = parseConfig(TWO, "aviary.yaml");
  const out = applyOverrides(cfg, { port: 1884 });
  assert.equal(out.listeners.main.bind, "10.0.0.1:1884");
  assert.equal(out.listeners.tls.bind, "0.0.0.0:8883");
  assert.equal(cfg.listeners.main.bind, "10.0.0.1:1883");
  assert.equal(applyOverrides(cfg, { host: "::1" }).listeners.main.bind, "[::1]:1883");
});

Deno.test("applyOverrides() adds a default tcp listener when there is none", () => {
  const cfg = parseConfig("listeners:\n  default: {type: ws, bind: '127.0.0.1:8080'}\n", "a.yaml");
  const out = applyOverrides(cfg, { host: "0.0.0.0" });
  assert.deepEqual(Object.keys(out.listeners), ["default", "default2"]);
  assert.equal(out.listeners.default2.type, "tcp");
  assert.equal(out.listeners.default2.bind, "0.0.0.0:1883");
});

Deno.test("applyOverrides() puts --ws-port on the tcp listener's host", () => {
  const cfg = parseConfig(TWO, "aviary.yaml");
  const out = applyOverrides(cfg, { wsPort: 8080 });
  assert.equal(out.listeners.web.bind, "10.0.0.1:8080");
  assert.equal(out.listeners.web.path, "/ws");
  const added = applyOverrides(parseConfig("", "a.yaml"), { host: "0.0.0.0", wsPort: 8080 });
  // The added listener is what the same entry in a config file would be, defaults included.
  const written = parseConfig("listeners:\n  ws: {type: ws, bind: '0.0.0.0:8080'}\n", "a.yaml");
  assert.deepEqual(added.listeners.ws, written.listeners.ws);
  assert.equal(added.listeners.ws.path, "/mqtt");
});

Deno.test("applyOverrides() sets the log level", () => {
  assert.equal(applyOverrides(parseConfig("", "a.yaml"), { logLevel: "debug" }).log.level, "debug");
});

Deno.test("applyOverrides() rejects bad ports and levels", () => {
  const cfg = parseConfig("", "a.yaml");
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => applyOverrides(cfg, { port: 70000, wsPort: 1.5, logLevel: "loud" as any }),
    {
      name: "ConfigError",
      message: "Invalid config (command line): --port: 70000 is not a port (0 to 65535); " +
        '--ws-port: 1.5 is not a port (0 to 65535); --log-level: "loud" is not one of debug, info, warn, error',
    },
  );
});

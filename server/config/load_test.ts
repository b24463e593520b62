import assert from "node:assert/strict";
import { DEFAULT_CONFIG_NAME, DEFAULT_CONFIG_YAML } from "./defaults.ts";
import { ConfigError, ConfigSyntaxError } from "./errors.ts";
import { loadConfig, parseConfig } from "./load.ts";
import type { BrokerConfig } from "./types.ts";

/** The defaults as documented in REFERENCE.md and the design brief. */
const DOCUMENTED: BrokerConfig = {
  listeners: {
    default: {
      type: "tcp",
      bind: "127.0.0.1:1883",
      cert: null,
      key: null,
      ca: null,
      require_client_cert: false,
      path: "/mqtt",
      max_connections: 0,
      socket: "deno",
    },
  },
  mqtt: {
    max_packet_size: 1048576,
    max_keepalive: 65535,
    connect_timeout_ms: 10000,
    receive_maximum: 100,
    max_inflight: 100,
    topic_alias_maximum: 10,
    max_queued_messages: 1000,
    max_session_expiry: 604800,
    allow_zero_length_clientid: true,
    retain_available: true,
  },
  log: { level: "info", format: "text", connections: true },
  auth: { allow_anonymous: false, plugins: null },
  topic_check: { enable: false, plugins: null },
  plugins: {},
  data_dir: ".data",
  persistence: { backend: "sqlite", sync: "process", file: "aviary.db", max_messages: 1000000 },
  admin: { enable: false, bind: "127.0.0.1:18083", users: [], api_keys: [] },
  cluster: {
    enable: false,
    node: null,
    subject_prefix: "aviary",
    replicas: 1,
    nats: {
      servers: ["nats://127.0.0.1:4222"],
      credentials: null,
      tls_ca: null,
      tls_cert: null,
      tls_key: null,
    },
  },
};

/** Runs `fn`, which must throw a ConfigError, and returns it. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error;
  }
  assert.fail("expected a ConfigError");
}

Deno.test("parseConfig() fills every default of an empty file as documented", () => {
  assert.deepEqual(parseConfig("", "aviary.yaml"), DOCUMENTED);
  assert.deepEqual(parseConfig("# nothing\n", "aviary.yaml"), DOCUMENTED);
});

Deno.test("parseConfig() fills defaults of plugin entries and resolves ./ sources against the file", () => {
  const cfg = parseConfig("plugins:\n  acl:\n    source: ./acl.ts\n", "/etc/aviary/aviary.yaml");
  assert.deepEqual(cfg.plugins.acl, {
    source: "/etc/aviary/acl.ts",
    permissions: {},
    config: {},
    priority: 0,
    enabled: true,
    timeout_ms: 5000,
    integrity: null,
    isolation: "auto",
    limits: { memory_mb: 128, store_mb: 16, publish_per_second: 1000 },
    on_error: "deny",
    on_timeout: "deny",
    transform_plugin_messages: false,
  });
});

Deno.test("parseConfig() keeps only the permissions granted and the plugin config as given", () => {
  const yaml = `
plugins:
  auth-http:
    source: npm:aviary-auth-http
    permissions: { net: ["auth.example.com:443"], env: false }
    config: { url: "https://auth.example.com", retries: [1, 2] }
`;
  const plugin = parseConfig(yaml, "aviary.yaml").plugins["auth-http"];
  assert.deepEqual(plugin.permissions, { net: ["auth.example.com:443"], env: false });
  assert.deepEqual(plugin.config, { url: "https://auth.example.com", retries: [1, 2] });
});

Deno.test("parseConfig() reports an unknown key with its path", () => {
  const error = configError(() => parseConfig("mqtt:\n  colour: red\n", "aviary.yaml"));
  assert.equal(error.file, "aviary.yaml");
  assert.equal(error.path, "mqtt.colour");
  assert.equal(error.message, "Invalid config aviary.yaml: mqtt.colour: unknown key");
});

Deno.test("parseConfig() reports a wrong type", () => {
  const error = configError(() =>
    parseConfig("listeners:\n  default:\n    type: tcp\n    bind: 42\n", "aviary.yaml")
  );
  assert.deepEqual(error.issues, [{
    path: "listeners.default.bind",
    message: "42 is not a string",
  }]);
});

Deno.test("parseConfig() lists the allowed values of a bad enum", () => {
  const error = configError(() => parseConfig("log:\n  level: loud\n", "aviary.yaml"));
  assert.equal(
    error.message,
    'Invalid config aviary.yaml: log.level: "loud" is not one of debug, info, warn, error',
  );
});

Deno.test("parseConfig() collects every error", () => {
  const yaml =
    "listeners:\n  default: {type: tcp, bind: 42}\nmqtt: {colour: red}\nlog: {format: xml}\n";
  const error = configError(() => parseConfig(yaml, "aviary.yaml"));
  assert.equal(
    error.message,
    "Invalid config aviary.yaml: listeners.default.bind: 42 is not a string; " +
      'mqtt.colour: unknown key; log.format: "xml" is not one of text, json',
  );
  assert.equal(error.issues.length, 3);
});

Deno.test("parseConfig() accepts aMQTT's dashed keys but keeps names as written", () => {
  const yaml = `
listeners:
  my-ws: {type: ws, bind: "127.0.0.1:8080", max-connections: 5}
auth: {allow-anonymous: true, plugins: [auth-file]}
topic-check: {enable: true}
plugins:
  auth-file: {source: ./auth.ts, timeout-ms: 100}
`;
  const cfg = parseConfig(yaml, "aviary.yaml");
  assert.equal(cfg.listeners["my-ws"].max_connections, 5);
  assert.equal(cfg.auth.allow_anonymous, true);
  assert.deepEqual(cfg.auth.plugins, ["auth-file"]);
  assert.equal(cfg.topic_check.enable, true);
  assert.equal(cfg.plugins["auth-file"].timeout_ms, 100);
});

Deno.test("parseConfig() reports YAML syntax errors with line and column", () => {
  const error = configError(() =>
    parseConfig("log:\n  level: info\n  format: [text\n", "aviary.yaml")
  );
  assert.ok(error instanceof ConfigSyntaxError);
  assert.equal(error.line, 4);
  assert.equal(error.column, 1);
  assert.match(error.message, /^Cannot parse config aviary\.yaml at line 4, column 1: /);
});

Deno.test("parseConfig() reports a duplicate YAML key at its line", () => {
  const error = configError(() => parseConfig("log: {}\ndata_dir: a\nlog: {}\n", "aviary.yaml"));
  assert.ok(error instanceof ConfigSyntaxError);
  assert.equal(error.line, 3);
});

Deno.test("parseConfig() validates the built-in default config", () => {
  const cfg = parseConfig(DEFAULT_CONFIG_YAML, DEFAULT_CONFIG_NAME);
  assert.deepEqual(cfg, { ...DOCUMENTED, auth: { allow_anonymous: true, plugins: null } });
});

Deno.test("parseConfig() resolves cert paths against the config file's directory", () => {
  const yaml = `
listeners:
  secure:
    type: tls
    bind: "0.0.0.0:8883"
    cert: certs/server.pem
    key: /etc/aviary/server.key
    ca: ../ca.pem
`;
  const secure = parseConfig(yaml, "conf/aviary.yaml").listeners.secure;
  assert.equal(secure.cert, "conf/certs/server.pem");
  assert.equal(secure.key, "/etc/aviary/server.key");
  assert.equal(secure.ca, "ca.pem");
  assert.equal(parseConfig(yaml, "aviary.yaml").listeners.secure.cert, "certs/server.pem");
});

Deno.test("parseConfig() runs the semantic checks", () => {
  const yaml = `
listeners:
  a: {type: tcp, bind: "localhost"}
  b: {type: tls, bind: "0.0.0.0:70000"}
  c: {type: ws, bind: "127.0.0.1:8080", path: mqtt}
  d: {type: tcp, bind: "127.0.0.1:8080"}
mqtt: {receive_maximum: 0}
auth: {plugins: [nope]}
topic_check: {plugins: [acl]}
plugins:
  acl: {source: ./acl.ts, integrity: md5-abc}
`;
  const error = configError(() => parseConfig(yaml, "aviary.yaml"));
  assert.deepEqual(error.issues, [
    { path: "listeners.a.bind", message: '"localhost" is invalid: expected host:port' },
    { path: "listeners.b.bind", message: '"0.0.0.0:70000" is invalid: port is not 0-65535' },
    { path: "listeners.b.cert", message: "required for a tls listener" },
    { path: "listeners.b.key", message: "required for a tls listener" },
    { path: "listeners.c.path", message: '"mqtt" does not start with "/"' },
    { path: "listeners.d.bind", message: '127.0.0.1:8080 is already used by listener "c"' },
    { path: "mqtt.receive_maximum", message: "0 is out of range (1 to 65535)" },
    { path: "auth.plugins[0]", message: '"nope" is not a plugin alias defined under plugins' },
    {
      path: "plugins.acl.integrity",
      message: '"md5-abc" is not sha256-<base64> (or sha384-, sha512-)',
    },
  ]);
});

Deno.test("parseConfig() needs a ca for require_client_cert", () => {
  const yaml =
    "listeners:\n  s: {type: wss, bind: ':8883', cert: c, key: k, require_client_cert: true}\n";
  const error = configError(() => parseConfig(yaml, "aviary.yaml"));
  assert.deepEqual(error.issues.map((i) => i.path), ["listeners.s.bind", "listeners.s.ca"]);
});

Deno.test("loadConfig() without a file loads the built-in default", async () => {
  const cfg = await loadConfig();
  assert.deepEqual(Object.keys(cfg.listeners), ["default"]);
  assert.equal(cfg.listeners.default.bind, "127.0.0.1:1883");
  assert.equal(cfg.auth.allow_anonymous, true);
});

Deno.test("loadConfig() reads a file and names it in errors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/aviary.yaml`;
    await Deno.writeTextFile(
      file,
      "listeners:\n  t: {type: tls, bind: '0.0.0.0:8883', cert: c.pem, key: k.pem}\n",
    );
    assert.equal((await loadConfig(file)).listeners.t.cert, `${dir}/c.pem`);
    await Deno.writeTextFile(file, "data_dir: 5\n");
    await assert.rejects(loadConfig(file), {
      name: "ConfigError",
      message: `Invalid config ${file}: data_dir: 5 is not a string`,
    });
    await assert.rejects(loadConfig(`${dir}/missing.yaml`), {
      name: "ConfigError",
      message: `Cannot read config ${dir}/missing.yaml: file not found`,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseConfig() reads an empty section as its defaults", () => {
  const yaml = "mqtt:\nlog:\nplugins:\n  # acl: {source: ./acl.ts}\nauth:\n  plugins:\n";
  assert.deepEqual(parseConfig(yaml, "aviary.yaml"), DOCUMENTED);
});

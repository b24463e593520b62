import assert from "node:assert/strict";
import { connect, delay, end, startTestBroker } from "../../../tests/helpers.ts";
import { passwd } from "../../../cli/passwd.ts";
import { assertRunning, builtinHarness, pluginStatus, testClient } from "../_testing.ts";
import { hashPassword, parseHash, timingSafeEqual, verifyPassword } from "../../sdk/password.ts";

const encoder = new TextEncoder();

Deno.test("hash: PBKDF2-SHA512 round trip at the default iteration count, and Mosquitto's $7$", async () => {
  const h = await hashPassword("s3cret");
  assert.match(h, /^\$pbkdf2-sha512\$i=210000\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.ok(await verifyPassword(encoder.encode("s3cret"), parseHash(h)!));
  assert.ok(!(await verifyPassword(encoder.encode("s3cret "), parseHash(h)!)));
  // written by `mosquitto_passwd -b` (Mosquitto 2.0) for password "secret"
  const mosq = parseHash(
    "$7$101$I+5hn5BENbx2ofd1$c5f+qRSj9ujJfv/gpmrvuziavgg8e4OsEPT5tr/SkBIQJrscz9K/MOIy+4MENdcm67X5b2JJpESZCIzSwOINYg==",
  )!;
  assert.ok(await verifyPassword(encoder.encode("secret"), mosq));
  assert.equal(parseHash("$6$abc$def"), null);
  assert.ok(timingSafeEqual(new Uint8Array([1]), new Uint8Array([1])));
  assert.ok(!timingSafeEqual(new Uint8Array([1]), new Uint8Array([1, 1])));
});

async function passwordFile(): Promise<{ dir: string; file: string }> {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  const file = `${dir}/passwd`;
  assert.equal(await passwd(["-b", "-c", "-I", "1000", file, "alice", "wonder"]), 0);
  assert.equal(await passwd(["-b", "-I", "1000", file, "admin", "root"]), 0);
  return { dir, file };
}

function brokerYaml(file: string, grant = file): string {
  return `
auth: {allow_anonymous: false, plugins: [passwords]}
plugins:
  passwords:
    source: auth_file
    permissions: {read: ["${grant}"]}
    config: {path: "${file}", reload_interval: 0.1, superusers: [admin]}
`;
}

Deno.test("auth_file: MQTT.js clients in, wrong password and unknown user refused alike, anonymous refused", async () => {
  const { dir, file } = await passwordFile();
  const broker = await startTestBroker(brokerYaml(file));
  try {
    assertRunning(broker);
    await end(
      await connect(broker.url, { username: "alice", password: "wonder", protocolVersion: 5 }),
    );
    await end(
      await connect(broker.url, { username: "alice", password: "wonder", protocolVersion: 4 }),
    );
    const refusal = (opts: Record<string, unknown>) =>
      connect(broker.url, { protocolVersion: 5, ...opts }).then(
        () => "connected",
        (e) => e.message,
      );
    const wrong = await refusal({ username: "alice", password: "nope" });
    const unknown = await refusal({ username: "mallory", password: "nope" });
    const none = await refusal({ username: "alice" });
    assert.match(wrong, /Bad User Name or Password/i);
    assert.equal(unknown, wrong);
    assert.equal(none, wrong);
    assert.match(await refusal({}), /Not authorized/i);
  } finally {
    await broker.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("auth_file: the file is reloaded on change without a restart", async () => {
  const { dir, file } = await passwordFile();
  const broker = await startTestBroker(brokerYaml(file));
  try {
    await assert.rejects(connect(broker.url, { username: "bob", password: "builder" }));
    assert.equal(await passwd(["-b", "-I", "1000", file, "bob", "builder"]), 0);
    assert.equal(await passwd(["-D", file, "alice"]), 0);
    await delay(400);
    await end(await connect(broker.url, { username: "bob", password: "builder" }));
    await assert.rejects(connect(broker.url, { username: "alice", password: "wonder" }));
    // a broken write keeps the users loaded before
    await Deno.writeTextFile(file, "garbage without colon\n", { append: true });
    await delay(400);
    await end(await connect(broker.url, { username: "bob", password: "builder" }));
  } finally {
    await broker.close();
    await Deno.remove(dir, { recursive: true });
  }
});

async function mosquittoPub(port: number, user: string, pass: string): Promise<number> {
  const out = await new Deno.Command("mosquitto_pub", {
    args: ["-h", "127.0.0.1", "-p", String(port), "-u", user, "-P", pass, "-t", "t", "-m", "x"],
    stdout: "null",
    stderr: "null",
  }).output();
  return out.code;
}

Deno.test("auth_file: mosquitto_pub -u -P against a file mixing aviary and mosquitto_passwd hashes", async () => {
  const { dir, file } = await passwordFile();
  const mosq = await new Deno.Command("mosquitto_passwd", {
    args: ["-b", file, "mosq", "quitto"],
    stdout: "null",
    stderr: "null",
  }).output();
  assert.equal(mosq.code, 0);
  assert.match(await Deno.readTextFile(file), /^mosq:\$7\$/m);
  const broker = await startTestBroker(brokerYaml(file));
  try {
    assert.equal(await mosquittoPub(broker.port, "mosq", "quitto"), 0);
    assert.equal(await mosquittoPub(broker.port, "alice", "wonder"), 0);
    assert.notEqual(await mosquittoPub(broker.port, "mosq", "wrong"), 0);
    assert.notEqual(await mosquittoPub(broker.port, "nobody", "quitto"), 0);
  } finally {
    await broker.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("auth_file: read must be granted, is scoped to the grant, and a missing grant fails closed", async () => {
  const { dir, file } = await passwordFile();
  const ungranted = await startTestBroker(`
auth: {allow_anonymous: false, plugins: [passwords]}
plugins:
  passwords: {source: auth_file, config: {path: "${file}"}}
`);
  const elsewhere = await startTestBroker(brokerYaml(file, `${dir}/other`));
  try {
    assert.match(pluginStatus(ungranted)[0].error ?? "", /permission read not granted/);
    await assert.rejects(connect(ungranted.url, { username: "alice", password: "wonder" }));
    const [s] = pluginStatus(elsewhere);
    assert.equal(s.state, "failed");
    assert.match(s.error ?? "", /NotCapable|read access/);
    await assert.rejects(connect(elsewhere.url, { username: "alice", password: "wonder" }));
  } finally {
    await ungranted.close();
    await elsewhere.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("auth_file: in its process cage (harness): reads only the granted file; right and wrong passwords", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  const file = `${dir}/passwd`;
  assert.equal(await passwd(["-b", "-c", "-I", "1000", file, "alice", "s3cret"]), 0);
  const h = await builtinHarness("auth_file", {
    config: { path: file, superusers: ["alice"] },
    grant: { read: [file] },
  });
  const login = (username: string, password: string) =>
    h.host.authenticate({ client: testClient(username), password: encoder.encode(password) });
  try {
    const ok = await login("alice", "s3cret");
    assert.equal(ok.result, "allow");
    assert.equal(ok.superuser, true);
    assert.equal((await login("alice", "wrong")).result, "deny");
    assert.equal((await login("bob", "s3cret")).result, "deny");
  } finally {
    await h.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("auth_file: in its process cage (harness): without a read grant for the file it does not start", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  const file = `${dir}/passwd`;
  assert.equal(await passwd(["-b", "-c", "-I", "1000", file, "alice", "s3cret"]), 0);
  try {
    await assert.rejects(
      builtinHarness("auth_file", { config: { path: file }, grant: { read: [`${dir}/other`] } }),
      /plugin did not start/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import { parseHash, verifyPassword } from "../plugins/sdk/password.ts";
import { parsePasswordFile } from "../plugins/builtin/auth_file/passwd_file.ts";
import { passwd, type PasswordSource } from "./passwd.ts";

const encoder = new TextEncoder();

function fakeStdin(lines: string[], terminal: boolean): PasswordSource {
  return {
    isTerminal: () => terminal,
    prompt: () => Promise.resolve(lines.shift() ?? ""),
    readLine: () => Promise.resolve(lines.shift() ?? ""),
  };
}

async function users(file: string): Promise<Map<string, string>> {
  return parsePasswordFile(await Deno.readTextFile(file)).users;
}

async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const error = console.error;
  console.error = () => {};
  try {
    return await fn();
  } finally {
    console.error = error;
  }
}

Deno.test("passwd() creates, updates and deletes users like mosquitto_passwd", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/passwd`;
  try {
    assert.equal(await passwd(["-b", "-c", "-I", "1000", file, "alice", "one"]), 0);
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
    assert.equal(await passwd(["-b", "-I", "1000", file, "bob", "two"]), 0);
    const first = await users(file);
    assert.deepEqual([...first.keys()], ["alice", "bob"]);
    const alice = parseHash(first.get("alice")!)!;
    assert.equal(alice.scheme, "pbkdf2-sha512");
    assert.equal(alice.iterations, 1000);
    assert.ok(await verifyPassword(encoder.encode("one"), alice));
    // update keeps the order and changes the hash
    assert.equal(await passwd(["-b", "-I", "1000", file, "alice", "uno"]), 0);
    const updated = parseHash((await users(file)).get("alice")!)!;
    assert.ok(await verifyPassword(encoder.encode("uno"), updated));
    assert.ok(!(await verifyPassword(encoder.encode("one"), updated)));
    assert.equal(await passwd(["-D", file, "bob"]), 0);
    assert.deepEqual([...(await users(file)).keys()], ["alice"]);
    assert.equal(await quietly(() => passwd(["-D", file, "bob"])), 1);
    // -c overwrites
    assert.equal(await passwd(["-b", "-c", "-I", "1000", file, "carol", "x"]), 0);
    assert.deepEqual([...(await users(file)).keys()], ["carol"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("passwd() asks twice on a terminal and reads one line otherwise", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/passwd`;
  try {
    const tty = fakeStdin(["pw", "pw"], true);
    assert.equal(await passwd(["-c", "-I", "1000", file, "alice"], tty), 0);
    const mismatch = fakeStdin(["pw", "other"], true);
    assert.equal(await quietly(() => passwd(["-I", "1000", file, "bob"], mismatch)), 1);
    assert.equal(await passwd(["-I", "1000", file, "carol"], fakeStdin(["piped"], false)), 0);
    const u = await users(file);
    assert.deepEqual([...u.keys()], ["alice", "carol"]);
    assert.ok(await verifyPassword(encoder.encode("piped"), parseHash(u.get("carol")!)!));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("passwd() refuses bad usage, a missing file without -c, and a username with a colon", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(await quietly(() => passwd(["only-a-file"])), 2);
    assert.equal(await quietly(() => passwd(["-D", "-b", `${dir}/p`, "u", "x"])), 2);
    assert.equal(await quietly(() => passwd(["-b", `${dir}/missing`, "u", "x"])), 1);
    assert.equal(await quietly(() => passwd(["-b", "-c", `${dir}/p`, "a:b", "x"])), 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("passwd() keeps mosquitto_passwd $7$ lines, which still verify", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/passwd`;
  try {
    const mosq =
      "m:$7$101$I+5hn5BENbx2ofd1$c5f+qRSj9ujJfv/gpmrvuziavgg8e4OsEPT5tr/SkBIQJrscz9K/MOIy+4MENdcm67X5b2JJpESZCIzSwOINYg==\n";
    await Deno.writeTextFile(file, mosq);
    assert.equal(await passwd(["-b", "-I", "1000", file, "alice", "x"]), 0);
    const u = await users(file);
    assert.ok(u.get("m")!.startsWith("$7$101$"));
    assert.ok(await verifyPassword(encoder.encode("secret"), parseHash(u.get("m")!)!));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

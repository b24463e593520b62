import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import type { IAuthPacket, IConnackPacket } from "mqtt-packet";
import { end, startTestBroker, type TestBroker } from "../../../tests/helpers.ts";
import { connectPacket, rawOpen } from "../../../tests/conformance/_raw.ts";
import { assertRunning } from "../_testing.ts";
import { ScramClient } from "./_client.ts";
import {
  checkClientFinal,
  formatVerifier,
  makeVerifier,
  parseVerifier,
  readClientFirst,
  ScramError,
} from "./scram.ts";

const enc = new TextEncoder();
const text = (b?: Uint8Array) => new TextDecoder().decode(b ?? new Uint8Array());
const METHOD = "SCRAM-SHA-256";

Deno.test("scram: the RFC 7677 example (user/pencil) gives its server signature", async () => {
  const salt = Uint8Array.from(atob("W22ZaJ0SNY7soEsUEjb6gQ=="), (c) => c.charCodeAt(0));
  const verifier = await makeVerifier("pencil", { salt, iterations: 4096 });
  assert.deepEqual(parseVerifier(formatVerifier(verifier)), verifier);
  const first = readClientFirst(enc.encode("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
  const nonce = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  const serverFirst = `r=${nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`;
  const final = enc.encode(`c=biws,r=${nonce},p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=`);
  const exchange = { clientFirstBare: first.bare, serverFirst, nonce };
  assert.equal(
    await checkClientFinal(final, exchange, verifier),
    "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
  );
  const wrong = await makeVerifier("pencils", { salt, iterations: 4096 });
  assert.equal(await checkClientFinal(final, exchange, wrong), null);
});

Deno.test("scram: hostile messages are refused with a ScramError naming the fault", async () => {
  const bad = [
    "p=tls-server-end-point,,n=user,r=abc", // channel binding
    "n,a=admin,n=user,r=abc", // authzid
    "n,,r=abc,n=user", // order
    "n,,n=user,r=abc,n=other", // twice
    "n,,n=us=er,r=abc", // bad escape
    "n,,n=user", // no nonce
  ];
  for (const m of bad) assert.throws(() => readClientFirst(enc.encode(m)), ScramError, m);
  assert.throws(() => readClientFirst(Uint8Array.of(0xff, 0xfe)), TypeError); // not UTF-8
  const v = await makeVerifier("pw", { iterations: 4096 });
  const x = { clientFirstBare: "n=u,r=a", serverFirst: "r=ab,s=AA==,i=4096", nonce: "ab" };
  for (const m of ["c=biws,r=ab", "c=cD10bHMtdW5pcXVlLCw=,r=ab,p=AA==", "c=biws,r=XX,p=AA=="]) {
    await assert.rejects(() => checkClientFinal(enc.encode(m), x, v), ScramError, m);
  }
  assert.equal(await checkClientFinal(enc.encode("c=biws,r=ab,p=AAAA"), x, v), null); // short
  for (const t of ["SCRAM-SHA-1$4096:AA==$AA==:AA==", "SCRAM-SHA-256$0:AA==$AA==:AA==", "x"]) {
    assert.throws(() => parseVerifier(t), ScramError, t);
  }
});

/** A broker with `auth_scram` for alice/wonder and bob (from a file), alice a superuser. */
async function scramBroker(): Promise<{ broker: TestBroker; dir: string }> {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  const bob = formatVerifier(await makeVerifier("builder", { iterations: 4096 }));
  await Deno.writeTextFile(`${dir}/scram_users`, `# users\nbob:${bob}\n`);
  const alice = formatVerifier(await makeVerifier("wonder", { iterations: 4096 }));
  const broker = await startTestBroker(`
auth: {allow_anonymous: false}
plugins:
  scram:
    source: auth_scram
    permissions: {read: ["${dir}/scram_users"]}
    config: {users: {alice: "${alice}"}, path: "${dir}/scram_users", superusers: [alice]}
`);
  assertRunning(broker);
  return { broker, dir };
}

/** Connects an MQTT.js client that answers the broker's AUTH with `scram` (its own exchange). */
function scramConnect(
  url: string,
  scram: ScramClient,
  opts: IClientOptions & { nonce?: string; replay?: string } = {},
): Promise<{ client: MqttClient; connack: IConnackPacket; expect: string; sent: string }> {
  return new Promise((resolve, reject) => {
    let expect = "", sent = "";
    const client = mqtt.connect(url, {
      protocolVersion: 5,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      properties: { authenticationMethod: METHOD, authenticationData: Buffer.from(scram.first()) },
      ...opts,
    });
    client.handleAuth = (packet, cb) => {
      const serverFirst = text(packet.properties?.authenticationData);
      scram.final(serverFirst, opts.nonce).then(({ message, expect: e }) => {
        expect = e;
        sent = opts.replay ?? message;
        const properties = { authenticationMethod: METHOD, authenticationData: Buffer.from(sent) };
        cb(undefined, { cmd: "auth", reasonCode: 0x18, properties });
      });
    };
    client.once("connect", (connack) => resolve({ client, connack, expect, sent }));
    client.once("error", (err) => client.end(true, {}, () => setTimeout(() => reject(err), 0)));
  });
}

/** The reason code MQTT.js refused with, or "connected". */
async function outcome(p: Promise<{ client: MqttClient }>): Promise<number | string> {
  try {
    await end((await p).client);
    return "connected";
  } catch (err) {
    return (err as { code?: number }).code ?? String(err);
  }
}

Deno.test("auth_scram: MQTT.js with the right password is in, and checks the server's signature in the CONNACK", async () => {
  const { broker, dir } = await scramBroker();
  try {
    for (const [user, password] of [["alice", "wonder"], ["bob", "builder"]]) {
      const scram = new ScramClient(user, password);
      const { client, connack, expect } = await scramConnect(broker.url, scram, { username: user });
      assert.equal(connack.properties?.authenticationMethod, METHOD);
      assert.equal(text(connack.properties?.authenticationData), expect); // mutual authentication
      await client.subscribeAsync("t", { qos: 1 });
      await end(client);
    }
    // No User Name in CONNECT works too; a User Name other than the SCRAM user does not.
    assert.equal(
      await outcome(scramConnect(broker.url, new ScramClient("bob", "builder"))),
      "connected",
    );
    const other = scramConnect(broker.url, new ScramClient("bob", "builder"), {
      username: "alice",
    });
    assert.equal(await outcome(other), 0x87);
  } finally {
    await broker.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("auth_scram: a wrong password, an unknown user and a tampered nonce are refused with 0x87", async () => {
  const { broker, dir } = await scramBroker();
  try {
    const wrong = scramConnect(broker.url, new ScramClient("alice", "wonderland"));
    assert.equal(await outcome(wrong), 0x87);
    assert.equal(await outcome(scramConnect(broker.url, new ScramClient("mallory", "x"))), 0x87);
    const scram = new ScramClient("alice", "wonder");
    const tampered = scramConnect(broker.url, scram, { nonce: scram.nonce + "forged" });
    assert.equal(await outcome(tampered), 0x87);
    const noProof = new ScramClient("alice", "wonder");
    const garbage = scramConnect(broker.url, noProof, { replay: "c=biws" });
    assert.equal(await outcome(garbage), 0x87);
  } finally {
    await broker.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("auth_scram: a replayed client-final message is refused (the server nonce is new each time)", async () => {
  const { broker, dir } = await scramBroker();
  try {
    const scram = new ScramClient("alice", "wonder", "fixed-client-nonce");
    const first = await scramConnect(broker.url, scram);
    await end(first.client);
    const again = new ScramClient("alice", "wonder", "fixed-client-nonce");
    assert.equal(await outcome(scramConnect(broker.url, again, { replay: first.sent })), 0x87);
  } finally {
    await broker.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("auth_scram: re-authentication (AUTH 0x19) ends in AUTH 0x00 with the server signature; a wrong proof in DISCONNECT 0x87", async () => {
  const { broker, dir } = await scramBroker();
  const raw = await rawOpen(broker.port, { protocolVersion: 5 });
  /** One SCRAM exchange over `raw`, started by `start`; returns the packet that ended it. */
  const exchange = async (start: (data: string) => Promise<void>, password: string) => {
    const scram = new ScramClient("alice", password);
    await start(scram.first());
    const serverFirst = text((await raw.next<IAuthPacket>("auth")).properties?.authenticationData);
    const { message, expect } = await scram.final(serverFirst);
    await raw.send(auth(0x18, message));
    return { expect };
  };
  const auth = (reasonCode: number, data: string): IAuthPacket => ({
    cmd: "auth",
    reasonCode,
    properties: { authenticationMethod: METHOD, authenticationData: Buffer.from(data) },
  });
  try {
    const { expect } = await exchange((data) =>
      raw.send(connectPacket({
        protocolVersion: 5,
        clientId: "reauth",
        properties: { authenticationMethod: METHOD, authenticationData: Buffer.from(data) },
      })), "wonder");
    const connack = await raw.next<IConnackPacket>("connack");
    assert.equal(connack.reasonCode, 0);
    assert.equal(text(connack.properties?.authenticationData), expect);
    const again = await exchange((data) => raw.send(auth(0x19, data)), "wonder");
    const done = await raw.next<IAuthPacket>("auth");
    assert.equal(done.reasonCode, 0);
    assert.equal(text(done.properties?.authenticationData), again.expect);
    await exchange((data) => raw.send(auth(0x19, data)), "not it");
    assert.equal((await raw.next("disconnect") as { reasonCode?: number }).reasonCode, 0x87);
    await raw.closed();
  } finally {
    await raw.close();
    await broker.close();
    await Deno.remove(dir, { recursive: true });
  }
});

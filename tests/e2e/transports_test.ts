/**
 * The same MQTT exchange over every transport, with MQTT.js on both ends.
 */
import assert from "node:assert/strict";
import { makeTestCerts } from "../fixtures/certs.ts";
import { connect, end, nextMessage, startTestBroker } from "../helpers.ts";

async function brokerWithAllTransports() {
  const certs = await makeTestCerts();
  const tlsFiles = `cert: "${certs.certFile}", key: "${certs.keyFile}"`;
  const broker = await startTestBroker(`
listeners:
  default: {type: tcp, bind: "127.0.0.1:0"}
  node: {type: tcp, bind: "127.0.0.1:0", socket: node}
  secure: {type: tls, bind: "127.0.0.1:0", ${tlsFiles}}
  mtls: {type: tls, bind: "127.0.0.1:0", ${tlsFiles}, ca: "${certs.caFile}", require_client_cert: true}
  ws: {type: ws, bind: "127.0.0.1:0"}
  wss: {type: wss, bind: "127.0.0.1:0", ${tlsFiles}}
auth: {allow_anonymous: true}
`);
  const port = (name: string) => broker.listeners.get(name)!.port;
  return { broker, certs, port };
}

Deno.test("transports: TCP (Deno and node:net sockets), TLS, mutual TLS, WebSocket and secure WebSocket clients exchange messages", async () => {
  const { broker, certs, port } = await brokerWithAllTransports();
  const ca = certs.caCert;
  const endpoints = {
    tcp: [`mqtt://127.0.0.1:${port("default")}`, {}],
    "tcp (socket: node)": [`mqtt://127.0.0.1:${port("node")}`, {}],
    tls: [`mqtts://localhost:${port("secure")}`, { ca }],
    mtls: [`mqtts://localhost:${port("mtls")}`, {
      ca,
      cert: certs.clientCert,
      key: certs.clientKey,
    }],
    ws: [`ws://127.0.0.1:${port("ws")}/mqtt`, {}],
    wss: [`wss://localhost:${port("wss")}/mqtt`, { ca }],
  } as const;
  const clients = [];
  try {
    for (const [name, [url, opts]] of Object.entries(endpoints)) {
      for (const protocolVersion of [4, 5] as const) {
        const sub = await connect(url, { ...opts, protocolVersion });
        const pub = await connect(broker.url, { protocolVersion });
        clients.push(sub, pub);
        await sub.subscribeAsync(`t/${name}`, { qos: 1 });
        const got = nextMessage(sub);
        await pub.publishAsync(`t/${name}`, `via ${name}`, { qos: 1 });
        assert.equal((await got).payload, `via ${name}`, `${name} v${protocolVersion}`);
        // and back the other way
        const back = nextMessage(pub);
        await pub.subscribeAsync(`r/${name}`);
        await sub.publishAsync(`r/${name}`, "reply");
        assert.equal((await back).payload, "reply");
      }
    }
  } finally {
    await Promise.all(clients.map((c) => end(c, true)));
    await broker.close();
  }
});

Deno.test("transports: mutual TLS refuses a client without a certificate", async () => {
  const { broker, certs, port } = await brokerWithAllTransports();
  try {
    await assert.rejects(
      connect(`mqtts://localhost:${port("mtls")}`, { ca: certs.caCert, connectTimeout: 2000 }),
    );
  } finally {
    await broker.close();
  }
});

import assert from "node:assert/strict";
import { makeTestCerts } from "../../tests/fixtures/certs.ts";
import { listenTls } from "./tls.ts";
import {
  connectionInbox,
  echo,
  pattern,
  readBytes,
  sameBytes,
  writeBytes,
} from "./_test_helpers.ts";

const LOCAL = { hostname: "127.0.0.1", port: 0 };

Deno.test("listenTls() echoes over TLS and offers ALPN mqtt", async () => {
  const certs = await makeTestCerts();
  const inbox = connectionInbox();
  const listener = await listenTls("secure", LOCAL, inbox.handler, {
    cert: certs.certFile,
    key: certs.keyFile,
  });
  assert.equal(listener.transport, "tls");
  const client = await Deno.connectTls({
    hostname: "localhost",
    port: listener.port,
    caCerts: [certs.caCert],
    alpnProtocols: ["mqtt"],
  });
  const handshake = await client.handshake();
  assert.equal(handshake.alpnProtocol, "mqtt");
  const server = await inbox.next();
  assert.equal(server.transport, "tls");
  assert.equal(server.clientCertificate, undefined);
  const echoing = echo(server);
  const data = pattern(1024 * 1024);
  const [, received] = await Promise.all([
    writeBytes(client, data),
    readBytes(client, data.length),
  ]);
  assert(sameBytes(received, data));
  client.close();
  await echoing;
  await listener.close();
});

Deno.test("listenTls() names the listener and the file it cannot read", async () => {
  const certs = await makeTestCerts();
  await assert.rejects(
    () => listenTls("secure", LOCAL, () => {}, { cert: "/nope/server.crt", key: certs.keyFile }),
    {
      name: "ListenerError",
      listener: "secure",
      message: /^Cannot start listener "secure": cannot read cert file "\/nope\/server\.crt": /,
    },
  );
  await assert.rejects(
    () => listenTls("secure", LOCAL, () => {}, { cert: certs.certFile, key: null }),
    { message: 'Cannot start listener "secure": option "key" is required' },
  );
});

Deno.test("listenTls() refuses require_client_cert without ca", async () => {
  const certs = await makeTestCerts();
  await assert.rejects(
    () =>
      listenTls("secure", LOCAL, () => {}, {
        cert: certs.certFile,
        key: certs.keyFile,
        requireClientCert: true,
      }),
    { message: 'Cannot start listener "secure": require_client_cert needs option "ca"' },
  );
});

Deno.test("listenTls() with require_client_cert accepts a client certificate signed by ca", async () => {
  const certs = await makeTestCerts();
  const inbox = connectionInbox();
  const listener = await listenTls("mtls", LOCAL, inbox.handler, {
    cert: certs.certFile,
    key: certs.keyFile,
    ca: certs.caFile,
    requireClientCert: true,
  });
  const client = await Deno.connectTls({
    hostname: "localhost",
    port: listener.port,
    caCerts: [certs.caCert],
    cert: certs.clientCert,
    key: certs.clientKey,
    alpnProtocols: ["mqtt"],
  });
  assert.equal((await client.handshake()).alpnProtocol, "mqtt");
  const server = await inbox.next();
  assert.equal(server.clientCertificate?.commonName, "aviary-test-client");
  assert.equal(server.clientCertificate?.subject, "CN=aviary-test-client");
  assert.equal(server.clientCertificate?.issuer, "CN=Aviary Test CA");
  assert.match(server.clientCertificate?.fingerprint256 ?? "", /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  const echoing = echo(server);
  const data = pattern(256 * 1024);
  const [, received] = await Promise.all([
    writeBytes(client, data),
    readBytes(client, data.length),
  ]);
  assert(sameBytes(received, data));
  client.close();
  await echoing;
  await listener.close();
});

Deno.test("listenTls() with require_client_cert refuses clients without a valid one", async () => {
  const certs = await makeTestCerts();
  const dir = await Deno.makeTempDir({ prefix: "aviary-other-ca-" });
  const other = await makeTestCerts(dir);
  const errors: Error[] = [];
  let accepted = 0;
  const listener = await listenTls("mtls", LOCAL, () => accepted++, {
    cert: certs.certFile,
    key: certs.keyFile,
    ca: certs.caFile,
    requireClientCert: true,
    onError: (e) => errors.push(e),
  });
  const attempts = [{}, { cert: other.clientCert, key: other.clientKey }];
  for (const clientCert of attempts) {
    const client = await Deno.connectTls({
      hostname: "localhost",
      port: listener.port,
      caCerts: [certs.caCert],
      ...clientCert,
    });
    try {
      // TLS 1.3: the client finishes first; the refusal shows on the next read.
      await writeBytes(client, new Uint8Array([0xc0, 0]));
      await assert.rejects(() => client.read(new Uint8Array(1)));
    } finally {
      client.close();
    }
  }
  assert.equal(accepted, 0);
  assert.equal(errors.length, 2);
  await listener.close();
  await other.cleanup();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("listenTls() close() stops accepting and leaves open connections alone", async () => {
  const certs = await makeTestCerts();
  const files = { cert: certs.certFile, key: certs.keyFile };
  const clientCert = { cert: certs.clientCert, key: certs.clientKey };
  for (const opts of [files, { ...files, ca: certs.caFile, requireClientCert: true }]) {
    const inbox = connectionInbox();
    const listener = await listenTls("secure", LOCAL, inbox.handler, opts);
    const client = await Deno.connectTls({
      hostname: "localhost",
      port: listener.port,
      caCerts: [certs.caCert],
      ...clientCert,
    });
    await client.handshake();
    const server = await inbox.next();
    await listener.close();
    await assert.rejects(() => Deno.connect({ hostname: "127.0.0.1", port: listener.port }));
    await server.write(new Uint8Array([0xd0, 0]));
    assert.deepEqual([...await readBytes(client, 2)], [0xd0, 0]);
    server.close();
    client.close();
  }
});

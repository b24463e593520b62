import { chunksOf } from "./_chunk_queue.ts";
import assert from "node:assert/strict";
import { listenTcp } from "./tcp.ts";
import { ConnectionClosedError } from "./errors.ts";
import {
  connectionInbox,
  echo,
  pattern,
  readBytes,
  sameBytes,
  writeBytes,
} from "./_test_helpers.ts";

const LOCAL = { hostname: "127.0.0.1", port: 0 };

for (const socket of ["deno", "node"] as const) {
  Deno.test(`listenTcp(socket: ${socket}) echoes a 5 MiB stream intact`, async () => {
    const inbox = connectionInbox();
    const listener = await listenTcp("default", LOCAL, inbox.handler, { socket });
    assert(listener.port > 0);
    assert.deepEqual(listener.transport, "tcp");
    const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
    const server = await inbox.next();
    assert.deepEqual(server.listener, "default");
    assert(server.remoteAddr.startsWith("127.0.0.1:"));
    const echoing = echo(server);
    const data = pattern(5 * 1024 * 1024);
    const [, received] = await Promise.all([
      writeBytes(client, data),
      readBytes(client, data.length),
    ]);
    assert(sameBytes(received, data), "echoed bytes differ");
    client.close();
    await echoing;
    await listener.close();
  });

  Deno.test(`listenTcp(socket: ${socket}) keeps concurrent writes in call order`, async () => {
    const inbox = connectionInbox();
    const listener = await listenTcp("default", LOCAL, inbox.handler, { socket });
    const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
    const server = await inbox.next();
    const big = pattern(1024 * 1024);
    const writes = [big, new Uint8Array([1, 2, 3]), big, new Uint8Array([4])].map((c) =>
      server.write(c)
    );
    const total = big.length * 2 + 4;
    const [received] = await Promise.all([readBytes(client, total), ...writes]);
    assert(sameBytes(received.subarray(0, big.length), big));
    assert.deepEqual([...received.subarray(big.length, big.length + 3)], [1, 2, 3]);
    assert.deepEqual(received[total - 1], 4);
    server.close();
    client.close();
    await listener.close();
  });

  Deno.test(`listenTcp(socket: ${socket}) chunks stay valid after later reads`, async () => {
    const inbox = connectionInbox();
    const listener = await listenTcp("default", LOCAL, inbox.handler, { socket });
    const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
    const server = await inbox.next();
    const chunks: Uint8Array[] = [];
    const reading = (async () => {
      for await (const chunk of chunksOf(server)) chunks.push(chunk);
    })();
    for (let i = 0; i < 20; i++) {
      await writeBytes(client, new Uint8Array(100).fill(i));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    client.close();
    await reading;
    const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    chunks.reduce((off, c) => (all.set(c, off), off + c.length), 0);
    assert.deepEqual(all.length, 2000);
    for (let i = 0; i < 20; i++) assert(all.subarray(i * 100, i * 100 + 100).every((b) => b === i));
    await listener.close();
  });

  Deno.test(`listenTcp(socket: ${socket}) connection close is idempotent and ends reading`, async () => {
    const inbox = connectionInbox();
    const listener = await listenTcp("default", LOCAL, inbox.handler, { socket });
    const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
    const server = await inbox.next();
    const reading = (async () => {
      let n = 0;
      for await (const _ of chunksOf(server)) n++;
      return n;
    })();
    server.close();
    server.close();
    assert.deepEqual(await reading, 0);
    await assert.rejects(() => server.write(new Uint8Array([1])), ConnectionClosedError);
    assert.deepEqual(await client.read(new Uint8Array(1)), null);
    client.close();
    await listener.close();
  });

  Deno.test(`listenTcp(socket: ${socket}) delivers the last bytes, then ends when the peer closes`, async () => {
    const inbox = connectionInbox();
    const errors: Error[] = [];
    const listener = await listenTcp("default", LOCAL, inbox.handler, {
      socket,
      onError: (e) => errors.push(e),
    });
    const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
    const server = await inbox.next();
    await writeBytes(client, new Uint8Array([1, 2]));
    client.close();
    const got: number[] = [];
    for await (const chunk of chunksOf(server)) got.push(...chunk);
    assert.deepEqual(got, [1, 2]);
    await assert.rejects(() => server.write(new Uint8Array([1])), ConnectionClosedError);
    assert.deepEqual(errors, []);
    await listener.close();
  });

  Deno.test(`listenTcp(socket: ${socket}) closes connections beyond maxConnections at once`, async () => {
    const inbox = connectionInbox();
    const listener = await listenTcp("limited", LOCAL, inbox.handler, {
      maxConnections: 1,
      socket,
    });
    const first = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
    const firstServer = await inbox.next();
    const second = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
    assert.deepEqual(await second.read(new Uint8Array(1)), null);
    second.close();
    firstServer.close();
    first.close();
    const third = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
    const thirdServer = await inbox.next();
    await thirdServer.write(new Uint8Array([7]));
    assert.deepEqual([...await readBytes(third, 1)], [7]);
    thirdServer.close();
    third.close();
    await listener.close();
  });

  Deno.test(`listenTcp(socket: ${socket}) names the address it cannot bind`, async () => {
    const listener = await listenTcp("one", LOCAL, () => {}, { socket });
    try {
      await assert.rejects(
        () =>
          listenTcp("two", { hostname: "127.0.0.1", port: listener.port }, () => {}, { socket }),
        {
          name: "ListenerError",
          listener: "two",
          message: /^Cannot start listener "two": cannot bind 127\.0\.0\.1:\d+: /,
        },
      );
    } finally {
      await listener.close();
    }
  });

  Deno.test(`listenTcp(socket: ${socket}) close() stops accepting and leaves open connections alone`, async () => {
    const inbox = connectionInbox();
    const listener = await listenTcp("default", LOCAL, inbox.handler, { socket });
    const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
    const server = await inbox.next();
    await listener.close();
    await listener.close();
    await assert.rejects(() => Deno.connect({ hostname: "127.0.0.1", port: listener.port }));
    await server.write(new Uint8Array([0xd0, 0]));
    assert.deepEqual([...await readBytes(client, 2)], [0xd0, 0]);
    server.close();
    client.close();
  });
}

import { chunksOf } from "./_chunk_queue.ts";
import assert from "node:assert/strict";
import { memoryPair } from "./memory.ts";

Deno.test("memoryPair() carries bytes both ways as copies", async () => {
  const [server, client] = memoryPair({ listener: "test", remoteAddr: "memory:client-1" });
  assert.equal(server.transport, "memory");
  assert.equal(server.listener, "test");
  assert.equal(server.remoteAddr, "memory:client-1");
  const sent = new Uint8Array([1, 2, 3]);
  await client.write(sent);
  sent[0] = 9;
  const reader = chunksOf(server)[Symbol.asyncIterator]();
  assert.deepEqual([...(await reader.next()).value], [1, 2, 3]);
  await server.write(new Uint8Array([4]));
  await server.write(new Uint8Array([5]));
  assert.deepEqual([...(await client.read())!], [4]);
  assert.deepEqual([...(await client.read())!], [5]);
  client.close();
  await client.closed;
});

Deno.test("memoryPair() server close ends both sides after what was written", async () => {
  const [server, client] = memoryPair();
  await server.write(new Uint8Array([0xe0, 0]));
  server.close();
  server.close();
  await client.closed;
  assert.equal(client.isClosed, true);
  const got: number[] = [];
  for await (const chunk of client) got.push(...chunk);
  assert.deepEqual(got, [0xe0, 0]);
  await assert.rejects(() => client.write(new Uint8Array([1])), { name: "ConnectionClosedError" });
  await assert.rejects(() => server.write(new Uint8Array([1])), { name: "ConnectionClosedError" });
  for await (const _ of chunksOf(server)) assert.fail("no bytes expected");
});

Deno.test("memoryPair() client close ends the server's readable", async () => {
  const [server, client] = memoryPair();
  await client.write(new Uint8Array([0xc0, 0]));
  client.close();
  const got: number[] = [];
  for await (const chunk of chunksOf(server)) got.push(...chunk);
  assert.deepEqual(got, [0xc0, 0]);
  assert.equal(await client.read(), null);
});

Deno.test("memoryPair() server close() ends the reader once and closes the pair", async () => {
  const [server, client] = memoryPair();
  await client.write(new Uint8Array([1]));
  const got: number[] = [];
  let ends = 0;
  const ended = Promise.withResolvers<void>();
  server.start({
    onData: (chunk) => void got.push(...chunk),
    onEnd: () => {
      ends++;
      ended.resolve();
    },
  });
  server.close();
  server.close();
  await ended.promise;
  await client.closed;
  assert.deepEqual([got, ends], [[1], 1]);
});

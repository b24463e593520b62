/**
 * The frames an RpcPeer (rpc.ts) has queued, sent as one batch: at the end of the current task
 * when a request or an answer is among them (someone waits), else — only one-way messages, such as
 * notify events — within {@linkcode LAZY_MS}, so that a stream of notifications costs one batch
 * (one pipe write, one post) per few milliseconds instead of one per tick. Order is kept: a
 * request sends the messages queued before it with it.
 *
 * @module
 */

import type { Frame } from "./protocol.ts";

/** How long one-way messages may wait for company, in milliseconds. */
export const LAZY_MS = 2;
/** One-way messages that make a batch leave at once. */
const MAX_LAZY = 1024;

/**
 * Queued frames of one peer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RpcOutbox } from "./_rpc_outbox.ts";
 * const sent: number[] = [];
 * const box = new RpcOutbox((batch) => void sent.push(batch.length));
 * box.push({ t: "msg", m: "notify", a: 1 });
 * box.push({ t: "msg", m: "notify", a: 2 });
 * await new Promise((r) => setTimeout(r, 10));
 * box.push({ t: "msg", m: "notify", a: 3 });
 * box.push({ t: "req", id: 1, m: "ping", a: null });
 * await Promise.resolve();
 * assert.deepEqual(sent, [2, 2]);
 * ```
 */
export class RpcOutbox {
  #frames: Frame[] = [];
  #soon = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly send: (batch: Frame[]) => void) {}

  push(frame: Frame): void {
    this.#frames.push(frame);
    if (frame.t !== "msg" || this.#frames.length >= MAX_LAZY) {
      if (this.#soon) return;
      this.#soon = true;
      queueMicrotask(() => this.#flush());
    } else if (this.#timer === undefined && !this.#soon) {
      this.#timer = setTimeout(() => this.#flush(), LAZY_MS);
    }
  }

  /** Forgets what is queued (the peer closed). */
  clear(): void {
    this.#frames = [];
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #flush(): void {
    this.#soon = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#frames;
    this.#frames = [];
    if (batch.length > 0) this.send(batch);
  }
}

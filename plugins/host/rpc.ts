/**
 * Pipelined request/response over a cage's port (a Worker or a process), used by both sides.
 *
 * Frames queued in one tick leave in one `postMessage` (an array), so 1000 calls issued together
 * cost one encoded frame each way instead of 1000 messages (the cages encode a batch with
 * frames.ts: messages in a compact binary layout, one pipe write or one transferred buffer); one-way
 * messages alone wait up to a few milliseconds for company (`_rpc_outbox.ts`).
 * Requests carry ids; answers may come back in any order. One-way frames (`send`) are batched
 * the same way and never answered.
 *
 * Calls and one-way messages are typed by the other side's table (protocol.ts); every batch that
 * arrives is checked frame by frame (`frameProblem`) before it is dispatched, and answers are read
 * by the caller's answer readers when it has them (the host reads a plugin's answers).
 *
 * @module
 */

import type { Frame, ParamsOf, ResultOf, ResultReaders, Wire } from "./protocol.ts";
import { frameProblem } from "./wire_checks.ts";
import { RpcOutbox } from "./_rpc_outbox.ts";

/** Anything with `postMessage`: a Worker, or `self` inside one. */
export interface Port {
  postMessage(message: unknown): void;
}

/** What a peer does with incoming frames. */
export interface RpcHandlers {
  /** Answers a request; a throw (or rejection) is sent back as an error. */
  request?(method: string, args: unknown): unknown;
  /** Handles a one-way message. */
  message?(method: string, args: unknown): void;
  /**
   * A batch or frame broke the protocol (wrong shape, wrong types). The rest of that batch is
   * dropped; the owner decides what the peer deserves (the host restarts a plugin that does it).
   */
  invalid?(reason: string): void;
}

/**
 * The call did not answer in time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RpcTimeoutError } from "./rpc.ts";
 * assert.equal(new RpcTimeoutError("hook", 200).message, "hook did not answer within 200 ms");
 * ```
 */
export class RpcTimeoutError extends Error {
  override name = "RpcTimeoutError";
  constructor(method: string, ms: number) {
    super(`${method} did not answer within ${ms} ms`);
  }
}

/**
 * The other side threw; `name` and `message` are the remote error's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RemoteError } from "./rpc.ts";
 * const e = new RemoteError({ name: "TypeError", message: "x is undefined" });
 * assert.equal(e.remoteName, "TypeError");
 * assert.equal(e.message, "x is undefined");
 * ```
 */
export class RemoteError extends Error {
  override name = "RemoteError";
  /** Name of the error thrown on the other side. */
  readonly remoteName: string;
  constructor(e: { name: string; message: string }) {
    super(e.message);
    this.remoteName = e.name;
  }
}

/**
 * The channel was closed while the call was in flight.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RpcClosedError } from "./rpc.ts";
 * assert.equal(new RpcClosedError("worker terminated").message, "worker terminated");
 * ```
 */
export class RpcClosedError extends Error {
  override name = "RpcClosedError";
}

interface Pending {
  resolve(v: unknown): void;
  /** Reads the answer (untrusted side); absent when the other side is trusted. */
  read: ((raw: unknown) => unknown) | undefined;
  reject(e: Error): void;
  method: string;
  timeoutMs: number | undefined;
  /** `performance.now()` after which the call times out; Infinity without a limit. */
  deadline: number;
}

/** How often calls in flight are checked against their deadlines (one timer per peer). */
const SWEEP_MS = 20;

/**
 * One end of the channel; `Remote` is the wire the other side serves, which types `call` and
 * `send`. `answers` reads the other side's answers when it is not trusted.
 *
 * @example Two peers wired back to back
 * ```ts
 * import assert from "node:assert/strict";
 * import { RpcPeer } from "./rpc.ts";
 * import { serveRequests } from "./protocol.ts";
 * type Doubler = { double: { params: number; result: number } };
 * let b: RpcPeer;
 * const a = new RpcPeer<{ requests: Doubler; messages: Record<never, never> }>(
 *   { postMessage: (m) => b.receive(m) },
 *   {},
 * );
 * b = new RpcPeer({ postMessage: (m) => a.receive(m) }, {
 *   request: serveRequests<Doubler>({ double: (x) => x * 2 }),
 * });
 * assert.equal(await a.call("double", 21), 42);
 * ```
 */
export class RpcPeer<Remote extends Wire = Wire> {
  #port: Port;
  #handlers: RpcHandlers;
  #answers: Partial<ResultReaders<Remote["requests"]>>;
  #nextId = 1;
  #pending = new Map<number, Pending>();
  #outbox = new RpcOutbox((batch) => this.#flush(batch));
  #closed: Error | null = null;
  #sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(
    port: Port,
    handlers: RpcHandlers,
    answers: Partial<ResultReaders<Remote["requests"]>> = {},
  ) {
    this.#port = port;
    this.#handlers = handlers;
    this.#answers = answers;
  }

  /** Calls in flight. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** Sends a request; rejects with RpcTimeoutError after `timeoutMs` (no limit when omitted). */
  call<M extends keyof Remote["requests"] & string>(
    method: M,
    args: ParamsOf<Remote["requests"], M>,
    timeoutMs?: number,
  ): Promise<ResultOf<Remote["requests"], M>> {
    if (this.#closed) return Promise.reject(this.#closed);
    const id = this.#nextId++;
    const read = Object.hasOwn(this.#answers, method) ? this.#answers[method] : undefined;
    return new Promise<ResultOf<Remote["requests"], M>>((resolve, reject) => {
      const deadline = timeoutMs === undefined ? Infinity : performance.now() + timeoutMs;
      // The answer is the row's result: read by `read`, or sent by a trusted side.
      const settle = resolve as (v: unknown) => void;
      this.#pending.set(id, { resolve: settle, read, reject, method, timeoutMs, deadline });
      if (timeoutMs !== undefined) this.#sweeper ??= setInterval(() => this.#sweep(), SWEEP_MS);
      this.#queue({ t: "req", id, m: method, a: args });
    });
  }

  /** Sends a one-way message. */
  send<M extends keyof Remote["messages"] & string>(method: M, args: Remote["messages"][M]): void {
    if (!this.#closed) this.#queue({ t: "msg", m: method, a: args });
  }

  /** Feeds a batch received from the port (the `data` of a MessageEvent). */
  receive(batch: unknown): void {
    if (this.#closed) return;
    if (!Array.isArray(batch)) return this.#invalid(`batch is ${typeof batch}, not an array`);
    for (const frame of batch) {
      const problem = frameProblem(frame);
      if (problem !== null) return this.#invalid(problem);
      try {
        this.#dispatch(frame as Frame);
      } catch (err) {
        return this.#invalid(`frame could not be handled: ${(err as Error)?.message ?? err}`);
      }
    }
  }

  #invalid(reason: string): void {
    try {
      this.#handlers.invalid?.(reason);
    } catch { /* the owner's handler must not throw into the receive path */ }
  }

  /** Rejects every call in flight with `reason` and refuses new ones. */
  close(reason: Error): void {
    if (this.#closed) return;
    this.#closed = reason;
    this.#outbox.clear();
    for (const p of this.#pending.values()) p.reject(reason);
    this.#pending.clear();
    this.#stopSweeper();
  }

  #dispatch(frame: Frame): void {
    if (frame.t === "res") {
      const p = this.#pending.get(frame.id);
      if (!p) return; // timed out already
      this.#pending.delete(frame.id);
      if (this.#pending.size === 0) this.#stopSweeper();
      if (!frame.ok) p.reject(new RemoteError({ name: frame.e.name, message: frame.e.message }));
      else this.#settle(p, frame.v);
    } else if (frame.t === "req") {
      this.#answer(frame.id, frame.m, frame.a);
    } else if (frame.t === "msg") {
      try {
        this.#handlers.message?.(frame.m, frame.a);
      } catch { /* one-way: nobody to tell */ }
    }
  }

  #settle(p: Pending, value: unknown): void {
    try {
      p.resolve(p.read ? p.read(value) : value);
    } catch (err) {
      p.reject(err instanceof Error ? err : new TypeError(String(err)));
    }
  }

  async #answer(id: number, method: string, args: unknown): Promise<void> {
    try {
      if (!this.#handlers.request) throw new Error(`No handler for ${method}`);
      const v = await this.#handlers.request(method, args);
      this.#queue({ t: "res", id, ok: true, v });
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      this.#queue({ t: "res", id, ok: false, e: { name: e.name, message: e.message } });
    }
  }

  /** Times out calls past their deadline: one interval per peer instead of a timer per call. */
  #sweep(): void {
    const now = performance.now();
    for (const [id, p] of this.#pending) {
      if (p.deadline > now) continue;
      this.#pending.delete(id);
      p.reject(new RpcTimeoutError(p.method, p.timeoutMs!));
    }
    if (this.#pending.size === 0) this.#stopSweeper();
  }

  #stopSweeper(): void {
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  #queue(frame: Frame): void {
    if (this.#closed) return;
    this.#outbox.push(frame);
  }

  #flush(batch: Frame[]): void {
    if (this.#closed) return;
    try {
      this.#port.postMessage(batch);
    } catch (err) {
      // A frame that cannot be cloned (e.g. a function in a hook result): fail those calls one by one.
      for (const f of batch) this.#postOne(f, err);
    }
  }

  #postOne(frame: Frame, batchError: unknown): void {
    try {
      this.#port.postMessage([frame]);
    } catch {
      if (frame.t === "res") {
        const message = `result cannot be sent: ${(batchError as Error)?.message ?? batchError}`;
        this.#port.postMessage([{
          t: "res",
          id: frame.id,
          ok: false,
          e: { name: "DataCloneError", message },
        }]);
      } else if (frame.t === "req") {
        const p = this.#pending.get(frame.id);
        this.#pending.delete(frame.id);
        p?.reject(batchError instanceof Error ? batchError : new Error(String(batchError)));
      }
    }
  }
}

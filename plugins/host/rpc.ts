/**
 * Pipelined request/response over a Worker's message port, used by both the host and the worker.
 *
 * Frames queued in one tick leave in one `postMessage` (an array), so 1000 calls issued together
 * cost one structured clone each way instead of 1000 messages. Requests carry ids; answers may
 * come back in any order. One-way frames (`send`) are batched the same way and never answered.
 *
 * @module
 */

/** One message frame. */
export type Frame =
  | { t: "req"; id: number; m: string; a: unknown }
  | { t: "res"; id: number; ok: true; v: unknown }
  | { t: "res"; id: number; ok: false; e: { name: string; message: string } }
  | { t: "msg"; m: string; a: unknown };

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
 * Why `frame` is not a well-formed Frame, or null when it is. Everything a plugin sends is checked
 * here before anything else looks at it.
 *
 * @example
 * ```ts
 * import { frameProblem } from "./rpc.ts";
 * if (frameProblem({ t: "msg", m: "log", a: 1 }) !== null) throw new Error("rejected a good frame");
 * if (frameProblem(null) === null) throw new Error("accepted null");
 * ```
 */
export function frameProblem(frame: unknown): string | null {
  if (frame === null || typeof frame !== "object" || Array.isArray(frame)) {
    return `frame is ${frame === null ? "null" : typeof frame}, not an object`;
  }
  const f = frame as Record<string, unknown>;
  const id = () => Number.isSafeInteger(f.id) && (f.id as number) > 0;
  switch (f.t) {
    case "req":
      return id() && typeof f.m === "string" ? null : "request frame needs an id and a method";
    case "msg":
      return typeof f.m === "string" ? null : "message frame needs a method";
    case "res": {
      if (!id()) return "response frame needs an id";
      if (f.ok === true) return null;
      const e = f.e as Record<string, unknown> | null;
      const shaped = f.ok === false && e !== null && typeof e === "object" &&
        typeof e.name === "string" && typeof e.message === "string";
      return shaped ? null : "error response needs e: {name, message} strings";
    }
    default:
      return `unknown frame type ${JSON.stringify(f.t)?.slice(0, 40)}`;
  }
}

/**
 * The call did not answer in time.
 *
 * @example
 * ```ts
 * import { RpcTimeoutError } from "./rpc.ts";
 * console.log(new RpcTimeoutError("hook", 200).message); // hook did not answer within 200 ms
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
 * import { RemoteError } from "./rpc.ts";
 * const e = new RemoteError({ name: "TypeError", message: "x is undefined" });
 * console.log(e.remoteName, e.message);
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
 * import { RpcClosedError } from "./rpc.ts";
 * console.log(new RpcClosedError("worker terminated").message);
 * ```
 */
export class RpcClosedError extends Error {
  override name = "RpcClosedError";
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  method: string;
  timeoutMs: number | undefined;
  /** `performance.now()` after which the call times out; Infinity without a limit. */
  deadline: number;
}

/** How often calls in flight are checked against their deadlines (one timer per peer). */
const SWEEP_MS = 20;

/**
 * One end of the channel.
 *
 * @example Two peers wired back to back
 * ```ts
 * import { RpcPeer } from "./rpc.ts";
 * let b: RpcPeer;
 * const a = new RpcPeer({ postMessage: (m) => b.receive(m) }, {});
 * b = new RpcPeer({ postMessage: (m) => a.receive(m) }, { request: (_m, x) => (x as number) * 2 });
 * console.log(await a.call("double", 21)); // 42
 * ```
 */
export class RpcPeer {
  #port: Port;
  #handlers: RpcHandlers;
  #nextId = 1;
  #pending = new Map<number, Pending>();
  #outbox: Frame[] = [];
  #closed: Error | null = null;
  #sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(port: Port, handlers: RpcHandlers) {
    this.#port = port;
    this.#handlers = handlers;
  }

  /** Calls in flight. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** Sends a request; rejects with RpcTimeoutError after `timeoutMs` (no limit when omitted). */
  call(method: string, args: unknown, timeoutMs?: number): Promise<unknown> {
    if (this.#closed) return Promise.reject(this.#closed);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const deadline = timeoutMs === undefined ? Infinity : performance.now() + timeoutMs;
      this.#pending.set(id, { resolve, reject, method, timeoutMs, deadline });
      if (timeoutMs !== undefined) this.#sweeper ??= setInterval(() => this.#sweep(), SWEEP_MS);
      this.#queue({ t: "req", id, m: method, a: args });
    });
  }

  /** Sends a one-way message. */
  send(method: string, args: unknown): void {
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
    this.#outbox = [];
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
      if (frame.ok) p.resolve(frame.v);
      else p.reject(new RemoteError({ name: frame.e.name, message: frame.e.message }));
    } else if (frame.t === "req") {
      this.#answer(frame.id, frame.m, frame.a);
    } else if (frame.t === "msg") {
      try {
        this.#handlers.message?.(frame.m, frame.a);
      } catch { /* one-way: nobody to tell */ }
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
    if (this.#outbox.length === 1) queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    const batch = this.#outbox;
    this.#outbox = [];
    if (batch.length === 0 || this.#closed) return;
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

/**
 * The ordered pipeline of one client's PUBLISHes: their hooks run at once (a caged plugin is one
 * round trip away), their commits (route + acknowledge) run in arrival order.
 *
 * @module
 */

/** PUBLISHes of one client whose hooks may run at once before reading pauses. */
export const PIPELINE_WINDOW = 128;

/** A PUBLISH whose hooks ran: routes and acknowledges it; may slow the publisher down. */
export type Commit = () => void | Promise<void>;

/**
 * PUBLISHes of one client pending in order; reading pauses while the window is full.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PublishPipeline } from "./_pipeline.ts";
 * const done: number[] = [];
 * const pipeline = new PublishPipeline(4, (err) => { throw err; });
 * const slow = Promise.withResolvers<() => void>();
 * pipeline.add(slow.promise); // its hooks still running
 * pipeline.add(Promise.resolve(() => void done.push(2)));
 * slow.resolve(() => void done.push(1));
 * await pipeline.committing;
 * assert.deepEqual(done, [1, 2]); // arrival order, whichever hook answered first
 * ```
 */
export class PublishPipeline {
  #pending: Entry[] = [];
  #committing?: Promise<void>;
  #idle?: () => void;
  #running = false;
  #onRoom?: () => void;
  #window: number;
  #onError: (err: unknown) => void;

  /**
   * @param window PUBLISHes pending at most before reading pauses
   * @param onError receives what a commit threw (what is pending then is dropped)
   */
  constructor(window: number, onError: (err: unknown) => void) {
    this.#window = window;
    this.#onError = onError;
  }

  /** Resolves once every pending PUBLISH is committed; undefined when none is pending. */
  get committing(): Promise<void> | undefined {
    return this.#committing;
  }

  /** Adds a PUBLISH whose hooks are running; resolves when reading may go on. */
  add(step: Promise<Commit>): void | Promise<void> {
    const entry: Entry = { ready: false };
    this.#pending.push(entry);
    this.#committing ??= new Promise((resolve) => this.#idle = resolve);
    step.then((commit) => {
      entry.commit = commit;
      entry.ready = true;
      this.#run();
    }, (err) => {
      entry.error = { err };
      entry.ready = true;
      this.#run();
    });
    if (this.#pending.length < this.#window) return;
    return new Promise((resolve) => this.#onRoom = resolve);
  }

  /**
   * Commits every ready PUBLISH at the head, synchronously: answers that arrive together (one
   * batch from a caged plugin) are routed together, so their deliveries leave in one write.
   */
  #run(): void {
    if (this.#running) return;
    this.#running = true;
    try {
      while (this.#pending.length > 0 && this.#pending[0].ready) {
        const entry = this.#pending.shift()!;
        if (entry.error) throw entry.error.err;
        const slowed = entry.commit!();
        if (slowed) return void this.#resume(slowed);
      }
      this.#settled();
    } catch (err) {
      this.#fail(err);
    }
    this.#running = false;
  }

  /** A commit slowed the publisher down: go on once it may. */
  async #resume(slowed: Promise<void>): Promise<void> {
    try {
      await slowed;
    } catch (err) {
      this.#running = false;
      return this.#fail(err);
    }
    this.#running = false;
    this.#run();
  }

  /** After a run of commits: wake the reader, resolve `committing` when nothing is pending. */
  #settled(): void {
    // Wake the reader at half the window, so it issues calls in bursts (one message per burst).
    if (this.#pending.length <= this.#window / 2) this.#wakeReader();
    if (this.#pending.length > 0) return;
    this.#done();
  }

  #fail(err: unknown): void {
    this.#pending = [];
    this.#onError(err);
    this.#done();
  }

  #done(): void {
    const idle = this.#idle;
    this.#idle = undefined;
    this.#committing = undefined;
    this.#wakeReader();
    idle?.();
  }

  #wakeReader(): void {
    const wake = this.#onRoom;
    this.#onRoom = undefined;
    wake?.();
  }
}

/** One pending PUBLISH: its commit once its hooks answered, or what they threw. */
interface Entry {
  ready: boolean;
  commit?: Commit;
  error?: { err: unknown };
}

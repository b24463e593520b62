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
  #pending: Promise<Commit>[] = [];
  #committing?: Promise<void>;
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
    this.#pending.push(step);
    this.#committing ??= this.#commitInOrder();
    if (this.#pending.length < this.#window) return;
    return new Promise((resolve) => this.#onRoom = resolve);
  }

  async #commitInOrder(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const commit = await this.#pending[0];
        this.#pending.shift();
        const slowed = commit();
        if (slowed) await slowed;
        // Wake the reader at half the window, so it issues calls in bursts (one message per burst).
        if (this.#pending.length <= this.#window / 2) this.#wakeReader();
      }
    } catch (err) {
      this.#pending = [];
      this.#onError(err);
    } finally {
      this.#committing = undefined;
      this.#wakeReader();
    }
  }

  #wakeReader(): void {
    const wake = this.#onRoom;
    this.#onRoom = undefined;
    wake?.();
  }
}

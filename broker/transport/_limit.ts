/** Counts open connections of one listener against `max_connections` (0 = unlimited). */
export class ConnectionLimit {
  #open = 0;
  readonly #max: number;

  constructor(max = 0) {
    this.#max = max;
  }

  /** Connections currently counted. */
  get open(): number {
    return this.#open;
  }

  /** Counts one more connection, or returns false when the listener is full. */
  tryAcquire(): boolean {
    if (this.#max > 0 && this.#open >= this.#max) return false;
    this.#open++;
    return true;
  }

  /** Counts one connection less (the caller releases each connection once). */
  release(): void {
    this.#open--;
  }

  /** A release function that works once, however often it is called. */
  releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#open--;
    };
  }
}

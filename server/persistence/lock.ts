/**
 * One broker per database: an exclusive advisory lock (`flock`) on `<database>.lock` (by default
 * `<data_dir>/aviary.db.lock`), taken before the database is opened and held while the broker
 * runs. The kernel drops the lock when the process ends, however it ends, so a lock file left by a
 * killed broker (`kill -9`, power loss) never blocks the next start; the file only carries the
 * holder's pid for the error message. The file is never deleted (deleting it would let two
 * brokers lock two different files of the same name).
 *
 * @module
 */
import { PersistenceError } from "./sqlite_schema.ts";

/** The database is in use by another running broker (the CLI exits with 78, EX_CONFIG). */
export class DatabaseLockedError extends PersistenceError {
  override name = "DatabaseLockedError";
  /** The lock file. */
  readonly file: string;
  /** The pid written by the holder, when readable. */
  readonly holder: number | null;

  /** @param file the lock file; @param holder its holder's pid; @param database the database */
  constructor(file: string, holder: number | null, database: string) {
    const who = holder === null
      ? "another running Aviary"
      : `another running Aviary (pid ${holder})`;
    super(
      `${file} is locked by ${who}: two brokers cannot share the database ${database}; stop the ` +
        "other broker or give this one another data_dir (or persistence.file)",
    );
    this.file = file;
    this.holder = holder;
  }
}

/** A held lock. */
export interface DatabaseLock {
  /** The lock file. */
  readonly file: string;
  /** Releases the lock (idempotent). */
  release(): void;
}

/**
 * Locks `database` for this process; throws {@linkcode DatabaseLockedError} when another broker
 * (another process, or another broker in this one) holds it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DatabaseLockedError, lockDatabase } from "./lock.ts";
 * const dir = Deno.makeTempDirSync();
 * const held = lockDatabase(`${dir}/aviary.db`);
 * assert.throws(() => lockDatabase(`${dir}/aviary.db`), DatabaseLockedError);
 * held.release();
 * lockDatabase(`${dir}/aviary.db`).release(); // free again
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function lockDatabase(database: string): DatabaseLock {
  const file = `${database}.lock`;
  let handle: Deno.FsFile;
  try {
    handle = Deno.openSync(file, { read: true, write: true, create: true });
  } catch (error) {
    throw new PersistenceError(`Cannot open the lock file ${file}: ${(error as Error).message}`);
  }
  try {
    if (!handle.tryLockSync(true)) throw new DatabaseLockedError(file, holderOf(handle), database);
    handle.truncateSync(0);
    handle.writeSync(new TextEncoder().encode(`${Deno.pid}\n`));
  } catch (error) {
    handle.close();
    if (error instanceof PersistenceError) throw error;
    throw new PersistenceError(`Cannot lock ${file}: ${(error as Error).message}`);
  }
  let held = true;
  return {
    file,
    release() {
      if (!held) return;
      held = false;
      handle.close(); // closing the last descriptor drops the lock
    },
  };
}

/** The pid the holder wrote, or null (empty while it is being written, or foreign content). */
function holderOf(handle: Deno.FsFile): number | null {
  try {
    handle.seekSync(0, Deno.SeekMode.Start);
    const buf = new Uint8Array(32);
    const n = handle.readSync(buf) ?? 0;
    const text = new TextDecoder().decode(buf.subarray(0, n)).trim();
    return /^\d+$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

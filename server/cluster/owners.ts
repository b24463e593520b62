/**
 * Owner records: which node instance holds each client id's session, in the KV bucket
 * `<prefix>_owners` (key: `sessionKey`). Writes are revision-checked: a claim creates the record
 * or updates the revision it read, and learns when another node wrote in between; a session that
 * ends deletes its record only while this node's write is still the last.
 *
 * @module
 */
import type { KV } from "@nats-io/kv";
import type { Logger } from "../../lib/log.ts";
import { sessionKey } from "./session_mirror.ts";

/** Who holds a client id's session. */
export interface OwnerRecord {
  node: string;
  instance: string;
}

/** An owner record and its revision (both undefined: none was ever written). */
export interface OwnerEntry {
  /** Undefined when there is none (or it was deleted). */
  owner?: OwnerRecord;
  revision?: number;
}

/** A KV write refused because the key changed since the revision given (JetStream 10071). */
function isConflict(error: unknown): boolean {
  return (error as { code?: number })?.code === 10071 ||
    /wrong last sequence/i.test(String(error));
}

/**
 * This node's view of `<prefix>_owners`.
 *
 * @example
 * ```ts ignore
 * const owners = new OwnerRecords(kv, { node: "n1", instance: "n1-ab12cd34" }, log);
 * const { owner, revision } = await owners.read("sensor-1");
 * if (await owners.write("sensor-1", revision)) console.log("now owned here, was", owner);
 * ```
 */
export class OwnerRecords {
  #kv: KV;
  #self: OwnerRecord;
  #log: Logger;
  /** The revision of each record this node wrote last. */
  #revisions = new Map<string, number>();

  /**
   * @param kv the `<prefix>_owners` bucket
   * @param self this node's record
   * @param log where failures go
   */
  constructor(kv: KV, self: OwnerRecord, log: Logger) {
    this.#kv = kv;
    this.#self = self;
    this.#log = log;
  }

  /** The owner of `id` and the record's revision (none when it cannot be read). */
  async read(id: string): Promise<OwnerEntry> {
    try {
      const entry = await this.#kv.get(sessionKey(id));
      if (!entry) return {};
      const owner = entry.operation === "PUT" ? entry.json<OwnerRecord>() : undefined;
      return { owner, revision: entry.revision };
    } catch (error) {
      this.#log.warn("Cluster: session owner unknown", { clientId: id, error });
      return {};
    }
  }

  /**
   * Writes this node as owner of `id` if the record is still at `revision` (undefined: none);
   * false when another node wrote in between. A failure of another kind is logged and counts
   * as written (the node serves the client anyway).
   */
  async write(id: string, revision: number | undefined): Promise<boolean> {
    const key = sessionKey(id);
    const value = JSON.stringify(this.#self);
    try {
      const written = revision === undefined
        ? await this.#kv.create(key, value)
        : await this.#kv.update(key, value, revision);
      this.#revisions.set(id, written);
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      this.#log.warn("Cluster: session owner not recorded", { clientId: id, error });
      return true;
    }
  }

  /**
   * The session `id` ended here: its record goes (on the next microtask, unless `replaced()`
   * says a new session took its place at once) if this node's write is still the last.
   */
  delete(id: string, replaced: () => boolean): void {
    const revision = this.#revisions.get(id);
    if (revision === undefined) return;
    queueMicrotask(() => {
      if (replaced() || this.#revisions.get(id) !== revision) return;
      this.#revisions.delete(id);
      this.#kv.delete(sessionKey(id), { previousSeq: revision }).catch(() => {});
    });
  }
}

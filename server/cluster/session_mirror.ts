/**
 * The session mirror: with the cluster on, every durable session's whole state is also kept in
 * the JetStream KV bucket `<prefix>_sessions` (key: the client id in base64url), so that another
 * node can resume it when its owner dies. It wraps the store's journal: every change still goes
 * to the local store, and marks its session; once per tick the marked sessions are written (a
 * snapshot each, `session_codec.ts`), and the broker's acknowledgements
 * ({@linkcode SessionJournal.afterCommit}) wait for those writes, in order.
 *
 * Cost: one KV write per changed session per tick, of the session's whole state (its queue
 * included), and one JetStream round trip added to each acknowledgement that follows a change.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { setImmediate } from "node:timers";
import type { KV } from "@nats-io/kv";
import type { Broker } from "../../broker/broker.ts";
import type {
  JournaledSession,
  JournalEntry,
  SessionJournal,
} from "../../broker/session/journal.ts";
import { Session } from "../../broker/session/session.ts";
import { MemorySessionStore } from "../../broker/session/store.ts";
import type { Logger } from "../../lib/log.ts";
import { encodeSession } from "./session_codec.ts";

/** A client id as a KV key (keys allow letters, digits, `-`, `_`, `=`, `.` and `/`). */
export function sessionKey(clientId: string): string {
  return "c" + Buffer.from(clientId).toString("base64url");
}

/**
 * Told after each mirror write whether the session's client is away (its filters) or not
 * (`null`, also when the session ended).
 */
export type PresenceObserver = (clientId: string, away: string[] | null) => Promise<void>;

/** The journal that mirrors sessions to the `<prefix>_sessions` bucket. */
export class SessionMirror implements SessionJournal {
  /** Told of each written session's presence (offline capture); set by the cluster. */
  onPresence: PresenceObserver | undefined;
  /** Told when a session ends here (not handed over); set by the cluster. */
  onEnded: ((clientId: string) => void) | undefined;
  /** Whether the client of a session is connected here. */
  #online: (session: JournaledSession) => boolean;
  #inner: SessionJournal;
  #kv: KV;
  #log: Logger;
  /** Sessions changed since the last write (null: deleted). */
  #dirty = new Map<string, JournaledSession | null>();
  /** Sessions written at least once (so that ending one deletes its key). */
  #written = new Set<string>();
  /** Sessions being handed to another node: their local end is not mirrored. */
  #quiet = new Set<string>();
  #scheduled = false;
  /** Callbacks waiting for the next write. */
  #waiting: (() => void)[] = [];
  /** Callbacks not yet run. */
  #held = 0;
  #tail: Promise<void> = Promise.resolve();

  /**
   * @param inner the store's journal (every change still goes there first)
   * @param kv the `<prefix>_sessions` bucket
   * @param log where failed writes are reported
   * @param online whether a session's client is connected (default: always)
   */
  constructor(
    inner: SessionJournal,
    kv: KV,
    log: Logger,
    online: (session: JournaledSession) => boolean = () => true,
  ) {
    this.#online = online;
    this.#inner = inner;
    this.#kv = kv;
    this.#log = log;
  }

  /**
   * Puts a mirror between `broker`'s sessions and their journal. The sessions already there are
   * written at {@linkcode SessionMirror.markAll} (after the cluster read their mirrored state).
   *
   * @throws {TypeError} when the broker's sessions are not kept in a `MemorySessionStore`
   */
  static install(broker: Broker, kv: KV, log: Logger): SessionMirror {
    const store = broker.sessions;
    if (!(store instanceof MemorySessionStore)) throw new TypeError("Unknown session store");
    const online = (s: JournaledSession) => broker.clients.get(s.clientId)?.session === s;
    const mirror = new SessionMirror(store.journal, kv, log, online);
    store.journal = mirror;
    for (const session of store.all()) session.journal = mirror;
    return mirror;
  }

  /** Marks every session of `broker` to be written. */
  markAll(broker: Broker): void {
    for (const session of broker.sessions.all()) this.#mark(session);
  }

  get durable(): boolean {
    return this.#inner.durable;
  }
  get full(): boolean {
    return this.#inner.full;
  }
  refused(): void {
    this.#inner.refused();
  }
  saveSession(session: JournaledSession, expiresAt?: number | null): void {
    this.#inner.saveSession(session, expiresAt);
    this.#mark(session);
  }
  deleteSession(session: JournaledSession): void {
    this.#inner.deleteSession(session);
    const id = session.clientId;
    if (this.#quiet.has(id)) return;
    this.onEnded?.(id);
    if (this.#written.has(id)) this.#set(id, null);
    else this.#dirty.delete(id);
  }
  queued(session: JournaledSession, entry: JournalEntry): void {
    this.#inner.queued(session, entry);
    this.#mark(session);
  }
  sent(session: JournaledSession, entry: JournalEntry): void {
    this.#inner.sent(session, entry);
    this.#mark(session);
  }
  removed(session: JournaledSession, entry: JournalEntry): void {
    this.#inner.removed(session, entry);
    this.#mark(session);
  }
  inbound(session: JournaledSession, packetId: number, held: boolean): void {
    this.#inner.inbound(session, packetId, held);
    this.#mark(session);
  }
  retain(topic: string, msg: Parameters<SessionJournal["retain"]>[1]): void {
    this.#inner.retain(topic, msg);
  }
  will(clientId: string, will: Parameters<SessionJournal["will"]>[1]): void {
    this.#inner.will(clientId, will);
  }
  afterCommit(fn: () => void): void {
    this.#inner.afterCommit(() => this.#afterWritten(fn));
  }

  /**
   * Runs `end` (which deletes the session `clientId` locally) without deleting its mirrored
   * state: the session moves to another node, which writes it next.
   */
  handOver(clientId: string, end: () => void): void {
    this.#dirty.delete(clientId);
    this.#written.delete(clientId);
    this.#quiet.add(clientId);
    try {
      end();
    } finally {
      this.#quiet.delete(clientId);
    }
  }

  /** Resolves once every write asked for so far is done. */
  idle(): Promise<void> {
    if (this.#dirty.size > 0) this.#flush();
    return this.#tail;
  }

  #mark(session: JournaledSession): void {
    const id = session.clientId;
    if (session.expiryInterval > 0) this.#set(id, session);
    else if (this.#written.has(id)) this.#set(id, null);
  }

  #set(id: string, session: JournaledSession | null): void {
    this.#dirty.set(id, session);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#flush());
  }

  #afterWritten(fn: () => void): void {
    if (this.#dirty.size > 0) {
      this.#held++;
      this.#waiting.push(fn);
      return;
    }
    if (this.#held === 0) return fn();
    this.#held++;
    void this.#tail.then(() => {
      this.#held--;
      this.#run(fn);
    });
  }

  #run(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#log.error("Cluster: acknowledgement failed", { error });
    }
  }

  #flush(): void {
    this.#scheduled = false;
    const dirty = this.#dirty;
    const waiting = this.#waiting;
    this.#dirty = new Map();
    this.#waiting = [];
    const writes = [...dirty].map(([id, session]) => this.#write(id, session));
    const written = Promise.all(writes).then(() => {}, (error) => {
      this.#log.warn("Cluster: session mirror write failed; acknowledging anyway", { error });
    });
    this.#tail = this.#tail.then(() => written).then(() => {
      for (const fn of waiting) {
        this.#held--;
        this.#run(fn);
      }
    });
  }

  async #write(id: string, session: JournaledSession | null): Promise<void> {
    if (session === null) {
      this.#written.delete(id);
      await this.#kv.delete(sessionKey(id));
      await this.onPresence?.(id, null);
      return;
    }
    this.#written.add(id);
    const inbound = session instanceof Session ? session.inboundQos2 : [];
    await this.#kv.put(sessionKey(id), encodeSession(session, inbound));
    const away = this.#online(session) ? null : [...session.subscriptions.keys()];
    await this.onPresence?.(id, away);
  }
}

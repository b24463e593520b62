/**
 * Sessions across nodes. The KV bucket `<prefix>_owners` maps each client id to the node
 * instance holding its session, written on CONNECT. A CONNECT on this node for a client id another
 * live instance owns sends that instance a takeover request (`<prefix>.s.<instance>.takeover`,
 * NATS request/reply): it disconnects the old connection (v5 DISCONNECT 0x8E), stops holding the
 * session and answers with its state (`session_codec.ts`); this node restores it, so the CONNACK
 * says Session Present 1. When the owner does not answer (no responders: it died), the state is
 * read from the session mirror (`session_mirror.ts`), and what was captured for it while it was
 * away is appended (`offline_capture.ts`). Offline sessions stay with their owner, whose
 * subscriptions keep their NATS interest, so their messages keep arriving and are queued there.
 *
 * Owner records are revision-checked (`owners.ts`): when another node wrote in between, the
 * claim reads the new owner and takes the session over from it (the last CONNECT wins, as on one
 * node), keeping what an earlier round restored that the new owner does not hold.
 *
 * @module
 */
import type { KV } from "@nats-io/kv";
import type { Msg, NatsConnection, Subscription } from "@nats-io/transport-node";
import type { Broker } from "../../broker/broker.ts";
import type { ClientConnection } from "../../broker/core_types.ts";
import { ReasonCode } from "../../broker/errors.ts";
import { emit } from "../../broker/hooks.ts";
import { isExpired } from "../../broker/message.ts";
import type { JournalEntry } from "../../broker/session/journal.ts";
import type { InflightMessage } from "../../broker/session/session.ts";
import type { Logger } from "../../lib/log.ts";
import type { OfflineCapture } from "./offline_capture.ts";
import { type OwnerRecord, OwnerRecords } from "./owners.ts";
import {
  type DecodedSession,
  decodeSession,
  encodeSession,
  notHeld,
  pendingOf,
} from "./session_codec.ts";
import { sessionKey, type SessionMirror } from "./session_mirror.ts";

/** How long a takeover request waits for the owner before reading the mirror instead. */
export const TAKEOVER_TIMEOUT_MS = 3_000;
/** Rounds a claim retries when other nodes keep writing the owner record. */
const CLAIM_ROUNDS = 4;

/** What {@linkcode SessionOwnership} works with. */
export interface OwnershipDeps {
  broker: Broker;
  log: Logger;
  main: NatsConnection;
  prefix: string;
  node: string;
  instance: string;
  /** `<prefix>_owners` */
  owners: KV;
  /** `<prefix>_sessions` */
  sessions: KV;
  mirror: SessionMirror;
  /** Offline capture (drained into sessions taken over). */
  capture: OfflineCapture;
}

type Drained = Parameters<OfflineCapture["drain"]>[0];

const EMPTY: Uint8Array = new Uint8Array(0);

/** Ownership of client ids, takeover requests both ways. */
export class SessionOwnership {
  #d: OwnershipDeps;
  #sub?: Subscription;
  #owners: OwnerRecords;

  /** @param deps the broker, NATS, the buckets and the mirror */
  constructor(deps: OwnershipDeps) {
    this.#d = deps;
    this.#owners = new OwnerRecords(
      deps.owners,
      { node: deps.node, instance: deps.instance },
      deps.log,
    );
  }

  /**
   * Drops the sessions restored from the local store that another node took meanwhile, claims
   * the others; then answers takeover requests and claims client ids on CONNECT.
   */
  async start(): Promise<void> {
    const { broker, main, prefix, instance } = this.#d;
    for (const session of [...broker.sessions.all()]) {
      const { owner, revision } = await this.#owners.read(session.clientId);
      if (owner && owner.node !== this.#d.node) this.#drop(session.clientId, true);
      else if (await this.#owners.write(session.clientId, revision)) {
        await this.#resume(session.clientId);
      }
    }
    this.#d.mirror.onEnded = (id) => this.#owners.delete(id, () => !!broker.sessions.get(id));
    this.#sub = main.subscribe(`${prefix}.s.${instance}.takeover`, {
      callback: (err, m) => err ? undefined : void this.#handOver(m),
    });
    broker.claimSession = (client) => this.claim(client);
  }

  /** Stops claiming and answering. */
  stop(): void {
    this.#d.broker.claimSession = undefined;
    this.#sub?.unsubscribe();
  }

  /** Takes `client`'s id (and session, unless it starts clean) from its owner, if another. */
  async claim(client: ClientConnection): Promise<void> {
    const id = client.clientId;
    const clean = client.negotiated.cleanStart;
    let restored = false; // by an earlier round, which lost the owner record to another node
    for (let round = 0; round < CLAIM_ROUNDS; round++) {
      const { owner, revision } = await this.#owners.read(id);
      if (owner?.instance === this.#d.instance) return;
      if (owner) {
        const state = await this.#fetch(owner, id, clean);
        if (state && !clean && client.state !== "closed") {
          const captured = await this.#captured(state);
          const local = this.#d.broker.sessions.get(id);
          const earlier = restored && local ? pendingOf(local) : [];
          this.#restore(state, notHeld(state, [...earlier, ...captured]));
          restored = true;
        }
      }
      if (await this.#owners.write(id, revision)) return;
    }
    this.#d.log.warn("Cluster: session claim kept losing to other nodes", { clientId: id });
  }

  /**
   * A session kept from this node's own store (a restart): what was captured while this node
   * was down is appended to the mirrored state (which knows the messages' origins), and the
   * session is recorded as away again.
   */
  async #resume(id: string): Promise<void> {
    const { capture, sessions } = this.#d;
    const entry = capture.has(id) ? await sessions.get(sessionKey(id)).catch(() => null) : null;
    let state: DecodedSession | undefined;
    try {
      if (entry?.operation === "PUT") state = decodeSession(entry.value);
    } catch (error) {
      this.#d.log.warn("Cluster: mirrored session refused", { clientId: id, error });
    }
    if (!state) return capture.adopt(id);
    const captured = await this.#captured(state);
    if (captured.length > 0) this.#restore(state, captured);
    await capture.offline(id, state.subscriptions.map(([filter]) => filter));
  }

  /** What was captured for `state`'s session while it was away (none on failure). */
  async #captured(state: Drained) {
    return await this.#d.capture.drain(state).catch((error) => {
      this.#d.log.warn("Cluster: captured messages not read", { clientId: state.clientId, error });
      return [];
    });
  }

  /** The session's state from its owner, or from the mirror when the owner is gone. */
  async #fetch(owner: OwnerRecord, id: string, clean: boolean) {
    const { main, prefix, log, sessions } = this.#d;
    try {
      const reply = await main.request(
        `${prefix}.s.${owner.instance}.takeover`,
        JSON.stringify({ clientId: id, clean }),
        { timeout: TAKEOVER_TIMEOUT_MS },
      );
      return reply.data.length === 0 ? undefined : decodeSession(reply.data);
    } catch (error) {
      log.info("Cluster: session owner gone; resuming from the mirror", {
        clientId: id,
        owner: owner.instance,
        error: String(error),
      });
      const key = sessionKey(id);
      if (clean) {
        await sessions.delete(key).catch(() => {});
        await this.#captured({ clientId: id, subscriptions: [], queue: [], inflight: [] });
        return undefined;
      }
      const entry = await sessions.get(key).catch(() => null);
      return entry?.operation === "PUT" ? decodeSession(entry.value) : undefined;
    }
  }

  /** Another node asks for a session: disconnect its client here, answer with its state. */
  async #handOver(m: Msg): Promise<void> {
    let answer = EMPTY;
    try {
      const { clientId: id, clean } = m.json<{ clientId: string; clean: boolean }>();
      const { broker } = this.#d;
      this.#disconnect(id, clean);
      const session = broker.sessions.get(id);
      const keep = session !== undefined && !clean && session.expiryInterval > 0;
      if (keep) answer = encodeSession(session, session.inboundQos2);
      if (session) this.#drop(id, keep);
      await this.#d.mirror.idle();
    } catch (error) {
      this.#d.log.warn("Cluster: takeover request failed", { error });
    }
    m.respond(answer);
  }

  /** Closes the local connection of `id` (v5 0x8E), with the will as a local takeover would. */
  #disconnect(id: string, clean: boolean): void {
    const { broker } = this.#d;
    const old = broker.clients.get(id);
    if (!old) return;
    const session = old.session;
    const ends = session === undefined || session.expiryInterval === 0 || clean;
    const will = old.endReason === "normal" ? undefined : old.negotiated.will;
    if (will && (ends || will.delaySeconds <= 0)) broker.publishWill(will.msg, will.expirySeconds);
    old.disconnect(ReasonCode.SessionTakenOver, "Session taken over", "takenover");
    broker.clients.delete(id);
    emit(broker.hooks, "session.takenover", () => ({ client: old.info(), reason: "takenover" }));
    this.#d.log.info("Session taken over by another node", { clientId: id });
  }

  /** Removes the session `id` here; `moved`: its mirrored state stays for the next owner. */
  #drop(id: string, moved: boolean): void {
    const { broker, mirror } = this.#d;
    const session = broker.sessions.get(id);
    if (!session) return;
    broker.offline.cancel(id);
    broker.subscriptions.removeAll(session);
    if (moved) mirror.handOver(id, () => broker.sessions.delete(id));
    else broker.sessions.delete(id);
  }

  /** Puts a session handed over (or read from the mirror) into this node's broker. */
  #restore(state: DecodedSession, captured: JournalEntry[]): void {
    const { broker } = this.#d;
    const id = state.clientId;
    this.#drop(id, true);
    const session = broker.sessions.create(id);
    session.expiryInterval = state.expiryInterval;
    for (const [filter, opts] of state.subscriptions) {
      broker.subscriptions.add(session, filter, opts);
    }
    const now = broker.clock.now();
    for (const entry of [...state.queue, ...captured]) {
      if (isExpired(entry.msg, now)) continue;
      session.queue.push(entry);
      session.journal.queued(session, entry);
    }
    for (const entry of state.inflight) {
      session.inflight.set(entry.packetId!, entry as InflightMessage);
      session.journal.sent(session, entry);
    }
    for (const packetId of state.inbound) {
      session.inboundQos2.add(packetId);
      session.journal.inbound(session, packetId, true);
    }
    session.journal.saveSession(session);
  }
}

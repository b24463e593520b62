/**
 * Every session's subscriptions, ordinary and shared (`$share/{group}/{filter}`, spec 4.8.2),
 * and the matching that turns one message into one delivery per subscriber.
 *
 * @module
 */
import type { Message, QoS, SubscriptionOptions } from "./message.ts";
import type { Session } from "./session/session.ts";
import { TopicTrie } from "./topics/trie.ts";
import { parseSharedFilter } from "./topics/validate.ts";

/** One subscriber a message goes to, overlapping subscriptions merged (spec 3.3.4). */
export interface Target {
  clientId: string;
  qos: QoS;
  retainAsPublished: boolean;
  subscriptionIds?: number[];
}

interface SharedGroup {
  members: Map<string, SubscriptionOptions>;
  /** `members` as an array, rebuilt when it changes: picking a member allocates nothing. */
  list: [string, SubscriptionOptions][];
  cursor: number;
}

type Entry = { kind: "plain"; opts: SubscriptionOptions } | { kind: "shared"; group: SharedGroup };

/**
 * The subscription index.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Buffer } from "node:buffer";
 * import { Subscriptions } from "./subscriptions.ts";
 * import { Session } from "./session/session.ts";
 * const subs = new Subscriptions();
 * const opts = { qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 } as const;
 * subs.add(new Session("c1", { maxQueued: 1 }), "a/#", opts);
 * const msg = { topic: "a/b", payload: Buffer.from(""), qos: 2, retain: false, properties: {} } as const;
 * assert.ok(subs.match(msg)[0].qos === 1);
 * ```
 */
export class Subscriptions {
  #trie = new TopicTrie<Entry>();
  /** Whether a client is online, for picking shared-group members; set by the broker. */
  isOnline: (clientId: string) => boolean = () => true;
  /** Told of every subscription added (`true`) or removed (`false`), by filter; set by a cluster. */
  onInterest?: (filter: string, added: boolean) => void;

  /** Number of subscriptions (a shared group counts once per member). */
  get size(): number {
    let n = 0;
    this.#trie.forEach((e) => n += e.kind === "plain" ? 1 : e.group.members.size);
    return n;
  }

  /** Adds or replaces a subscription; returns whether it existed before. */
  add(session: Session, filter: string, opts: SubscriptionOptions): boolean {
    const existed = session.subscriptions.has(filter);
    session.subscriptions.set(filter, opts);
    if (!existed) this.onInterest?.(filter, true);
    const shared = parseSharedFilter(filter);
    if (!shared) {
      this.#trie.add(filter, session.clientId, { kind: "plain", opts });
      return existed;
    }
    const key = "$share/" + shared.group;
    let entry = this.#trie.get(shared.filter, key);
    if (entry?.kind !== "shared") {
      entry = { kind: "shared", group: { members: new Map(), list: [], cursor: 0 } };
      this.#trie.add(shared.filter, key, entry);
    }
    entry.group.members.set(session.clientId, opts);
    entry.group.list = [...entry.group.members];
    return existed;
  }

  /** Removes one subscription; returns whether it existed. */
  remove(session: Session, filter: string): boolean {
    if (!session.subscriptions.delete(filter)) return false;
    this.onInterest?.(filter, false);
    const shared = parseSharedFilter(filter);
    if (!shared) return this.#trie.remove(filter, session.clientId);
    const key = "$share/" + shared.group;
    const entry = this.#trie.get(shared.filter, key);
    if (entry?.kind === "shared") {
      entry.group.members.delete(session.clientId);
      entry.group.list = [...entry.group.members];
      if (entry.group.members.size === 0) this.#trie.remove(shared.filter, key);
    }
    return true;
  }

  /** Removes every subscription of `session`. */
  removeAll(session: Session): void {
    for (const filter of [...session.subscriptions.keys()]) this.remove(session, filter);
  }

  /**
   * The subscribers `msg` goes to: one per client for ordinary ones (overlapping subscriptions
   * merged: highest QoS, every subscription identifier), one member per shared group (none with
   * `skipShared`: a cluster picks shared-group members itself).
   */
  match(msg: Message, skipShared = false): Target[] {
    const matched = this.#trie.matches(msg.topic);
    // Owners are unique within one filter's map: merging is needed only across filters.
    const merged = matched.length > 1 ? new Map<string, Target>() : undefined;
    const out: Target[] = [];
    for (const values of matched) {
      for (const [owner, entry] of values) {
        if (entry.kind === "shared") {
          if (skipShared) continue;
          const picked = this.#pick(entry.group);
          if (picked) out.push(target(picked[0], picked[1]));
          continue;
        }
        if (entry.opts.noLocal && msg.from?.clientId === owner) continue;
        const seen = merged?.get(owner);
        if (seen === undefined) {
          const t = target(owner, entry.opts);
          merged?.set(owner, t);
          out.push(t);
          continue;
        }
        seen.qos = Math.max(seen.qos, entry.opts.qos) as QoS;
        seen.retainAsPublished ||= entry.opts.retainAsPublished;
        if (entry.opts.subscriptionId) {
          (seen.subscriptionIds ??= []).push(entry.opts.subscriptionId);
        }
      }
    }
    return out;
  }

  /** One member of the shared group `group` on `filter` (round robin), if it has any. */
  pickShared(group: string, filter: string): Target | undefined {
    const entry = this.#trie.get(filter, "$share/" + group);
    const picked = entry?.kind === "shared" ? this.#pick(entry.group) : undefined;
    return picked && target(picked[0], picked[1]);
  }

  /** Round robin over the group's members, preferring connected ones. */
  #pick(group: SharedGroup): [string, SubscriptionOptions] | undefined {
    const members = group.list;
    if (members.length === 0) return undefined;
    for (let i = 0; i < members.length; i++) {
      const candidate = members[(group.cursor + i) % members.length];
      if (this.isOnline(candidate[0])) {
        group.cursor = (group.cursor + i + 1) % members.length;
        return candidate;
      }
    }
    const fallback = members[group.cursor % members.length];
    group.cursor = (group.cursor + 1) % members.length;
    return fallback;
  }
}

function target(clientId: string, opts: SubscriptionOptions): Target {
  return {
    clientId,
    qos: opts.qos,
    retainAsPublished: opts.retainAsPublished,
    subscriptionIds: opts.subscriptionId ? [opts.subscriptionId] : undefined,
  };
}

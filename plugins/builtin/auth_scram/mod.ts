/**
 * `auth_scram`: MQTT 5 enhanced authentication with SCRAM-SHA-256 (RFC 5802 / RFC 7677), the
 * method EMQX offers. The client names the Authentication Method `SCRAM-SHA-256` and sends its
 * client-first message as Authentication Data; the broker answers AUTH 0x18 with the
 * server-first message; the client's AUTH carries the client-final message (its proof); the
 * CONNACK (or the AUTH 0x00 of a re-authentication) carries the server-final message
 * `v=<ServerSignature>`, so the client can check the server too.
 *
 * Users are verifiers in PostgreSQL's text form (`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`),
 * never passwords: in the config (`users`) or in a file of `user:verifier` lines (`path`). Print
 * one with `deno run plugins/builtin/auth_scram/verifier.ts <password> [iterations]`.
 *
 * An unknown user gets a server-first message with a salt derived from the name (the same every
 * time) and is refused at the proof, as a wrong password is: the exchange does not tell which
 * users exist. A CONNECT whose User Name differs from the SCRAM user is refused (topic checks go
 * by the User Name). Other methods are ignored (left to other plugins, else CONNACK 0x8C).
 *
 * @example
 * ```yaml
 * plugins:
 *   scram:
 *     source: auth_scram
 *     config:
 *       users: {alice: "SCRAM-SHA-256$4096:...$...:..."}
 *       superusers: [alice]
 * ```
 *
 * @module
 */
import { definePlugin, type EnhancedAuthEvent, type PluginContext } from "../../sdk/mod.ts";
import {
  checkClientFinal,
  parseVerifier,
  readClientFirst,
  ScramError,
  serverFirst,
} from "./scram.ts";
import { loadUsers, type ScramUsers, unknownUser } from "./users.ts";

/** Config of `auth_scram`. */
export interface AuthScramConfig {
  /** User name -> verifier. */
  users: Record<string, string>;
  /** A file of `user:verifier` lines, read at start ("" = none); grant `read` to it. */
  path: string;
  /** Users allowed with `superuser: true`. */
  superusers: string[];
}

/** The method this plugin answers. */
export const METHOD = "SCRAM-SHA-256";

/** What the broker keeps between the two rounds (never sent to the client). */
interface Exchange {
  user: string;
  clientFirstBare: string;
  serverFirst: string;
  nonce: string;
}

const DENY = { result: "deny", reasonCode: 0x87 } as const;
const encoder = new TextEncoder();
// One entry per alias: an in-process (isolation: none) module is shared by its aliases.
const states = new Map<string, ScramUsers>();

/** Round 0: the client-first message; answers the server-first message. */
async function first(event: EnhancedAuthEvent, users: ScramUsers) {
  const cf = readClientFirst(event.data ?? new Uint8Array());
  if (event.client.username !== null && event.client.username !== cf.user) return DENY;
  const verifier = users.get(cf.user) ?? await unknownUser(cf.user);
  const serverNonce = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(18))));
  const sf = serverFirst(cf, serverNonce, verifier);
  const state: Exchange = {
    user: cf.user,
    clientFirstBare: cf.bare,
    serverFirst: sf,
    nonce: cf.nonce + serverNonce,
  };
  return { result: "continue", authData: encoder.encode(sf), state } as const;
}

/** Round 1: the client-final message; allows with the server-final message. */
async function final(
  event: EnhancedAuthEvent,
  users: ScramUsers,
  ctx: PluginContext<AuthScramConfig>,
) {
  const x = event.state as Partial<Exchange> | undefined;
  if (typeof x?.user !== "string" || typeof x.nonce !== "string") return DENY;
  const verifier = users.get(x.user);
  if (!verifier) return DENY;
  const sf = await checkClientFinal(event.data ?? new Uint8Array(), x as Exchange, verifier);
  if (sf === null) return DENY;
  const superuser = ctx.config.superusers.includes(x.user);
  return {
    result: "allow",
    authData: encoder.encode(sf),
    ...(superuser ? { superuser } : {}),
  } as const;
}

/** The `auth_scram` plugin. */
export default definePlugin<AuthScramConfig>({
  name: "auth_scram",
  version: "1.0.0",
  description: "MQTT 5 enhanced authentication with SCRAM-SHA-256 (RFC 7677)",
  // Unscoped: the operator scopes it to the user file when there is one.
  permissions: { read: true },
  config: {
    schema: {
      type: "record",
      name: "AuthScramConfig",
      fields: [
        { name: "users", type: { type: "map", values: "string" }, default: {} },
        { name: "path", type: "string", default: "" },
        { name: "superusers", type: { type: "array", items: "string" }, default: [] },
      ],
    },
    defaults: { users: {}, path: "", superusers: [] },
  },
  async setup(ctx) {
    const users = await loadUsers(
      ctx.config,
      parseVerifier,
      (user, problem) => ctx.log.warn("SCRAM user skipped", { user, problem }),
    );
    states.set(ctx.alias, users);
    ctx.log.info("SCRAM users loaded", { users: users.size });
  },
  stop(ctx) {
    states.delete(ctx.alias);
  },
  hooks: {
    "client.enhanced_auth": async (event, ctx) => {
      if (event.method !== METHOD) return { result: "ignore" };
      const users = states.get(ctx.alias);
      if (!users || event.step > 1) return DENY;
      try {
        return event.step === 0 ? await first(event, users) : await final(event, users, ctx);
      } catch (err) {
        if (!(err instanceof ScramError)) throw err;
        ctx.log.info("SCRAM exchange refused", {
          clientId: event.client.clientId,
          error: err.message,
        });
        return DENY;
      }
    },
  },
});

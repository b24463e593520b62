/**
 * Checks of what a caged plugin sends, read against the tables of protocol.ts: the shape of each
 * frame ({@linkcode frameProblem}, at `RpcPeer.receive`, before anything else looks at it), the
 * one-way messages it sends ({@linkcode HOST_MESSAGES}) and its answers to the host's requests
 * ({@linkcode PLUGIN_ANSWERS}, applied by the host's RpcPeer when an answer arrives). Context
 * method params are read by context_params.ts.
 *
 * @module
 */

import { type HookpointName, isHookpoint } from "../sdk/hookpoints.ts";
import type { Manifest } from "./manifest.ts";
import type {
  ConfigureAnswer,
  HealthReport,
  HookAnswer,
  HostMessages,
  LogLevel,
  MessageReaders,
  PluginRequests,
  ResultReaders,
} from "./protocol.ts";

/**
 * Why `frame` is not a well-formed Frame, or null when it is. Everything a plugin sends is checked
 * here before anything else looks at it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { frameProblem } from "./wire_checks.ts";
 * assert.equal(frameProblem({ t: "msg", m: "log", a: 1 }), null);
 * assert.equal(frameProblem(null), "frame is null, not an object");
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

const LEVELS: readonly string[] = ["debug", "info", "warn", "error"] satisfies LogLevel[];

/**
 * Readers of the one-way messages a plugin sends; null when malformed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HOST_MESSAGES } from "./wire_checks.ts";
 * assert.deepEqual(HOST_MESSAGES.log({ level: "info", msg: "hi" }), { level: "info", msg: "hi", fields: undefined });
 * assert.equal(HOST_MESSAGES.log({ level: "loud", msg: "hi" }), null);
 * ```
 */
export const HOST_MESSAGES = {
  log(raw) {
    if (raw === null || typeof raw !== "object") return null;
    const { level, msg, fields } = raw as Record<string, unknown>;
    if (typeof level !== "string" || !LEVELS.includes(level) || typeof msg !== "string") {
      return null;
    }
    const ok = fields === undefined || (isObject(fields) && !Array.isArray(fields));
    return ok
      ? { level: level as LogLevel, msg, fields: fields as Record<string, unknown> | undefined }
      : null;
  },
  fault(raw) {
    if (raw === null || typeof raw !== "object") return null;
    const { hook, message } = raw as Record<string, unknown>;
    if ((hook !== null && typeof hook !== "string") || typeof message !== "string") return null;
    return { hook: hook === null ? null : hook.slice(0, 100), message: message.slice(0, 2000) };
  },
} satisfies MessageReaders<HostMessages>;

/**
 * Readers of a plugin's answers to the host's requests; a malformed answer throws a TypeError
 * (the call fails). Hook results pass as they are: the hook chain checks them (chain.ts).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PLUGIN_ANSWERS } from "./wire_checks.ts";
 * assert.deepEqual(PLUGIN_ANSWERS.configure({ applied: true }), { applied: true });
 * assert.throws(() => PLUGIN_ANSWERS.health({ ok: "yes" }), TypeError);
 * ```
 */
export const PLUGIN_ANSWERS = {
  ping: (raw) => raw === "pong" ? raw : badAnswer("ping", '"pong"'),
  load: readManifestAnswer,
  start: () => null,
  hook: (raw) => raw,
  hooks: readHookAnswers,
  configure: (raw): ConfigureAnswer =>
    isObject(raw) && typeof raw.applied === "boolean"
      ? { applied: raw.applied }
      : badAnswer("configure", "{applied: boolean}"),
  health: (raw): HealthReport | null => {
    if (raw === null) return null;
    const { ok, message } = isObject(raw) ? raw : {};
    if (typeof ok !== "boolean" || (message !== undefined && typeof message !== "string")) {
      return badAnswer("health", "null or {ok: boolean, message?: string}");
    }
    return message === undefined ? { ok } : { ok, message };
  },
  stop: () => null,
} satisfies ResultReaders<PluginRequests>;

/**
 * The answers to a `hooks` batch: an array of `{v}` (the value passes as it is: the hook chain
 * checks it), `{same: true}`, `{patch: object}` (put over the event sent, then checked like `v`)
 * or `{error: string}`. The host checks the count against the batch.
 */
function readHookAnswers(raw: unknown): HookAnswer[] {
  if (!Array.isArray(raw)) return badAnswer("hooks", "an array");
  return raw.map((a): HookAnswer => {
    if (!isObject(a)) {
      return badAnswer("hooks", "{v}, {same: true}, {patch} or {error: string} answers");
    }
    if (typeof a.error === "string") return { error: a.error.slice(0, 2000) };
    if (isObject(a.patch) && !Array.isArray(a.patch)) return { patch: a.patch };
    return a.same === true ? { same: true } : { v: a.v };
  });
}

/** The manifest the cage's bootstrap builds (manifest.ts), checked field by field. */
function readManifestAnswer(raw: unknown): Manifest {
  const want = "a manifest";
  if (!isObject(raw)) return badAnswer("load", want);
  const { name, version, description, permissions, hooks, config } = raw;
  const texts = [name, version, description].every((x) => typeof x === "string");
  const hooksOk = Array.isArray(hooks) &&
    hooks.every((h): h is HookpointName => typeof h === "string" && isHookpoint(h));
  const schema = isObject(config) ? config.schema : undefined;
  const configOk = isObject(config) && (schema === null || isObject(schema)) &&
    isObject(config.defaults);
  if (!texts || !hooksOk || !configOk) return badAnswer("load", want);
  return { name, version, description, permissions, hooks, config } as Manifest;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === "object";
}

function badAnswer(method: string, want: string): never {
  throw new TypeError(`Plugin answered ${method} with something other than ${want}`);
}

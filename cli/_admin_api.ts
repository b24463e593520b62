/**
 * The admin REST API as the `plugins` command calls it: authentication from flags or
 * `AVIARY_API_KEY`, JSON or multipart bodies, refusals thrown as {@linkcode AdminError}, and
 * package downloads with progress.
 *
 * @module
 */
import { AdminError } from "../plugins/host/admin_errors.ts";
import { formatBytes, PACKAGE_LIMITS } from "../plugins/host/package_limits.ts";
import { loadConfig } from "../server/config/mod.ts";

/** Where the API is and who calls it (the `plugins` command's flags). */
export interface ApiTarget {
  /** Base URL of the admin listener (`http://127.0.0.1:18083`). */
  api?: string;
  /** Basic auth user; without it, `AVIARY_API_KEY` is sent as a bearer key when set. */
  user?: string;
  /** Basic auth password. */
  password?: string;
}

/** Where the admin API is when nothing says otherwise. */
export const DEFAULT_API = "http://127.0.0.1:18083";

const env = (name: string) => Deno.env.get(name) || undefined;

/**
 * Where the API is and who calls it, from the first that says: flags (`--api`, `--user`,
 * `--password`), the environment (`AVIARY_API`, `AVIARY_USER`, `AVIARY_PASSWORD`), then the
 * broker's config file (`--config` or `AVIARY_CONFIG`: its `admin.bind`), then
 * {@linkcode DEFAULT_API}. A wildcard bind (`0.0.0.0`, `::`) is reached on the loopback address.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveTarget } from "./_admin_api.ts";
 * const t = await resolveTarget({ api: "http://127.0.0.1:9999", user: "ops" });
 * assert.deepEqual([t.api, t.user], ["http://127.0.0.1:9999", "ops"]);
 * ```
 */
export async function resolveTarget(
  flags: ApiTarget & { config?: string },
): Promise<ApiTarget & { from: string }> {
  const user = flags.user ?? env("AVIARY_USER");
  const password = flags.password ?? env("AVIARY_PASSWORD");
  if (flags.api) return { api: flags.api, user, password, from: "--api" };
  if (env("AVIARY_API")) return { api: env("AVIARY_API"), user, password, from: "AVIARY_API" };
  const file = flags.config ?? env("AVIARY_CONFIG");
  if (file === undefined) return { api: DEFAULT_API, user, password, from: "the default" };
  const admin = (await loadConfig(file)).admin;
  const bind = admin.bind.replace(/^0\.0\.0\.0:/, "127.0.0.1:").replace(/^\[::\]:/, "[::1]:");
  return { api: `http://${bind}`, user, password, from: file };
}

/** An API answer: status and JSON body. */
export interface ApiAnswer {
  /** HTTP status. */
  status: number;
  /** The JSON body (empty when there was none). */
  body: Record<string, unknown>;
}

function authHeader(v: ApiTarget): Record<string, string> {
  if (v.user !== undefined) {
    return { authorization: `Basic ${btoa(`${v.user}:${v.password ?? ""}`)}` };
  }
  const key = Deno.env.get("AVIARY_API_KEY");
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** Calls `method path` under `/api/v1` with a JSON or multipart body; any status resolves. */
export async function call(
  v: ApiTarget,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiAnswer> {
  const headers: Record<string, string> = authHeader(v);
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["content-type"] = "application/json";
  }
  let res: Response;
  try {
    res = await fetch(`${v.api!.replace(/\/$/, "")}/api/v1${path}`, {
      method,
      headers,
      body: payload,
    });
  } catch (err) {
    throw new Error(
      `cannot reach the admin API at ${v.api} (${(err as Error).message}): is admin.enable on ` +
        "in the broker's config? Point at it with --api URL, AVIARY_API or --config FILE",
    );
  }
  const text = await res.text();
  const parsed = text ? JSON.parse(text) : {};
  return { status: res.status, body: parsed };
}

/** The body of a successful answer; a refusal throws its {@linkcode AdminError}. */
export function accepted(r: ApiAnswer): Record<string, unknown> {
  if (r.status === 401) {
    throw new Error(
      "the admin API refused the credentials (UNAUTHORIZED): give --user and --password " +
        "(or AVIARY_USER, AVIARY_PASSWORD), or AVIARY_API_KEY=<key_id>:<secret>",
    );
  }
  if (r.status >= 400) throw AdminError.fromBody(r.status, r.body);
  return r.body;
}

/** Calls the API and returns the body of a successful answer (a refusal throws). */
export async function ok(
  v: ApiTarget,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  return accepted(await call(v, method, path, body));
}

/** Downloads with progress on stderr (bytes so far), at most the package upload limit. */
export async function download(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new Error(`cannot download ${url}: HTTP ${res.status}`);
  }
  const chunks: Uint8Array[] = [];
  let got = 0;
  const enc = new TextEncoder();
  for await (const chunk of res.body) {
    chunks.push(chunk);
    got += chunk.length;
    if (got > PACKAGE_LIMITS.uploadBytes) {
      throw new Error(
        `cannot download ${url}: larger than the package limit of ${
          formatBytes(PACKAGE_LIMITS.uploadBytes)
        }`,
      );
    }
    await Deno.stderr.write(enc.encode(`\rdownloading ${url}: ${got} bytes`));
  }
  await Deno.stderr.write(enc.encode("\n"));
  const out = new Uint8Array(got);
  let at = 0;
  for (const c of chunks) out.set(c, (at += c.length) - c.length);
  return out;
}

/**
 * The admin REST API as the `plugins` command calls it: authentication from flags or
 * `AVIARY_API_KEY`, JSON or multipart bodies, refusals thrown as {@linkcode AdminError}, and
 * package downloads with progress.
 *
 * @module
 */
import { AdminError } from "../plugins/host/admin_errors.ts";
import { formatBytes, PACKAGE_LIMITS } from "../plugins/host/package_limits.ts";

/** Where the API is and who calls it (the `plugins` command's flags). */
export interface ApiTarget {
  /** Base URL of the admin listener (`http://127.0.0.1:18083`). */
  api?: string;
  /** Basic auth user; without it, `AVIARY_API_KEY` is sent as a bearer key when set. */
  user?: string;
  /** Basic auth password. */
  password?: string;
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
    throw new Error(`cannot reach the admin API at ${v.api}: ${(err as Error).message}`);
  }
  const text = await res.text();
  const parsed = text ? JSON.parse(text) : {};
  return { status: res.status, body: parsed };
}

/** The body of a successful answer; a refusal throws its {@linkcode AdminError}. */
export function accepted(r: ApiAnswer): Record<string, unknown> {
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

/**
 * What a request must show before the admin API looks at it, so that a web page cannot drive the
 * API through the operator's browser:
 *
 * 1. Host (every request, dashboard files included): the admin's own address — the bind host
 *    and port; `localhost`, `127.0.0.1` and `[::1]` for a loopback bind; any IP literal (never a
 *    DNS name) for a wildcard bind. A DNS-rebound name is refused with 421.
 * 2. Origin (every method but GET, HEAD, OPTIONS): an `Origin` header must be the admin's own
 *    origin (`http://` + the Host), `Sec-Fetch-Site` must be `same-origin` or `none`; refused
 *    with 403. A request with neither header is a non-browser client (CLI, curl) and goes on to
 *    the usual authentication.
 * 3. Media type (after routing): each route declares the body it takes; anything else is 415.
 *    A JSON route takes only `application/json`, so no HTML form can post to it.
 *
 * No CORS header is ever sent.
 *
 * @module
 */

import { AdminError } from "../../plugins/host/admin_errors.ts";

/** What a route accepts as a body: nothing, JSON, or the install forms (multipart or JSON). */
export type BodyKind = "none" | "json" | "install";

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];
const WILDCARD = new Set(["0.0.0.0", "::", "[::]", ""]);
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const HOST_SYNTAX = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/;

/** The admin listener's own names, from its bound address. */
export interface AdminSelf {
  /** Allowed `host:port` values (normalized, lower case). */
  hosts: Set<string>;
  /** The bound port. */
  port: number;
  /** Wildcard bind: any IP literal on `port` is the admin's own. */
  anyIp: boolean;
}

/** Normalizes a Host value to `host:port` (lower case, default port 80), null when malformed. */
function normalizeHost(value: string): { host: string; hostname: string } | null {
  if (!HOST_SYNTAX.test(value)) return null;
  try {
    const url = new URL(`http://${value}`);
    return { host: `${url.hostname}:${url.port || "80"}`, hostname: url.hostname };
  } catch {
    return null;
  }
}

/**
 * The names a listener bound to `port` answers to, from its configured and bound host names.
 *
 * @example
 * ```ts
 * import { adminSelf } from "./guard.ts";
 * const self = adminSelf(["localhost", "127.0.0.1"], 18083);
 * if (!self.hosts.has("[::1]:18083")) throw new Error("loopback names missing");
 * ```
 */
export function adminSelf(hostnames: string[], port: number): AdminSelf {
  const self: AdminSelf = { hosts: new Set(), port, anyIp: false };
  for (const hostname of hostnames) {
    const name = hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname;
    const own = normalizeHost(`${name}:${port}`);
    if (own) self.hosts.add(own.host);
    const wildcard = WILDCARD.has(name);
    if (wildcard || LOOPBACK_NAMES.includes(name.toLowerCase()) || /^127\./.test(name)) {
      for (const n of LOOPBACK_NAMES) self.hosts.add(`${n}:${port}`);
    }
    self.anyIp ||= wildcard;
  }
  return self;
}

function isIpLiteral(hostname: string): boolean {
  return hostname.startsWith("[") || /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Refuses (421 MISDIRECTED_REQUEST) a request whose Host is not the admin's own; returns the
 * normalized Host.
 */
export function checkHost(req: Request, self: AdminSelf): string {
  const raw = req.headers.get("host") ?? new URL(req.url).host;
  const host = normalizeHost(raw);
  const ok = host !== null && (self.hosts.has(host.host) ||
    (self.anyIp && isIpLiteral(host.hostname) && host.host.endsWith(`:${self.port}`)));
  if (!ok) {
    throw new AdminError(
      "MISDIRECTED_REQUEST",
      `Host "${raw}" is not this admin listener (${[...self.hosts].join(", ")}); ` +
        "use its own address",
    );
  }
  return host.host;
}

/**
 * Refuses (403 CROSS_ORIGIN) a state-changing request a browser sent from another origin.
 * `host` is the request's (already checked) Host.
 */
export function checkOrigin(req: Request, host: string): void {
  if (SAFE_METHODS.has(req.method)) return;
  const site = req.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") {
    throw new AdminError(
      "CROSS_ORIGIN",
      `Sec-Fetch-Site "${site}" is refused: changes must come from the admin's own pages`,
    );
  }
  const origin = req.headers.get("origin");
  if (origin === null) return;
  const own = `http://${host.replace(/:80$/, "")}`;
  let given: string | null = null;
  try {
    const url = new URL(origin);
    given = `${url.protocol}//${url.host}`;
  } catch { /* "null" or garbage: never equal */ }
  if (given !== own) {
    throw new AdminError(
      "CROSS_ORIGIN",
      `Origin "${origin}" is not this admin listener's origin (${own})`,
    );
  }
}

const ACCEPTS: Record<BodyKind, string[]> = {
  none: ["application/json"],
  json: ["application/json"],
  install: ["application/json", "multipart/form-data"],
};

/**
 * Refuses (415 UNSUPPORTED_MEDIA_TYPE) a body the route does not take. A route without a body
 * accepts a request with no Content-Type (or a JSON one).
 */
export function checkMediaType(req: Request, kind: BodyKind, path: string): void {
  const header = req.headers.get("content-type");
  if (header === null && (kind === "none" || req.body === null)) return;
  const type = (header ?? "").split(";")[0].trim().toLowerCase();
  if (!ACCEPTS[kind].includes(type)) {
    throw new AdminError(
      "UNSUPPORTED_MEDIA_TYPE",
      `${req.method} ${path} takes ${ACCEPTS[kind].join(" or ")}, not ${header ?? "no type"}`,
    );
  }
}

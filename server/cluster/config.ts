/**
 * The `cluster:` section's checks beyond the schema, and the node name when none is configured.
 *
 * @module
 */
import { hostname } from "node:os";
import type { ConfigIssue } from "../config/errors.ts";
import type { ClusterConfig } from "../config/types.ts";

/** Letters, digits, `-` and `_`: safe as a NATS subject token and a bucket name. */
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Every problem of a schema-valid `cluster:` section (checked even when it is not enabled).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkCluster } from "./config.ts";
 * const nats = { servers: ["nats://127.0.0.1:4222"], credentials: null, tls_ca: null, tls_cert: null, tls_key: null };
 * assert.deepEqual(checkCluster({ enable: true, node: "n1", subject_prefix: "aviary", replicas: 3, nats }), []);
 * assert.equal(checkCluster({ enable: true, node: "a.b", subject_prefix: "aviary", replicas: 1, nats })[0].path, "cluster.node");
 * assert.equal(checkCluster({ enable: true, node: "n1", subject_prefix: "aviary", replicas: 7, nats })[0].path, "cluster.replicas");
 * ```
 */
export function checkCluster(cfg: ClusterConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const name = (path: string, value: string | null) => {
    if (value !== null && !NAME.test(value)) {
      issues.push({ path, message: `"${value}" is not 1-64 letters, digits, "-" or "_"` });
    }
  };
  name("cluster.node", cfg.node);
  name("cluster.subject_prefix", cfg.subject_prefix);
  if (!Number.isInteger(cfg.replicas) || cfg.replicas < 1 || cfg.replicas > 5) {
    issues.push({ path: "cluster.replicas", message: `${cfg.replicas} is not between 1 and 5` });
  }
  if (cfg.enable && cfg.nats.servers.length === 0) {
    issues.push({ path: "cluster.nats.servers", message: "a cluster needs at least one server" });
  }
  if ((cfg.nats.tls_cert === null) !== (cfg.nats.tls_key === null)) {
    issues.push({ path: "cluster.nats.tls_key", message: "tls_cert and tls_key go together" });
  }
  return issues;
}

/**
 * This node's name: the configured one, or the host name (made token-safe) and the process id.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nodeName } from "./config.ts";
 * assert.equal(nodeName("n1"), "n1");
 * assert.match(nodeName(null), /^[A-Za-z0-9_-]+-\d+$/);
 * ```
 */
export function nodeName(configured: string | null): string {
  if (configured !== null) return configured;
  let host = "node";
  try {
    host = hostname().replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 48) || "node";
  } catch {
    // no --allow-sys: the process id alone tells nodes on one host apart
  }
  return `${host}-${Deno.pid}`;
}

/**
 * `/api/v1/cluster`: this node's part in the cluster and every node heard from lately, with its
 * clients and load (the node heartbeats, `server/cluster/nodes.ts`). A node without a cluster
 * answers `{ enabled: false, nodes: [] }`.
 *
 * @module
 */

import type { Cluster, NodeRecord } from "../cluster/mod.ts";
import { json } from "./http.ts";
import type { Route } from "./route.ts";

/** The `/api/v1/cluster` body. */
export interface ClusterStatus {
  /** Whether this node is part of a cluster (`cluster.enable`). */
  enabled: boolean;
  /** This node's name (absent alone). */
  node?: string;
  /** Whether this node reaches NATS now (absent alone). */
  connected?: boolean;
  /** Every node heard from lately, by name; empty alone or while NATS is away. */
  nodes: NodeRecord[];
}

/**
 * What `/api/v1/cluster` answers for `cluster` (undefined: the node runs alone).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clusterStatus } from "./cluster_api.ts";
 * assert.deepEqual(await clusterStatus(undefined), { enabled: false, nodes: [] });
 * ```
 */
export async function clusterStatus(
  cluster: Pick<Cluster, "node" | "connected" | "nodes"> | undefined,
): Promise<ClusterStatus> {
  if (!cluster) return { enabled: false, nodes: [] };
  const { node, connected } = cluster;
  const nodes = connected ? await cluster.nodes().catch(() => []) : [];
  return { enabled: true, node, connected, nodes };
}

/** The cluster route. */
export const CLUSTER_ROUTES: Route[] = [
  {
    method: "GET",
    body: "none",
    path: "/cluster",
    handler: async (ctx) => json(await clusterStatus(ctx.cluster)),
  },
];

// Private: the `cluster:` section of the broker config schema.

import type { AvroSchema } from "./types.ts";

const path = <N extends string, D extends string>(name: N, doc: D) => ({
  name,
  type: ["null", "string"],
  default: null,
  doc,
} as const);

/** The `cluster:` section: several nodes serving one MQTT space over NATS JetStream. */
export const CLUSTER_SCHEMA = {
  type: "record",
  name: "Cluster",
  doc: "Several Aviary nodes serving one MQTT space, over NATS JetStream.",
  fields: [
    {
      name: "enable",
      type: "boolean",
      default: false,
      doc: "Whether this node joins a cluster; without it, no NATS connection is made.",
    },
    {
      name: "node",
      type: ["null", "string"],
      default: null,
      doc: "This node's name, unique in the cluster (letters, digits, `-`, `_`); null = the host " +
        "name and the process id.",
    },
    {
      name: "subject_prefix",
      type: "string",
      default: "aviary",
      doc: "First token of every NATS subject and bucket name of this cluster (letters, digits, " +
        "`-`, `_`): clusters sharing one NATS system need different ones.",
    },
    {
      name: "replicas",
      type: "int",
      default: 1,
      doc: "Copies NATS keeps of each cluster bucket and stream (sessions, owners, offline " +
        "capture, retained messages, nodes), 1-5; at most the number of NATS servers.",
    },
    {
      name: "nats",
      type: {
        type: "record",
        name: "ClusterNats",
        doc: "How this node reaches NATS.",
        fields: [
          {
            name: "servers",
            type: { type: "array", items: "string" },
            default: ["nats://127.0.0.1:4222"],
            doc: "NATS server URLs (`nats://host:port`, `tls://host:port`), tried in turn.",
          },
          path("credentials", "A NATS `.creds` file (user JWT and NKey seed); null = none."),
          path("tls_ca", "CA certificate (PEM file) to verify the NATS servers; null = system."),
          path("tls_cert", "Client certificate (PEM file) for NATS; null = none."),
          path("tls_key", "Client certificate's key (PEM file) for NATS; null = none."),
        ],
      },
      default: {},
      doc: "How this node reaches NATS.",
    },
  ],
} as const satisfies AvroSchema;

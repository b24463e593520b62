// Private: the `persistence:` section of the broker config schema.

import type { AvroSchema } from "./types.ts";

/** The `persistence:` section: where sessions, messages and retained messages survive restarts. */
export const PERSISTENCE_SCHEMA = {
  type: "record",
  name: "Persistence",
  doc: "Durable sessions, queued and in-flight messages, retained messages and delayed wills.",
  fields: [
    {
      name: "backend",
      type: { type: "enum", name: "PersistenceBackend", symbols: ["sqlite", "memory"] },
      default: "sqlite",
      doc: "`sqlite`: a database file in `data_dir`, loaded at start; `memory`: lost on restart.",
    },
    {
      name: "sync",
      type: { type: "enum", name: "PersistenceSync", symbols: ["process", "power"] },
      default: "process",
      doc: "`process`: commits survive a killed process (WAL, synchronous=NORMAL); `power`: they " +
        "also survive power loss (synchronous=FULL, an fsync per commit).",
    },
    {
      name: "file",
      type: "string",
      default: "aviary.db",
      doc: "The SQLite database file, relative to `data_dir`.",
    },
    {
      name: "max_messages",
      type: "int",
      default: 1000000,
      doc: "Most messages stored for offline and slow sessions together; beyond it new ones are " +
        "dropped and counted. 0 = no limit.",
    },
  ],
} as const satisfies AvroSchema;

// Benchmark fixture for `aviary-notify`: a caged plugin (no permissions) that only observes:
// a `packet.received` notification for every packet the broker decodes (every PUBLISH included),
// counted and never answered. What a notify-only plugin costs the broker.
import type { Plugin } from "../../plugins/sdk/mod.ts";

let seen = 0;

export default {
  name: "bench-notify",
  version: "1.0.0",
  description: "counts every packet the broker receives",
  permissions: {},
  hooks: {
    "packet.received": () => {
      seen++;
    },
  },
  healthCheck: () => ({ ok: true, message: `${seen} packets seen` }),
} satisfies Plugin;

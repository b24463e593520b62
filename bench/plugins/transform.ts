// Benchmark fixture for `aviary-plugins`: a caged plugin (isolation: worker, no permissions) whose
// message.publish hook rewrites every message. The topic is kept so subscribers still match; the
// rewrite adds a user property (v5 subscribers see it).
import type { Plugin } from "../../plugins/sdk/mod.ts";

export default {
  name: "bench-transform",
  version: "1.0.0",
  description: "adds the user property seen=1 to every message",
  permissions: {},
  hooks: {
    "message.publish": (msg) => ({
      ...msg,
      properties: { ...msg.properties, userProperties: { seen: "1" } },
    }),
  },
} satisfies Plugin;

// Benchmark fixture for `aviary-auth`: a caged plugin (isolation: worker, no permissions) that
// allows any client whose username starts with "bench" and denies every other client.
import type { Plugin } from "../../plugins/sdk/mod.ts";

export default {
  name: "bench-auth",
  version: "1.0.0",
  description: 'allows usernames starting with "bench", denies the rest',
  permissions: {},
  hooks: {
    "client.authenticate": ({ client }) =>
      client.username?.startsWith("bench")
        ? { result: "allow" }
        : { result: "deny", reason: "Not a bench client" },
  },
} satisfies Plugin;

// A plugin module named in deno.json ("aviary.plugins"): caged in its own process like any plugin.
import type { Plugin } from "@aviary/broker"; // type-only: erased, the cage imports nothing

export default {
  name: "ping-pong",
  version: "1.0.0",
  hooks: {
    "message.publish": (msg) => msg.topic === "ping" ? { ...msg, topic: "pong" } : msg,
  },
} satisfies Plugin;

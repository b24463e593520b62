// Type tests: `deno check` (and `deno test`, which type-checks) fail if any
// `@ts-expect-error` below stops being an error.
import { definePlugin, type Plugin } from "./mod.ts";
import { HOOKPOINT_NAMES, HOOKPOINTS, isHookpoint } from "./hookpoints.ts";

Deno.test("definePlugin() returns its argument and infers the config type", () => {
  const p = definePlugin({
    name: "t",
    version: "1.0.0",
    config: {
      schema: { type: "record", name: "C", fields: [{ name: "prefix", type: "string" }] },
      defaults: { prefix: "a/" },
    },
    hooks: {
      "message.publish": (msg, ctx) => {
        const prefix: string = ctx.config.prefix;
        return { ...msg, topic: prefix + msg.topic };
      },
      "client.authenticate": (e) =>
        e.client.username === "admin" ? { result: "allow", superuser: true } : undefined,
      "client.authorize": () => true,
      "message.delivered": () => ({ drop: true }),
      "client.subscribe": (e) => e.filters.filter((f) => f.topic !== "#"),
      "client.connected": () => {},
    },
  });
  if (p.name !== "t" || typeof p.hooks["message.publish"] !== "function") {
    throw new Error("identity");
  }
});

Deno.test("a misspelled hookpoint or a wrong return type does not compile", () => {
  definePlugin({
    name: "bad",
    version: "1.0.0",
    hooks: {
      // @ts-expect-error misspelled hookpoint name
      "message.publsh": () => {},
    },
  });
  const _viaSatisfies = {
    name: "bad2",
    version: "1.0.0",
    hooks: {
      // @ts-expect-error misspelled hookpoint name with `satisfies Plugin`
      "client.authorise": () => true,
    },
  } satisfies Plugin;
  definePlugin({
    name: "bad3",
    version: "1.0.0",
    hooks: {
      // @ts-expect-error a decide hook cannot answer a string
      "client.authorize": () => "yes",
      // @ts-expect-error client.subscribe is not droppable
      "client.subscribe": () => ({ drop: true }),
      // @ts-expect-error message.publish must return a Message
      "message.publish": () => ({ topic: 1 }),
    },
  });
  definePlugin({
    name: "bad4",
    version: "1.0.0",
    // @ts-expect-error hooks is required
    hook: {},
  });
});

Deno.test("HOOKPOINTS declares every EMQX and aMQTT hookpoint the brief lists", () => {
  const expected = [
    "client.connect",
    "client.connack",
    "client.authenticate",
    "client.enhanced_auth",
    "client.authorize",
    "client.subscribe",
    "client.unsubscribe",
    "client.connected",
    "client.disconnected",
    "session.created",
    "session.resumed",
    "session.discarded",
    "session.takenover",
    "session.terminated",
    "session.subscribed",
    "session.unsubscribed",
    "message.publish",
    "message.delivered",
    "message.acked",
    "message.puback",
    "message.dropped",
    "delivery.dropped",
    "broker.starting",
    "broker.started",
    "control.request",
    "broker.stopping",
    "broker.stopped",
    "packet.received",
    "packet.sent",
    "retained.stored",
  ];
  if (JSON.stringify([...HOOKPOINT_NAMES].sort()) !== JSON.stringify(expected.sort())) {
    throw new Error(`hookpoints differ: ${HOOKPOINT_NAMES.join(", ")}`);
  }
  if (!isHookpoint("client.authorize") || isHookpoint("toString")) throw new Error("isHookpoint");
  if (HOOKPOINTS["message.publish"].kind !== "transform") throw new Error("kind");
});

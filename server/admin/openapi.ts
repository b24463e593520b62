/**
 * The OpenAPI 3 document of the admin API (served at `GET /api/v1/openapi.json`);
 * `tests/admin/rest_test.ts` ("OpenAPI document lists every route and nothing else") checks that
 * it lists exactly the routes of routes.ts.
 *
 * @module
 */

import { PLUGIN_API_OPENAPI } from "./plugin_api_routes.ts";

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const body = (schema: unknown, description = "OK") => ({
  description,
  content: { "application/json": { schema } },
});
const errors = {
  "400": body(ref("Error"), "Bad request (BAD_REQUEST, BAD_CONFIG, ...)"),
  "401": body(ref("Error"), "UNAUTHORIZED"),
  "403": body(ref("Error"), "CROSS_ORIGIN (a change sent from another origin)"),
  "404": body(ref("Error"), "NOT_FOUND"),
  "413": body(ref("Error"), "TOO_LARGE (body, upload or unpacked package over its limit)"),
  "415": body(ref("Error"), "UNSUPPORTED_MEDIA_TYPE (JSON bodies must be application/json)"),
  "421": body(ref("Error"), "MISDIRECTED_REQUEST (Host is not the admin listener's own)"),
};
const inPath = (name: string) => [{ name, in: "path", required: true, schema: { type: "string" } }];
const alias = inPath("alias");
const query = (...names: string[]) =>
  names.map((name) => ({ name, in: "query", schema: { type: "string" } }));
const list = (item: string) => ({
  type: "object",
  properties: { data: { type: "array", items: ref(item) } },
});
const action = (what: string) => ({
  put: {
    tags: ["plugins"],
    summary: what,
    parameters: alias,
    responses: {
      "200": body(ref("Plugin")),
      "422": body(ref("Error"), "START_FAILED"),
      ...errors,
    },
  },
});

/** The document. */
export const OPENAPI = {
  openapi: "3.0.3",
  info: { title: "Aviary admin API", version: "1" },
  servers: [{ url: "/api/v1" }],
  security: [{ basic: [] }, { bearer: [] }],
  paths: {
    "/plugins": {
      get: {
        tags: ["plugins"],
        summary: "List plugins in order",
        responses: { "200": body(list("Plugin")), ...errors },
      },
    },
    "/plugins/install": {
      post: {
        tags: ["plugins"],
        summary: "Install a plugin (stopped); 403 GRANT_REQUIRED lists the permissions to grant",
        requestBody: {
          content: {
            "multipart/form-data": {
              schema: {
                type: "object",
                properties: {
                  file: { type: "string", format: "binary" },
                  alias: { type: "string" },
                  grant: { type: "string", description: "JSON permission object" },
                },
              },
            },
            "application/json": {
              schema: {
                type: "object",
                required: ["source"],
                properties: {
                  source: { type: "string", description: "URL or path of a .tar.gz or a module" },
                  alias: { type: "string" },
                  grant: { type: "object" },
                },
              },
            },
          },
        },
        responses: {
          "201": body(ref("Plugin"), "Installed"),
          ...errors,
          "403": body(ref("Error"), "GRANT_REQUIRED (permissions, missing), CROSS_ORIGIN"),
          "409": body(ref("Error"), "ALREADY_EXISTS (alias or install folder taken)"),
          "422": body(ref("Error"), "INCOMPATIBLE_SDK (required, sdk): built for another SDK"),
        },
      },
    },
    "/plugins/{alias}": {
      get: {
        tags: ["plugins"],
        summary: "Describe a plugin",
        parameters: alias,
        responses: { "200": body(ref("Plugin")), ...errors },
      },
      delete: {
        tags: ["plugins"],
        summary: "Uninstall a plugin",
        parameters: alias,
        responses: {
          "204": { description: "Uninstalled" },
          "409": body(ref("Error"), "IN_CONFIG_FILE"),
          ...errors,
        },
      },
    },
    "/plugins/{alias}/start": action("Start now and mark enabled"),
    "/plugins/{alias}/stop": action("Drain, stop now and mark disabled"),
    "/plugins/{alias}/restart": action("Stop and start again"),
    "/plugins/{alias}/enable": action("Start with the broker"),
    "/plugins/{alias}/disable": action("Do not start with the broker"),
    "/plugins/{alias}/config": {
      get: {
        tags: ["plugins"],
        summary: "Current config and version",
        parameters: alias,
        responses: { "200": body({ type: "object" }), ...errors },
      },
      put: {
        tags: ["plugins"],
        summary: "Validate and apply a config (400 BAD_CONFIG with field errors, CONFIG_REFUSED)",
        parameters: alias,
        requestBody: { content: { "application/json": { schema: { type: "object" } } } },
        responses: { "200": body({ type: "object" }), ...errors },
      },
    },
    "/plugins/{alias}/schema": {
      get: {
        tags: ["plugins"],
        summary: "Avro config schema, i18n labels, defaults",
        parameters: alias,
        responses: { "200": body({ type: "object" }), ...errors },
      },
    },
    "/plugins/{alias}/move": {
      post: {
        tags: ["plugins"],
        summary: "Reorder: front, rear, before:<alias>, after:<alias>",
        parameters: alias,
        requestBody: {
          content: {
            "application/json": {
              schema: { type: "object", properties: { position: { type: "string" } } },
            },
          },
        },
        responses: { "200": body(list("Plugin")), ...errors },
      },
    },
    "/clients": {
      get: {
        tags: ["broker"],
        summary: "Connected clients (?q= search id/user/address, ?offset=, ?limit= 1-1000)",
        parameters: query("q", "offset", "limit"),
        responses: { "200": body(list("Client")), ...errors },
      },
    },
    "/clients/{id}": {
      get: {
        tags: ["broker"],
        summary: "One connected client with its subscriptions (subscriptionList)",
        parameters: inPath("id"),
        responses: { "200": body(ref("Client")), ...errors },
      },
      delete: {
        tags: ["broker"],
        summary: "Kick: disconnect the client (MQTT 5: DISCONNECT 0x98 Administrative action)",
        parameters: inPath("id"),
        responses: { "204": { description: "Disconnected" }, ...errors },
      },
    },
    "/subscriptions": {
      get: {
        tags: ["broker"],
        summary: "Subscriptions of every session",
        responses: { "200": body({ type: "object" }), ...errors },
      },
    },
    "/retained": {
      get: {
        tags: ["broker"],
        summary: "Retained messages (?topic=filter, default #; paged) with payload previews",
        parameters: query("topic", "offset", "limit"),
        responses: { "200": body({ type: "object" }), ...errors },
      },
    },
    "/retained/{topic}": {
      delete: {
        tags: ["broker"],
        summary: "Clear one retained message (topic percent-encoded, / as %2F)",
        parameters: inPath("topic"),
        responses: { "204": { description: "Cleared" }, ...errors },
      },
    },
    "/listeners": {
      get: {
        tags: ["broker"],
        summary: "MQTT listeners that are up: name, transport, address, port, WebSocket path",
        responses: { "200": body({ type: "object" }), ...errors },
      },
    },
    "/stats": {
      get: {
        tags: ["broker"],
        summary: "Counters and gauges",
        responses: { "200": body({ type: "object" }), ...errors },
      },
    },
    "/status": {
      get: {
        tags: ["broker"],
        summary: "Liveness and readiness: 200 when ready, 503 when not (?probe=live: always 200)",
        parameters: [{ name: "probe", in: "query", schema: { type: "string", enum: ["live"] } }],
        responses: {
          "200": body({ type: "object" }),
          "503": body({ type: "object" }, "Not ready"),
          ...errors,
        },
      },
    },
    "/cluster": {
      get: {
        tags: ["cluster"],
        summary: "This node's cluster state and every node with its clients and load",
        responses: { "200": body(ref("Cluster")), ...errors },
      },
    },
    ...PLUGIN_API_OPENAPI,
  },
  components: {
    securitySchemes: {
      basic: { type: "http", scheme: "basic" },
      bearer: { type: "http", scheme: "bearer", description: "<key_id>:<secret>" },
    },
    schemas: {
      Error: {
        type: "object",
        required: ["code", "message"],
        properties: {
          code: { type: "string" },
          message: { type: "string" },
          errors: {
            type: "array",
            items: {
              type: "object",
              properties: { path: { type: "string" }, message: { type: "string" } },
            },
          },
        },
      },
      Plugin: {
        type: "object",
        properties: {
          alias: { type: "string" },
          name: { type: "string" },
          version: { type: "string" },
          state: { type: "string", enum: ["starting", "running", "crashed", "failed", "stopped"] },
          enabled: { type: "boolean" },
          error: { type: "string" },
          permissions: { type: "object" },
          metrics: { type: "object" },
        },
      },
      Cluster: {
        type: "object",
        required: ["enabled", "nodes"],
        properties: {
          enabled: { type: "boolean" },
          node: { type: "string" },
          connected: { type: "boolean" },
          nodes: { type: "array", items: ref("Node") },
        },
      },
      Node: {
        type: "object",
        properties: {
          node: { type: "string" },
          startedAt: { type: "integer", description: "ms since the epoch" },
          seenAt: { type: "integer", description: "last heartbeat, ms since the epoch" },
          clients: { type: "integer" },
          receivedPerSec: { type: "number" },
          sentPerSec: { type: "number" },
        },
      },
      Client: {
        type: "object",
        properties: { clientId: { type: "string" }, username: { type: "string", nullable: true } },
      },
    },
  },
} as const;

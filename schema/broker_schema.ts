/**
 * The Avro schema of the broker's YAML config, as a TypeScript constant so that `deno compile`
 * embeds it. `schema/broker.avsc` is the same schema as a JSON file for tools and readers;
 * `broker_schema_test.ts` fails when the two drift apart (regenerate the file with
 * `deno run --allow-write schema/_write_avsc.ts`).
 *
 * Avro has no "any" type: `plugins.<alias>.config` is declared as
 * `{"type": "string", "logicalType": "json-object"}` (a JSON object, stored as JSON text in Avro
 * binary). {@linkcode validateAvro} accepts any JSON object there and leaves its content to the
 * plugin's own schema.
 *
 * @module
 */

import { ADMIN_SCHEMA } from "./_admin_schema.ts";
import { CLUSTER_SCHEMA } from "./_cluster_schema.ts";
import { LISTENER_SCHEMA, LOG_SCHEMA, MQTT_SCHEMA } from "./_core_schema.ts";
import { PERSISTENCE_SCHEMA } from "./_persistence_schema.ts";
import { PLUGIN_ENTRY_SCHEMA } from "./_plugin_entry_schema.ts";
import type { AvroSchema } from "./types.ts";

const NS = "aviary.config";

/** `plugins: [aliases]` of a role section (`auth`, `topic_check`). */
const aliases = <D extends string>(doc: D) => ({
  name: "plugins",
  type: ["null", { type: "array", items: "string" }],
  default: null,
  doc,
} as const);

/**
 * The Avro schema of the whole broker config (`BrokerConfig` in `server/config/types.ts`), with
 * literal types so that `AvroValue` (`avro_value.ts`) can read the config type out of it.
 *
 * @example Validate a config object
 * ```ts
 * import type { AvroValue } from "./avro_value.ts";
 * import { BROKER_SCHEMA } from "./broker_schema.ts";
 * import { validateAvro } from "./validate.ts";
 * import assert from "node:assert/strict";
 *
 * type Config = AvroValue<typeof BROKER_SCHEMA>;
 * const { value, errors } = validateAvro<Config>(BROKER_SCHEMA, { log: { level: "debug" } });
 * assert.deepEqual(errors, []);
 * assert.deepEqual(value.log, { level: "debug", format: "text", connections: true });
 * ```
 */
export const BROKER_SCHEMA = {
  type: "record",
  name: "BrokerConfig",
  namespace: NS,
  doc: "The whole Aviary broker configuration.",
  fields: [
    {
      name: "listeners",
      type: { type: "map", values: LISTENER_SCHEMA },
      default: { default: { type: "tcp", bind: "127.0.0.1:1883" } },
      doc: "Listeners by name; default: one tcp listener on 127.0.0.1:1883.",
    },
    { name: "mqtt", type: MQTT_SCHEMA, default: {}, doc: "MQTT protocol limits and behaviour." },
    { name: "log", type: LOG_SCHEMA, default: {}, doc: "Logging." },
    {
      name: "auth",
      type: {
        type: "record",
        name: "Auth",
        doc: "Authentication (aMQTT style).",
        fields: [
          {
            name: "allow_anonymous",
            type: "boolean",
            default: false,
            doc: "Let clients without credentials in when no plugin decides.",
          },
          aliases("Aliases taking part in authentication; null = every plugin with the hook."),
        ],
      },
      default: {},
      doc: "Authentication (aMQTT style).",
    },
    {
      name: "topic_check",
      type: {
        type: "record",
        name: "TopicCheck",
        doc: "Topic authorization (aMQTT style).",
        fields: [
          { name: "enable", type: "boolean", default: false, doc: "Whether topic checks run." },
          aliases("Aliases taking part in topic checks; null = every plugin with the hook."),
        ],
      },
      default: {},
      doc: "Topic authorization (aMQTT style).",
    },
    {
      name: "plugins",
      type: { type: "map", values: PLUGIN_ENTRY_SCHEMA },
      default: {},
      doc: "Plugins by alias.",
    },
    {
      name: "data_dir",
      type: "string",
      default: ".data",
      doc:
        "Where sessions, installed plugins and plugin stores live (relative to the working dir).",
    },
    {
      name: "persistence",
      type: PERSISTENCE_SCHEMA,
      default: {},
      doc: "Durable sessions and messages (on by default: SQLite in `data_dir`).",
    },
    { name: "admin", type: ADMIN_SCHEMA, default: {}, doc: "The admin REST API and dashboard." },
    {
      name: "cluster",
      type: CLUSTER_SCHEMA,
      default: {},
      doc: "Several nodes serving one MQTT space over NATS JetStream (off by default).",
    },
  ],
} as const satisfies AvroSchema;

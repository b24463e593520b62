// Private: one `plugins:` entry of the broker config schema.

import type { AvroSchema } from "./types.ts";

/**
 * The Deno permission keys an operator may grant: the SDK's `PERMISSION_NAMES` (the schema layer
 * cannot import the SDK; `server/config/types_test.ts` fails when the two lists differ).
 */
const PERMISSION_KEYS = ["net", "read", "write", "env", "run", "ffi", "sys", "import"] as const;

/** `boolean | string[]` or missing, for one Deno permission key. */
const permission = <N extends string>(what: N) => ({
  name: what,
  type: ["null", "boolean", { type: "array", items: "string" }],
  default: null,
  doc:
    `Deno \`${what}\` permission: true, false or a list of allowed values; missing = not granted.`,
} as const);

/** One `plugins:` entry. */
export const PLUGIN_ENTRY_SCHEMA = {
  type: "record",
  name: "PluginEntry",
  doc: "One plugin, keyed by alias under `plugins:`.",
  fields: [
    {
      name: "source",
      type: "string",
      doc: "Path, `file://` or `http(s)://` URL, `npm:` specifier, or a built-in name.",
    },
    {
      name: "permissions",
      type: {
        type: "record",
        name: "Permissions",
        doc: "What the operator grants; a plugin declaring more is refused.",
        fields: PERMISSION_KEYS.map(permission),
      },
      default: {},
      doc: "What the operator grants the plugin; missing keys are not granted.",
    },
    {
      name: "config",
      type: { type: "string", logicalType: "json-object" },
      default: "{}",
      doc: "The plugin's own config (any object), validated later against the plugin's schema.",
    },
    {
      name: "priority",
      type: "int",
      default: 0,
      doc: "Higher runs first; ties keep config order.",
    },
    { name: "enabled", type: "boolean", default: true, doc: "A disabled plugin is not loaded." },
    { name: "timeout_ms", type: "int", default: 5000, doc: "Per hook call, in milliseconds." },
    {
      name: "integrity",
      type: ["null", "string"],
      default: null,
      doc: "`sha256-<base64>` pin of the source bytes; null = not checked.",
    },
    {
      name: "isolation",
      type: { type: "enum", name: "Isolation", symbols: ["auto", "process", "worker", "none"] },
      default: "auto",
      doc:
        "`process` (own Deno process: permissions, heap limit, crash isolation), `worker` (a Worker: permissions, no heap limit), `none` (in-process, full trust); `auto` = `worker` for built-ins, `process` otherwise.",
    },
    {
      name: "limits",
      type: {
        type: "record",
        name: "PluginLimits",
        doc: "Resource limits of one plugin.",
        fields: [
          {
            name: "memory_mb",
            type: "int",
            default: 128,
            doc:
              "JavaScript heap limit in MiB (`process` isolation); a breach ends only the plugin.",
          },
          {
            name: "store_mb",
            type: "int",
            default: 16,
            doc: "Size limit of the plugin's `ctx.store`, in MiB (keys plus JSON values).",
          },
          {
            name: "publish_per_second",
            type: "int",
            default: 1000,
            doc:
              "`ctx.publish` calls per second (burst of the same size); over it they are refused.",
          },
        ],
      },
      default: {},
      doc: "Resource limits of the plugin.",
    },
    {
      name: "on_error",
      type: { type: "enum", name: "FallbackDecision", symbols: ["allow", "deny", "ignore"] },
      default: "deny",
      doc: "What a decide hook answers when it throws: `allow`, `deny` or `ignore`.",
    },
    {
      name: "on_timeout",
      type: "FallbackDecision",
      default: "deny",
      doc: "What a decide hook answers when it times out: `allow`, `deny` or `ignore`.",
    },
    {
      name: "transform_plugin_messages",
      type: "boolean",
      default: false,
      doc: "Whether the messages this plugin publishes (`ctx.publish`) go through the " +
        "`message.publish` hooks of the plugins; by default they are routed as published.",
    },
  ],
} as const satisfies AvroSchema;

// The config types are written by hand (with their docs); this file holds them to the schema.
// Each `same<...>()` line fails `deno check` (and so `deno test`) when a type and its schema
// section differ in a field's presence or kind: a field added to BROKER_SCHEMA and not to its
// type, or the other way round, cannot go unnoticed.

import assert from "node:assert/strict";
import type { MqttConfig } from "../../broker/options.ts";
import type { ListenerConfig } from "../../broker/transport/options.ts";
import type {
  AuthConfig,
  PermissionGrant,
  PluginEntryConfig,
  PluginLimits,
  TopicCheckConfig,
} from "../../plugins/host/entry.ts";
import { PERMISSION_NAMES, type PermissionName } from "../../plugins/sdk/plugin.ts";
import type { ListenerView, MqttLimitsView } from "../../plugins/sdk/config_view.ts";
import { type AvroValue, BROKER_SCHEMA } from "../../schema/mod.ts";
import type {
  AdminConfig,
  BrokerConfig,
  ClusterConfig,
  LogConfig,
  PersistenceConfig,
} from "./types.ts";

/** `true` when A and B are the same type (same keys, same optionality, same kinds, all levels). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;

/** Compiles only when its argument is `true`. */
function same<_ extends true>(): void {}

/** Flattens an intersection so that {@linkcode Same} compares it as one object type. */
type Flat<T> = { [K in keyof T]: T[K] };

/** What the schema validates, before `parseConfig` normalizes it. */
type Schema = AvroValue<typeof BROKER_SCHEMA>;
type SchemaEntry = Schema["plugins"][string];

/** `parseConfig` drops permission keys left null (not granted). */
type Granted<P> = { [K in keyof P]?: Exclude<P[K], null> };

/** A plugin entry as `parseConfig` returns it. */
type LoadedEntry = Flat<
  Omit<SchemaEntry, "permissions"> & { permissions: Granted<SchemaEntry["permissions"]> }
>;

/** The whole config as `parseConfig` returns it. */
type Loaded = Flat<Omit<Schema, "plugins"> & { plugins: Record<string, LoadedEntry> }>;

same<Same<Schema["listeners"][string], ListenerConfig>>();
same<Same<Schema["mqtt"], MqttConfig>>();
same<Same<Schema["log"], LogConfig>>();
same<Same<Schema["auth"], AuthConfig>>();
same<Same<Schema["topic_check"], TopicCheckConfig>>();
same<Same<SchemaEntry["limits"], PluginLimits>>();
same<Same<keyof SchemaEntry["permissions"], PermissionName>>();
same<Same<Granted<SchemaEntry["permissions"]>, Partial<PermissionGrant>>>();
same<Same<LoadedEntry, PluginEntryConfig>>();
same<Same<Schema["admin"], AdminConfig>>();
same<Same<Schema["persistence"], PersistenceConfig>>();
same<Same<Schema["cluster"], ClusterConfig>>();
same<Same<Loaded, BrokerConfig>>();
// What plugins see of the config (the SDK restates it: it imports nothing) keeps the same shapes.
same<Same<ListenerView, ListenerConfig>>();
same<Same<MqttLimitsView, MqttConfig>>();

Deno.test("BROKER_SCHEMA's permission keys are the SDK's PERMISSION_NAMES, in order", () => {
  const plugin = BROKER_SCHEMA.fields.find((f) => f.name === "plugins")!.type.values;
  const permissions = plugin.fields.find((f) => f.name === "permissions")!.type;
  assert.deepEqual(permissions.fields.map((f) => f.name), [...PERMISSION_NAMES]);
});

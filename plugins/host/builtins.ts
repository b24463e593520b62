/**
 * Built-in plugins by name: `source: example` in the YAML loads the module registered here.
 * Built-ins are trusted code shipped with the broker: in a worker their static imports load with
 * the broker's own permissions (so they may span several files), while their Deno API calls are
 * still limited to the permissions they declare.
 *
 * @module
 */

/**
 * Name -> module URL. Real built-ins live in `plugins/builtin/<name>/mod.ts`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BUILTIN_PLUGINS } from "./builtins.ts";
 * assert.ok(Object.hasOwn(BUILTIN_PLUGINS, "auth_file"));
 * ```
 */
export const BUILTIN_PLUGINS: Readonly<Record<string, string>> = {
  example: new URL("./builtin_example.ts", import.meta.url).href,
  auth_anonymous: new URL("../builtin/auth_anonymous/mod.ts", import.meta.url).href,
  auth_file: new URL("../builtin/auth_file/mod.ts", import.meta.url).href,
  auth_scram: new URL("../builtin/auth_scram/mod.ts", import.meta.url).href,
  topic_taboo: new URL("../builtin/topic_taboo/mod.ts", import.meta.url).href,
  topic_acl: new URL("../builtin/topic_acl/mod.ts", import.meta.url).href,
  sys: new URL("../builtin/sys/mod.ts", import.meta.url).href,
  event_logger: new URL("../builtin/event_logger/mod.ts", import.meta.url).href,
  packet_logger: new URL("../builtin/packet_logger/mod.ts", import.meta.url).href,
};

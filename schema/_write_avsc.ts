// Writes schema/broker.avsc from BROKER_SCHEMA: deno run --allow-write schema/_write_avsc.ts

import { BROKER_SCHEMA } from "./broker_schema.ts";

if (import.meta.main) {
  const target = new URL("./broker.avsc", import.meta.url);
  await Deno.writeTextFile(target, JSON.stringify(BROKER_SCHEMA, null, 2) + "\n");
}

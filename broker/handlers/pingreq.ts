/**
 * PINGREQ -> PINGRESP (spec 3.12).
 *
 * @module
 */
import type { Client } from "../client.ts";

/** Answers a PINGREQ. */
export function handlePingreq(client: Client): void {
  client.send({ cmd: "pingresp" });
}

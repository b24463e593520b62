/**
 * PINGREQ -> PINGRESP (spec 3.12).
 *
 * @module
 */
import type { ClientConnection } from "../core_types.ts";

/** Answers a PINGREQ. */
export function handlePingreq(client: ClientConnection): void {
  client.send({ cmd: "pingresp" });
}

/**
 * AUTH (spec 3.15). Enhanced authentication is not offered: a CONNECT naming an authentication
 * method is refused with 0x8C, so an AUTH packet afterwards is a protocol error.
 *
 * @module
 */
import type { ClientConnection } from "../core_types.ts";
import { MqttError, ReasonCode } from "../errors.ts";

/** Rejects AUTH: no enhanced authentication was negotiated. */
export function handleAuth(_client: ClientConnection): void {
  throw new MqttError(ReasonCode.ProtocolError, "AUTH without an authentication method");
}

/**
 * `host:port` bind addresses, as the config spells them. One implementation serves the config
 * checks and the listeners: this module re-exports the transport's.
 *
 * @module
 */
export { formatAddr as formatBind, parseBind } from "../../broker/transport/address.ts";
export type { BindAddress } from "../../broker/transport/options.ts";

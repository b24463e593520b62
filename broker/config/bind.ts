/**
 * `host:port` bind addresses, as the config spells them. One implementation serves the config
 * checks and the listeners: this module re-exports the transport's.
 *
 * @module
 */
export { formatAddr as formatBind, parseBind } from "../transport/address.ts";
export type { BindAddress } from "../transport/options.ts";

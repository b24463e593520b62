/** Aviary's version, printed by `--version` and published on `$SYS/broker/version`. */
export const VERSION = "0.1.0";

/**
 * The SDK's version and its one compatibility rule. A plugin built for SDK `M.m.p` runs on a host
 * whose SDK has the same major `M` and a minor of at least `m`: minors only add to the contract,
 * a major may change or remove part of it, and patches never change it (the patch is not
 * compared). A package states the SDK it was built for in `release.json` as
 * `"compatibility": {"aviary_sdk": "^M.m.p"}` (`^M.m` also reads), which `aviary plugins pack`
 * fills from the project's vendored `sdk/`.
 *
 * @module
 */

/** This SDK's version (semver). Bump the minor when the contract grows, the major when it breaks. */
export const SDK_VERSION = "1.0.0";

/** The `compatibility` field of `release.json` that names the SDK range. */
export const SDK_COMPATIBILITY_FIELD = "aviary_sdk";

/** A major and minor an SDK range starts at. */
export interface SdkRange {
  major: number;
  minor: number;
}

const NUM = "(0|[1-9][0-9]{0,8})";
const RANGE = new RegExp(`^\\^${NUM}\\.${NUM}(?:\\.${NUM})?$`);
const VERSION = new RegExp(`^${NUM}\\.${NUM}\\.${NUM}$`);

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value.slice(0, 80)) : `a ${typeof value}`;
}

/**
 * Reads an SDK range (`^M.m.p` or `^M.m`); a TypeError names what is wrong otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSdkRange } from "./version.ts";
 * assert.deepEqual(parseSdkRange("^1.2.0"), { major: 1, minor: 2 });
 * assert.throws(() => parseSdkRange(">=1.0"), TypeError);
 * ```
 */
export function parseSdkRange(range: unknown): SdkRange {
  const m = typeof range === "string" ? RANGE.exec(range) : null;
  if (!m) {
    throw new TypeError(
      `SDK range ${describe(range)} must read ^MAJOR.MINOR.PATCH (like "^1.0.0")`,
    );
  }
  return { major: Number(m[1]), minor: Number(m[2]) };
}

/**
 * The range a plugin built on SDK `version` states: `^version`. A TypeError for a version that is
 * not `MAJOR.MINOR.PATCH`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sdkRangeFor } from "./version.ts";
 * assert.equal(sdkRangeFor("1.4.2"), "^1.4.2");
 * assert.throws(() => sdkRangeFor("1.4"), TypeError);
 * ```
 */
export function sdkRangeFor(version: string): string {
  if (!VERSION.test(version)) {
    throw new TypeError(`SDK version ${describe(version)} must read MAJOR.MINOR.PATCH`);
  }
  return `^${version}`;
}

/**
 * Whether a plugin stating `range` runs on SDK `version` (default: this SDK): same major, minor at
 * least the range's. Throws a TypeError for a malformed range or version.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sdkSatisfies } from "./version.ts";
 * assert.equal(sdkSatisfies("^1.2.0", "1.3.0"), true);
 * assert.equal(sdkSatisfies("^1.2.9", "1.2.0"), true); // patches are not compared
 * assert.equal(sdkSatisfies("^1.4.0", "1.3.0"), false); // built on a newer minor
 * assert.equal(sdkSatisfies("^2.0.0", "1.9.0"), false); // another major
 * ```
 */
export function sdkSatisfies(range: string, version: string = SDK_VERSION): boolean {
  const want = parseSdkRange(range);
  const have = parseSdkRange(sdkRangeFor(version));
  return want.major === have.major && have.minor >= want.minor;
}

/**
 * Why a plugin stamped by `definePlugin` (its `sdk` field) cannot run on this host's SDK, or null
 * when it can (or carries no stamp: a plugin typed with `satisfies Plugin` has none). The
 * wording is the one a package's `release.json` range is refused with.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sdkStampProblem } from "./version.ts";
 * assert.equal(sdkStampProblem({ name: "p", version: "1.0.0", sdk: "1.0.0" }, "1.2.0"), null);
 * assert.equal(sdkStampProblem({ name: "p", version: "1.0.0" }, "1.2.0"), null);
 * assert.match(sdkStampProblem({ name: "p", version: "1.0.0", sdk: "2.0.0" }, "1.2.0")!, /built for SDK \^2\.0\.0/);
 * assert.match(sdkStampProblem({ name: "p", version: "1", sdk: "x" }, "1.2.0")!, /must read/);
 * ```
 */
export function sdkStampProblem(
  plugin: { name?: unknown; version?: unknown; sdk?: unknown },
  version: string = SDK_VERSION,
): string | null {
  if (plugin.sdk === undefined) return null;
  const who = `plugin "${String(plugin.name)}" ${String(plugin.version)}`;
  if (typeof plugin.sdk !== "string" || !VERSION.test(plugin.sdk)) {
    return `${who} has an SDK stamp ${describe(plugin.sdk)} that must read MAJOR.MINOR.PATCH`;
  }
  const range = sdkRangeFor(plugin.sdk);
  if (sdkSatisfies(range, version)) return null;
  return `${who} is built for SDK ${range}; ` +
    `this host's SDK is ${version} (same major, minor at least the plugin's)`;
}

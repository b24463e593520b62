/**
 * Plugin packages for the whole cluster in the JetStream Object Store `<prefix>_packages`, named
 * by the hex sha256 of their bytes. Every read checks the bytes against that pin: a package whose
 * bytes do not match is refused, whatever the store says.
 *
 * @module
 */
import type { ObjectStore } from "@nats-io/obj";
import { PACKAGE_LIMITS } from "../../plugins/host/package_limits.ts";

/** A package the store cannot give as pinned. */
export class PackagePinError extends Error {
  /** The pinned sha256 (hex). */
  readonly sha256: string;
  constructor(sha256: string, reason: string) {
    super(`Cluster package ${sha256.slice(0, 12)}… refused: ${reason}`);
    this.name = "PackagePinError";
    this.sha256 = sha256;
  }
}

/**
 * Hex sha256 of `bytes`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha256Hex } from "./plugin_packages.ts";
 * assert.equal((await sha256Hex(new Uint8Array())).slice(0, 8), "e3b0c442");
 * ```
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The cluster's package store.
 *
 * @example
 * ```ts ignore
 * const store = new PackageStore(await new Objm(nc).create("aviary_packages"));
 * const sha256 = await store.put(bytes);
 * const same = await store.get(sha256); // PackagePinError when the bytes do not match
 * ```
 */
export class PackageStore {
  #os: ObjectStore;
  constructor(os: ObjectStore) {
    this.#os = os;
  }

  /** Stores `bytes` under their sha256 (once) and returns it. */
  async put(bytes: Uint8Array): Promise<string> {
    const sha256 = await sha256Hex(bytes);
    const info = await this.#os.info(sha256).catch(() => null);
    if (!info || info.deleted) await this.#os.putBlob({ name: sha256 }, bytes);
    return sha256;
  }

  /**
   * The package pinned by `sha256`.
   *
   * @throws {PackagePinError} when it is missing, too large or its bytes do not match the pin
   */
  async get(sha256: string): Promise<Uint8Array> {
    let bytes: Uint8Array | null;
    try {
      bytes = await this.#os.getBlob(sha256);
    } catch (err) {
      throw new PackagePinError(sha256, `cannot read it: ${(err as Error).message}`);
    }
    if (!bytes) throw new PackagePinError(sha256, "it is not in the object store");
    if (bytes.length > PACKAGE_LIMITS.uploadBytes) {
      throw new PackagePinError(sha256, `${bytes.length} bytes, over the package limit`);
    }
    const actual = await sha256Hex(bytes);
    if (actual !== sha256) {
      throw new PackagePinError(sha256, `its bytes hash to sha256 ${actual}, not the pinned one`);
    }
    return bytes;
  }
}

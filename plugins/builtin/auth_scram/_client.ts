/**
 * The client side of SCRAM-SHA-256 (RFC 5802 section 3), written to the RFC for the tests of
 * `auth_scram`: the client-first message, the client-final message with its proof, and the
 * server signature the client expects in the server-final message.
 *
 * @module
 */

const encoder = new TextEncoder();

async function hmac(key: Uint8Array, data: string): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey(
    "raw",
    key as Uint8Array<ArrayBuffer>,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, encoder.encode(data)));
}

const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));

/** One client's exchange. */
export class ScramClient {
  readonly bare: string;
  #password: string;

  /** @param nonce the client nonce (random when not given) */
  constructor(user: string, password: string, readonly nonce: string = crypto.randomUUID()) {
    this.bare = `n=${user.replaceAll("=", "=3D").replaceAll(",", "=2C")},r=${nonce}`;
    this.#password = password;
  }

  /** The client-first message. */
  first(): string {
    return `n,,${this.bare}`;
  }

  /**
   * The client-final message answering `serverFirst`, and the server-final message the client
   * must then receive. `nonce` replaces the combined nonce (to tamper with it).
   */
  async final(serverFirst: string, nonce?: string): Promise<{ message: string; expect: string }> {
    const a = new Map(serverFirst.split(",").map((p) => [p[0], p.slice(2)]));
    const salt = Uint8Array.from(atob(a.get("s")!), (c) => c.charCodeAt(0));
    const key = await crypto.subtle.importKey(
      "raw",
      encoder.encode(this.#password),
      "PBKDF2",
      false,
      [
        "deriveBits",
      ],
    );
    const salted = new Uint8Array(
      await crypto.subtle.deriveBits(
        { name: "PBKDF2", hash: "SHA-256", salt, iterations: Number(a.get("i")) },
        key,
        256,
      ),
    );
    const clientKey = await hmac(salted, "Client Key");
    const storedKey = new Uint8Array(
      await crypto.subtle.digest("SHA-256", clientKey as Uint8Array<ArrayBuffer>),
    );
    const withoutProof = `c=biws,r=${nonce ?? a.get("r")}`;
    const authMessage = `${this.bare},${serverFirst},${withoutProof}`;
    const signature = await hmac(storedKey, authMessage);
    const proof = clientKey.map((b, i) => b ^ signature[i]);
    const serverSignature = await hmac(await hmac(salted, "Server Key"), authMessage);
    return { message: `${withoutProof},p=${b64(proof)}`, expect: `v=${b64(serverSignature)}` };
  }
}

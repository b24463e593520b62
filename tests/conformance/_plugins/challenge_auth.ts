// Enhanced authentication for the conformance tests. Method CHALLENGE: the CONNECT's data must be
// "hello"; the broker sends "nonce:<n>" and the client must answer "proof:<n>" (the nonce comes
// back as the hook's state), then the final data is "ok". Method ROUNDS continues forever.
// Any other method is ignored (not handled). Client ids starting with banned- are refused.
import type { Plugin } from "../../../plugins/sdk/mod.ts";

const text = (b?: Uint8Array) => new TextDecoder().decode(b ?? new Uint8Array());
const bytes = (s: string) => new TextEncoder().encode(s);

export default {
  name: "challenge_auth",
  version: "0.0.1",
  hooks: {
    // A ban list: enhanced authentication must not be a way around it.
    "client.connect": ({ client }) => !client.clientId.startsWith("banned-"),
    "client.enhanced_auth": ({ method, data, step, state }) => {
      if (method === "ROUNDS") return { result: "continue", authData: bytes(`round ${step}`) };
      if (method !== "CHALLENGE") return { result: "ignore" };
      if (step === 0) {
        if (text(data) !== "hello") return { result: "deny", reasonCode: 0x87 };
        const nonce = crypto.randomUUID();
        return { result: "continue", authData: bytes(`nonce:${nonce}`), state: { nonce } };
      }
      const { nonce } = state as { nonce: string };
      return text(data) === `proof:${nonce}`
        ? { result: "allow", authData: bytes("ok") }
        : { result: "deny", reasonCode: 0x87 };
    },
  },
} satisfies Plugin;

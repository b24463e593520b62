/**
 * Prints the SCRAM-SHA-256 verifier of a password, for `auth_scram`'s `users` or its user file:
 * `deno run plugins/builtin/auth_scram/verifier.ts <password> [iterations]`.
 *
 * @module
 */
import { formatVerifier, makeVerifier } from "./scram.ts";

if (import.meta.main) {
  const [password, iterations = "4096"] = Deno.args;
  const n = Number(iterations);
  if (password === undefined || !Number.isSafeInteger(n) || n < 4096) {
    console.error("Usage: verifier.ts <password> [iterations, at least 4096]");
    Deno.exit(2);
  }
  console.log(formatVerifier(await makeVerifier(password, { iterations: n })));
}

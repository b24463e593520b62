/**
 * `aviary admin hash-password [--iterations N]`: reads a password (or API secret) from stdin and
 * prints the `password_hash` / `secret_hash` value for the `admin:` config section.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { DEFAULT_ITERATIONS, hashSecret } from "../server/admin/auth.ts";
import type { Command } from "./command.ts";

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { iterations: { type: "string" }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
  });
  if (values.help || positionals[0] !== "hash-password") {
    console.log(
      "Usage: aviary admin hash-password [--iterations N] < password\n" +
        "Prints a pbkdf2-sha512 hash for admin.users[].password_hash or admin.api_keys[].secret_hash.",
    );
    return values.help ? 0 : 2;
  }
  const iterations = Number(values.iterations ?? DEFAULT_ITERATIONS);
  if (!Number.isInteger(iterations) || iterations < 1000) {
    console.error("aviary: --iterations must be an integer of at least 1000");
    return 2;
  }
  if (Deno.stdin.isTerminal()) await Deno.stderr.write(new TextEncoder().encode("Password: "));
  const text = await new Response(Deno.stdin.readable).text();
  const secret = text.replace(/\r?\n$/, "");
  if (secret === "") {
    console.error("aviary: empty password");
    return 1;
  }
  console.log(await hashSecret(secret, iterations));
  return 0;
}

/** The `admin` command. */
export const command: Command = {
  summary: "admin API helpers (hash-password)",
  run,
};

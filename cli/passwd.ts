/**
 * `aviary passwd`: creates, updates and deletes users in a password file for the `auth_file`
 * plugin, like `mosquitto_passwd`:
 *
 * ```
 * aviary passwd [-c] FILE USER              prompt twice on a terminal, else read one stdin line
 * aviary passwd -b [-c] FILE USER PASSWORD  batch (the password shows in the process list)
 * aviary passwd -D FILE USER                delete USER
 * ```
 *
 * `-c` creates (or overwrites) the file; `-I N` sets the PBKDF2 iterations (default 210000).
 * The file is replaced atomically and created with mode 0600.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { DEFAULT_ITERATIONS, hashPassword } from "../plugins/sdk/password.ts";
import {
  checkUsername,
  formatPasswordFile,
  parsePasswordFile,
} from "../plugins/builtin/auth_file/passwd_file.ts";
import { type Command, errorLines } from "./command.ts";

const USAGE = `Usage: aviary passwd [-c] [-I iterations] FILE USER
       aviary passwd -b [-c] [-I iterations] FILE USER PASSWORD
       aviary passwd -D FILE USER

  -c   create (or overwrite) FILE
  -b   take the password from the command line
  -D   delete USER
  -I   PBKDF2-SHA512 iterations (default ${DEFAULT_ITERATIONS})

Without -b the password is asked twice on a terminal, or read as one line from stdin.`;

/** Where passwd reads passwords from; replaced in tests. */
export interface PasswordSource {
  /** Whether stdin is a terminal (prompt without echo, twice). */
  isTerminal(): boolean;
  /** Prompts without echo and returns the line typed. */
  prompt(question: string): Promise<string>;
  /** Reads one line from stdin (without its line break). */
  readLine(): Promise<string>;
}

/** Reads passwords from the real stdin. */
export const stdinSource: PasswordSource = {
  isTerminal: () => Deno.stdin.isTerminal(),
  async prompt(question) {
    await Deno.stderr.write(new TextEncoder().encode(question));
    Deno.stdin.setRaw(true);
    try {
      const bytes: number[] = [];
      const buf = new Uint8Array(1);
      while (true) {
        const n = await Deno.stdin.read(buf);
        if (n === null || buf[0] === 13 || buf[0] === 10) break;
        if (buf[0] === 3) throw new Error("interrupted");
        if (buf[0] === 127 || buf[0] === 8) bytes.pop();
        else bytes.push(buf[0]);
      }
      return new TextDecoder().decode(new Uint8Array(bytes));
    } finally {
      Deno.stdin.setRaw(false);
      await Deno.stderr.write(new TextEncoder().encode("\n"));
    }
  },
  async readLine() {
    const chunks: Uint8Array[] = [];
    const reader = Deno.stdin.readable.getReader();
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        chunks.push(value);
        if (value.includes(10)) break;
      }
    } finally {
      reader.releaseLock();
    }
    const text = new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
    return text.split(/\r?\n/)[0];
  },
};

async function readPassword(source: PasswordSource): Promise<string> {
  if (!source.isTerminal()) return await source.readLine();
  const first = await source.prompt("Password: ");
  const again = await source.prompt("Reenter password: ");
  if (first !== again) throw new Error("passwords do not match");
  return first;
}

async function readUsers(file: string, create: boolean): Promise<Map<string, string>> {
  if (create) return new Map();
  try {
    const parsed = parsePasswordFile(await Deno.readTextFile(file));
    for (const p of parsed.problems) console.error(`${file}:${p.line}: ${p.message} (kept as is)`);
    return parsed.users;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(`${file} does not exist (use -c to create it)`);
    }
    throw err;
  }
}

async function writeUsers(file: string, users: Map<string, string>): Promise<void> {
  const tmp = `${file}.tmp-${crypto.randomUUID()}`;
  await Deno.writeTextFile(tmp, formatPasswordFile(users), { mode: 0o600 });
  await Deno.rename(tmp, file);
}

/**
 * Runs `aviary passwd`; resolves to the exit code (0 ok, 1 failure, 2 usage).
 *
 * @example
 * ```ts ignore
 * await passwd(["-b", "-c", "/tmp/passwd", "alice", "secret"]);
 * ```
 */
export async function passwd(
  args: string[],
  source: PasswordSource = stdinSource,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        c: { type: "boolean" },
        b: { type: "boolean" },
        D: { type: "boolean" },
        I: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    console.error(`aviary passwd: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const want = values.b ? 3 : 2;
  const iterations = values.I === undefined ? DEFAULT_ITERATIONS : Number(values.I);
  const usage = positionals.length !== want || (values.D && (values.b || values.c)) ||
    !Number.isSafeInteger(iterations) || iterations < 1;
  if (usage) {
    console.error(USAGE);
    return 2;
  }
  const [file, user, given] = positionals;
  try {
    const bad = checkUsername(user);
    if (bad) throw new Error(bad);
    const users = await readUsers(file, values.c === true);
    if (values.D) {
      if (!users.delete(user)) throw new Error(`user "${user}" is not in ${file}`);
    } else {
      const password = given ?? await readPassword(source);
      if (password === "") throw new Error("empty password");
      users.set(user, await hashPassword(password, iterations));
    }
    await writeUsers(file, users);
    return 0;
  } catch (err) {
    for (const line of errorLines(err, "aviary passwd")) console.error(line);
    return 1;
  }
}

/** The `passwd` command. */
export const command: Command = {
  summary: "create, update or delete users of an auth_file password file",
  run: (args) => passwd(args),
};

/**
 * `aviary plugins ...`: manages plugins of a running broker through its admin REST API.
 *
 * ```
 * aviary plugins list | describe <alias> | install <file|url|path> [--alias A] [--yes]
 *   | uninstall <alias> | start|stop|restart|enable|disable <alias>
 *   | move <alias> front|rear|before:<alias>|after:<alias>
 *   | config get <alias> | config set <alias> <json|@file>
 * options: --api http://127.0.0.1:18083  --user U --password P  (or env AVIARY_API_KEY=id:secret)
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { Command } from "./commands.ts";
import { formatBytes, PACKAGE_LIMITS } from "../plugins/host/package_limits.ts";

const OPTIONS = {
  api: { type: "string", default: "http://127.0.0.1:18083" },
  user: { type: "string" },
  password: { type: "string" },
  alias: { type: "string" },
  yes: { type: "boolean", short: "y" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const HELP = `Usage: aviary plugins <command> [options]

Commands:
  list                              plugins in order, with state
  describe <alias>                  details, config, health (JSON)
  install <file.tar.gz|url|path>    install (stopped); asks to grant its permissions
  uninstall <alias>
  start|stop|restart <alias>        start marks enabled, stop marks disabled
  enable|disable <alias>            whether it starts with the broker
  move <alias> <position>           front, rear, before:<alias>, after:<alias>
  config get <alias>
  config set <alias> <json|@file>

Options:
  --api <url>          admin API (default http://127.0.0.1:18083)
  --user, --password   basic auth; or env AVIARY_API_KEY=<key_id>:<secret>
  --alias <name>       install under this alias
  -y, --yes            grant the permissions the plugin asks for without asking
  --json               print JSON
`;

/** A failed API call, printed as `aviary: <message>` (plus field errors). */
class CliError extends Error {
  constructor(message: string, readonly lines: string[] = []) {
    super(message);
  }
}

type Values = ReturnType<typeof parse>["values"];
const parse = (args: string[]) =>
  parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });

function authHeader(v: Values): Record<string, string> {
  if (v.user !== undefined) {
    return { authorization: `Basic ${btoa(`${v.user}:${v.password ?? ""}`)}` };
  }
  const key = Deno.env.get("AVIARY_API_KEY");
  return key ? { authorization: `Bearer ${key}` } : {};
}

async function call(
  v: Values,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = authHeader(v);
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["content-type"] = "application/json";
  }
  let res: Response;
  try {
    res = await fetch(`${v.api!.replace(/\/$/, "")}/api/v1${path}`, {
      method,
      headers,
      body: payload,
    });
  } catch (err) {
    throw new CliError(`cannot reach the admin API at ${v.api}: ${(err as Error).message}`);
  }
  const text = await res.text();
  const parsed = text ? JSON.parse(text) : {};
  return { status: res.status, body: parsed };
}

function failed(r: { status: number; body: Record<string, unknown> }): never {
  const errors = (r.body.errors as { path: string; message: string }[] | undefined) ?? [];
  throw new CliError(
    `${r.body.message ?? `HTTP ${r.status}`} (${r.body.code ?? r.status})`,
    errors.map((e) => `  ${e.path || "(config)"}: ${e.message}`),
  );
}

async function ok(
  v: Values,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const r = await call(v, method, path, body);
  if (r.status >= 400) failed(r);
  return r.body;
}

/** Downloads with progress on stderr (bytes so far). */
async function download(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new CliError(`cannot download ${url}: HTTP ${res.status}`);
  }
  const chunks: Uint8Array[] = [];
  let got = 0;
  const enc = new TextEncoder();
  for await (const chunk of res.body) {
    chunks.push(chunk);
    got += chunk.length;
    if (got > PACKAGE_LIMITS.uploadBytes) {
      throw new CliError(
        `cannot download ${url}: larger than the package limit of ${
          formatBytes(PACKAGE_LIMITS.uploadBytes)
        }`,
      );
    }
    await Deno.stderr.write(enc.encode(`\rdownloading ${url}: ${got} bytes`));
  }
  await Deno.stderr.write(enc.encode("\n"));
  const out = new Uint8Array(got);
  let at = 0;
  for (const c of chunks) out.set(c, (at += c.length) - c.length);
  return out;
}

async function readLine(): Promise<string> {
  const reader = Deno.stdin.readable.getReader();
  let text = "";
  try {
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
  } finally {
    reader.releaseLock();
  }
  return text.split("\n")[0].trim();
}

async function confirmGrant(v: Values, body: Record<string, unknown>): Promise<boolean> {
  const perms = body.permissions as Record<string, unknown>;
  console.log(`Plugin ${body.name} ${body.version} asks for these permissions:`);
  for (const [k, p] of Object.entries(perms)) {
    console.log(`  ${k}: ${p === true ? "all" : JSON.stringify(p)}`);
  }
  if (v.yes) return true;
  if (!Deno.stdin.isTerminal()) {
    throw new CliError("not granted: re-run with --yes to grant them");
  }
  await Deno.stdout.write(new TextEncoder().encode("Grant them and install? [y/N] "));
  return /^y(es)?$/i.test(await readLine());
}

async function install(v: Values, source: string): Promise<Record<string, unknown>> {
  let bytes: Uint8Array | null = null;
  let ref = source;
  if (/^https?:\/\//.test(source)) bytes = await download(source);
  else if (!/^(npm|file):/.test(source)) {
    ref = await Deno.realPath(source).catch(() => source);
    bytes = await Deno.readFile(ref).catch(() => null);
  }
  const gz = bytes !== null && bytes[0] === 0x1f && bytes[1] === 0x8b;
  const send = (grant: unknown) => {
    if (!gz) return call(v, "POST", "/plugins/install", { source: ref, alias: v.alias, grant });
    const form = new FormData();
    form.append("file", new File([bytes as Uint8Array<ArrayBuffer>], "plugin.tar.gz"));
    if (v.alias) form.append("alias", v.alias);
    form.append("grant", JSON.stringify(grant));
    return call(v, "POST", "/plugins/install", form);
  };
  let r = await send({});
  if (r.status === 403 && r.body.code === "GRANT_REQUIRED") {
    if (!(await confirmGrant(v, r.body))) throw new CliError("not installed: permissions refused");
    r = await send(r.body.permissions);
  } else if (r.status < 400) console.log("The plugin asks for no permissions.");
  if (r.status >= 400) failed(r);
  return r.body;
}

function table(rows: Record<string, unknown>[]): string {
  const cols = ["alias", "name", "version", "state", "enabled", "hooks"];
  const cells = rows.map((r) =>
    cols.map((c) => Array.isArray(r[c]) ? (r[c] as string[]).join(",") : String(r[c] ?? ""))
  );
  const width = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (row: string[]) => row.map((x, i) => x.padEnd(width[i])).join("  ").trimEnd();
  return [line(cols.map((c) => c.toUpperCase())), ...cells.map(line)].join("\n");
}

async function run(args: string[]): Promise<number> {
  const { values: v, positionals: [cmd, a, b, c] } = parse(args);
  if (v.help || !cmd) {
    console.log(HELP);
    return cmd || v.help ? 0 : 2;
  }
  const need = (x: string | undefined, what: string) => {
    if (!x) throw new CliError(`missing ${what} (aviary plugins --help)`);
    return encodeURIComponent(x);
  };
  let out: unknown;
  switch (cmd) {
    case "list": {
      const rows = (await ok(v, "GET", "/plugins")).data as Record<string, unknown>[];
      if (!v.json) {
        console.log(table(rows));
        return 0;
      }
      out = rows;
      break;
    }
    case "describe":
      out = await ok(v, "GET", `/plugins/${need(a, "alias")}`);
      break;
    case "install":
      out = await install(v, need(a, "package file, URL or path") && a!);
      break;
    case "uninstall":
      await ok(v, "DELETE", `/plugins/${need(a, "alias")}`);
      console.log(`Uninstalled ${a}`);
      return 0;
    case "start":
    case "stop":
    case "restart":
    case "enable":
    case "disable": {
      const row = await ok(v, "PUT", `/plugins/${need(a, "alias")}/${cmd}`);
      if (!v.json) {
        console.log(`${row.alias}: ${row.state}${row.enabled ? " (enabled)" : " (disabled)"}`);
        return 0;
      }
      out = row;
      break;
    }
    case "move":
      out = await ok(v, "POST", `/plugins/${need(a, "alias")}/move`, {
        position: need(b, "position") && b,
      });
      if (!v.json) {
        const rows = (out as { data: { alias: string }[] }).data;
        console.log(rows.map((p) => p.alias).join(" > "));
        return 0;
      }
      break;
    case "config": {
      if (a === "get") out = (await ok(v, "GET", `/plugins/${need(b, "alias")}/config`)).config;
      else if (a === "set") {
        const text = need(c, "config JSON or @file") &&
          (c!.startsWith("@") ? await Deno.readTextFile(c!.slice(1)) : c!);
        let config: unknown;
        try {
          config = JSON.parse(text);
        } catch (err) {
          throw new CliError(`the config is not JSON: ${(err as Error).message}`);
        }
        const r = await ok(v, "PUT", `/plugins/${need(b, "alias")}/config`, config);
        console.log(`${b}: config version ${r.version}`);
        return 0;
      } else throw new CliError("use config get <alias> or config set <alias> <json|@file>");
      break;
    }
    default:
      throw new CliError(`unknown plugins command "${cmd}" (aviary plugins --help)`);
  }
  console.log(JSON.stringify(out, null, 2));
  return 0;
}

/** The `plugins` command. */
export const command: Command = {
  summary: "manage plugins of a running broker (admin REST API)",
  async run(args) {
    try {
      return await run(args);
    } catch (err) {
      console.error(`aviary: ${(err as Error).message}`);
      for (const line of (err as CliError).lines ?? []) console.error(line);
      return 1;
    }
  },
};

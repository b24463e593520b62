/**
 * `aviary plugins ...`: manages plugins of a running broker through its admin REST API.
 *
 * ```
 * aviary plugins list | describe <alias> | install <file|url|path> [--alias A] [--yes]
 *   | uninstall <alias> | start|stop|restart|enable|disable <alias>
 *   | move <alias> front|rear|before:<alias>|after:<alias>
 *   | config get <alias> | config set <alias> <json|@file>
 * options: --api URL | -c aviary.yaml  --user U --password P  (or env AVIARY_API, AVIARY_CONFIG,
 *   AVIARY_USER, AVIARY_PASSWORD, AVIARY_API_KEY=id:secret)
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type Command, guarded } from "./command.ts";
import { accepted, call, download, ok, resolveTarget } from "./_admin_api.ts";
import { newPluginProject } from "./plugins_new.ts";
import { packPlugin } from "./plugins_pack.ts";
import { parseGrants } from "./plugin_flags.ts";

const OPTIONS = {
  api: { type: "string" },
  config: { type: "string", short: "c" },
  user: { type: "string" },
  password: { type: "string" },
  alias: { type: "string" },
  template: { type: "string" },
  yes: { type: "boolean", short: "y" },
  grant: { type: "string", multiple: true },
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
  new <name> [dir] [--template T]   a plugin project (T: transform, auth, acl, webhook, bridge)
  pack [dir]                        dir/dist/<name>-<version>.tar.gz and .sha256

Options:
  --api <url>          admin API (or env AVIARY_API; default http://127.0.0.1:18083)
  -c, --config <file>  read the admin address from the broker's config (or env AVIARY_CONFIG)
  --user, --password   basic auth (or env AVIARY_USER, AVIARY_PASSWORD);
                       or env AVIARY_API_KEY=<key_id>:<secret>
  --alias <name>       install under this alias
  -y, --yes            grant the permissions the plugin asks for without asking
  --grant <perm>       grant exactly this instead (repeatable): net=host:port,host2:port |
                       read=/path | env=NAME | a bare name for everything of that kind
  --json               print JSON
`;

type Values = ReturnType<typeof parse>["values"];
const parse = (args: string[]) =>
  parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });

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
    throw new Error("not granted: re-run with --yes to grant them");
  }
  await Deno.stdout.write(new TextEncoder().encode("Grant them and install? [y/N] "));
  return /^y(es)?$/i.test(await readLine());
}

async function install(v: Values, source: string): Promise<Record<string, unknown>> {
  let bytes: Uint8Array | null = null;
  let ref = source;
  if (/^https?:\/\//.test(source)) bytes = await download(source);
  else if (!/^(npm|file):/.test(source)) {
    ref = await Deno.realPath(source).catch(() => {
      throw new Error(`cannot read ${source}: no such file or directory`);
    });
    bytes = await Deno.readFile(ref).catch(() => null);
    if (/\.(tar\.gz|tgz)$/.test(ref) && (bytes === null || bytes[0] !== 0x1f)) {
      throw new Error(`${source} is not a plugin package: a package is a gzip file (.tar.gz)`);
    }
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
  if (v.grant) return accepted(await sendGranted(send, parseGrants(v.grant)));
  let r = await send({});
  if (r.status === 403 && r.body.code === "GRANT_REQUIRED") {
    if (!(await confirmGrant(v, r.body))) throw new Error("not installed: permissions refused");
    r = await send(r.body.permissions);
  } else if (r.status < 400) console.log("The plugin asks for no permissions.");
  return accepted(r);
}

/** Installs with the operator's `--grant` as given; a plugin asking for more is refused. */
async function sendGranted(
  send: (grant: unknown) => ReturnType<typeof call>,
  grant: Record<string, unknown>,
): ReturnType<typeof call> {
  const r = await send(grant);
  if (r.status === 403 && r.body.code === "GRANT_REQUIRED") {
    const asked = Object.entries(r.body.permissions as Record<string, unknown>)
      .map(([k, p]) => `${k}: ${p === true ? "all" : JSON.stringify(p)}`).join("; ");
    throw new Error(
      `not installed: the plugin asks for more than --grant gives (it asks ${asked})`,
    );
  }
  if (r.status < 400) {
    const given = Object.entries(grant).map(([k, p]) => `${k}: ${p === true ? "all" : p}`);
    console.log(`Granted ${given.length ? given.join("; ") : "nothing"}.`);
  }
  return r;
}

function table(rows: Record<string, unknown>[]): string {
  const clustered = rows.some((r) => Object.keys(r.nodes ?? {}).length > 0);
  const cols = ["alias", "name", "version", "state", "enabled", "hooks"];
  if (clustered) cols.push("nodes"); // n1=running,n2=failed
  const cell = (r: Record<string, unknown>, c: string) =>
    c === "nodes"
      ? Object.entries(r.nodes as Record<string, { state: string }>)
        .map(([n, s]) => `${n}=${s.state}`).join(",")
      : Array.isArray(r[c])
      ? (r[c] as string[]).join(",")
      : String(r[c] ?? "");
  const cells = rows.map((r) => cols.map((c) => cell(r, c)));
  const width = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (row: string[]) => row.map((x, i) => x.padEnd(width[i])).join("  ").trimEnd();
  return [line(cols.map((c) => c.toUpperCase())), ...cells.map(line)].join("\n");
}

/** A positional argument, URL-encoded; a missing one is a usage error. */
function need(x: string | undefined, what: string): string {
  if (!x) throw new Error(`missing ${what} (aviary plugins --help)`);
  return encodeURIComponent(x);
}

/** What a subcommand resolves to: a value to print as JSON, or nothing (it printed its text). */
type Outcome = Promise<unknown>;
/** The positionals after the subcommand's name. */
type Args = (string | undefined)[];
/** A subcommand (`name` tells the lifecycle actions apart). */
type Subcommand = (v: Values, args: Args, name: string) => Outcome;

async function list(v: Values): Outcome {
  const rows = (await ok(v, "GET", "/plugins")).data as Record<string, unknown>[];
  if (v.json) return rows;
  console.log(table(rows));
}

async function uninstall(v: Values, [a]: Args): Promise<void> {
  await ok(v, "DELETE", `/plugins/${need(a, "alias")}`);
  console.log(`Uninstalled ${a}`);
}

/** start, stop, restart, enable, disable. */
async function action(v: Values, [a]: Args, name: string): Outcome {
  const row = await ok(v, "PUT", `/plugins/${need(a, "alias")}/${name}`);
  if (v.json) return row;
  console.log(`${row.alias}: ${row.state}${row.enabled ? " (enabled)" : " (disabled)"}`);
}

async function move(v: Values, [a, b]: Args): Outcome {
  const out = await ok(v, "POST", `/plugins/${need(a, "alias")}/move`, {
    position: need(b, "position") && b,
  });
  if (v.json) return out;
  console.log((out as { data: { alias: string }[] }).data.map((p) => p.alias).join(" > "));
}

async function config(v: Values, [a, b, c]: Args): Outcome {
  if (a === "get") return (await ok(v, "GET", `/plugins/${need(b, "alias")}/config`)).config;
  if (a !== "set") throw new Error("use config get <alias> or config set <alias> <json|@file>");
  const text = need(c, "config JSON or @file") &&
    (c!.startsWith("@") ? await Deno.readTextFile(c!.slice(1)) : c!);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`the config is not JSON: ${(err as Error).message}`);
  }
  const r = await ok(v, "PUT", `/plugins/${need(b, "alias")}/config`, value);
  console.log(`${b}: config version ${r.version}`);
}

const SUBCOMMANDS: Record<string, Subcommand> = {
  list,
  describe: (v, [a]) => ok(v, "GET", `/plugins/${need(a, "alias")}`),
  install: (v, [a]) => install(v, need(a, "package file, URL or path") && a!),
  uninstall,
  start: action,
  stop: action,
  restart: action,
  enable: action,
  disable: action,
  move,
  config,
  new: async (v, [a, b]) => console.log(`Created ${await newPluginProject(a, v.template, b)}`),
  pack: async (_v, [a]) => console.log(`Packed ${(await packPlugin(a)).file}`),
};

async function run(args: string[]): Promise<number> {
  const { values, positionals: [cmd, ...rest] } = parse(args);
  if (values.help || !cmd) {
    console.log(HELP);
    return cmd || values.help ? 0 : 2;
  }
  const v = { ...values, ...(await resolveTarget(values)) };
  const sub = Object.hasOwn(SUBCOMMANDS, cmd) ? SUBCOMMANDS[cmd] : undefined;
  if (!sub) throw new Error(`unknown plugins command "${cmd}" (aviary plugins --help)`);
  const out = await sub(v, rest, cmd);
  if (out !== undefined) console.log(JSON.stringify(out, null, 2));
  return 0;
}

/** The `plugins` command. */
export const command: Command = {
  summary: "manage plugins of a running broker (admin REST API)",
  run: (args) => guarded(() => run(args)),
};

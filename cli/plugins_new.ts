/**
 * `aviary plugins new NAME [--template auth|acl|webhook|transform|bridge] [DIR]`: writes a ready
 * plugin project (see `cli/_templates/render.ts`) into DIR (default `./NAME`), with the SDK
 * vendored into `sdk/` so the plugin type-checks and bundles without this repository. Its tests
 * and `deno task pack` use this Aviary installation (absolute `file:` URLs in `deno.json`).
 *
 * @module
 */
import { join } from "node:path";
import { checkName } from "../plugins/host/package_names.ts";
import { type AviaryLinks, renderProject } from "./_templates/render.ts";
import { type TemplateName, TEMPLATES } from "./_templates/kinds.ts";

const SDK_DIR = new URL("../plugins/sdk/", import.meta.url);

/** The links of this installation that a generated project uses. */
async function aviaryLinks(): Promise<AviaryLinks> {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  return {
    testing: new URL("../server/testing.ts", import.meta.url).href,
    main: new URL("../main.ts", import.meta.url).href,
    imports: config.imports ?? {},
  };
}

/** The SDK's files (tests left out), for vendoring. */
async function sdkFiles(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const e of Deno.readDir(SDK_DIR)) {
    if (!e.isFile || !e.name.endsWith(".ts") || e.name.endsWith("_test.ts")) continue;
    out[`sdk/${e.name}`] = await Deno.readTextFile(new URL(e.name, SDK_DIR));
  }
  return out;
}

async function assertEmpty(dir: string): Promise<void> {
  try {
    for await (const _ of Deno.readDir(dir)) {
      throw new Error(`${dir} exists and is not empty`);
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}

/** Formats the new project with its own `deno.json` (`deno fmt`), so `deno task check` passes. */
async function formatProject(dir: string): Promise<void> {
  const fmt = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet"],
    cwd: dir,
    stderr: "piped",
  });
  const { code, stderr } = await fmt.output();
  if (code !== 0) throw new Error(`deno fmt failed in ${dir}: ${new TextDecoder().decode(stderr)}`);
}

/**
 * Creates the project; resolves to its folder. Throws for a bad name, an unknown template or a
 * folder that exists and is not empty.
 *
 * @example
 * ```ts ignore
 * const dir = await newPluginProject("tagger", "transform", "/tmp/tagger");
 * ```
 */
export async function newPluginProject(
  name: string | undefined,
  template = "transform",
  dir?: string,
): Promise<string> {
  checkName(name, "plugin name");
  if (!Object.hasOwn(TEMPLATES, template)) {
    throw new Error(`unknown template "${template}" (${Object.keys(TEMPLATES).join(", ")})`);
  }
  const target = dir ?? name!;
  await assertEmpty(target);
  const files = {
    ...renderProject(name!, template as TemplateName, await aviaryLinks()),
    ...await sdkFiles(),
  };
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(join(target, path, ".."), { recursive: true });
    await Deno.writeTextFile(join(target, path), text);
  }
  await formatProject(target);
  return target;
}

/**
 * Renders a template of `kinds.ts` into the files of a plugin project: the plugin module (typed
 * default export, Avro config schema with `$ui` hints), `config_i18n.json`, a test using the
 * harness, `release.json`, `deno.json` (tasks `test`, `check`, `pack`) and a README.
 *
 * @module
 */
import { type FieldSpec, type TemplateName, TEMPLATES } from "./kinds.ts";
import { SDK_COMPATIBILITY_FIELD, SDK_VERSION, sdkRangeFor } from "../../plugins/sdk/version.ts";

/** Where the generated project finds Aviary (absolute `file:` URLs of this installation). */
export interface AviaryLinks {
  /** The harness module (`server/testing.ts`). */
  testing: string;
  /** The command line (`main.ts`), for `deno task pack`. */
  main: string;
  /** Aviary's own import map: the harness's npm dependencies resolve through it. */
  imports: Record<string, string>;
}

function tsType(t: unknown): string {
  if (t === "string") return "string";
  if (t === "boolean") return "boolean";
  if (t === "int" || t === "long" || t === "float" || t === "double") return "number";
  const o = t as { type?: string; values?: unknown; items?: unknown };
  if (o?.type === "map") return `Record<string, ${tsType(o.values)}>`;
  if (o?.type === "array") return `${tsType(o.items)}[]`;
  return "unknown";
}

function schemaField(f: FieldSpec) {
  return {
    name: f.name,
    type: f.type,
    default: f.default,
    $ui: { component: f.component, label: `$${f.name}_label`, description: `$${f.name}_desc` },
  };
}

const json = (v: unknown, indent = 2) => JSON.stringify(v, null, indent);

function pluginModule(name: string, kind: TemplateName): string {
  const t = TEMPLATES[kind];
  const schema = { type: "record", name: "Config", fields: t.fields.map(schemaField) };
  const defaults = Object.fromEntries(t.fields.map((f) => [f.name, f.default]));
  const fields = t.fields.map((f) => `  /** ${f.description}. */\n  ${f.name}: ${tsType(f.type)};`);
  return `/**
 * ${name}: ${t.description.toLowerCase()} (an Aviary plugin, made from the "${kind}" template).
 *
 * @module
 */
import { type AvroSchema, definePlugin } from "./sdk/mod.ts";

/** The plugin's config, as its schema describes it. */
export interface Config {
${fields.join("\n")}
}

/** The config's Avro schema; \`$ui\` tells the dashboard how to draw the form. */
export const schema: AvroSchema = ${json(schema).replace(/\n/g, "\n")};

export default definePlugin<Config>({
  name: ${json(name)},
  version: "0.1.0",
  description: ${json(t.description)},
  permissions: ${json(t.permissions)},
  config: { schema, defaults: ${json(defaults)} },
  hooks: {
${t.hooks}
  },
});
`;
}

function testModule(name: string, kind: TemplateName): string {
  const t = TEMPLATES[kind].test as { name: string; options: string; body: string; setup?: string };
  return `import assert from "node:assert/strict";
import { startPluginHarness } from "@aviary/testing";

const MODULE = new URL("./plugin.ts", import.meta.url);

Deno.test(${json(`${name}: ${t.name}`)}, async () => {
${
    t.setup
      ? t.setup + "\n"
      : ""
  }  const h = await startPluginHarness({ module: MODULE, ${t.options} });
  try {
    assert.equal(h.status().state, "running");
${t.body.replace(/^/gm, "  ")}
  } finally {
    await h.close();
  }
});
`;
}

function i18n(kind: TemplateName): string {
  const entries = TEMPLATES[kind].fields.flatMap((f) => [
    [`$${f.name}_label`, { en: f.label }],
    [`$${f.name}_desc`, { en: f.description }],
  ]);
  return json(Object.fromEntries(entries)) + "\n";
}

function denoJson(links: AviaryLinks): string {
  return json({
    nodeModulesDir: "none",
    imports: { ...links.imports, "@aviary/testing": links.testing },
    tasks: {
      test: "deno test --no-prompt -A --sanitize-ops --sanitize-resources",
      check: "deno check plugin.ts plugin_test.ts && deno lint && deno fmt --check",
      pack: `deno run --no-prompt -A ${links.main} plugins pack .`,
    },
    fmt: { lineWidth: 100 },
    exclude: ["dist"],
  }) + "\n";
}

function readme(name: string, kind: TemplateName): string {
  return `# ${name}

${
    TEMPLATES[kind].description
  }. An Aviary plugin made with \`aviary plugins new --template ${kind}\`.

- \`plugin.ts\`: the plugin (its config schema is \`schema\`; labels in \`config_i18n.json\`)
- \`plugin_test.ts\`: runs the plugin in its real cage inside a test broker (\`@aviary/testing\`)
- \`sdk/\`: the Aviary plugin SDK, vendored (zero dependencies; refresh it with a newer Aviary)
- \`release.json\`: package fields (authors, repo, functionality...); name, version, description
  and permissions are taken from \`plugin.ts\` when packing, and \`compatibility.aviary_sdk\` from
  \`sdk/version.ts\` (a host refuses a plugin built for another SDK major or a newer minor)

\`\`\`sh
deno task test   # the plugin's tests
deno task pack   # dist/${name}-0.1.0.tar.gz and its .sha256, ready for aviary plugins install
\`\`\`
`;
}

function release(kind: TemplateName): string {
  return json({
    authors: ["Your Name"],
    repo: "",
    functionality: [kind],
    compatibility: { [SDK_COMPATIBILITY_FIELD]: sdkRangeFor(SDK_VERSION) },
  }) + "\n";
}

/**
 * The files of a new plugin project (relative path -> text); the SDK is added by the caller.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderProject } from "./render.ts";
 * const files = renderProject("tagger", "transform", { testing: "file:///t.ts", main: "file:///m.ts", imports: {} });
 * assert.ok(files["plugin.ts"].includes('name: "tagger"'));
 * assert.ok(JSON.parse(files["deno.json"]).tasks.pack.includes("plugins pack"));
 * ```
 */
export function renderProject(
  name: string,
  kind: TemplateName,
  links: AviaryLinks,
): Record<string, string> {
  return {
    "plugin.ts": pluginModule(name, kind),
    "plugin_test.ts": testModule(name, kind),
    "config_i18n.json": i18n(kind),
    "release.json": release(kind),
    "deno.json": denoJson(links),
    "README.md": readme(name, kind),
    ".gitignore": "dist/\n",
  };
}

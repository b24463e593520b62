// Private: the rows of the config reference table, computed from the schema. REFERENCE.md must
// contain each row's key, type and default (reference_test.ts); print the table with
// `deno run server/config/_reference.ts`.

import { BROKER_SCHEMA } from "../../schema/mod.ts";

/** One row of the reference table. */
export interface ReferenceRow {
  key: string;
  type: string;
  default: string;
  doc: string;
}

type Node = Record<string, unknown>;
const PRIMITIVE: Record<string, string> = { int: "integer", long: "integer" };

/** Every documented key of the broker config, in schema order. */
export function referenceRows(): ReferenceRow[] {
  const named = new Map<string, Node>();
  collectNamed(BROKER_SCHEMA, named);
  const rows: ReferenceRow[] = [];
  const visit = (record: Node, prefix: string) => {
    for (const field of record.fields as Node[]) {
      const key = `${prefix}${field.name}`;
      const type = resolve(field.type, named);
      const isRecord = !Array.isArray(type) && (type as Node).type === "record";
      if (!isRecord) {
        rows.push({
          key,
          type: typeText(type, named),
          default: defaultText(field),
          doc: String(field.doc),
        });
      }
      if (isRecord) visit(type as Node, `${key}.`);
      const values = (type as Node).type === "map" ? resolve((type as Node).values, named) : null;
      if (values && (values as Node).type === "record") {
        visit(values as Node, `${key}.<${field.name === "plugins" ? "alias" : "name"}>.`);
      }
    }
  };
  visit(BROKER_SCHEMA as Node, "");
  return rows;
}

function collectNamed(schema: unknown, named: Map<string, Node>): void {
  if (Array.isArray(schema)) return schema.forEach((s) => collectNamed(s, named));
  if (schema === null || typeof schema !== "object") return;
  const node = schema as Node;
  if (typeof node.name === "string" && ["record", "enum"].includes(node.type as string)) {
    named.set(node.name, node);
  }
  for (const child of [node.fields, node.type, node.values, node.items]) collectNamed(child, named);
}

function resolve(type: unknown, named: Map<string, Node>): unknown {
  return typeof type === "string" && named.has(type) ? named.get(type) : type;
}

function typeText(type: unknown, named: Map<string, Node>): string {
  type = resolve(type, named);
  if (typeof type === "string") return PRIMITIVE[type] ?? type;
  if (Array.isArray(type)) {
    const nullLast = [...type.filter((t) => t !== "null"), ...type.filter((t) => t === "null")];
    return nullLast.map((t) => typeText(t, named)).join(" \\| ");
  }
  const node = type as Node;
  if (node.logicalType === "json-object") return "object";
  if (node.type === "enum") return (node.symbols as string[]).join(" \\| ");
  if (node.type === "array") return `${typeText(node.items, named)}[]`;
  if (node.type === "map") return "map";
  return String(node.type);
}

function defaultText(field: Node): string {
  if (!("default" in field)) return "required";
  const type = field.type as Node;
  const value = type?.logicalType === "json-object"
    ? JSON.parse(String(field.default))
    : field.default;
  return `\`${JSON.stringify(value)}\``;
}

if (import.meta.main) {
  console.log("| Key | Type | Default | Meaning |\n|---|---|---|---|");
  for (const r of referenceRows()) {
    console.log(`| \`${r.key}\` | ${r.type} | ${r.default} | ${r.doc} |`);
  }
}

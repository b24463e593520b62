/**
 * `/api/v1/plugins...`: plugin lifecycle and configuration over {@linkcode PluginManager}. In a
 * cluster the actions go through `server/cluster/plugin_actions.ts` (applied here, then written
 * for every node) and each cluster plugin shows `nodes: {<node>: {state, error?}}`.
 *
 * @module
 */

import type { InstallRequest, PluginManager } from "../../plugins/host/mod.ts";
import { PACKAGE_LIMITS, readCapped, tooLarge } from "../../plugins/host/package_limits.ts";
import { AdminError } from "../../plugins/host/admin_errors.ts";
import { json, readJson } from "./http.ts";
import type { Route, RouteContext } from "./route.ts";
import type { ClusterPluginActions } from "../cluster/plugin_actions.ts";
import { grantProblems } from "./dashboard/grant_rules.js";

function manager(ctx: RouteContext): PluginManager {
  if (!ctx.manager) throw new AdminError("NO_PLUGIN_HOST", "The broker runs without plugins");
  return ctx.manager;
}

/**
 * What the actions go through: the cluster's plugin actions when this node manages plugins with
 * a cluster, else the local manager (same method names and shapes, plus `nodes`).
 */
function actions(ctx: RouteContext): Pick<
  ClusterPluginActions,
  "list" | "describe" | "install" | "setConfig" | "move" | "uninstall" | "act"
> {
  const m = manager(ctx);
  if (ctx.cluster?.plugins) return ctx.cluster.plugins;
  return {
    list: () => m.list().map((v) => ({ ...v, nodes: {} })),
    describe: (alias) => m.describe(alias),
    install: async (req) => ({ ...await m.install(req), nodes: {} }),
    setConfig: (alias, config) => m.setConfig(alias, config),
    move: (alias, position) => m.move(alias, position),
    uninstall: (alias) => m.uninstall(alias),
    act: (alias, name) =>
      name === "enable" || name === "disable"
        ? m.setEnabled(alias, name === "enable")
        : m[name](alias),
  };
}

function grantOf(value: unknown): InstallRequest["grant"] {
  if (value === undefined || value === null || value === "") return {};
  let grant = value;
  if (typeof value === "string") {
    try {
      grant = JSON.parse(value);
    } catch {
      throw new AdminError("BAD_REQUEST", "grant must be a JSON object");
    }
  }
  const problems = grantProblems(grant); // the dashboard's form checks with the same rules
  if (problems.length > 0) throw new AdminError("BAD_REQUEST", `Bad grant: ${problems.join("; ")}`);
  return grant as InstallRequest["grant"];
}

/** Room for the form fields and part headers around the package in a multipart upload. */
const FORM_OVERHEAD = 64 * 1024;

/** Reads a multipart body counted as it arrives (413 past the package limit plus form fields). */
async function readForm(req: Request, type: string): Promise<FormData> {
  const limit = PACKAGE_LIMITS.uploadBytes + FORM_OVERHEAD;
  const declared = Number(req.headers.get("content-length") ?? 0);
  const what = "The upload (package and form fields)";
  if (declared > limit) {
    await req.body?.cancel().catch(() => {});
    throw tooLarge(what, limit);
  }
  const bytes = await readCapped(req.body, limit, what);
  try {
    return await new Response(bytes as Uint8Array<ArrayBuffer>, {
      headers: { "content-type": type },
    }).formData();
  } catch {
    throw new AdminError("BAD_REQUEST", "The body is not a valid multipart form");
  }
}

/** POST /plugins/install: multipart (`file` = .tar.gz, `alias`, `grant` JSON) or JSON body. */
async function install(ctx: RouteContext): Promise<Response> {
  const type = ctx.req.headers.get("content-type") ?? "";
  let req: InstallRequest;
  if (type.toLowerCase().startsWith("multipart/form-data")) {
    const form = await readForm(ctx.req, type);
    const file = [...form.values()].find((v): v is File => v instanceof File);
    if (!file) throw new AdminError("BAD_REQUEST", "The form has no package file");
    const alias = form.get("alias");
    req = {
      bytes: new Uint8Array(await file.arrayBuffer()),
      alias: typeof alias === "string" && alias !== "" ? alias : undefined,
      grant: grantOf(form.get("grant")),
    };
  } else {
    const body = await readJson(ctx.req);
    if (typeof body.source !== "string" || body.source === "") {
      throw new AdminError("BAD_REQUEST", "source must be a URL or a path");
    }
    req = {
      source: body.source,
      alias: typeof body.alias === "string" && body.alias !== "" ? body.alias : undefined,
      grant: grantOf(body.grant),
    };
  }
  return json(await actions(ctx).install(req), 201);
}

const action = (
  name: "start" | "stop" | "restart" | "enable" | "disable",
): Route => ({
  method: "PUT",
  path: `/plugins/{alias}/${name}`,
  body: "none",
  handler: async (ctx) => json(await actions(ctx).act(ctx.params.alias, name)),
});

/** The plugin routes. */
export const PLUGIN_ROUTES: Route[] = [
  {
    method: "GET",
    body: "none",
    path: "/plugins",
    handler: (ctx) => json({ data: actions(ctx).list() }),
  },
  { method: "POST", path: "/plugins/install", body: "install", handler: install },
  {
    method: "GET",
    body: "none",
    path: "/plugins/{alias}",
    handler: async (ctx) => json(await actions(ctx).describe(ctx.params.alias)),
  },
  {
    method: "DELETE",
    body: "none",
    path: "/plugins/{alias}",
    handler: async (ctx) => {
      await actions(ctx).uninstall(ctx.params.alias);
      return new Response(null, { status: 204 });
    },
  },
  action("start"),
  action("stop"),
  action("restart"),
  action("enable"),
  action("disable"),
  {
    method: "GET",
    body: "none",
    path: "/plugins/{alias}/config",
    handler: (ctx) => json(manager(ctx).config(ctx.params.alias)),
  },
  {
    method: "PUT",
    path: "/plugins/{alias}/config",
    body: "json",
    handler: async (ctx) =>
      json(await actions(ctx).setConfig(ctx.params.alias, await readJson(ctx.req))),
  },
  {
    method: "GET",
    body: "none",
    path: "/plugins/{alias}/schema",
    handler: (ctx) => json(manager(ctx).schema(ctx.params.alias)),
  },
  {
    method: "POST",
    path: "/plugins/{alias}/move",
    body: "json",
    handler: async (ctx) => {
      const { position } = await readJson(ctx.req);
      if (typeof position !== "string") {
        throw new AdminError("BAD_POSITION", "position must be front, rear, before:X or after:X");
      }
      return json({ data: await actions(ctx).move(ctx.params.alias, position) });
    },
  },
];

/**
 * The dashboard's static files (`server/admin/dashboard/`), served without authentication: they
 * hold no data; every API call they make is authenticated.
 *
 * @module
 */

const ROOT = new URL("./dashboard/", import.meta.url);

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
};

/**
 * Serves `/` as `index.html` and `/<file>` from the dashboard folder; 404 for anything else.
 *
 * @example
 * ```ts ignore
 * const res = await serveDashboard("/app.js");
 * ```
 */
export async function serveDashboard(path: string): Promise<Response> {
  const name = path === "/" ? "index.html" : path.slice(1);
  if (!/^[a-z0-9_-]+\.(html|js|css|svg)$/.test(name)) {
    return new Response("Not found", { status: 404 });
  }
  try {
    const body = await Deno.readFile(new URL(name, ROOT));
    return new Response(body, {
      headers: { "content-type": TYPES[name.split(".").pop()!], "cache-control": "no-cache" },
    });
  } catch {
    return new Response("Not found", { status: 404 });
  }
}

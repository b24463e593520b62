// Shared helpers of the admin tests: build the fixture package, start a broker with the admin API.
import { hashSecret } from "../../server/admin/mod.ts";
import { startTestBroker, type TestBroker } from "../helpers.ts";

export const PACKAGE_DIR = new URL("./fixtures/prefixer/", import.meta.url).pathname;
export const USER = "admin";
export const PASSWORD = "s3cret-pass";
export const KEY_ID = "ci";
export const KEY_SECRET = "k3y-secret";

/** Builds `prefixer-1.0.0.tar.gz` (with GNU tar, under a `prefixer-1.0.0/` folder) in `dir`. */
export async function buildPackage(dir: string): Promise<string> {
  const stage = `${dir}/prefixer-1.0.0`;
  await Deno.mkdir(stage, { recursive: true });
  for await (const e of Deno.readDir(PACKAGE_DIR)) {
    await Deno.copyFile(`${PACKAGE_DIR}${e.name}`, `${stage}/${e.name}`);
  }
  const out = `${dir}/prefixer-1.0.0.tar.gz`;
  const tar = new Deno.Command("tar", { args: ["-czf", out, "-C", dir, "prefixer-1.0.0"] });
  const { code, stderr } = await tar.output();
  if (code !== 0) throw new Error(`tar failed: ${new TextDecoder().decode(stderr)}`);
  return out;
}

/** A tar.gz with one entry of the given (possibly hostile) name, written by hand. */
export async function hostileTarGz(name: string, content = "x"): Promise<Uint8Array> {
  const data = new TextEncoder().encode(content);
  const header = new Uint8Array(512);
  const put = (s: string, at: number) => header.set(new TextEncoder().encode(s), at);
  put(name, 0);
  put("0000644\0", 100);
  put("0000000\0", 108);
  put("0000000\0", 116);
  put(data.length.toString(8).padStart(11, "0") + "\0", 124);
  put("00000000000\0", 136);
  put("        ", 148);
  header[156] = 48;
  put("ustar\x0000", 257);
  const sum = header.reduce((a, b) => a + b, 0);
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  const body = new Uint8Array(Math.ceil(data.length / 512) * 512);
  body.set(data);
  const tar = new Uint8Array([...header, ...body, ...new Uint8Array(1024)]);
  const gz = new Blob([tar]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(gz).arrayBuffer());
}

/** A broker with the admin API on an ephemeral loopback port, one user and one API key. */
export async function startAdminBroker(dataDir: string): Promise<TestBroker & { api: string }> {
  const yaml = `data_dir: ${JSON.stringify(dataDir)}
admin:
  enable: true
  bind: "127.0.0.1:0"
  users: [{username: ${USER}, password_hash: "${await hashSecret(PASSWORD, 1000)}"}]
  api_keys: [{key_id: ${KEY_ID}, secret_hash: "${await hashSecret(KEY_SECRET, 1000)}"}]
`;
  const broker = await startTestBroker(yaml);
  return { ...broker, api: broker.admin!.url };
}

/** Basic auth header of the test user. */
export const BASIC = `Basic ${btoa(`${USER}:${PASSWORD}`)}`;

/** Calls the API as the test user; returns status and parsed body. */
export async function api(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const init: RequestInit = { method, headers: { authorization: BASIC, ...headers } };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  const res = await fetch(`${base}/api/v1${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

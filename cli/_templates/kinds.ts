/**
 * The five starting points of `aviary plugins new --template`: for each, the config fields (Avro,
 * with `$ui` hints), their i18n labels, the hooks, the permissions and a first test that uses the
 * harness. `render.ts` turns one into files.
 *
 * @module
 */

/** One config field of a template: its Avro type, default and form label. */
export interface FieldSpec {
  name: string;
  type: unknown;
  default: unknown;
  component: string;
  label: string;
  description: string;
}

/** A template: everything specific to one kind of plugin. */
export interface TemplateSpec {
  /** One line, the plugin's default description. */
  description: string;
  fields: FieldSpec[];
  /** The permissions the plugin declares (JSON). */
  permissions: Record<string, unknown>;
  /** Source of the `hooks: {...}` object's body (indented 4). */
  hooks: string;
  /** Source of the test's body: `h` is the harness; `assert` is imported. */
  test: { name: string; options: string; body: string; setup?: string };
}

const users: FieldSpec = {
  name: "users",
  type: { type: "map", values: "string" },
  default: { demo: "demo-pass" },
  component: "maps-editor",
  label: "Users",
  description: "User name to password",
};

/** Every template by name. */
export const TEMPLATES = {
  transform: {
    description: "Prefixes every published topic",
    fields: [{
      name: "prefix",
      type: "string",
      default: "p/",
      component: "input",
      label: "Topic prefix",
      description: "Added in front of every published topic",
    }],
    permissions: {},
    hooks:
      `    "message.publish": (msg, ctx) => ({ ...msg, topic: ctx.config.prefix + msg.topic }),`,
    test: {
      name: "a published topic gets the prefix",
      options: `config: { prefix: "t/" }`,
      body: `  const c = await h.connect();
  await c.publishAsync("hello", "1");
  await h.waitFor(() => h.messages.some((m) => m.topic === "t/hello"), "t/hello");`,
    },
  },
  auth: {
    description: "Checks user names and passwords from its config",
    fields: [users],
    permissions: {},
    hooks: `    "client.authenticate": (e, ctx) => {
      const name = e.client.username;
      if (name === null || !Object.hasOwn(ctx.config.users, name)) return undefined; // not ours
      return new TextDecoder().decode(e.password) === ctx.config.users[name];
    },`,
    test: {
      name: "a known user gets in with the right password only",
      options: `allowAnonymous: false`,
      body: `  await h.connect({ username: "demo", password: "demo-pass" });
  await assert.rejects(h.connect({ username: "demo", password: "wrong" }));`,
    },
  },
  acl: {
    description: "Lets each user use only users/<name>/# and public/#",
    fields: [{
      name: "public_prefix",
      type: "string",
      default: "public/",
      component: "input",
      label: "Public prefix",
      description: "Topics every client may use",
    }],
    permissions: {},
    hooks: `    "client.authorize": (e, ctx) => {
      if (e.topic.startsWith(ctx.config.public_prefix)) return true;
      const own = e.client.username !== null && e.topic.startsWith(\`users/\${e.client.username}/\`);
      return own ? true : { result: "deny", reason: "not your topic" };
    },`,
    test: {
      name: "a client may publish under public/ and its own users/ folder only",
      options: `config: {}`,
      body: `  const c = await h.connect({ username: "ann" });
  await c.publishAsync("public/x", "1", { qos: 1 });
  await c.publishAsync("users/ann/x", "1", { qos: 1 });
  await assert.rejects(c.publishAsync("users/bob/x", "1", { qos: 1 }));`,
    },
  },
  webhook: {
    description: "Posts client connect and disconnect events to a URL",
    fields: [{
      name: "url",
      type: "string",
      default: "http://127.0.0.1:8080/events",
      component: "input",
      label: "Webhook URL",
      description: "Receives one JSON POST per event",
    }],
    permissions: { net: true },
    hooks: `    "client.connected": async (e, ctx) => {
      const body = JSON.stringify({ event: "client.connected", clientId: e.client.clientId });
      const res = await fetch(ctx.config.url, { method: "POST", body });
      await res.body?.cancel();
      if (!res.ok) ctx.log.warn("Webhook refused", { status: res.status });
    },`,
    test: {
      name: "a connecting client is posted to the webhook",
      setup: `  const seen: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    seen.push(await req.text());
    return new Response("ok");
  });`,
      options:
        "config: { url: `http://127.0.0.1:${server.addr.port}/events` }, grant: { net: [`127.0.0.1:${server.addr.port}`] }",
      body: `  try {
    await h.connect({ clientId: "dev-1" });
    await h.waitFor(() => seen.some((s) => s.includes('"dev-1"')), "the webhook call");
  } finally {
    await server.shutdown();
  }`,
    },
  },
  bridge: {
    description: "Copies messages from one topic tree to another",
    fields: [{
      name: "from",
      type: "string",
      default: "in/",
      component: "input",
      label: "Source prefix",
      description: "Messages whose topic starts with this are copied",
    }, {
      name: "to",
      type: "string",
      default: "out/",
      component: "input",
      label: "Target prefix",
      description: "Replaces the source prefix in the copy",
    }],
    permissions: {},
    hooks: `    "message.publish": async (msg, ctx) => {
      const { from, to } = ctx.config;
      if (msg.topic.startsWith(from) && !msg.from.clientId.startsWith("$plugin/")) {
        await ctx.publish(to + msg.topic.slice(from.length), msg.payload, { qos: msg.qos });
      }
      return msg;
    },`,
    test: {
      name: "a message under the source prefix is copied under the target prefix",
      options: `config: { from: "in/", to: "copy/" }`,
      body: `  const c = await h.connect();
  await c.publishAsync("in/a", "42", { qos: 1 });
  await h.waitFor(() => h.messages.some((m) => m.topic === "copy/a" && m.payload === "42"), "copy/a");`,
    },
  },
} as const satisfies Record<string, TemplateSpec>;

/** A template name. */
export type TemplateName = keyof typeof TEMPLATES;

// The plugins view: table with actions (and what each plugin was granted), install with the
// grant form (grant.js), config form from the plugin's Avro schema. Every failure is shown in red
// with the server's message.
import { api, ApiError } from "./api.js";
import { $, button, el, fill, notice } from "./dom.js";
import { clearErrors, record, showErrors } from "./form.js";
import { askGrant, declaredText, initGrant } from "./grant.js";

let configReader = null;

const failed = (what, err) => notice($("#plugins-message"), `${what}: ${err.message}`, "error");

async function act(alias, action) {
  try {
    await api("PUT", `/plugins/${encodeURIComponent(alias)}/${action}`);
    notice($("#plugins-message"), `${alias}: ${action} done`, "ok");
  } catch (err) {
    failed(`${action} ${alias}`, err);
  }
  await refreshPlugins();
}

/** Reloads the plugins table; returns the list (for the latency chart). */
export async function refreshPlugins() {
  let list;
  try {
    list = (await api("GET", "/plugins")).data;
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) failed("Plugins", err);
    return [];
  }
  const details = await Promise.all(
    list.map((p) => api("GET", `/plugins/${encodeURIComponent(p.alias)}`).catch(() => ({}))),
  );
  const rows = list.map((p, i) => pluginRow(p, details[i].health));
  fill($("#plugins tbody"), rows, "No plugins");
  return list;
}

/** One row of the plugins table: figures, then the action buttons. */
function pluginRow(p, health) {
  const tr = el("tr", { "data-alias": p.alias });
  const cells = [
    p.alias,
    `${p.name ?? "?"} ${p.version ?? ""}`,
    p.error ? `${p.state}: ${p.error}` : p.state,
    p.enabled ? "yes" : "no",
    grantedText(p.granted),
    health ? `${health.ok ? "ok" : "failing"}${health.message ? ` (${health.message})` : ""}` : "-",
    `${p.metrics.calls} / ${p.metrics.errors} / ${p.metrics.timeouts}`,
  ];
  for (const [j, text] of cells.entries()) {
    const cls = j === 2 ? `state state-${p.state}` : j === 4 ? "granted" : undefined;
    tr.append(el("td", { text, class: cls }));
  }
  tr.append(pluginActions(p));
  return tr;
}

/** Start or Stop, Config, Front, Uninstall for one plugin. */
function pluginActions(p) {
  const running = p.state === "running" || p.state === "crashed";
  const path = `/plugins/${encodeURIComponent(p.alias)}`;
  return el(
    "td",
    { class: "actions" },
    running
      ? button("Stop", () => act(p.alias, "stop"))
      : button("Start", () => act(p.alias, "start")),
    button("Config", () => openConfig(p.alias)),
    button("Front", async () => {
      await api("POST", `${path}/move`, { position: "front" }).catch((e) => failed("Move", e));
      await refreshPlugins();
    }),
    uninstallButton(p.alias, path),
  );
}

/** Uninstall in two clicks (no native dialog): the first asks, the second within 5 s removes. */
function uninstallButton(alias, path) {
  let armed = null;
  const b = button("Uninstall", async () => {
    if (!armed) {
      b.textContent = `Really uninstall ${alias}?`;
      armed = setTimeout(() => {
        armed = null;
        b.textContent = "Uninstall";
      }, 5000);
      return;
    }
    clearTimeout(armed);
    await api("DELETE", path).catch((e) => failed(`Uninstall ${alias}`, e));
    await refreshPlugins();
  }, "danger");
  return b;
}

/** What a plugin was granted, one permission after another (`net: 127.0.0.1:1883; env: all`). */
function grantedText(granted) {
  const given = Object.entries(granted ?? {}).filter(([, v]) => v !== false && v !== null);
  return given.length === 0
    ? "nothing"
    : given.map(([k, v]) => `${k}: ${declaredText(v)}`).join("; ");
}

function sender(form) {
  const file = form.file.files[0];
  const alias = form.alias.value.trim();
  const source = form.source.value.trim();
  if (!file && !source) return null;
  return (grant) => {
    if (!file) return api("POST", "/plugins/install", { source, alias: alias || undefined, grant });
    const data = new FormData();
    data.append("file", file);
    if (alias) data.append("alias", alias);
    data.append("grant", JSON.stringify(grant));
    return api("POST", "/plugins/install", data);
  };
}

async function install(event) {
  event.preventDefault();
  const form = event.target;
  const message = $("#install-message");
  const send = sender(form);
  if (!send) return notice(message, "Give a package URL, a path or a file", "error");
  notice(message, "Installing...");
  const installed = async (plugin) => {
    notice(message, `Installed ${plugin.alias}`, "ok");
    form.reset();
    await refreshPlugins();
  };
  try {
    await installed(await send({}));
  } catch (err) {
    if (err instanceof ApiError && err.code === "GRANT_REQUIRED") {
      notice(
        message,
        `${err.body.name ?? "The plugin"} asks for permissions: choose what to grant`,
      );
      return askGrant(err.body, send, installed);
    }
    notice(message, `Install failed: ${err.message}`, "error");
    await refreshPlugins();
  }
}

async function openConfig(alias) {
  let schema, i18n, config;
  try {
    [{ schema, i18n }, { config }] = await Promise.all([
      api("GET", `/plugins/${encodeURIComponent(alias)}/schema`),
      api("GET", `/plugins/${encodeURIComponent(alias)}/config`),
    ]);
  } catch (err) {
    return failed(`Config of ${alias}`, err);
  }
  $("#config-alias").textContent = alias;
  $("#config-section").dataset.alias = alias;
  notice($("#config-error"), "");
  notice($("#config-message"), "");
  if (schema && schema.type === "record") {
    const form = record(schema, config, "", i18n);
    configReader = form.read;
    $("#config-fields").replaceChildren(form.input);
  } else {
    const area = el("textarea", { class: "json", name: "config" });
    area.value = JSON.stringify(config, null, 2);
    configReader = () => JSON.parse(area.value);
    $("#config-fields").replaceChildren(area);
  }
  $("#config-section").hidden = false;
}

async function saveConfig(event) {
  event.preventDefault();
  const form = event.target;
  const alias = $("#config-section").dataset.alias;
  clearErrors(form);
  notice($("#config-error"), "");
  notice($("#config-message"), "");
  try {
    const saved = await api("PUT", `/plugins/${encodeURIComponent(alias)}/config`, configReader());
    notice($("#config-message"), `Saved (version ${saved.version})`, "ok");
    await refreshPlugins();
  } catch (err) {
    const rest = err instanceof ApiError && err.body.errors
      ? showErrors(form, err.body.errors)
      : [];
    const text = err.body?.errors ? rest.join("; ") || "Fix the fields marked above" : err.message;
    notice($("#config-error"), text, "error");
  }
}

/** Wires the plugin forms once. */
export function initPlugins() {
  $("#install").addEventListener("submit", install);
  initGrant(() => notice($("#install-message"), "Not installed: no grant given", "error"));
  $("#config-form").addEventListener("submit", saveConfig);
  $("#config-close").onclick = () => ($("#config-section").hidden = true);
}

// The dashboard: login, live stats (polled every second), plugins table with actions, install
// with a permission prompt, config form from the plugin's Avro schema.
import { api, ApiError, clearCredentials, setCredentials } from "./api.js";
import { clearErrors, record, showErrors } from "./form.js";

const $ = (sel) => document.querySelector(sel);
let statsTimer;
let last = null;
let configReader = null;

function show(loggedIn) {
  $("#login").hidden = loggedIn;
  $("#app").hidden = !loggedIn;
  $("#logout").hidden = !loggedIn;
  clearInterval(statsTimer);
  if (loggedIn) {
    refreshPlugins();
    pollLive();
    statsTimer = setInterval(pollLive, 1000);
  }
}

function onAuthError(err) {
  if (err instanceof ApiError && err.status === 401) {
    clearCredentials();
    show(false);
    return true;
  }
  return false;
}

async function pollLive() {
  try {
    const [stats, clients] = await Promise.all([api("GET", "/stats"), api("GET", "/clients")]);
    $("#stat-clients").textContent = stats.clients;
    $("#stat-subscriptions").textContent = stats.subscriptions;
    $("#stat-retained").textContent = stats.retained;
    if (last) {
      const dt = (stats.at - last.at) / 1000 || 1;
      $("#stat-in-rate").textContent = ((stats.messagesReceived - last.messagesReceived) / dt)
        .toFixed(1);
      $("#stat-out-rate").textContent = ((stats.messagesSent - last.messagesSent) / dt).toFixed(1);
    }
    last = stats;
    showCluster(await api("GET", "/cluster"));
    const body = $("#clients tbody");
    body.replaceChildren(...clients.data.map((c) => {
      const tr = document.createElement("tr");
      for (
        const v of [
          c.clientId,
          c.username ?? "",
          c.remoteAddr,
          `MQTT ${c.protocolVersion}`,
          c.subscriptions,
        ]
      ) {
        tr.append(Object.assign(document.createElement("td"), { textContent: String(v) }));
      }
      return tr;
    }));
  } catch (err) {
    onAuthError(err);
  }
}

// The cluster's nodes with their clients and load (hidden when the broker runs alone).
function showCluster(cluster) {
  $("#cluster-section").hidden = !cluster.enabled;
  if (!cluster.enabled) return;
  $("#cluster-self").textContent = `(this node: ${cluster.node}${
    cluster.connected ? "" : ", NATS unreachable"
  })`;
  $("#cluster-nodes tbody").replaceChildren(...cluster.nodes.map((n) => {
    const tr = document.createElement("tr");
    const seen = `${Math.max(0, Math.round((Date.now() - n.seenAt) / 1000))} s ago`;
    for (const v of [n.node, n.clients, n.receivedPerSec, n.sentPerSec, seen]) {
      tr.append(Object.assign(document.createElement("td"), { textContent: String(v) }));
    }
    return tr;
  }));
}

function button(text, onclick, cls = "") {
  const b = document.createElement("button");
  b.textContent = text;
  b.className = cls;
  b.onclick = onclick;
  return b;
}

async function act(alias, action) {
  try {
    await api("PUT", `/plugins/${encodeURIComponent(alias)}/${action}`);
  } catch (err) {
    if (!onAuthError(err)) alert(`${action} ${alias}: ${err.message}`);
  }
  await refreshPlugins();
}

async function refreshPlugins() {
  let list;
  try {
    list = (await api("GET", "/plugins")).data;
  } catch (err) {
    onAuthError(err);
    return;
  }
  const details = await Promise.all(
    list.map((p) => api("GET", `/plugins/${encodeURIComponent(p.alias)}`).catch(() => ({}))),
  );
  const rows = list.map((p, i) => pluginRow(p, details[i].health));
  if (rows.length === 0) {
    const tr = document.createElement("tr");
    tr.append(
      Object.assign(document.createElement("td"), { colSpan: 7, textContent: "No plugins" }),
    );
    rows.push(tr);
  }
  $("#plugins tbody").replaceChildren(...rows);
}

/** One row of the plugins table: figures, then the action buttons. */
function pluginRow(p, health) {
  const tr = document.createElement("tr");
  tr.dataset.alias = p.alias;
  const cells = [
    p.alias,
    `${p.name ?? "?"} ${p.version ?? ""}`,
    p.error ? `${p.state}: ${p.error}` : p.state,
    p.enabled ? "yes" : "no",
    health ? `${health.ok ? "ok" : "failing"}${health.message ? ` (${health.message})` : ""}` : "-",
    `${p.metrics.calls} / ${p.metrics.errors} / ${p.metrics.timeouts}`,
  ];
  for (const [j, text] of cells.entries()) {
    const td = document.createElement("td");
    td.textContent = text;
    if (j === 2) td.className = `state state-${p.state}`;
    tr.append(td);
  }
  tr.append(pluginActions(p));
  return tr;
}

/** Start or Stop, Config, Front, Uninstall for one plugin. */
function pluginActions(p) {
  const actions = document.createElement("td");
  const running = p.state === "running" || p.state === "crashed";
  actions.append(
    running
      ? button("Stop", () => act(p.alias, "stop"))
      : button("Start", () => act(p.alias, "start")),
    button("Config", () => openConfig(p.alias)),
    button("Front", async () => {
      await api("POST", `/plugins/${encodeURIComponent(p.alias)}/move`, { position: "front" })
        .catch(alert);
      await refreshPlugins();
    }),
    button("Uninstall", async () => {
      if (!confirm(`Uninstall ${p.alias}?`)) return;
      try {
        await api("DELETE", `/plugins/${encodeURIComponent(p.alias)}`);
      } catch (err) {
        alert(err.message);
      }
      await refreshPlugins();
    }, "danger"),
  );
  return actions;
}

function describePermissions(perms) {
  const lines = Object.entries(perms).map(([k, v]) =>
    `  ${k}: ${v === true ? "all" : JSON.stringify(v)}`
  );
  return lines.join("\n");
}

async function install(event) {
  event.preventDefault();
  const form = event.target;
  const message = $("#install-message");
  const file = form.file.files[0];
  const alias = form.alias.value.trim();
  const source = form.source.value.trim();
  const send = (grant) => {
    if (file) {
      const data = new FormData();
      data.append("file", file);
      if (alias) data.append("alias", alias);
      data.append("grant", JSON.stringify(grant));
      return api("POST", "/plugins/install", data);
    }
    return api("POST", "/plugins/install", { source, alias: alias || undefined, grant });
  };
  if (!file && !source) {
    message.textContent = "Give a package URL, a path or a file";
    return;
  }
  message.textContent = "Installing...";
  try {
    let installed;
    try {
      installed = await send({});
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== "GRANT_REQUIRED") throw err;
      const { name, version, permissions } = err.body;
      const ok = confirm(
        `Plugin ${name} ${version} asks for these permissions:\n${
          describePermissions(permissions)
        }\n\nGrant them and install?`,
      );
      if (!ok) {
        message.textContent = "Not installed: permissions refused";
        return;
      }
      installed = await send(permissions);
    }
    message.textContent = `Installed ${installed.alias}`;
    form.reset();
  } catch (err) {
    if (!onAuthError(err)) message.textContent = `Install failed: ${err.message}`;
  }
  await refreshPlugins();
}

async function openConfig(alias) {
  const [{ schema, i18n }, { config }] = await Promise.all([
    api("GET", `/plugins/${encodeURIComponent(alias)}/schema`),
    api("GET", `/plugins/${encodeURIComponent(alias)}/config`),
  ]);
  $("#config-alias").textContent = alias;
  $("#config-section").dataset.alias = alias;
  $("#config-error").textContent = "";
  $("#config-message").textContent = "";
  const holder = $("#config-fields");
  if (schema && schema.type === "record") {
    const form = record(schema, config, "", i18n);
    configReader = form.read;
    holder.replaceChildren(form.input);
  } else {
    const area = Object.assign(document.createElement("textarea"), {
      className: "json",
      name: "config",
    });
    area.value = JSON.stringify(config, null, 2);
    configReader = () => JSON.parse(area.value);
    holder.replaceChildren(area);
  }
  $("#config-section").hidden = false;
}

async function saveConfig(event) {
  event.preventDefault();
  const form = event.target;
  const alias = $("#config-section").dataset.alias;
  clearErrors(form);
  $("#config-error").textContent = "";
  $("#config-message").textContent = "";
  try {
    const saved = await api("PUT", `/plugins/${encodeURIComponent(alias)}/config`, configReader());
    $("#config-message").textContent = `Saved (version ${saved.version})`;
    await refreshPlugins();
  } catch (err) {
    if (onAuthError(err)) return;
    const rest = err instanceof ApiError && err.body.errors
      ? showErrors(form, err.body.errors)
      : [];
    $("#config-error").textContent = err.body?.errors
      ? rest.join("; ") || "Fix the fields marked above"
      : err.message;
  }
}

$("#login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  setCredentials(form.username.value, form.password.value);
  try {
    await api("GET", "/plugins");
    $("#login-error").textContent = "";
    show(true);
  } catch (err) {
    clearCredentials();
    $("#login-error").textContent = err.status === 401 ? "Wrong user or password" : err.message;
  }
});
$("#logout").onclick = () => {
  clearCredentials();
  show(false);
};
$("#install").addEventListener("submit", install);
$("#config-form").addEventListener("submit", saveConfig);
$("#config-close").onclick = () => ($("#config-section").hidden = true);

// Without credentials configured the API answers anyway (loopback only): skip the login then.
api("GET", "/plugins").then(() => show(true), () => show(false));

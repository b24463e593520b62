// The dashboard: until a login succeeds only the login form shows and nothing is polled; after it,
// one view at a time (overview, clients, retained, topic tester, plugins), polled while it shows.
// A 401 on any call returns to the login form.
import {
  api,
  clearCredentials,
  hasCredentials,
  setCredentials,
  setUnauthorizedHandler,
} from "./api.js";
import { initClients, refreshClients } from "./clients.js";
import { $, notice } from "./dom.js";
import { pollCluster, pollStats, resetOverview, showLatency } from "./overview.js";
import { closeGrant } from "./grant.js";
import { initPlugins, refreshPlugins } from "./plugins.js";
import { initRetained, refreshRetained } from "./retained.js";
import { initTester, stopTester, suggestUrl } from "./tester.js";

const VIEWS = ["overview", "clients", "retained", "tester", "plugins"];
let loggedIn = false;
let view = "overview";
let timer;
let ticks = 0;
let busy = false;
let lastStats = null;

/** What each view loads when it opens, and on which ticks (seconds) it reloads. */
const LOADERS = {
  overview: {
    every: 2,
    load: async (stats) => {
      const plugins = await api("GET", "/plugins").then((r) => r.data, () => []);
      showLatency(plugins);
      await pollCluster(stats);
    },
  },
  clients: { every: 2, load: () => refreshClients() },
  retained: { every: 0, load: () => refreshRetained() },
  tester: { every: 0, load: () => suggestUrl() },
  plugins: { every: 0, load: () => refreshPlugins() },
};

const report = (err) => {
  if (loggedIn && err.status !== 401) notice($("#app-message"), err.message, "error");
};

/** Loads the view that shows (also while a poll is running: opening a view never waits). */
async function loadView() {
  try {
    await LOADERS[view].load(lastStats);
  } catch (err) {
    report(err);
  }
}

/** Every second: the stats (gauges, rates chart), and the open view on its own ticks. */
async function tick() {
  if (!loggedIn || busy) return;
  busy = true;
  try {
    lastStats = await pollStats();
    notice($("#app-message"), "");
    const { every } = LOADERS[view];
    if (every > 0 && ticks % every === 0) await loadView();
  } catch (err) {
    report(err);
  } finally {
    ticks++;
    busy = false;
  }
}

function open(name) {
  view = VIEWS.includes(name) ? name : "overview";
  for (const v of VIEWS) $(`#view-${v}`).hidden = v !== view;
  for (const b of document.querySelectorAll("#nav button")) {
    b.setAttribute("aria-current", String(b.dataset.view === view));
  }
  ticks = 1;
  loadView();
}

function show(on) {
  loggedIn = on;
  $("#login").hidden = on;
  $("#app").hidden = !on;
  $("#nav").hidden = !on;
  $("#logout").hidden = !on;
  clearInterval(timer);
  if (!on) {
    stopTester();
    resetOverview();
    closeGrant();
    return;
  }
  notice($("#login-error"), "");
  tick().then(() => open(view));
  timer = setInterval(tick, 1000);
}

setUnauthorizedHandler(() => {
  if (!loggedIn) return;
  clearCredentials();
  show(false);
  notice($("#login-error"), "The API refused the credentials (401): log in again", "error");
});

$("#login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  setCredentials(form.username.value, form.password.value);
  try {
    await api("GET", "/stats");
    form.password.value = "";
    show(true);
  } catch (err) {
    clearCredentials();
    const text = err.status === 401 ? "Wrong user or password" : `Login failed: ${err.message}`;
    notice($("#login-error"), text, "error");
  }
});
$("#logout").onclick = () => {
  clearCredentials();
  show(false);
};
for (const b of document.querySelectorAll("#nav button")) b.onclick = () => open(b.dataset.view);
initClients();
initRetained();
initTester();
initPlugins();

// Without credentials kept for this tab only the login form shows and nothing is fetched (an
// admin API without users, loopback only, takes any name). With them, one probe reopens the app.
if (!hasCredentials()) show(false);
else {
  api("GET", "/stats").then(() => show(true), (err) => {
    clearCredentials();
    show(false);
    if (err.status !== 401) {
      notice($("#login-error"), `Cannot reach the admin API: ${err.message}`, "error");
    }
  });
}

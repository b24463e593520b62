// The grant form: shown when an install is refused with GRANT_REQUIRED. One row per declared
// permission with what the plugin declared, and the operator's choice: everything it declared,
// only the entries typed (checked with grant_rules.js, the rules the API applies), or nothing.
// Values from the package are shown as text only.
import { ApiError } from "./api.js";
import { $, el, notice } from "./dom.js";
import { entryProblem, PERMISSION_NAMES, splitEntries } from "./grant_rules.js";

let pending = null;

/** How a declared permission reads: `all` for `true`, else its entries. */
export function declaredText(value) {
  return value === true ? "all" : Array.isArray(value) ? value.join(", ") : String(value);
}

/** One permission's row: declared value, choice (all / only these / nothing), narrowed list. */
function permissionRow(name, declared) {
  const id = `grant-${name}`;
  const choice = el(
    "select",
    { id: `${id}-choice`, name: `${name}-choice`, "aria-label": `${name}: what to grant` },
    el("option", { value: "all", text: declared === true ? "All (as declared)" : "As declared" }),
    el("option", { value: "list", text: "Only these" }),
    el("option", { value: "none", text: "Nothing" }),
  );
  const list = el("textarea", {
    id: `${id}-list`,
    name: `${name}-list`,
    rows: "2",
    placeholder: name === "net" ? "host:port, one per line" : "one per line or comma-separated",
    "aria-label": `${name}: entries to grant`,
  });
  if (Array.isArray(declared)) list.value = declared.join("\n");
  const sync = () => (list.hidden = choice.value !== "list");
  choice.onchange = sync;
  sync();
  const field = el(
    "div",
    { class: "field grant-row", "data-permission": name, "data-path": name },
    el("span", { class: "label" }, el("code", { text: name })),
    el("small", { class: "declared", text: `declared: ${declaredText(declared)}` }),
    choice,
    list,
    el("span", { class: "field-error", role: "alert" }),
  );
  return { field, read: () => readChoice(name, declared, choice.value, list.value) };
}

/** The grant of one permission, or the problems of its typed entries. */
function readChoice(name, declared, choice, text) {
  if (choice === "none") return { value: undefined, problems: [] };
  if (choice === "all") return { value: declared, problems: [] };
  const entries = splitEntries(text);
  if (entries.length === 0) {
    return { value: undefined, problems: [`List at least one ${name} entry, or choose Nothing`] };
  }
  const problems = entries.map((e) => entryProblem(name, e)).filter((p) => p !== null);
  return { value: entries, problems };
}

/** Shows the grant form for the refusal `body` ({name, version, permissions}); `send(grant)` installs. */
export function askGrant(body, send, done) {
  const { name, version, permissions } = body;
  const rows = PERMISSION_NAMES.filter((p) => permissions?.[p])
    .map((p) => permissionRow(p, permissions[p]));
  $("#grant-plugin").textContent = `${name ?? "?"} ${version ?? ""}`.trim();
  $("#grant-fields").replaceChildren(...rows.map((r) => r.field));
  notice($("#grant-error"), "");
  pending = { rows, send, done };
  $("#grant-section").hidden = false;
  $("#grant-section").scrollIntoView({ block: "nearest" });
}

/** Hides the form and forgets the pending install (also on logout). */
export function closeGrant() {
  pending = null;
  $("#grant-section").hidden = true;
  $("#grant-fields").replaceChildren();
}

/** Reads every row; marks the rows with problems and returns null when there are any. */
function readGrant(rows) {
  const grant = {};
  let bad = false;
  for (const row of rows) {
    const { value, problems } = row.read();
    row.field.classList.toggle("invalid", problems.length > 0);
    row.field.querySelector(".field-error").textContent = problems.join("; ");
    bad ||= problems.length > 0;
    if (value !== undefined) grant[row.field.dataset.permission] = value;
  }
  return bad ? null : grant;
}

async function submit(event) {
  event.preventDefault();
  if (!pending) return;
  const { rows, send, done } = pending;
  const grant = readGrant(rows);
  const error = $("#grant-error");
  if (!grant) return notice(error, "Not sent: fix the entries marked above", "error");
  notice(error, "Installing...");
  try {
    const installed = await send(grant);
    closeGrant();
    await done(installed);
  } catch (err) {
    const code = err instanceof ApiError
      ? ` (${err.status} ${err.code ?? ""})`.replace(" )", ")")
      : "";
    notice(error, `Refused${code}: ${err.message}`, "error");
  }
}

/** Wires the grant form once; `cancelled()` runs when the operator gives up. */
export function initGrant(cancelled) {
  $("#grant-form").addEventListener("submit", submit);
  $("#grant-cancel").onclick = () => {
    closeGrant();
    cancelled();
  };
}

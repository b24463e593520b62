// Small DOM helpers shared by the dashboard's views: every value from the broker goes into the
// page as text (textContent), never as markup.

export const $ = (sel, root = document) => root.querySelector(sel);

/** An element with attributes (`text` sets textContent) and children. */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") e.textContent = String(v);
    else if (k.startsWith("on")) e[k] = v;
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  e.append(...children);
  return e;
}

/** A table row of text cells; a cell may also be an element (buttons). */
export function row(cells, attrs = {}) {
  return el(
    "tr",
    attrs,
    ...cells.map((c) =>
      el("td", c instanceof Node ? {} : { text: c ?? "" }, ...(c instanceof Node ? [c] : []))
    ),
  );
}

/**
 * Replaces the rows of `tbody` (or shows `empty` in one row when there are none) and labels each
 * cell with its column's heading (`data-label`, shown beside the value on a phone).
 */
export function fill(tbody, rows, empty) {
  const heads = [...tbody.closest("table").querySelectorAll("thead th")].map((th) =>
    th.textContent
  );
  if (rows.length === 0) rows = [emptyRow(heads.length, empty)];
  for (const tr of rows) {
    [...tr.children].forEach((td, i) =>
      td.dataset.label = td.classList.contains("empty") ? "" : heads[i] ?? ""
    );
  }
  tbody.replaceChildren(...rows);
}

/** One row spanning the table, for "nothing here" and "loading". */
export function emptyRow(columns, text) {
  const td = el("td", { text, class: "empty" });
  td.colSpan = columns;
  return el("tr", {}, td);
}

/**
 * Shows `text` in a status line: `kind` "ok" (green), "error" (red, with the server's message)
 * or "" (neutral, while working).
 */
export function notice(target, text, kind = "") {
  target.textContent = text;
  target.classList.toggle("ok", kind === "ok");
  target.classList.toggle("error", kind === "error");
}

/** A button with a click handler. */
export function button(text, onclick, cls = "") {
  return el("button", { type: "button", class: cls || undefined, text, onclick });
}

/** Previous/next paging under a list: `state` holds offset, limit and total. */
export function pager(holder, state, reload) {
  const first = state.total === 0 ? 0 : state.offset + 1;
  const last = Math.min(state.offset + state.limit, state.total);
  const prev = button("Previous", () => {
    state.offset = Math.max(0, state.offset - state.limit);
    reload();
  });
  const next = button("Next", () => {
    state.offset += state.limit;
    reload();
  });
  prev.disabled = state.offset === 0;
  next.disabled = last >= state.total;
  holder.replaceChildren(prev, el("span", { text: `${first}-${last} of ${state.total}` }), next);
}

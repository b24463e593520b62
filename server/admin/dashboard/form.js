// A config form rendered from a plugin's Avro record schema and its EMQX `$ui` hints: records
// are fieldsets, enums selects, booleans switches, numbers number inputs, arrays and maps
// editable lists, `input-password` masked. Every field knows its dotted path, so the API's
// 400 errors ([{path, message}]) are shown at the field.

const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") e.textContent = v;
    else if (k in e && typeof v !== "string") e[k] = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  e.append(...children);
  return e;
};

/** `$key` labels are looked up in the i18n file (English, else the first language). */
function translate(text, i18n) {
  if (typeof text !== "string" || !text.startsWith("$") || !i18n?.[text]) return text;
  const entry = i18n[text];
  return entry.en ?? Object.values(entry)[0] ?? text;
}

/** The non-null branch of a `["null", T]` union, and whether null is allowed. */
function unwrap(type) {
  if (!Array.isArray(type)) return { type, nullable: false };
  const rest = type.filter((t) => t !== "null");
  return { type: rest[0], nullable: rest.length < type.length };
}

const kindOf = (type) => (typeof type === "string" ? type : type.type);
const NUMBER = new Set(["int", "long", "float", "double"]);

/** An input for a primitive value; `read()` returns the typed value. */
function scalarInput(type, value, ui, path) {
  const kind = kindOf(type);
  const id = `field-${path.replaceAll(/[^a-z0-9_-]/gi, "_")}`;
  if (kind === "boolean") return switchInput(id, path, value);
  if (kind === "enum") {
    const input = el(
      "select",
      { id, name: path },
      ...type.symbols.map((s) => el("option", { value: s, text: s })),
    );
    if (value !== undefined) input.value = value;
    return { input, read: () => input.value };
  }
  if (NUMBER.has(kind)) return numberInput(id, path, kind, value, ui);
  return textInput(id, path, value, ui);
}

/** A checkbox shown as a switch. */
function switchInput(id, path, value) {
  const input = el("input", { type: "checkbox", id, class: "switch", role: "switch", name: path });
  input.checked = value === true;
  return { input, read: () => input.checked };
}

/** A number input within the `$ui` range; an unparsable entry is sent as text. */
function numberInput(id, path, kind, value, ui) {
  const input = el("input", {
    type: "number",
    id,
    name: path,
    step: kind === "int" || kind === "long" ? "1" : "any",
  });
  for (const rule of ui?.rules ?? []) {
    if (rule.type === "range" && rule.min !== undefined) input.min = rule.min;
    if (rule.type === "range" && rule.max !== undefined) input.max = rule.max;
  }
  if (value !== undefined && value !== null) input.value = String(value);
  // An unparsable entry is sent as text, so the server names the field.
  return {
    input,
    read:
      () => (input.value === ""
        ? null
        : Number.isNaN(Number(input.value))
        ? input.value
        : Number(input.value)),
  };
}

/** A text, password or multi-line input with the `$ui` pattern and length rules. */
function textInput(id, path, value, ui) {
  const component = ui?.component;
  const input = component === "input-textarea" || component === "code-editor"
    ? el("textarea", { id, name: path })
    : el("input", {
      type: component === "input-password" ? "password" : "text",
      id,
      name: path,
      autocomplete: "off",
    });
  for (const rule of ui?.rules ?? []) {
    if (rule.type === "pattern") input.setAttribute("pattern", rule.value);
    if (rule.type === "length" && rule.max !== undefined) input.maxLength = rule.max;
  }
  if (value !== undefined && value !== null) input.value = String(value);
  return { input, read: () => input.value };
}

/** An editable list (array) or key/value list (map) of primitives. */
function collection(type, value, path, isMap) {
  const rows = el("div", { class: "rows" });
  const readers = [];
  const itemType = isMap ? type.values : type.items;
  const add = (key, v) => {
    const { input, read } = scalarInput(itemType, v, null, `${path}.${readers.length}`);
    const keyInput = isMap
      ? el("input", { type: "text", class: "map-key", value: key ?? "", "aria-label": "key" })
      : null;
    const entry = { read: () => (isMap ? [keyInput.value, read()] : read()) };
    const remove = el("button", { type: "button", class: "remove", text: "Remove" });
    const row = el("div", { class: "row" }, ...(keyInput ? [keyInput] : []), input, remove);
    remove.onclick = () => {
      readers.splice(readers.indexOf(entry), 1);
      row.remove();
    };
    readers.push(entry);
    rows.append(row);
  };
  if (isMap) { for (const [k, v] of Object.entries(value ?? {})) add(k, v); }
  else for (const v of value ?? []) add(undefined, v);
  const more = el("button", { type: "button", class: "add", text: "Add" });
  more.onclick = () => add("", undefined);
  const read = () => {
    const items = readers.map((r) => r.read());
    return isMap ? Object.fromEntries(items.filter(([k]) => k !== "")) : items;
  };
  return { input: el("div", { class: isMap ? "map" : "array" }, rows, more), read };
}

function fieldControl(type, value, ui, path, i18n) {
  const kind = kindOf(type);
  if (kind === "record") return record(type, value ?? {}, path, i18n);
  if (
    kind === "array" && typeof kindOf(type.items) === "string" && kindOf(type.items) !== "record"
  ) {
    return collection(type, value, path, false);
  }
  if (kind === "map") return collection(type, value, path, true);
  if (
    kind === "array" ||
    (typeof type === "object" && !["enum", "fixed"].includes(kind) && !NUMBER.has(kind) &&
      kind !== "string" && kind !== "boolean")
  ) {
    const input = el("textarea", { name: path, class: "json" });
    input.value = JSON.stringify(value ?? null, null, 2);
    return { input, read: () => JSON.parse(input.value) };
  }
  return scalarInput(type, value, ui, path);
}

/** A record as a fieldset; `read()` returns the object. */
export function record(schema, value, path, i18n, legend) {
  const fieldset = el("fieldset", { "data-path": path || "(config)" });
  if (legend) fieldset.append(el("legend", { text: legend }));
  const readers = [];
  for (const f of schema.fields) {
    const at = path ? `${path}.${f.name}` : f.name;
    const ui = f.$ui ?? {};
    const { type, nullable } = unwrap(f.type);
    const current = Object.hasOwn(value, f.name) ? value[f.name] : f.default;
    const label = translate(ui.label, i18n) ?? f.name;
    if (kindOf(type) === "record") {
      const inner = record(type, current ?? {}, at, i18n, label);
      readers.push([f.name, inner.read]);
      fieldset.append(inner.input);
      continue;
    }
    const control = fieldControl(type, current, ui, at, i18n);
    const wrap = el("div", { class: "field", "data-path": at });
    const title = el("label", { for: control.input.id || undefined, class: "label" }, label);
    if (ui.required) title.append(el("span", { class: "required", text: " *", title: "required" }));
    wrap.append(title, control.input);
    const help = translate(ui.description, i18n) ?? f.doc;
    if (help) wrap.append(el("small", { class: "help", text: help }));
    wrap.append(el("span", { class: "field-error", role: "alert" }));
    fieldset.append(wrap);
    readers.push([f.name, () => {
      const v = control.read();
      return nullable && (v === "" || v === null) ? null : v;
    }]);
  }
  return {
    input: fieldset,
    read: () => Object.fromEntries(readers.map(([name, read]) => [name, read()])),
  };
}

/** Clears every field error of `form`. */
export function clearErrors(form) {
  for (const e of form.querySelectorAll(".field-error")) e.textContent = "";
  for (const e of form.querySelectorAll(".invalid")) e.classList.remove("invalid");
}

/** Shows `[{path, message}]` at their fields; returns the ones with no field. */
export function showErrors(form, errors) {
  const unplaced = [];
  for (const { path, message } of errors) {
    const field = form.querySelector(`.field[data-path="${CSS.escape(path)}"]`);
    if (!field) {
      unplaced.push(`${path || "(config)"}: ${message}`);
      continue;
    }
    field.classList.add("invalid");
    const slot = field.querySelector(".field-error");
    slot.textContent = slot.textContent ? `${slot.textContent}; ${message}` : message;
  }
  return unplaced;
}

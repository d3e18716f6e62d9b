// The input editor: one field per entry of the algorithm's input schema
// (numbers, lists and matrices as editable text), presets, sizes that can be
// changed within the caps, and a seeded "randomize". It produces the input as
// JSON text; checking it is the crate's job, and its message is shown next
// to the field it names.

import { h, seeded } from "./util.js";

/** Nested arrays from `{shape, data}` (or the value itself). */
function nested(v) {
  if (v && !Array.isArray(v) && typeof v === "object" && Array.isArray(v.data) && Array.isArray(v.shape)) {
    const build = (offset, dims) => {
      if (dims.length <= 1) return v.data.slice(offset, offset + (dims[0] ?? 1));
      const span = dims.slice(1).reduce((a, b) => a * b, 1);
      return Array.from({ length: dims[0] }, (_, i) => build(offset + i * span, dims.slice(1)));
    };
    return v.shape.length ? build(0, v.shape) : v.data[0];
  }
  return v;
}

function dimsOf(v) {
  const dims = [];
  for (let x = v; Array.isArray(x); x = x[0]) dims.push(x.length);
  return dims;
}

/** Arrays as text: one row per line. */
export function formatValue(v) {
  if (v === null || v === undefined) return "null";
  if (!Array.isArray(v)) return JSON.stringify(v);
  const f = (a, indent) => Array.isArray(a[0])
    ? "[" + a.map((x, i) => (i ? ",\n" + indent + " " : "") + f(x, indent + " ")).join("") + "]"
    : "[" + a.map((x) => JSON.stringify(x)).join(", ") + "]";
  return f(v, "");
}

/** Resizes axis `axis` of nested arrays to `n`, filling new entries with `fill(path)`. */
function resizeAxis(a, axis, n, fill, path = []) {
  if (axis > 0) return a.map((x, i) => resizeAxis(x, axis - 1, n, fill, [...path, i]));
  const out = a.slice(0, n);
  while (out.length < n) out.push(fill([...path, out.length], a[a.length - 1]));
  return out;
}

/** A zero of the same nested shape as `like`. */
function zeroLike(like) {
  return Array.isArray(like) ? like.map(zeroLike) : 0;
}

const round = (x, d = 2) => Number(x.toFixed(d));

export class InputEditor {
  /** `onChange(text)` is called (debounced) with the input as JSON text. */
  constructor(desc, lang, t, onChange) {
    this.desc = desc;
    this.lang = lang;
    this.t = t;
    this.onChange = onChange;
    this.fields = new Map();
    this.timer = 0;
    this.symbols = this.findSymbols();

    this.preset = h("select", { "aria-label": t.preset, onchange: () => this.choosePreset(this.preset.value) },
      desc.presets.map((p) => h("option", { value: p.id }, p[`title_${lang}`] || p.id)),
      h("option", { value: "", disabled: true }, t.custom));
    this.seed = h("input", { type: "number", value: "1", min: "0", step: "1", class: "seed", "aria-label": t.seed });
    this.topError = h("p", { class: "field-error", role: "alert", part: "error", hidden: true });
    const toolbar = h("div", { class: "toolbar" },
      h("label", {}, `${t.preset} `, this.preset),
      h("span", { class: "randomize" },
        h("label", {}, `${t.seed} `, this.seed),
        h("button", { type: "button", onclick: () => this.randomize(Number(this.seed.value) || 0) }, t.randomize)));
    this.sizeBox = h("div", { class: "sizes" });
    const rows = desc.input_schema.map((f) => this.fieldRow(f));
    this.element = h("details", { class: "inputs", part: "inputs" },
      h("summary", {}, t.inputs),
      h("div", { class: "inputs-body" }, toolbar, this.topError, this.sizeBox, rows));
  }

  /** Size symbols (`n_in`, `h` …) that the reader may change, with their caps. */
  findSymbols() {
    const symbols = new Map();
    const derived = new Set();
    for (const f of this.desc.input_schema) {
      (f.shape || []).forEach((sym, axis) => {
        if (typeof sym !== "string") return;
        if (f.optional) { if (!symbols.has(sym)) derived.add(sym); return; }
        derived.delete(sym);
        const cap = symbols.get(sym) || { min: 1, max: Infinity, uses: [] };
        if (Array.isArray(f.max)) cap.max = Math.min(cap.max, f.max[axis]);
        else if (axis === 0 && typeof f.max === "number") cap.max = Math.min(cap.max, f.max);
        if (axis === 0 && typeof f.min === "number" && f.kind !== "scalar") cap.min = Math.max(cap.min, f.min);
        cap.uses.push([f.name, axis]);
        symbols.set(sym, cap);
      });
    }
    for (const sym of derived) symbols.delete(sym);
    for (const cap of symbols.values()) if (!Number.isFinite(cap.max)) cap.max = 16;
    return symbols;
  }

  fieldRow(f) {
    const label = this.lang === "zh" ? f.note_zh : f.note_en;
    let control;
    if (f.kind === "enum") {
      control = h("select", { name: f.name }, f.options.map((o) => h("option", { value: o }, o)));
    } else if (f.kind === "scalar") {
      control = h("input", {
        type: "text", inputmode: "decimal", name: f.name, size: "8",
        "aria-describedby": `err-${f.name}`,
      });
    } else {
      control = h("textarea", { name: f.name, rows: "2", spellcheck: "false", autocomplete: "off", "aria-describedby": `err-${f.name}` });
    }
    control.id = `in-${f.name}`;
    control.addEventListener(control.tagName === "SELECT" ? "change" : "input", () => this.edited());
    const error = h("p", { class: "field-error", id: `err-${f.name}`, role: "alert", part: "error", hidden: true });
    const row = h("div", { class: `field kind-${f.kind}`, "data-field": f.name },
      h("label", { for: control.id }, h("code", {}, f.name), label ? h("span", { class: "note" }, ` ${label}`) : null,
        f.optional ? h("span", { class: "note" }, ` (${this.t.nullable})`) : null),
      control, error);
    this.fields.set(f.name, { schema: f, control, error, row });
    return row;
  }

  /** Fills the fields from an input object. */
  load(input, presetId = "") {
    this.input = input;
    for (const [name, { schema, control }] of this.fields) {
      const v = nested(input[name]);
      if (schema.kind === "enum") control.value = v ?? schema.options[0];
      else control.value = formatValue(v ?? null);
      if (control.tagName === "TEXTAREA") {
        control.rows = Math.min(12, Math.max(1, control.value.split("\n").length));
      }
    }
    this.preset.value = presetId;
    this.drawSizes();
  }

  drawSizes() {
    const current = this.sizes();
    this.sizeBox.replaceChildren(...[...this.symbols].map(([sym, cap]) => {
      const box = h("input", {
        type: "number", min: cap.min, max: cap.max, step: "1", value: current[sym] ?? cap.min, class: "size",
        "aria-label": `${this.t.size}: ${sym}`,
        onchange: (e) => this.resize(sym, Math.max(cap.min, Math.min(cap.max, Math.round(Number(e.target.value)) || cap.min))),
      });
      return h("label", { class: "size-field" }, `${sym} `, box, h("span", { class: "note" }, ` ≤ ${cap.max}`));
    }));
  }

  /** Current size of every symbol, read from the last parsed input. */
  sizes() {
    const out = {};
    for (const [sym, cap] of this.symbols) {
      for (const [name, axis] of cap.uses) {
        const dims = dimsOf(nested(this.input?.[name]));
        if (dims[axis] !== undefined) { out[sym] = dims[axis]; break; }
      }
    }
    return out;
  }

  /** The input as an object, when every field parses. */
  parsed() {
    try { return JSON.parse(this.text().text); } catch { return null; }
  }

  /** The input as JSON text, and the first field whose text is not JSON. */
  text() {
    let unparsable = null;
    const parts = [];
    for (const [name, { schema, control }] of this.fields) {
      let raw;
      if (schema.kind === "enum") raw = JSON.stringify(control.value);
      else {
        raw = control.value.trim() || "null";
        if (schema.kind === "scalar" && raw !== "null" && Number.isFinite(Number(raw))) raw = String(Number(raw));
        try { JSON.parse(raw); } catch { unparsable ??= name; }
      }
      parts.push(`${JSON.stringify(name)}:${raw}`);
    }
    return { text: `{${parts.join(",")}}`, unparsable };
  }

  edited() {
    this.preset.value = "";
    clearTimeout(this.timer);
    const { text } = this.text();
    // A large convolution takes tens of milliseconds to run: wait for a pause in typing.
    this.timer = setTimeout(() => this.submit(), text.length > 50000 ? 700 : 250);
  }

  submit() {
    clearTimeout(this.timer);
    const { text, unparsable } = this.text();
    this.lastUnparsable = unparsable;
    this.onChange(text);
  }

  choosePreset(id) {
    const preset = this.desc.presets.find((p) => p.id === id);
    if (!preset) return;
    this.load(structuredClone(preset.input), id);
    this.submit();
  }

  resize(sym, n) {
    const input = this.parsed() || structuredClone(this.input);
    for (const [name, { schema }] of this.fields) {
      const shape = schema.shape || [];
      if (!shape.includes(sym) || input[name] === null || input[name] === undefined) continue;
      if (schema.optional) { input[name] = null; continue; }
      let v = nested(input[name]);
      shape.forEach((s, axis) => {
        if (s !== sym) return;
        v = resizeAxis(v, axis, n, (path, last) => {
          if (schema.values) return schema.values[path[path.length - 1] % schema.values.length];
          if (schema.kind === "boxes" && Array.isArray(last)) return last.map((x) => round(x + 1, 2));
          return Array.isArray(last) ? zeroLike(last) : 0;
        });
      });
      input[name] = v;
    }
    // Optional fields sized by derived symbols (e.g. out_h) no longer fit.
    for (const [name, { schema }] of this.fields) {
      if (schema.optional && (schema.shape || []).some((s) => typeof s === "string" && !this.symbols.has(s))) input[name] = null;
    }
    this.load(input);
    this.submit();
  }

  /** New random numbers (same sizes), repeatable for a given seed. */
  randomize(seed) {
    const rand = seeded(seed);
    const input = this.parsed() || structuredClone(this.input);
    const uniform = (lo, hi, d = 2) => round(lo + (hi - lo) * rand(), d);
    const fillLike = (like, gen) => (Array.isArray(like) ? like.map((x) => fillLike(x, gen)) : gen());
    const randomBox = () => {
      const [x, y, w, hh] = [uniform(0, 10, 1), uniform(0, 10, 1), uniform(1, 6, 1), uniform(1, 6, 1)];
      return input.format === "cxcywh" ? [x, y, w, hh] : [x, y, round(x + w, 1), round(y + hh, 1)];
    };
    for (const [name, { schema }] of this.fields) {
      const v = nested(input[name]);
      if (!Array.isArray(v)) continue;
      if (schema.kind === "boxes") {
        input[name] = Array.isArray(v[0]) ? v.map(randomBox) : randomBox();
      } else if (schema.values) {
        const out = v.map(() => schema.values[Math.floor(rand() * schema.values.length)]);
        if (out.length > 1 && out.every((x) => x === out[0])) out[0] = schema.values.find((x) => x !== out[0]) ?? out[0];
        input[name] = out;
      } else if (name === "scores") {
        input[name] = fillLike(v, () => uniform(0, 1));
      } else if (name === "y" && input.loss === "softmax_ce") {
        const hot = Math.floor(rand() * v.length);
        input[name] = v.map((_, i) => (i === hot ? 1 : 0));
      } else if (schema.min_value === 0) {
        input[name] = fillLike(v, () => uniform(0.1, 2));
      } else {
        input[name] = fillLike(v, () => uniform(-2, 2));
      }
    }
    if (typeof input.target === "number" && Array.isArray(input.logits)) input.target = Math.floor(rand() * input.logits.length);
    this.load(input);
    this.submit();
  }

  clearErrors() {
    this.topError.hidden = true;
    for (const { error, control } of this.fields.values()) {
      error.hidden = true;
      error.textContent = "";
      control.removeAttribute("aria-invalid");
    }
  }

  /** Shows the crate's message next to the field it names (or above all fields). */
  showError(error) {
    this.clearErrors();
    const message = error[this.lang] || error.en;
    const base = (error.field.match(/^[A-Za-z_][A-Za-z_0-9]*/) || [])[0] || this.lastUnparsable;
    const field = this.fields.get(base);
    const slot = field ? field.error : this.topError;
    slot.textContent = `${message} ${this.t.kept}`;
    slot.hidden = false;
    if (field) field.control.setAttribute("aria-invalid", "true");
    this.element.open = true;
  }
}

// The source panel (Rust or NumPy, current line marked) and the values panel
// (scalars, vectors, matrices and tensors of the current step, with the
// step's highlights).

import { h, fmt, num } from "./util.js";

const KEYWORDS = {
  rust: /^(?:fn|let|mut|for|in|if|else|return|pub|use|struct|impl|match|while|loop|as|const|Some|None|true|false|usize|f64|Vec|Option|self|Self|where|break|continue)$/,
  python: /^(?:def|return|for|in|if|else|elif|import|as|from|range|len|not|and|or|None|True|False|while|lambda)$/,
};
const TOKEN = /(\/\/.*$|#.*$|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b|[A-Za-z_][A-Za-z_0-9]*)/g;

/** One line of code as spans: keywords, numbers, strings, comments. */
function highlightLine(text, language) {
  const out = [];
  let last = 0;
  for (const match of text.matchAll(TOKEN)) {
    const token = match[0];
    const comment = language === "rust" ? token.startsWith("//") : token.startsWith("#");
    let cls = null;
    if (comment) cls = "c";
    else if (token.startsWith("//") || token.startsWith("#")) continue;
    else if (token[0] === '"' || token[0] === "'") cls = "s";
    else if (/^\d/.test(token)) cls = "n";
    else if (KEYWORDS[language].test(token)) cls = "k";
    if (!cls) continue;
    if (match.index > last) out.push(text.slice(last, match.index));
    out.push(h("span", { class: cls }, token));
    last = match.index + token.length;
  }
  out.push(text.slice(last));
  return out;
}

/** The Rust and NumPy texts with the current step's line marked. */
export class SourcePanel {
  constructor(desc, t) {
    this.language = "rust";
    const hidden = (n) => desc.step_calls.some(([a, b]) => n >= a && n <= b);
    const rustLines = desc.rust_source.split("\n").map((text, k) => {
      const n = desc.rust_first_line + k;
      // The step!(…) calls only record the trace: folded away.
      return h("div", { class: hidden(n) ? "line recorder" : "line", "data-line": n },
        h("span", { class: "ln", "aria-hidden": "true" }, String(n)), h("code", {}, highlightLine(text, "rust")));
    });
    const numpyLines = desc.numpy_source.split("\n").map((text, k) =>
      h("div", { class: "line", "data-line": k + 1 },
        h("span", { class: "ln", "aria-hidden": "true" }, String(k + 1)), h("code", {}, highlightLine(text, "python"))));
    this.rust = h("pre", { class: "code", part: "code", tabindex: "0", "aria-label": "Rust" }, rustLines);
    this.numpy = h("pre", { class: "code", part: "code", tabindex: "0", "aria-label": "NumPy", hidden: true }, numpyLines);
    this.rustByLine = new Map(rustLines.map((el) => [Number(el.dataset.line), el]));
    this.numpyByLine = new Map(numpyLines.map((el) => [Number(el.dataset.line), el]));
    const tab = (lang, label) => h("button", {
      type: "button", role: "tab", class: "tab", "aria-selected": String(lang === "rust"), "data-lang": lang,
      onclick: () => this.select(lang),
    }, label);
    this.tabs = [tab("rust", t.rust), tab("numpy", t.numpy)];
    this.element = h("section", { class: "panel source", part: "source", "aria-label": t.source },
      h("div", { class: "tabs", role: "tablist" }, this.tabs), this.rust, this.numpy);
    this.marked = [];
  }

  select(language) {
    this.language = language;
    for (const b of this.tabs) b.setAttribute("aria-selected", String(b.dataset.lang === language));
    this.rust.hidden = language !== "rust";
    this.numpy.hidden = language !== "numpy";
    if (this.step) this.show(this.step);
  }

  show(step) {
    this.step = step;
    for (const el of this.marked) el.classList.remove("current");
    this.marked = [];
    for (let n = Math.min(step.line_first, step.line); n <= step.line; n++) {
      const el = this.rustByLine.get(n);
      if (el) this.marked.push(el);
    }
    const np = this.numpyByLine.get(step.numpy_line);
    if (np) this.marked.push(np);
    for (const el of this.marked) el.classList.add("current");
    const pre = this.language === "rust" ? this.rust : this.numpy;
    const target = this.language === "rust" ? this.rustByLine.get(step.line) : np;
    if (target && !pre.hidden) {
      // Scroll the panel only (never the page) to keep the line in view.
      const top = target.offsetTop;
      if (top < pre.scrollTop + 8 || top > pre.scrollTop + pre.clientHeight - 40) {
        pre.scrollTop = Math.max(0, top - pre.clientHeight / 3);
      }
    }
  }
}

/**
 * Which highlight keys of a step apply to which shown values, per algorithm:
 * [value names, how the index tuples apply, class]. "prefix": a tuple names
 * the leading indices (a row, a slice, a cell); "column": [[j]] is column j.
 * The class is "hl" (highlighted) unless given ("pad": a kernel tap in the
 * zero padding).
 */
const HIGHLIGHTS = {
  backprop: {
    W1: [["W1", "∂L/∂W1"], "prefix"], W2: [["W2", "∂L/∂W2"], "prefix"], W2_col: [["W2", "∂L/∂W2"], "column"],
    hidden: [["b1", "a1", "δ1", "∂L/∂b1"], "prefix"], output: [["b2", "z2", "δ2", "∂L/∂b2", "y"], "prefix"],
  },
  softmax: { class: [["z", "exp(z)", "p_naive", "z − max", "exp(z − max)", "log p", "p", "∂L/∂z"], "prefix"] },
  conv2d: {
    input: [["x", "∂L/∂x", "∂L/∂x so far"], "prefix"],
    kernel: [["W", "∂L/∂W", "b", "∂L/∂b", "∂L/∂W so far", "∂L/∂b so far"], "prefix"],
    output: [["∂L/∂y"], "prefix"],
    taps_padding: [["window", "window ⊙ kernel", "running sum", "g·kernel → ∂L/∂x", "g·window → ∂L/∂W", "∂L/∂x so far (window)"], "prefix", "pad"],
  },
  batchnorm: {
    column: [["x", "x̂", "y", "dy", "∂L/∂x", "γ", "β", "running_mean", "running_var", "1/√(σ²+ε)", "∂L/∂γ", "∂L/∂β"], "column"],
  },
  nms: { kept: [["scores", "order"], "prefix"], candidate: [["scores"], "prefix"] },
  auc: { point: [["FPR", "TPR"], "prefix"] },
  iou: {},
  attention: { row: [["Q", "S", "W", "O", "dO", "∂L/∂S", "∂L/∂Q"], "prefix"] },
};

/**
 * Shown values that are an input field, per algorithm (value name → field):
 * their cells can be edited in place when they show that field's current
 * numbers (the last step of backprop shows the updated W1, not the input).
 */
const EDITABLE = {
  backprop: { x: "x", y: "y", W1: "w1", b1: "b1", W2: "w2", b2: "b2" },
  softmax: { z: "logits" },
  conv2d: { x: "x", W: "weight", b: "bias", "∂L/∂y": "grad_out" },
  iou: { a: "a", b: "b" },
  nms: { scores: "scores" },
  batchnorm: { x: "x", "γ": "gamma", "β": "beta", dy: "grad_out" },
  attention: { Q: "q", K: "k", V: "v", dO: "grad_out" },
};

/** The numbers of an input field, flat (`{shape, data}`, nested arrays or a number). */
function flatOf(v) {
  if (v && !Array.isArray(v) && typeof v === "object" && Array.isArray(v.data)) return v.data;
  return Array.isArray(v) ? v.flat(Infinity) : [v];
}

/** The input field `value` can edit at this step, or null. */
export function editTarget(algo, value, input) {
  const field = (EDITABLE[algo] || {})[value.name];
  if (!field || !input || !value.shape.length) return null;
  const given = input[field];
  // An optional field left null (grad_out: all ones) is what the step shows.
  if (given === null || given === undefined) return field;
  const flat = flatOf(given);
  if (flat.length !== value.data.length) return null;
  for (let i = 0; i < flat.length; i++) {
    const [a, b] = [num(flat[i]), num(value.data[i])];
    if (!(a === b || Math.abs(a - b) <= 1e-14 * Math.max(Math.abs(a), Math.abs(b)))) return null;
  }
  return field;
}

/** `given` (the field's current input) with element `k` set to `x`, in the same form. */
export function withElement(given, value, k, x) {
  if (given === null || given === undefined) {
    const data = value.data.map(num);
    data[k] = x;
    return value.shape.length === 1 ? data : { shape: value.shape.slice(), data };
  }
  if (!Array.isArray(given) && typeof given === "object") {
    const data = given.data.slice();
    data[k] = x;
    return { shape: given.shape.slice(), data };
  }
  if (!Array.isArray(given[0])) {
    const out = given.slice();
    out[k] = x;
    return out;
  }
  const out = structuredClone(given);
  const path = unflatten(k, value.shape);
  let row = out;
  for (const i of path.slice(0, -1)) row = row[i];
  row[path[path.length - 1]] = x;
  return out;
}

/** Flat indices of `value` marked by this step's highlights of class `cls`. */
export function highlightedCells(algo, step, value, cls = "hl") {
  const cells = new Set();
  const rules = HIGHLIGHTS[algo] || {};
  const shape = value.shape;
  const size = shape.reduce((a, b) => a * b, 1);
  for (const [key, tuples] of Object.entries(step.highlight || {})) {
    const rule = rules[key];
    if (!rule || (rule[2] || "hl") !== cls || !rule[0].includes(value.name) || !shape.length) continue;
    for (const tuple of tuples) {
      if (rule[1] === "column") {
        const cols = shape[shape.length - 1];
        for (let i = tuple[0]; i < size; i += cols) cells.add(i);
      } else if (tuple.length <= shape.length) {
        let offset = 0;
        let inside = true;
        for (let d = 0; d < tuple.length; d++) {
          if (tuple[d] < 0 || tuple[d] >= shape[d]) inside = false;
          offset = offset * shape[d] + tuple[d];
        }
        if (!inside) continue;
        const span = shape.slice(tuple.length).reduce((a, b) => a * b, 1);
        for (let i = 0; i < span; i++) cells.add(offset * span + i);
      }
    }
  }
  return cells;
}

/** Up to this many numbers a value is drawn as text; above, as a heat map. */
const DOM_LIMIT = 512;
const MAX_SLICES = 16;

/**
 * Heat maps already drawn, by value name, shape, slice and a hash of the
 * numbers: most values (the input, the weights) are the same at every step,
 * and redrawing thousands of cells made a step of the largest convolution
 * take tens of milliseconds. Only the highlight outlines are drawn per step.
 */
const heatCache = new Map();

function fingerprint(data, offset, count) {
  let hash = 2166136261;
  for (let i = 0; i < count; i++) {
    hash = Math.imul(hash ^ (Math.round(num(data[offset + i]) * 1e6) | 0), 16777619);
  }
  return hash >>> 0;
}

function heatBase(data, offset, rows, cols, scale) {
  const canvas = document.createElement("canvas");
  canvas.width = cols * scale;
  canvas.height = rows * scale;
  const ctx = canvas.getContext("2d");
  let max = 0;
  for (let i = 0; i < rows * cols; i++) max = Math.max(max, Math.abs(num(data[offset + i])) || 0);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = num(data[offset + r * cols + c]) / (max || 1);
      const a = Math.min(1, Math.abs(v) || 0);
      ctx.fillStyle = v >= 0 ? `rgba(217,115,13,${a})` : `rgba(11,99,197,${a})`;
      ctx.fillRect(c * scale, r * scale, scale, scale);
    }
  }
  return canvas;
}

/** A heat map of rows×cols numbers starting at `offset`, highlighted cells outlined. */
function heatMap(name, data, offset, rows, cols, marked) {
  const scale = Math.max(2, Math.min(8, Math.floor(256 / Math.max(rows, cols))));
  const key = `${name}|${rows}×${cols}|${offset}|${fingerprint(data, offset, rows * cols)}`;
  let base = heatCache.get(key);
  if (!base) {
    if (heatCache.size > 256) heatCache.clear();
    base = heatBase(data, offset, rows, cols, scale);
    heatCache.set(key, base);
  }
  const canvas = h("canvas", { width: cols * scale, height: rows * scale, class: "heat", role: "img" });
  const ctx = canvas.getContext("2d");
  ctx.drawImage(base, 0, 0);
  ctx.strokeStyle = "#111";
  for (const i of marked) {
    const k = i - offset;
    if (k < 0 || k >= rows * cols) continue;
    const r = Math.floor(k / cols);
    const c = k % cols;
    ctx.strokeRect(c * scale + 0.5, r * scale + 0.5, scale - 1, scale - 1);
  }
  canvas.setAttribute("aria-label", `${rows}×${cols}`);
  return canvas;
}

function cellGrid(value, offset, rows, cols, marked, padded, edit) {
  const grid = h("div", { class: "grid", style: `grid-template-columns: repeat(${cols}, auto)` });
  for (let i = 0; i < rows * cols; i++) {
    const k = offset + i;
    const raw = value.data[k];
    const x = num(raw);
    const cls = `num${marked.has(k) ? " hl" : ""}${padded.has(k) ? " pad" : ""}${x < 0 ? " neg" : ""}${!Number.isFinite(x) ? " bad" : ""}${edit ? " editable" : ""}`;
    grid.append(h("span", {
      class: cls, "data-v": String(raw), "data-k": edit ? k : null, tabindex: edit ? "0" : null,
      title: edit ? edit.title : null, part: marked.has(k) ? "cell highlight" : "cell",
    }, fmt(raw)));
  }
  if (edit) {
    grid.addEventListener("click", (e) => startEdit(e.target.closest(".editable"), value, edit));
    grid.addEventListener("keydown", (e) => {
      if ((e.key === "Enter" || e.key === "F2") && e.target.classList.contains("editable")) {
        e.preventDefault();
        e.stopPropagation();
        startEdit(e.target, value, edit);
      }
    });
  }
  return grid;
}

/** Replaces a cell's text by a text box: Enter commits (a finite number), Escape or leaving cancels. */
function startEdit(cell, value, edit) {
  if (!cell || cell.querySelector("input")) return;
  const k = Number(cell.dataset.k);
  const box = h("input", { type: "text", inputmode: "decimal", class: "cell-input", value: String(num(value.data[k])),
    "aria-label": `${edit.title}: ${value.name}[${k}]`, size: "7" });
  const text = cell.textContent;
  const restore = () => { cell.textContent = text; };
  box.addEventListener("keydown", (e) => {
    e.stopPropagation(); // arrows and space edit the text, they do not step
    if (e.key === "Escape") { restore(); cell.focus(); }
    if (e.key !== "Enter") return;
    e.preventDefault();
    const x = Number(box.value.trim().replace("−", "-"));
    if (box.value.trim() === "" || !Number.isFinite(x)) { box.setAttribute("aria-invalid", "true"); return; }
    cell.textContent = fmt(x);
    cell.dataset.v = String(x);
    cell.classList.add("edited");
    edit.onEdit(edit.field, k, x, value);
  });
  box.addEventListener("blur", () => { if (box.isConnected) restore(); });
  cell.replaceChildren(box);
  box.focus();
  box.select();
}

/** One named value of a step (`edit`: the field its cells edit, or null). */
function valueView(value, marked, padded, edit) {
  const shape = value.shape;
  const box = h("div", { class: "value", part: "value", "data-name": value.name, "data-field": edit ? edit.field : null },
    h("div", { class: "vname" }, value.name, shape.length ? h("span", { class: "shape" }, ` [${shape.join("×")}]`) : null));
  if (!shape.length) {
    const raw = value.data[0];
    box.classList.add("scalar");
    box.append(h("span", { class: `num${marked.size ? " hl" : ""}`, "data-v": String(raw) }, fmt(raw)));
    return box;
  }
  const cols = shape[shape.length - 1];
  const rows = shape.length >= 2 ? shape[shape.length - 2] : 1;
  const slices = value.data.length / (rows * cols);
  const large = value.data.length > DOM_LIMIT;
  const lead = shape.slice(0, -2);
  for (let s = 0; s < Math.min(slices, large ? MAX_SLICES : slices); s++) {
    const offset = s * rows * cols;
    const label = lead.length ? `[${unflatten(s, lead).join(", ")}]` : null;
    const grid = large ? heatMap(value.name, value.data, offset, rows, cols, marked)
      : cellGrid(value, offset, rows, cols, marked, padded, edit);
    box.append(label ? h("div", { class: "slice" }, h("span", { class: "slice-label" }, label), grid) : grid);
  }
  if (large && slices > MAX_SLICES) box.append(h("div", { class: "more" }, `… ${slices - MAX_SLICES} more`));
  return box;
}

function unflatten(i, dims) {
  const out = [];
  for (let d = dims.length - 1; d >= 0; d--) {
    out.unshift(i % dims[d]);
    i = Math.floor(i / dims[d]);
  }
  return out;
}

/**
 * Draws the values of `step` into `box`. With `input` and `onEdit(field,
 * index, number, value)`, the cells of values that show an input field can be
 * edited in place (click or Enter, type, Enter).
 */
export function renderValues(box, algo, step, input = null, onEdit = null, title = "") {
  box.replaceChildren(...step.values.map((v) => {
    const field = onEdit ? editTarget(algo, v, input) : null;
    const edit = field && v.data.length <= DOM_LIMIT ? { field, onEdit, title } : null;
    return valueView(v, highlightedCells(algo, step, v), highlightedCells(algo, step, v, "pad"), edit);
  }));
}

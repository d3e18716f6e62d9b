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
 * [value names, how the index tuples apply]. "prefix": a tuple names the
 * leading indices (a row, a slice, a cell); "column": [[j]] is column j.
 */
const HIGHLIGHTS = {
  backprop: {
    W1: [["W1", "∂L/∂W1"], "prefix"], W2: [["W2", "∂L/∂W2"], "prefix"], W2_col: [["W2", "∂L/∂W2"], "column"],
    hidden: [["b1", "a1", "δ1", "∂L/∂b1"], "prefix"], output: [["b2", "z2", "δ2", "∂L/∂b2", "y"], "prefix"],
  },
  softmax: { class: [["z", "exp(z)", "p_naive", "z − max", "exp(z − max)", "log p", "p", "∂L/∂z"], "prefix"] },
  conv2d: {
    input: [["x", "∂L/∂x"], "prefix"], kernel: [["W", "∂L/∂W", "b", "∂L/∂b"], "prefix"],
    output: [["∂L/∂y"], "prefix"],
  },
  batchnorm: {
    column: [["x", "x̂", "y", "dy", "∂L/∂x", "γ", "β", "running_mean", "running_var", "1/√(σ²+ε)", "∂L/∂γ", "∂L/∂β"], "column"],
  },
  nms: { kept: [["scores", "order"], "prefix"], candidate: [["scores"], "prefix"] },
  auc: { point: [["FPR", "TPR"], "prefix"] },
  iou: {},
};

/** Flat indices of `value` to highlight in this step. */
export function highlightedCells(algo, step, value) {
  const cells = new Set();
  const rules = HIGHLIGHTS[algo] || {};
  const shape = value.shape;
  const size = shape.reduce((a, b) => a * b, 1);
  for (const [key, tuples] of Object.entries(step.highlight || {})) {
    const rule = rules[key];
    if (!rule || !rule[0].includes(value.name) || !shape.length) continue;
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

function cellGrid(value, offset, rows, cols, marked) {
  const grid = h("div", { class: "grid", style: `grid-template-columns: repeat(${cols}, auto)` });
  for (let i = 0; i < rows * cols; i++) {
    const k = offset + i;
    const raw = value.data[k];
    const x = num(raw);
    const cls = `num${marked.has(k) ? " hl" : ""}${x < 0 ? " neg" : ""}${!Number.isFinite(x) ? " bad" : ""}`;
    grid.append(h("span", { class: cls, "data-v": String(raw), part: marked.has(k) ? "cell highlight" : "cell" }, fmt(raw)));
  }
  return grid;
}

/** One named value of a step. */
function valueView(value, marked) {
  const shape = value.shape;
  const box = h("div", { class: "value", part: "value", "data-name": value.name },
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
    const grid = large ? heatMap(value.name, value.data, offset, rows, cols, marked) : cellGrid(value, offset, rows, cols, marked);
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

/** Draws the values of `step` into `box`. */
export function renderValues(box, algo, step) {
  box.replaceChildren(...step.values.map((v) => valueView(v, highlightedCells(algo, step, v))));
}

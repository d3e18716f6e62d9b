// Per-algorithm pictures (SVG), where a drawing explains more than numbers:
// the two boxes and their intersection (IoU), all boxes kept or suppressed
// (NMS), the ROC curve growing point by point (AUC), the network with its
// weights (backprop), the window sliding over the input (conv2d), the
// probabilities (softmax), each feature's batch before and after
// normalisation (batch norm), the attention weights filling in row by row
// (attention). Each is built once per trace; `update(i)` only
// restyles what step i changes, so stepping stays cheap at large sizes.

import { h, s, fmt, num } from "./util.js";

/** `{shape, data}` from nested arrays or `{shape, data}`. */
export function tensorOf(v) {
  if (v && !Array.isArray(v) && Array.isArray(v.data)) return { shape: v.shape, data: v.data.map(num) };
  const shape = [];
  for (let x = v; Array.isArray(x); x = x[0]) shape.push(x.length);
  return { shape, data: (Array.isArray(v) ? v.flat(Infinity) : []).map(num) };
}

/** For each step, the first step index at which a highlight key appeared (for "shown from then on"). */
function firstStepOf(steps, key) {
  return steps.findIndex((st) => st.highlight && st.highlight[key] && st.highlight[key].length);
}

function hl(step, key) {
  return (step.highlight && step.highlight[key]) || [];
}

function svgFrame(viewBox, label) {
  return s("svg", { viewBox, class: "pic", role: "img", "aria-label": label, preserveAspectRatio: "xMidYMid meet" });
}

function iou({ trace, t }) {
  const [a, b] = [trace.result.a, trace.result.b].map((x) => x.map(num));
  const c = [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
  const size = Math.max(c[2] - c[0], c[3] - c[1]) || 1;
  const m = size * 0.12;
  const svg = svgFrame(`${c[0] - m} ${c[1] - m} ${c[2] - c[0] + 2 * m} ${c[3] - c[1] + 2 * m}`, t.picture);
  const font = size / 14;
  const rect = (bx, cls) => s("rect", { x: bx[0], y: bx[1], width: Math.max(0, bx[2] - bx[0]), height: Math.max(0, bx[3] - bx[1]), class: cls, "vector-effect": "non-scaling-stroke" });
  const inter = [Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])];
  const centre = (bx) => [(bx[0] + bx[2]) / 2, (bx[1] + bx[3]) / 2];
  const [ca, cb] = [centre(a), centre(b)];
  const parts = {
    enclosing: rect(c, "enclosing"),
    boxes: s("g", {}, rect(a, "box-a"), rect(b, "box-b"),
      s("text", { x: a[0] + font * 0.3, y: a[1] + font * 1.1, "font-size": font, class: "label-a" }, "A"),
      s("text", { x: b[2] - font * 0.9, y: b[3] - font * 0.3, "font-size": font, class: "label-b" }, "B")),
    intersection: inter[2] > inter[0] && inter[3] > inter[1] ? rect(inter, "intersection") : s("g"),
    centres: s("g", { class: "centres" },
      s("line", { x1: ca[0], y1: ca[1], x2: cb[0], y2: cb[1], "vector-effect": "non-scaling-stroke" }),
      s("line", { x1: c[0], y1: c[1], x2: c[2], y2: c[3], class: "diagonal", "vector-effect": "non-scaling-stroke" }),
      s("circle", { cx: ca[0], cy: ca[1], r: font / 4 }), s("circle", { cx: cb[0], cy: cb[1], r: font / 4 })),
  };
  svg.append(parts.enclosing, parts.boxes, parts.intersection, parts.centres);
  const first = Object.fromEntries(Object.keys(parts).map((k) => [k, firstStepOf(trace.steps, k)]));
  return {
    element: svg,
    update(i) {
      for (const [key, el] of Object.entries(parts)) {
        const from = first[key];
        el.style.display = key === "boxes" || (from >= 0 && i >= from) ? "" : "none";
        el.classList.toggle("active", hl(trace.steps[i], key).length > 0);
      }
    },
  };
}

function nms({ trace, input, t }) {
  const boxes = input.boxes.map((bx) => (Array.isArray(bx) ? bx : []).map(num));
  const scores = (input.scores || []).map(num);
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const bx of boxes) { x0 = Math.min(x0, bx[0]); y0 = Math.min(y0, bx[1]); x1 = Math.max(x1, bx[2]); y1 = Math.max(y1, bx[3]); }
  const size = Math.max(x1 - x0, y1 - y0) || 1;
  const m = size * 0.06;
  const svg = svgFrame(`${x0 - m} ${y0 - m} ${x1 - x0 + 2 * m} ${y1 - y0 + 2 * m}`, t.picture);
  const font = size / (boxes.length > 20 ? 40 : 22);
  const groups = boxes.map((bx, i) => {
    const g = s("g", { class: "nms-box", "data-box": i },
      s("rect", { x: bx[0], y: bx[1], width: bx[2] - bx[0], height: bx[3] - bx[1], "vector-effect": "non-scaling-stroke" }),
      s("text", { x: bx[0] + font * 0.2, y: bx[1] + font, "font-size": font }, `${i}: ${fmt(scores[i])}`));
    svg.append(g);
    return g;
  });
  // State after each step: kept so far, suppressed so far.
  const states = [];
  const kept = new Set();
  const suppressed = new Set();
  for (const st of trace.steps) {
    for (const [k] of hl(st, "kept")) kept.add(k);
    const cand = hl(st, "candidate");
    if (cand.length) {
      const v = Object.fromEntries(st.values.map((x) => [x.name, num(x.data[0])]));
      if (v.IoU > v.threshold) suppressed.add(cand[0][0]);
    }
    states.push({ kept: new Set(kept), suppressed: new Set(suppressed) });
  }
  return {
    element: svg,
    update(i) {
      const st = trace.steps[i];
      const cur = new Set(hl(st, "kept").map((x) => x[0]));
      const cand = new Set(hl(st, "candidate").map((x) => x[0]));
      groups.forEach((g, k) => {
        g.classList.toggle("kept", states[i].kept.has(k));
        g.classList.toggle("suppressed", states[i].suppressed.has(k));
        g.classList.toggle("active", cur.has(k));
        g.classList.toggle("candidate", cand.has(k));
      });
    },
  };
}

function auc({ trace, input, t }) {
  const fpr = trace.result.fpr.map(num);
  const tpr = trace.result.tpr.map(num);
  const S = 100;
  const svg = svgFrame("-14 -6 124 124", t.picture);
  const pt = (k) => `${fpr[k] * S},${S - tpr[k] * S}`;
  svg.append(
    s("rect", { x: 0, y: 0, width: S, height: S, class: "axes" }),
    s("line", { x1: 0, y1: S, x2: S, y2: 0, class: "chance" }),
    s("text", { x: S / 2, y: S + 10, "font-size": 6, "text-anchor": "middle" }, "FPR"),
    s("text", { x: -12, y: S / 2, "font-size": 6 }, "TPR"),
  );
  const area = s("polygon", { class: "area" });
  const curve = s("polyline", { class: "curve" });
  const dot = s("circle", { r: 2.2, class: "dot" });
  svg.append(area, curve, dot);
  // The last ROC point reached at each step.
  const reached = [];
  let lastPointStep = -1;
  trace.steps.forEach((st, i) => { if (hl(st, "point").length) lastPointStep = i; });
  let p = 0;
  trace.steps.forEach((st, i) => {
    const point = hl(st, "point");
    if (point.length) p = point[0][0];
    else if (lastPointStep >= 0 && i > lastPointStep) p = fpr.length - 1;
    reached.push(p);
  });
  // The examples, sorted by score, labels as filled (1) or open (0) marks.
  const scores = input.scores.map(num);
  const labels = input.labels.map(num);
  const order = scores.map((_, i) => i).sort((x, y) => scores[y] - scores[x] || x - y);
  const strip = h("div", { class: "examples", "aria-hidden": "true" });
  const marks = order.slice(0, 60).map((i) => {
    const el = h("span", { class: `example l${labels[i]}`, title: `#${i}: ${fmt(scores[i])}` }, fmt(scores[i]));
    strip.append(el);
    return [i, el];
  });
  const element = h("div", { class: "auc-pic" }, svg, strip);
  return {
    element,
    update(i) {
      const k = reached[i];
      const pts = [];
      for (let j = 0; j <= k; j++) pts.push(pt(j));
      curve.setAttribute("points", pts.join(" "));
      area.setAttribute("points", `0,${S} ${pts.join(" ")} ${fpr[k] * S},${S}`);
      dot.setAttribute("cx", fpr[k] * S);
      dot.setAttribute("cy", S - tpr[k] * S);
      const rows = new Set(hl(trace.steps[i], "rows").map((x) => x[0]));
      for (const [idx, el] of marks) el.classList.toggle("hl", rows.has(idx));
    },
  };
}

function backprop({ trace, input, t }) {
  const x = input.x.map(num);
  const w1 = tensorOf(input.w1);
  const w2 = tensorOf(input.w2);
  const layers = [x.length, w1.shape[0], w2.shape[0]];
  const W = 300;
  const H = Math.max(120, Math.max(...layers) * 26 + 20);
  const svg = svgFrame(`0 0 ${W} ${H}`, t.picture);
  const cx = [40, 150, 260];
  const cy = (l, i) => H / 2 + (i - (layers[l] - 1) / 2) * Math.min(26, (H - 20) / layers[l]);
  const maxW = Math.max(1e-9, ...w1.data.map(Math.abs), ...w2.data.map(Math.abs));
  const edges = [[], []];
  for (let l = 0; l < 2; l++) {
    const w = l === 0 ? w1 : w2;
    for (let j = 0; j < layers[l + 1]; j++) {
      for (let i = 0; i < layers[l]; i++) {
        const v = w.data[j * layers[l] + i];
        const line = s("line", {
          x1: cx[l], y1: cy(l, i), x2: cx[l + 1], y2: cy(l + 1, j),
          class: v >= 0 ? "edge pos" : "edge neg", "stroke-width": 0.4 + 2.6 * Math.abs(v) / maxW,
        });
        const label = s("text", {
          x: cx[l] + (cx[l + 1] - cx[l]) * 0.62, y: cy(l, i) + (cy(l + 1, j) - cy(l, i)) * 0.62 - 1.5,
          class: "edge-label", "font-size": 7, "text-anchor": "middle",
        }, fmt(v));
        svg.append(line);
        edges[l].push({ i, j, line, label });
      }
    }
  }
  const labelsLayer = s("g");
  svg.append(labelsLayer);
  const nodes = layers.map((n, l) => Array.from({ length: n }, (_, i) => {
    const g = s("g", { class: "node" },
      s("circle", { cx: cx[l], cy: cy(l, i), r: 9 }),
      s("text", { x: cx[l], y: cy(l, i) + 2.5, "font-size": 6.5, "text-anchor": "middle" }, l === 0 ? fmt(x[i]) : ""));
    svg.append(g);
    return g;
  }));
  const a1 = (trace.result.a1 || []).map(num);
  const out = (trace.result.out || []).map(num);
  // When each hidden/output node's value is first computed.
  const revealed = [[], []];
  trace.steps.forEach((st, k) => {
    for (const [j] of hl(st, "hidden")) revealed[0][j] ??= k;
    for (const [j] of hl(st, "output")) revealed[1][j] ??= k;
  });
  return {
    element: svg,
    update(k) {
      const st = trace.steps[k];
      const on = (key) => new Set(hl(st, key).map((x) => x[0]));
      const [rowW1, rowW2, colW2, hid, outp] = ["W1", "W2", "W2_col", "hidden", "output"].map(on);
      labelsLayer.replaceChildren();
      let shown = 0;
      for (const l of [0, 1]) {
        for (const e of edges[l]) {
          const active = l === 0 ? rowW1.has(e.j) : rowW2.has(e.j) || colW2.has(e.i);
          e.line.classList.toggle("active", active);
          if (active && shown++ < 24) labelsLayer.append(e.label);
        }
      }
      nodes[1].forEach((g, j) => {
        g.classList.toggle("active", hid.has(j));
        g.lastChild.textContent = revealed[0][j] !== undefined && k >= revealed[0][j] ? fmt(a1[j]) : "";
      });
      nodes[2].forEach((g, j) => {
        g.classList.toggle("active", outp.has(j));
        g.lastChild.textContent = revealed[1][j] !== undefined && k >= revealed[1][j] ? fmt(out[j]) : "";
      });
    },
  };
}

function conv2d({ trace, input, t }) {
  const xt = tensorOf(input.x);
  const [cIn, H, Wd] = xt.shape;
  const p = Number(input.padding) || 0;
  const yt = tensorOf(trace.result.y);
  const [, OH, OW] = yt.shape;
  const PH = H + 2 * p;
  const PW = Wd + 2 * p;
  const cell = Math.max(3, Math.min(26, Math.floor(240 / Math.max(PH, PW, OH, OW))));
  const text = cell >= 20;
  const gap = 30;
  const width = PW * cell + gap + OW * cell;
  const height = Math.max(PH, OH) * cell + 16;
  const svg = svgFrame(`0 -14 ${width} ${height}`, t.picture);
  const inLabel = s("text", { x: 0, y: -4, "font-size": 10 }, "x[0]");
  const outLabel = s("text", { x: PW * cell + gap, y: -4, "font-size": 10 }, "y[0]");
  svg.append(inLabel, outLabel);
  const inputCells = new Map();
  const inputLayer = s("g");
  const valueTexts = [];
  for (let r = 0; r < PH; r++) {
    for (let c = 0; c < PW; c++) {
      const pad = r < p || c < p || r >= p + H || c >= p + Wd;
      const rect = s("rect", { x: c * cell, y: r * cell, width: cell, height: cell, class: pad ? "cell pad" : "cell" });
      inputLayer.append(rect);
      inputCells.set(`${r - p},${c - p}`, rect);
      if (text && !pad) {
        const tx = s("text", { x: c * cell + cell / 2, y: r * cell + cell / 2 + 3, "font-size": 8, "text-anchor": "middle" });
        valueTexts.push([r - p, c - p, tx]);
        inputLayer.append(tx);
      }
    }
  }
  const outX = PW * cell + gap;
  const outputCells = [];
  const outputLayer = s("g");
  for (let r = 0; r < OH; r++) {
    for (let c = 0; c < OW; c++) {
      const rect = s("rect", { x: outX + c * cell, y: r * cell, width: cell, height: cell, class: "cell out" });
      const tx = text ? s("text", { x: outX + c * cell + cell / 2, y: r * cell + cell / 2 + 3, "font-size": 8, "text-anchor": "middle" }) : null;
      outputLayer.append(rect);
      if (tx) outputLayer.append(tx);
      outputCells.push([rect, tx]);
    }
  }
  svg.append(inputLayer, outputLayer);
  // When each output cell (of each channel) is first computed.
  const firstAt = new Map();
  trace.steps.forEach((st, k) => {
    for (const [o, r, c] of hl(st, "output")) if (!firstAt.has(`${o},${r},${c}`)) firstAt.set(`${o},${r},${c}`, k);
  });
  let shownChannels = [-1, -1, ""];
  let marked = [];
  return {
    element: svg,
    update(k) {
      const st = trace.steps[k];
      const window = [...hl(st, "input"), ...hl(st, "padding")];
      const ch = window.length ? window[0][0] : Math.max(0, shownChannels[0]);
      const outs = hl(st, "output");
      const o = outs.length ? outs[0][0] : Math.max(0, shownChannels[1]);
      // The backward pass writes ∂L/∂x so far over the input: the gradient
      // piling up cell by cell as windows send theirs back.
      const soFar = (st.values || []).find((v) => v.name === "∂L/∂x so far");
      const grid = soFar ? soFar.data.map(num) : null;
      const showing = `${ch}|${soFar ? k : "x"}`;
      if (showing !== shownChannels[2]) {
        inLabel.textContent = soFar ? `∂L/∂x[${ch}] so far` : `x[${ch}]`;
        for (const [r, c, tx] of valueTexts) tx.textContent = fmt((grid || xt.data)[(ch * H + r) * Wd + c]);
      }
      outLabel.textContent = `y[${o}]`;
      shownChannels = [ch, o, showing];
      for (const el of marked) el.classList.remove("hl");
      marked = [];
      for (const [c, r, x] of window) {
        if (c !== ch) continue;
        const rect = inputCells.get(`${r},${x}`);
        if (rect) marked.push(rect);
      }
      outputCells.forEach(([rect, tx], idx) => {
        const r = Math.floor(idx / OW);
        const c = idx % OW;
        const at = firstAt.get(`${o},${r},${c}`);
        const done = at !== undefined && k >= at;
        rect.classList.toggle("done", done);
        if (tx) tx.textContent = done ? fmt(yt.data[(o * OH + r) * OW + c]) : "";
      });
      for (const [oo, r, c] of outs) if (oo === o) marked.push(outputCells[r * OW + c][0]);
      for (const el of marked) el.classList.add("hl");
    },
  };
}

function softmax({ trace, input, t }) {
  const p = trace.result.p.map(num);
  const n = p.length;
  const W = Math.max(120, n * 14);
  const svg = svgFrame(`0 0 ${W} 80`, t.picture);
  const bw = W / n;
  const target = Number(input.target) || 0;
  const bars = p.map((v, i) => {
    const height = (Number.isFinite(v) ? v : 0) * 64;
    const g = s("g", { class: i === target ? "bar target" : "bar" },
      s("rect", { x: i * bw + bw * 0.15, y: 68 - height, width: bw * 0.7, height }),
      n <= 16 ? s("text", { x: i * bw + bw / 2, y: 77, "font-size": 6, "text-anchor": "middle" }, fmt(v)) : null);
    svg.append(g);
    return g;
  });
  return {
    element: svg,
    update(k) {
      const cls = new Set(hl(trace.steps[k], "class").map((x) => x[0]));
      bars.forEach((g, i) => g.classList.toggle("active", cls.has(i)));
    },
  };
}

/**
 * One band per feature: the batch's values x on a number line with their
 * mean and ±1 standard deviation (shown from the step that computes them),
 * then x̂ (centred on 0, unit spread) and y = γ·x̂ + β on the same line.
 */
function batchnorm({ trace, input, t }) {
  const x = tensorOf(input.x);
  const [n, d] = x.shape;
  const r = trace.result;
  const [xh, y] = [tensorOf(r.x_hat).data, tensorOf(r.y).data];
  const mean = r.mean.map(num);
  const sd = r.var.map((v) => Math.sqrt(Math.max(0, num(v))));
  const steps = trace.steps;
  const firstWith = (name) => steps.findIndex((st) => (st.values || []).some((v) => v.name === name));
  const normalized = firstWith("x̂");
  const gammaGrad = firstWith("∂L/∂γ");
  // In eval mode the (running) statistics are given from the start.
  const statsAt = Array.from({ length: d }, (_, j) => {
    const k = steps.findIndex((st) => hl(st, "column").some(([c]) => c === j));
    return k < 0 ? 0 : k;
  });
  const [W, band, left, right] = [300, 34, 14, 268];
  const svg = svgFrame(`0 0 ${W} ${d * band + 4}`, t.picture);
  const bands = [];
  for (let j = 0; j < d; j++) {
    const column = (a) => Array.from({ length: n }, (_, i) => a[i * d + j]);
    const rows = [column(x.data), column(xh), column(y)];
    const extent = [...rows.flat(), 0, mean[j] - sd[j], mean[j] + sd[j]].filter(Number.isFinite);
    const [lo, hi] = [Math.min(...extent), Math.max(...extent)];
    const px = (v) => left + ((v - lo) / (hi - lo || 1)) * (right - left);
    const top = 2 + j * band;
    const rowY = [top + 8, top + 19, top + 30];
    const dots = (values, k, cls) => s("g", { class: `bn-row ${cls}` },
      s("text", { x: 2, y: rowY[k] + 2.5, "font-size": 7 }, ["x", "x̂", "y"][k]),
      values.map((v) => Number.isFinite(v) ? s("circle", { class: "bn-dot", cx: px(v), cy: rowY[k], r: 2, "data-value": v }) : null));
    const stats = s("g", { class: "bn-stats" },
      s("rect", { class: "bn-sigma", x: px(mean[j] - sd[j]), y: rowY[0] - 4, width: Math.max(0, px(mean[j] + sd[j]) - px(mean[j] - sd[j])), height: 8 }),
      s("line", { class: "bn-mean", x1: px(mean[j]), y1: rowY[0] - 5, x2: px(mean[j]), y2: rowY[0] + 5, "data-value": mean[j] }));
    const normal = s("g", {}, dots(rows[1], 1, "bn-row-xh"), dots(rows[2], 2, "bn-row-y"));
    const g = s("g", { class: "bn-band", "data-feature": j },
      s("rect", { class: "bn-bg", x: 0, y: top, width: W, height: band - 2 }),
      s("text", { x: W - 2, y: rowY[0] + 2, "font-size": 6, "text-anchor": "end", class: "bn-feature" }, `${t.feature} ${j}`),
      s("line", { class: "bn-zero", x1: px(0), y1: top + 2, x2: px(0), y2: top + band - 2 }),
      stats, dots(rows[0], 0, "bn-row-x"), normal);
    svg.append(g);
    bands.push({ g, stats, normal });
  }
  return {
    element: svg,
    update(k) {
      const active = new Set(hl(steps[k], "column").map(([c]) => c));
      bands.forEach(({ g, stats, normal }, j) => {
        g.classList.toggle("active", active.has(j));
        stats.style.display = k >= statsAt[j] ? "" : "none";
        normal.style.display = normalized >= 0 && k >= normalized ? "" : "none";
        normal.classList.toggle("active", k === normalized || k === gammaGrad);
      });
    },
  };
}

/**
 * The attention weights W as a heat map (queries down, keys across): a row
 * appears when its softmax is computed, masked cells are hatched, the row
 * being computed (forward or backward) is outlined.
 */
function attention({ trace, t }) {
  const w = tensorOf(trace.result.weights);
  const sc = tensorOf(trace.result.scores);
  const [nq, nk] = w.shape;
  const cell = Math.max(8, Math.min(34, Math.floor(260 / Math.max(nq, nk))));
  const [left, top] = [22, 16];
  const svg = svgFrame(`0 0 ${left + nk * cell + 4} ${top + nq * cell + 4}`, t.picture);
  svg.append(s("text", { x: left, y: 10, "font-size": 9 }, "W = softmax(S)"));
  const rows = [];
  for (let i = 0; i < nq; i++) {
    const g = s("g", { class: "att-row", "data-row": i });
    g.append(s("text", { x: 2, y: top + i * cell + cell / 2 + 3, "font-size": 8 }, `q${i}`));
    for (let j = 0; j < nk; j++) {
      const masked = sc.data[i * nk + j] === -Infinity;
      const v = w.data[i * nk + j];
      g.append(s("rect", { x: left + j * cell, y: top + i * cell, width: cell, height: cell,
        class: masked ? "att-cell masked" : "att-cell", "fill-opacity": masked ? null : Math.max(0.04, v), "data-w": v }));
      if (cell >= 24 && !masked) {
        g.append(s("text", { x: left + j * cell + cell / 2, y: top + i * cell + cell / 2 + 3, "font-size": 7.5,
          "text-anchor": "middle", class: v > 0.55 ? "att-text dark" : "att-text" }, fmt(v)));
      }
    }
    const outline = s("rect", { x: left - 1, y: top + i * cell, width: nk * cell + 2, height: cell, class: "att-outline" });
    g.append(outline);
    svg.append(g);
    rows.push({ g, outline });
  }
  // A row's weights exist from the step that computes them (it shows "W[i]").
  const revealed = rows.map((_, i) => trace.steps.findIndex((st) =>
    hl(st, "row").some(([r]) => r === i) && (st.values || []).some((v) => v.name === "W[i]")));
  return {
    element: svg,
    update(k) {
      const current = new Set(hl(trace.steps[k], "row").map(([r]) => r));
      rows.forEach(({ g, outline }, i) => {
        g.style.visibility = revealed[i] >= 0 && k >= revealed[i] ? "" : "hidden";
        if (current.has(i)) g.style.visibility = "";
        outline.style.display = current.has(i) ? "" : "none";
      });
    },
  };
}

const PICTURES = { iou, nms, auc, backprop, conv2d, softmax, batchnorm, attention };

/** The picture of `algo` for a trace, or null when numbers say it all. */
export function makePicture(algo, context) {
  const make = PICTURES[algo];
  return make ? make(context) : null;
}

// Small helpers shared by the widget's modules: building DOM, formatting
// numbers, the interface strings in both languages, a seeded random generator.

/** Creates an element: h("button", {type: "button", onclick: f}, "text", child…). */
export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** Creates an SVG element with attributes. */
export function s(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value !== undefined && value !== null) node.setAttribute(key, value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
}

/** JSON numbers may be "NaN", "Infinity", "-Infinity" (strings): the real value. */
export function num(v) {
  return typeof v === "string" ? Number(v) : v;
}

/** A number as shown in a cell: up to 4 significant digits, no trailing zeros. */
export function fmt(v) {
  const x = num(v);
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "∞";
  if (x === -Infinity) return "−∞";
  if (x === 0) return "0";
  const a = Math.abs(x);
  let text;
  if (a >= 1e5 || a < 1e-3) text = x.toExponential(2).replace(/\.?0+e/, "e");
  else if (Number.isInteger(x)) text = String(x);
  else text = String(Number(x.toPrecision(4)));
  return text.replace("-", "−");
}

/** Mulberry32: a small seeded generator, so "randomize with seed 7" is repeatable. */
export function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Interface strings. */
export const STRINGS = {
  zh: {
    first: "第一步", prev: "上一步", next: "下一步", last: "最后一步", play: "播放", pause: "暂停",
    speed: "速度", slider: "步骤", step: (i, n) => `第 ${i} / ${n} 步`, rust: "Rust", numpy: "NumPy",
    source: "源代码", values: "数值", picture: "图示", inputs: "输入", preset: "预设", custom: "自定义",
    randomize: "随机", seed: "种子", reset: "恢复预设", size: "尺寸", loading: "正在加载…",
    failed: "演示无法加载：", kept: "保留上一次有效输入的结果。", skipped: (n) => `（为控制大小，省略了 ${n} 个细节步骤）`,
    running: "计算中…", controls: "步进控制", showing: (r, c, R, C) => `显示 ${r}×${c}，共 ${R}×${C}`,
    channel: "通道", feature: "特征", label: "交互演示", nullable: "留空（null）表示默认值",
    backward: "跳到反向传播（B）", backwardShort: "反向 ⤓", edit: "点击修改，回车确认",
  },
  en: {
    first: "First step", prev: "Previous step", next: "Next step", last: "Last step", play: "Play", pause: "Pause",
    speed: "Speed", slider: "Step", step: (i, n) => `Step ${i} / ${n}`, rust: "Rust", numpy: "NumPy",
    source: "Source", values: "Values", picture: "Picture", inputs: "Inputs", preset: "Preset", custom: "Custom",
    randomize: "Randomize", seed: "Seed", reset: "Reset to preset", size: "Sizes", loading: "Loading…",
    failed: "The demo could not load: ", kept: "Showing the trace of the last valid input.",
    skipped: (n) => `(${n} detail steps left out to keep the trace small)`,
    running: "Computing…", controls: "Step controls", showing: (r, c, R, C) => `showing ${r}×${c} of ${R}×${C}`,
    channel: "channel", feature: "feature", label: "Interactive demo", nullable: "null means the default",
    backward: "Skip to the backward pass (B)", backwardShort: "Backward ⤓", edit: "Click to edit, Enter to apply",
  },
};

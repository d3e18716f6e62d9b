// <dlq-playground algo="conv2d" lang="zh" preset="…" step="3" hash stride="2">:
// steps through a recorded trace of one algorithm. Shadow DOM, so host-page
// CSS cannot break it; themeable through CSS custom properties (--pg-accent,
// --pg-bg, --pg-fg, --pg-muted, --pg-line, --pg-highlight, --pg-font,
// --pg-mono) and ::part(root|controls|button|sentence|source|code|values|
// value|cell|highlight|picture|inputs|error).
//
// API: `step` (attribute and property, 0-based; mirrored in `data-step`), a
// `step` event ({detail: {step, total, line, numpy_line, sentence}}), a
// `ready` event once the first trace is drawn, and the methods `first()`,
// `prev()`, `next()`, `last()`, `backward()` (the first step of the backward
// pass), `play()`, `pause()`, `setInput(object)`. Numbers of the input shown
// in the values panel can be edited in place (click, type, Enter).
// With the `hash` attribute the step is kept in the URL (#<id or algo>:<step>).
// With `loading="lazy"` it starts only when it comes within about a screen of
// the viewport; until then (and so in print) its light children show (the
// page's preview picture).

import { loadAlgorithm, runAlgorithm } from "./engine.js";
import { SourcePanel, renderValues, withElement } from "./panels.js";
import { makePicture } from "./pictures.js";
import { InputEditor } from "./inputs.js";
import { h, STRINGS } from "./util.js";

const STYLESHEET = new URL("widget.css", import.meta.url).href;
const SPEEDS = [0.5, 1, 2, 4, 8, 16];
/** Attributes that are not input fields. */
const RESERVED = new Set(["algo", "lang", "preset", "step", "hash", "id", "class", "style", "input", "open-inputs", "tabindex", "data-step", "title", "loading"]);

export class DlqPlayground extends HTMLElement {
  static get observedAttributes() { return ["step"]; }

  constructor() {
    super();
    // The light children (a preview) show until the widget starts.
    this.attachShadow({ mode: "open" }).append(document.createElement("slot"));
    this.index = 0;
    this.trace = null;
    this.playing = 0;
    this.speed = 2;
  }

  get algo() { return this.getAttribute("algo") || ""; }
  get lang() { return this.getAttribute("lang") === "en" ? "en" : "zh"; }
  get step() { return this.index; }
  set step(i) { this.go(Number(i)); }
  get total() { return this.trace ? this.trace.steps.length : 0; }

  connectedCallback() {
    if (this.started) return;
    if (this.getAttribute("loading") === "lazy" && !this.near) return this.startWhenNear();
    this.started = true;
    if (!this.hasAttribute("tabindex")) this.tabIndex = 0;
    if (!this.hasAttribute("role")) this.setAttribute("role", "group");
    this.t = STRINGS[this.lang];
    this.setAttribute("aria-label", `${this.t.label}: ${this.algo}`);
    this.status = h("p", { class: "status", part: "status" }, this.t.loading);
    // The preview stays under the status line until the widget is drawn.
    this.shadowRoot.replaceChildren(h("link", { rel: "stylesheet", href: STYLESHEET }), this.status, this.shadowRoot.querySelector("slot") || "");
    this.start().catch((err) => {
      console.error(err);
      this.status.textContent = this.t.failed + (err && err.message ? err.message : err);
      this.status.classList.add("failed");
    });
  }

  /** For `loading="lazy"`: starts once the element is within a screen height of the viewport. */
  startWhenNear() {
    if (this.nearObserver) return;
    this.nearObserver = new IntersectionObserver((entries) => {
      if (!entries.some((e) => e.isIntersecting)) return;
      this.near = true;
      this.nearObserver.disconnect();
      if (this.isConnected) this.connectedCallback();
    }, { rootMargin: "100% 0px" });
    this.nearObserver.observe(this);
  }

  attributeChangedCallback(name, _old, value) {
    if (name === "step" && this.trace && Number(value) !== this.index) this.go(Number(value));
  }

  async start() {
    this.desc = await loadAlgorithm(this.algo);
    const t = this.t;
    const preset = this.desc.presets.find((p) => p.id === this.getAttribute("preset")) || this.desc.presets[0];
    let input = structuredClone(preset.input);
    if (this.hasAttribute("input")) {
      try { input = JSON.parse(this.getAttribute("input")); } catch { /* the crate will say why */ }
    }
    let custom = false;
    for (const f of this.desc.input_schema) {
      if (this.hasAttribute(f.name) && !RESERVED.has(f.name)) {
        const raw = this.getAttribute(f.name);
        try { input[f.name] = JSON.parse(raw); } catch { input[f.name] = raw; }
        custom = true;
      }
    }
    // A changed size (stride …) makes a given upstream gradient the wrong shape.
    if (custom && this.algo === "conv2d") input.grad_out = null;

    this.editor = new InputEditor(this.desc, this.lang, t, (text) => this.apply(text));
    this.editor.load(input, custom ? "" : preset.id);
    if (this.hasAttribute("open-inputs")) this.editor.element.open = true;
    this.source = new SourcePanel(this.desc, t);
    this.buildControls();
    this.values = h("div", { class: "values-list" });
    this.pictureBox = h("section", { class: "panel picture", part: "picture", "aria-label": t.picture });
    this.sentence = h("p", { class: "sentence", part: "sentence", "aria-live": "polite" });
    this.skipped = h("p", { class: "skipped", hidden: true });
    const root = h("div", { class: "root", part: "root" },
      this.controls, this.sentence, this.skipped,
      h("div", { class: "main" },
        this.source.element,
        h("div", { class: "side" },
          this.pictureBox,
          h("section", { class: "panel values", part: "values", "aria-label": t.values }, this.values))),
      this.editor.element);
    this.addEventListener("keydown", (e) => this.onKey(e));

    const first = this.editor.text().text;
    if (!this.apply(first)) {
      // The attributes made a bad input: show the message, run the preset.
      const error = this.lastError;
      this.editor.load(structuredClone(preset.input), preset.id);
      this.apply(this.editor.text().text);
      this.editor.showError(error);
    }
    this.shadowRoot.replaceChildren(this.shadowRoot.firstChild, root);
    const wanted = this.hashStep() ?? Number(this.getAttribute("step") || 0);
    this.go(Number.isFinite(wanted) ? wanted : 0, { quiet: true });
    this.readyAt = performance.now();
    this.dataset.ready = "";
    this.dispatchEvent(new CustomEvent("ready", { bubbles: true, composed: true }));
    if (this.hasAttribute("hash")) addEventListener("hashchange", () => { const s = this.hashStep(); if (s !== null) this.go(s); });
  }

  buildControls() {
    const t = this.t;
    const button = (cls, label, text, onclick) =>
      h("button", { type: "button", class: cls, part: "button", "aria-label": label, title: label, onclick }, text);
    this.playButton = button("play", t.play, "▶", () => (this.playing ? this.pause() : this.play()));
    this.slider = h("input", { type: "range", min: "0", max: "0", value: "0", class: "slider", "aria-label": t.slider,
      oninput: (e) => this.go(Number(e.target.value)) });
    this.counter = h("span", { class: "counter", part: "counter", "aria-live": "off" });
    this.speedSelect = h("select", { class: "speed", "aria-label": t.speed, onchange: (e) => { this.speed = Number(e.target.value); } },
      SPEEDS.map((v) => h("option", { value: v, selected: v === this.speed }, `${v}×`)));
    this.controls = h("div", { class: "controls", part: "controls", role: "toolbar", "aria-label": t.controls },
      button("first", t.first, "|◀", () => this.first()),
      button("prev", t.prev, "◀", () => this.prev()),
      this.playButton,
      button("next", t.next, "▶▶", () => this.next()),
      button("last", t.last, "▶|", () => this.last()),
      this.backwardButton = button("backward", t.backward, t.backwardShort, () => this.backward()),
      this.slider, this.counter, this.speedSelect);
  }

  /** Runs the algorithm on `text`; keeps the last good trace when the input is bad. */
  apply(text) {
    const out = runAlgorithm(this.algo, text);
    if (!out.ok) {
      this.lastError = out.error;
      if (this.trace) this.editor.showError(out.error);
      this.dispatchEvent(new CustomEvent("inputerror", { detail: out.error, bubbles: true, composed: true }));
      return false;
    }
    this.editor.clearErrors();
    const input = JSON.parse(text);
    this.editor.input = input;
    this.editor.drawSizes();
    this.input = input;
    this.trace = out;
    this.picture = makePicture(this.algo, { trace: out, input, t: this.t });
    this.pictureBox.replaceChildren(...(this.picture ? [this.picture.element] : []));
    this.pictureBox.hidden = !this.picture;
    this.slider.max = String(out.steps.length - 1);
    this.backwardButton.hidden = !Number.isInteger(out.backward);
    this.skipped.hidden = !out.skipped;
    this.skipped.textContent = out.skipped ? this.t.skipped(out.skipped) : "";
    if (this.shadowRoot.querySelector(".root")) this.go(Math.min(this.index, out.steps.length - 1), { force: true });
    return true;
  }

  /** Shows step `i` (clamped). */
  go(i, { quiet = false, force = false } = {}) {
    if (!this.trace) return;
    const n = this.trace.steps.length;
    i = Math.max(0, Math.min(n - 1, Math.trunc(i) || 0));
    if (i === this.index && !force && this.drawn) return;
    this.index = i;
    this.drawn = true;
    const step = this.trace.steps[i];
    this.source.show(step);
    renderValues(this.values, this.algo, step, this.input, (field, k, x, value) => this.editValue(field, k, x, value), this.t.edit);
    if (this.picture) this.picture.update(i);
    this.sentence.textContent = step[this.lang];
    this.counter.textContent = this.t.step(i + 1, n);
    this.slider.value = String(i);
    this.slider.setAttribute("aria-valuetext", `${this.t.step(i + 1, n)}: ${step[this.lang]}`);
    this.dataset.step = String(i);
    if (this.getAttribute("step") !== String(i)) this.setAttribute("step", String(i));
    if (!quiet) this.saveHash();
    this.dispatchEvent(new CustomEvent("step", {
      bubbles: true, composed: true,
      detail: { step: i, total: n, line: step.line, numpy_line: step.numpy_line, sentence: step[this.lang] },
    }));
  }

  first() { this.go(0); }
  prev() { this.go(this.index - 1); }
  next() { this.go(this.index + 1); }
  last() { this.go(this.total - 1); }
  /** Jumps to the first step of the backward pass (when the algorithm has one). */
  backward() { if (this.trace && Number.isInteger(this.trace.backward)) this.go(this.trace.backward); }

  /**
   * An edit in a value grid: element `k` of input field `field` becomes `x`.
   * The Inputs panel shows the new input and runs it, debounced like typing.
   */
  editValue(field, k, x, value) {
    const input = structuredClone(this.input);
    input[field] = withElement(input[field], value, k, x);
    this.editor.load(input);
    this.editor.edited();
  }

  play() {
    if (!this.trace) return;
    if (this.index >= this.total - 1) this.go(0);
    this.playButton.textContent = "||";
    this.playButton.setAttribute("aria-label", this.t.pause);
    this.playButton.title = this.t.pause;
    const tick = () => {
      if (this.index >= this.total - 1) return this.pause();
      this.next();
      this.playing = setTimeout(tick, 1000 / this.speed);
    };
    this.playing = setTimeout(tick, 1000 / this.speed);
  }

  pause() {
    clearTimeout(this.playing);
    this.playing = 0;
    this.playButton.textContent = "▶";
    this.playButton.setAttribute("aria-label", this.t.play);
    this.playButton.title = this.t.play;
  }

  /** Replaces the input (an object); returns the crate's answer ({ok, error}). */
  setInput(input) {
    this.editor.load(input);
    const ok = this.apply(JSON.stringify(input));
    return ok ? { ok } : { ok, error: this.lastError };
  }

  onKey(e) {
    const inField = e.composedPath().some((el) => el instanceof HTMLElement && /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
    if (inField || e.altKey || e.ctrlKey || e.metaKey) return;
    const actions = { ArrowLeft: () => this.prev(), ArrowRight: () => this.next(), Home: () => this.first(), End: () => this.last(),
      b: () => this.backward(),
      " ": () => (this.playing ? this.pause() : this.play()) };
    const action = actions[e.key];
    if (!action) return;
    const onButton = e.composedPath()[0] instanceof HTMLButtonElement;
    if (e.key === " " && onButton) return; // the button's own click
    e.preventDefault();
    action();
  }

  hashKey() { return this.id || this.algo; }

  hashStep() {
    if (!this.hasAttribute("hash")) return null;
    const m = decodeURIComponent(location.hash.slice(1)).match(/^(.+):(\d+)$/);
    return m && m[1] === this.hashKey() ? Number(m[2]) : null;
  }

  saveHash() {
    if (!this.hasAttribute("hash")) return;
    clearTimeout(this.hashTimer);
    // Browsers limit how often history may change: write after stepping settles.
    this.hashTimer = setTimeout(() => {
      history.replaceState(history.state, "", `#${encodeURIComponent(this.hashKey())}:${this.index}`);
    }, 250);
  }
}

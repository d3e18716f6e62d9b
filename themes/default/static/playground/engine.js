// The computation side: loads playground-wasm once per page (relative to this
// file, so it works from any host page) and wraps its JSON API. The widget
// only draws what `run` recorded.

import init, { describe, run } from "./playground_wasm.js";

let ready = null;
const descriptions = new Map();

/** Loads and instantiates the WebAssembly module (once). */
export function loadEngine() {
  ready ??= init();
  return ready;
}

/**
 * The description of one algorithm: defaults, presets, input schema and the
 * shown source texts. Newer bundles keep the texts out of the module, in
 * `sources/<algo>.json` next to it; they are fetched and merged in.
 */
export function loadAlgorithm(algo) {
  if (!descriptions.has(algo)) {
    descriptions.set(algo, (async () => {
      await loadEngine();
      const desc = JSON.parse(describe(algo));
      if (desc.ok === false) throw new Error(desc.error.en);
      if (typeof desc.rust_source !== "string") {
        const url = new URL(`sources/${encodeURIComponent(algo)}.json`, import.meta.url);
        const response = await fetch(url);
        if (!response.ok) throw new Error(`${url}: ${response.status}`);
        Object.assign(desc, await response.json());
      }
      return desc;
    })());
  }
  return descriptions.get(algo);
}

/** Runs `algo` on an input given as JSON text: `{ok, steps, skipped, result}` or `{ok: false, error}`. */
export function runAlgorithm(algo, inputText) {
  return JSON.parse(run(algo, inputText));
}

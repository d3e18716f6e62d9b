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
 * The description of one algorithm: defaults, presets, input schema, and the
 * shown source texts, which are data next to the module
 * (`sources/<algo>.json`), fetched while the module compiles.
 */
export function loadAlgorithm(algo) {
  if (!descriptions.has(algo)) {
    const url = new URL(`sources/${encodeURIComponent(algo)}.json`, import.meta.url);
    const texts = fetch(url).then((response) => {
      if (!response.ok) throw new Error(`${url}: ${response.status}`);
      return response.json();
    });
    texts.catch(() => {}); // an unknown algo fails in describe() first
    descriptions.set(algo, (async () => {
      await loadEngine();
      const desc = JSON.parse(describe(algo));
      if (desc.ok === false) throw new Error(desc.error.en);
      return Object.assign(desc, await texts);
    })());
  }
  return descriptions.get(algo);
}

/** Runs `algo` on an input given as JSON text: `{ok, steps, skipped, result}` or `{ok: false, error}`. */
export function runAlgorithm(algo, inputText) {
  return JSON.parse(run(algo, inputText));
}

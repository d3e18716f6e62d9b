//! The browser's entry points (wasm-bindgen): thin wrappers over [`crate::api`],
//! strings in and out. A panic should be unreachable (every input is
//! validated); if one happens anyway, the hook reports it on the console
//! before the module traps, instead of failing silently.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console)]
    fn error(message: &str);
}

#[wasm_bindgen(start)]
fn start() {
    std::panic::set_hook(Box::new(|info| {
        error(&format!("playground-wasm panicked (please report): {info}"));
    }));
}

/// JSON list of `{id, title_zh, title_en, summary_zh, summary_en}`.
#[wasm_bindgen]
pub fn algorithms() -> String {
    crate::api::algorithms()
}

/// JSON description of one algorithm (source, NumPy, defaults, presets, schema).
#[wasm_bindgen]
pub fn describe(algo: &str) -> String {
    crate::api::describe(algo)
}

/// Runs one algorithm: `{ok: true, steps, skipped, result}` or `{ok: false, error}`.
#[wasm_bindgen]
pub fn run(algo: &str, input_json: &str) -> String {
    crate::api::run(algo, input_json)
}

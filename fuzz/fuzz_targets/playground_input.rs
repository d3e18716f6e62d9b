//! Any JSON-ish input to every playground algorithm: the crate must answer
//! with a result or an input error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Some((&which, input)) = bytes.split_first() else {
        return;
    };
    let ids = ["backprop", "softmax", "conv2d", "iou", "nms", "auc", "batchnorm"];
    let id = ids[usize::from(which) % ids.len()];
    let _ = playground_wasm::api::run(id, &String::from_utf8_lossy(input));
});

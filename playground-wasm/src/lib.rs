//! Reference implementations of the algorithms interviewers ask candidates to
//! hand-write, each of which records a step-by-step trace.
//!
//! The design follows Python Tutor: the computation runs once and emits a
//! trace (the source line that ran, a sentence in Chinese and English, the
//! named values at that point, what to highlight); the page only draws it.
//!
//! * [`algo`]: the algorithms, plain functions on small dense row-major
//!   arrays, generic over a [`trace::Recorder`]. With [`trace::NoTrace`] the
//!   step-building code is compiled away: that is what the unit tests and the
//!   benchmark call. With [`trace::Trace`] the same code records its steps.
//! * [`trace`]: steps, values, highlights, recorders and the `step!` macro.
//! * [`api`]: the JSON layer the widget uses (`algorithms`, `describe`,
//!   `run`): input parsing and validation, the source text the trace refers
//!   to, the matching NumPy version, defaults and presets.
//! * `wasm` (wasm32 only): thin wasm-bindgen wrappers over [`api`].
//!
//! Deliberately not here: drawing (the widget does it), any framework, and
//! any panic reachable from input: every input is validated first and a bad
//! one becomes a message in both languages ([`InputError`]).

#[macro_use]
pub mod trace;
pub mod algo;
pub mod api;
pub mod json;

#[cfg(target_arch = "wasm32")]
mod wasm;

pub use trace::{InputError, NoTrace, Recorder, Trace};

//! Reference implementations that record a step-by-step trace.

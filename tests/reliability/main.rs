//! Reliability under hostile conditions: panics in user code, randomized
//! storms of cancellations and failures, and several executors.

#[path = "../support/mod.rs"]
mod support;

mod matrix;
mod panic_safety;
mod stress;

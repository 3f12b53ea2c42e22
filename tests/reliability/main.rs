//! Reliability under hostile conditions: panics in user code, randomized
//! storms of cancellations and failures, and several executors.

#[path = "../group/support.rs"]
#[allow(dead_code)]
mod support;

mod matrix;
mod panic_safety;
mod stress;

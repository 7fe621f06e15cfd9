//! The hostile suite's linear-time budget tests (see hostile/linear.rs).

#[path = "hostile/linear.rs"]
mod linear;

//! Findings about o11ylint's own inputs: suppressions, unreadable files.

pub mod complexity_budget;
pub mod internal_error;
pub mod suppression_without_reason;
pub mod unreadable_file;
pub mod unused_suppression;

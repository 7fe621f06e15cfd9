//! Every alert links a runbook that exists; no runbook is orphaned.

pub mod runbook_fix;
pub mod runbook_link;

//! Severity vocabulary and consistency with where an alert is declared.

pub mod severity_vocabulary;

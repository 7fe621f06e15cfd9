//! o11ylint: an observability-as-code policy linter and generator.
//!
//! Data flow: walk → read once → classify → parse (spans kept) → rules per
//! file in parallel → repository-wide rules → suppressions → sorted output.
//!
//! The modules are layers, lowest first; each uses only the ones before it
//! (`tests/layers.rs` fails on an import against this order):
//!
//! | layer | what |
//! |---|---|
//! | `source` | files, spans, line index, the guarded reader and the walkers, paths, did-you-mean |
//! | `syntax` | parsers that keep positions: YAML, JSON, PromQL, LogQL, Alloy, Go templates, Grafana variables, durations; JSON Schema validation |
//! | `diag` | the diagnostic model (findings, severities, edits) and the rule catalogue's types |
//! | `policy` | configuration: the merged policy and its lookups |
//! | `contracts` | the contract sources, and the generator that compiles them in memory and compares with `generated/` |
//! | `artifact` | models of what a file is: rule files, dashboards, contracts, Alloy |
//! | `analysis` | what rules share: query semantics, log-stream classification, Alloy flow, the facts each file contributes, and the repository index (`RepoIndex`, the only way rules learn about other files) |
//! | `rules` | the rule trait and hooks, the registry, one file per rule |
//! | `suppress` | inline and scoped suppressions, and the findings about them |
//! | `engine` | running the rules over files and the repository |
//! | `outputs` | renderers, fixes, writing `generated/`, the language server, live validation |
//! | `cli` | the command line |

pub mod analysis;
pub mod artifact;
pub mod cli;
pub mod contracts;
pub mod diag;
pub mod engine;
pub mod outputs;
pub mod policy;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod syntax;

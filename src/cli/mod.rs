//! Command-line interface. Exit codes: 0 clean, 1 findings at or above
//! `--fail-on`, 2 usage, configuration or I/O error.

mod changed;
mod check;
mod debug;
mod explain;
mod fixes;
mod generate;
mod init;
mod server;
mod validate;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

#[derive(Parser, Debug)]
#[command(name = "o11ylint", version, about = "Observability-as-code policy linter and generator", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// rustc-style, with source snippets
    Human,
    /// one JSON document (docs/json-format.md)
    Json,
    /// one line per finding: path:line:col: severity[CODE name] message
    Concise,
    /// GitHub Actions workflow commands
    Github,
    /// SARIF 2.1.0 (code scanning)
    Sarif,
    /// Checkstyle XML
    Checkstyle,
    /// GitLab Code Quality JSON
    Gitlab,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(clap::Args, Debug, Clone)]
pub struct CheckArgs {
    /// Files or directories (default: the repository root found from the current directory)
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Colours in human output (NO_COLOR is honoured with `auto`)
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Lowest severity that makes the exit code 1
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,
    /// Extra policy file merged over the default and the repository's o11ylint.yaml
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Worker threads (default: one per core)
    #[arg(long)]
    pub threads: Option<usize>,
    /// Say what each file was recognised as, or why it was skipped
    #[arg(long, short)]
    pub verbose: bool,
    /// Also lint hidden and git-ignored paths
    #[arg(long)]
    pub no_ignore: bool,
    /// Largest file linted, in bytes
    #[arg(long, default_value_t = crate::source::walk::DEFAULT_MAX_FILE_BYTES)]
    pub max_file_size: u64,
    /// Repository root (default: nearest ancestor with .git or o11ylint.yaml)
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// Read the file to lint from standard input
    #[arg(long)]
    pub stdin: bool,
    /// With --stdin: the path the buffer is linted as
    #[arg(long, requires = "stdin")]
    pub stdin_filename: Option<PathBuf>,
    /// Write the report in --format to FILE; the terminal still gets the human view
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Apply safe mechanical fixes in place and say what changed
    #[arg(long, conflicts_with_all = ["stdin", "diff"])]
    pub fix: bool,
    /// With --fix or --diff: also apply unsafe fixes (guesses, or changes of
    /// meaning to review)
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Show the fixes as a unified diff without writing anything
    #[arg(long, conflicts_with = "stdin")]
    pub diff: bool,
    /// Apply the policy's `exclude` to files named on the command line and to
    /// --stdin-filename too (for hooks and editors that pass every file)
    #[arg(long)]
    pub force_exclude: bool,
    /// Report only files changed since git REF (and untracked files); the
    /// whole repository is still read for cross-file rules
    #[arg(long, value_name = "REF", conflicts_with = "stdin")]
    pub changed_since: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Lint files and directories
    Check(CheckArgs),
    /// Inspect a repository and write an o11ylint.yaml that fits it
    Init(init::InitArgs),
    /// List every rule
    Rules {
        /// Print as JSON
        #[arg(long)]
        json: bool,
        /// Print the Markdown table of rules/README.md
        #[arg(long, conflicts_with = "json")]
        markdown: bool,
    },
    /// Print a rule's page
    Explain {
        /// Rule name or code (e.g. forbidden-label or OL200)
        rule: String,
    },
    /// Generate Prometheus, PrometheusRule, Loki and Grafana artifacts from contracts
    Generate(generate::GenerateArgs),
    /// Print or write the JSON Schemas of contracts and the policy (for editors)
    Schema {
        /// metrics, alerts, streams, dashboards or policy
        kind: Option<String>,
        /// Write every schema into this directory
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Language server over standard input/output (for editors)
    Server,
    /// Run every dashboard, alert and recording-rule query against live
    /// Prometheus and Loki backends (docs/live-validation.md)
    ValidateQueries(validate::ValidateArgs),
    /// Developer tools (differential testing)
    #[command(hide = true)]
    Debug {
        #[command(subcommand)]
        what: debug::DebugCommand,
    },
}

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
            let _ = e.print();
            return code;
        }
    };
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Init(args) => init::run(&args),
        Command::Server => server::run(),
        Command::ValidateQueries(args) => validate::run(&args),
        Command::Rules { json, markdown } => explain::list(json, markdown),
        Command::Explain { rule } => explain::explain(&rule),
        Command::Generate(args) => generate::run(&args),
        Command::Schema { kind, out } => generate::schema(kind.as_deref(), out.as_deref()),
        Command::Debug { what } => debug::run(what),
    }
}

//! `o11ylint check`.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use super::{CheckArgs, ColorChoice, FailOn, Format, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};
use crate::diag::{Diagnostic, Label, Severity, Summary};
use crate::engine::{self, Options, Outcome};
use crate::outputs::render;
use crate::policy::{find_root, Policy, PolicyError};
use crate::source::SourceFile;

pub fn use_color(choice: ColorChoice, stream_is_tty: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            stream_is_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// The repository root of `generate` and `validate-queries` (`--root`,
/// else the nearest one above the working directory) and its policy;
/// `None` once the policy's errors are printed.
pub fn root_and_policy(root: Option<&Path>, policy: Option<&Path>) -> Option<(PathBuf, Policy)> {
    let root = match root {
        Some(r) => std::fs::canonicalize(r).unwrap_or_else(|_| r.to_path_buf()),
        None => find_root(Path::new(".")),
    };
    match Policy::discover(&root, policy, crate::rules::catalog()) {
        Ok(p) => Some((root, p)),
        Err(errors) => {
            print_policy_errors(&errors, false);
            None
        }
    }
}

/// Render policy errors as diagnostics (they are configuration errors: exit 2).
pub fn print_policy_errors(errors: &[PolicyError], color: bool) {
    for e in errors {
        let file = SourceFile::new(e.file.clone(), PathBuf::from(&e.file), e.text.clone());
        let d = Diagnostic {
            code: "config",
            name: "invalid-policy",
            severity: Severity::Error,
            message: e.message.clone(),
            help: e.help.clone(),
            primary: Label::new(&file, e.span.clone(), ""),
            related: Vec::new(),
            fix: None,
            suppressed: None,
            rendered: None,
        };
        if e.text.is_empty() {
            eprintln!("error: {}: {}", e.file, e.message);
        } else {
            eprint!("{}", render::human::render(&d, color));
        }
    }
}

fn root_for(args: &CheckArgs) -> PathBuf {
    if let Some(r) = &args.root {
        return std::fs::canonicalize(r).unwrap_or_else(|_| r.clone());
    }
    let start = args
        .stdin_filename
        .as_deref()
        .and_then(Path::parent)
        .filter(|p| p.exists())
        .or_else(|| args.paths.first().map(PathBuf::as_path))
        .map(|p| {
            if p.is_file() {
                p.parent().unwrap_or(Path::new("."))
            } else {
                p
            }
        })
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let start = if start.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        start
    };
    find_root(&start)
}

pub fn run(args: &CheckArgs) -> i32 {
    let color = use_color(args.color, std::io::stdout().is_terminal());
    let err_color = use_color(args.color, std::io::stderr().is_terminal());
    let root = root_for(args);
    let policy = match Policy::discover(&root, args.policy.as_deref(), crate::rules::catalog()) {
        Ok(p) => p,
        Err(errors) => {
            print_policy_errors(&errors, err_color);
            return EXIT_ERROR;
        }
    };
    for p in &args.paths {
        if !p.exists() && !args.stdin {
            eprintln!("error: {}: no such file or directory", p.display());
            return EXIT_ERROR;
        }
    }
    if args.fix || args.diff {
        return super::fixes::run(args, &root, &policy, color);
    }
    let outcome = match lint(args, &root, &policy) {
        Ok(o) => o,
        Err(code) => return code,
    };
    report(args, &outcome, &root, color)
}

/// Lint what `args` name (files, directories, `--stdin`, `--changed-since`).
/// `Err` carries the exit code after the error was printed.
pub fn lint(args: &CheckArgs, root: &Path, policy: &Policy) -> Result<Outcome, i32> {
    let excluded =
        |p: &Path| args.force_exclude && policy.is_excluded(&crate::source::rel_of(root, p));
    let outcome = if args.stdin {
        // `--max-file-size` applies to standard input as to files
        let mut bytes = Vec::new();
        let limit = args.max_file_size;
        if std::io::stdin()
            .take(limit.saturating_add(1))
            .read_to_end(&mut bytes)
            .is_err()
        {
            eprintln!("error: cannot read standard input");
            return Err(EXIT_ERROR);
        }
        if bytes.len() as u64 > limit {
            eprintln!(
                "error: standard input is over the {limit}-byte limit (--max-file-size); not linted"
            );
            return Err(EXIT_ERROR);
        }
        let Ok(text) = String::from_utf8(bytes) else {
            eprintln!("error: standard input is not valid UTF-8 text");
            return Err(EXIT_ERROR);
        };
        let name = args
            .stdin_filename
            .clone()
            .unwrap_or_else(|| PathBuf::from("stdin.yaml"));
        let abs = if name.is_absolute() {
            name.clone()
        } else {
            std::env::current_dir().unwrap_or_default().join(&name)
        };
        if excluded(&abs) {
            return Ok(Outcome::default());
        }
        let rel = crate::source::rel_of(root, &abs);
        engine::lint_buffer(text, &rel, root, policy)
    } else {
        let paths: Vec<PathBuf> = args
            .paths
            .iter()
            .filter(|p| !excluded(p))
            .cloned()
            .collect();
        if paths.is_empty() && !args.paths.is_empty() {
            // every path named is excluded: nothing to lint (not the whole
            // repository, which an empty list would mean)
            return Ok(Outcome::default());
        }
        let mut opts = Options::new(root.to_path_buf(), paths);
        opts.threads = args.threads;
        opts.max_file_bytes = args.max_file_size;
        opts.respect_ignore = !args.no_ignore;
        // Release each file's text once its findings are rendered (fixes
        // still need the text, so not with --fix/--diff).
        opts.detach = !(args.fix || args.diff);
        if args.format == Format::Human || args.output.is_some() {
            opts.prerender = Some((
                render::human::render,
                use_color(args.color, std::io::stdout().is_terminal()),
            ));
        }
        if let Some(git_ref) = &args.changed_since {
            match super::changed::changed_files(root, git_ref) {
                Ok(set) => {
                    if args.verbose {
                        eprintln!("{} file(s) changed since {git_ref}", set.len());
                    }
                    opts.report_only = Some(set);
                }
                Err(e) => {
                    eprintln!("error: --changed-since {git_ref}: {e}");
                    return Err(EXIT_ERROR);
                }
            }
        }
        engine::run(&opts, policy)
    };
    if args.verbose {
        for n in &outcome.notes {
            // file names are user-controlled: escaped, also for
            // `--format github` (the runner reads commands from stderr)
            eprintln!("{}", crate::diag::escape::text(n));
        }
    }
    Ok(outcome)
}

/// Write the report: `--format` to standard output, or with `--output FILE`
/// `--format` to FILE and the human view to standard output. Returns the
/// exit code.
pub fn report(args: &CheckArgs, outcome: &Outcome, root: &Path, color: bool) -> i32 {
    let mut stdout = std::io::stdout().lock();
    if let Some(path) = &args.output {
        let mut buf = Vec::new();
        let _ = write_report(&mut buf, args.format, outcome, root, false);
        // never through a symbolic link (a pull request can commit one
        // where CI writes its report), and a relative path stays below the
        // working directory
        let cwd = std::env::current_dir().ok();
        let within = if path.is_relative() {
            cwd.as_deref()
        } else {
            None
        };
        if let Err(e) = crate::source::guard::write_atomic(path, &buf, within, None) {
            eprintln!(
                "error: cannot write {}: {e}",
                crate::diag::escape::path(path)
            );
            return EXIT_ERROR;
        }
        if write_report(&mut stdout, Format::Human, outcome, root, color).is_err() {
            return EXIT_ERROR;
        }
    } else if write_report(&mut stdout, args.format, outcome, root, color).is_err() {
        return EXIT_ERROR;
    }
    exit_code(&outcome.summary, &outcome.diagnostics, args.fail_on)
}

/// Render `o` in `format`. `root` is the repository root (SARIF records it
/// as the base of every path).
pub fn write_report(
    out: &mut dyn Write,
    format: Format,
    o: &Outcome,
    root: &Path,
    color: bool,
) -> std::io::Result<()> {
    match format {
        Format::Human => render::human::write_all(
            out,
            &o.diagnostics,
            &o.summary,
            color,
            std::fs::symlink_metadata(root.join(crate::policy::REPO_POLICY_FILE)).is_ok(),
        ),
        Format::Json => out.write_all(render::json::render(&o.diagnostics, &o.summary).as_bytes()),
        Format::Concise => render::concise::write_all(out, &o.diagnostics),
        Format::Github => render::github::write_all(out, &o.diagnostics),
        Format::Sarif => out.write_all(render::sarif::render(&o.diagnostics, root).as_bytes()),
        Format::Checkstyle => render::checkstyle::write_all(out, &o.diagnostics),
        Format::Gitlab => out.write_all(render::gitlab::render(&o.diagnostics).as_bytes()),
    }
}

pub fn exit_code(_summary: &Summary, diags: &[Diagnostic], fail_on: FailOn) -> i32 {
    let threshold = match fail_on {
        FailOn::Never => return EXIT_OK,
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    };
    if diags
        .iter()
        .any(|d| d.suppressed.is_none() && d.severity >= threshold)
    {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

//! The `stridegate` command line: a thin shell over the library that turns results into exit
//! codes (0 clean, 1 findings, 2 usage/config error, 3 scan incomplete).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use stridegate::engine::Engine;
use stridegate::report::{self, RepoPaths, Sources};
use stridegate::rules::meta::Severity;
use stridegate::rules::{RuleError, RuleSet};
use stridegate::scan::{ExitStatus, ScanOptions, scan};

#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "stridegate", version, about = "Infrastructure-as-code policy linter with findings mapped to STRIDE", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan a directory or file and report findings.
    Scan(Box<ScanArgs>),
    /// Scan, then list every suppression (comments, annotations, configuration) with its
    /// rules, reason, expiry and status. Exits 1 when one is unused, expired, lacks a reason,
    /// names an unknown rule or is malformed; 0 otherwise.
    Suppressions(Box<ScanArgs>),
    /// List every rule with its id, severity, STRIDE categories and title.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
        /// Also load rules from this directory.
        #[arg(long = "rules", value_name = "DIR")]
        rules: Vec<PathBuf>,
    },
    /// Threat models: check one against the infrastructure code, print the format's schema.
    #[command(subcommand, name = "threat-model")]
    ThreatModel(ThreatModelCommand),
    /// Helm charts as the scanner sees them.
    #[command(subcommand)]
    Helm(HelmCommand),
    /// Merge the SARIF outputs of `scan --shard K/N` runs into one log equal to a full run's.
    Merge {
        /// SARIF files to merge.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Write the merged log to this file instead of stdout.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Write a commented default configuration file (stridegate.toml).
    Init {
        /// Where to write it.
        #[arg(long, short = 'o', value_name = "FILE", default_value = "stridegate.toml")]
        output: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
        /// Print the configuration reference (docs/configuration.md) instead.
        #[arg(long, hide = true)]
        reference: bool,
    },
    /// Show a rule's documentation with failing and passing examples.
    Explain {
        /// Rule id (K8S-0002), name (privileged-container) or the id of a peer check it mirrors
        /// (CKV_K8S_16, trivy:KSV-0017; case-insensitive).
        rule: String,
        /// Also load rules from this directory.
        #[arg(long = "rules", value_name = "DIR")]
        rules: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum HelmCommand {
    /// Render a chart like `helm template` (offline, with the built-in renderer) and print each
    /// template's documents as JSON: `{"chart", "ok", "error", "templates": {name: [docs]}}`.
    Render(Box<HelmRenderArgs>),
}

#[derive(clap::Args)]
struct HelmRenderArgs {
    /// The chart directory (holding Chart.yaml).
    chart: PathBuf,
    /// Values files, applied in order (`helm template -f`).
    #[arg(long = "values", short = 'f', value_name = "FILE")]
    values: Vec<PathBuf>,
    /// Values as `key=value` (`helm template --set`).
    #[arg(long = "set", value_name = "K=V")]
    set: Vec<String>,
    /// String values as `key=value` (`helm template --set-string`).
    #[arg(long = "set-string", value_name = "K=V")]
    set_string: Vec<String>,
    /// `.Capabilities.KubeVersion`.
    #[arg(long = "kube-version", default_value = "v1.30.0")]
    kube_version: String,
    /// `.Release.Namespace`.
    #[arg(long, default_value = "default")]
    namespace: String,
    /// `.Release.Name`.
    #[arg(long = "release-name", default_value = "release-name")]
    release_name: String,
    /// Reads stay inside this directory (dependencies, values files); default: the chart's
    /// parent directory.
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Output format (JSON only).
    #[arg(long, value_enum, default_value_t = HelmRenderFormat::Json)]
    format: HelmRenderFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum HelmRenderFormat {
    Json,
}

#[derive(Subcommand)]
enum ThreatModelCommand {
    /// Check a threat model against infrastructure code: each mitigation verified, violated,
    /// unverifiable or attested; drift and STRIDE-per-element gaps.
    Check(Box<CheckArgs>),
    /// The same check as a report: Markdown for GitHub (the default), HTML, SARIF or JSON.
    Report(Box<CheckArgs>),
    /// Import a threat model written in Markdown (tables, numbered data flow, STRIDE sections
    /// with "Mitigation:" bullets) into the YAML format.
    Import {
        /// The Markdown threat model.
        file: PathBuf,
        /// The infrastructure code it covers: bindings are kept only when they match resources
        /// found there, and it becomes the model's `scope`.
        #[arg(long, value_name = "PATH")]
        scope: Option<PathBuf>,
        /// The system's name (default: the file's name).
        #[arg(long, value_name = "NAME")]
        system: Option<String>,
        /// Write the model to this file (refuses to overwrite one) instead of stdout.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Draft a threat model from the infrastructure code alone.
    Init {
        /// Infrastructure code to model.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// The system's name.
        #[arg(long, value_name = "NAME")]
        system: Option<String>,
        /// Write the draft to this file (refuses to overwrite one) instead of stdout.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Print the JSON Schema of the threat-model format.
    Schema,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CheckFormat {
    Terminal,
    Json,
    #[value(alias = "md")]
    Markdown,
    Sarif,
    Html,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// The threat model (YAML).
    model: PathBuf,
    /// Infrastructure code to check (default: the model's `scope`, relative to the model file).
    path: Option<PathBuf>,
    /// Output format (default: terminal for `check`, markdown for `report`).
    #[arg(long, short = 'f', value_enum)]
    format: Option<CheckFormat>,
    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Also exit with 1 when drift is found (unbound resources, undeclared exposure...).
    #[arg(long)]
    fail_on_drift: bool,
    /// Also list the checks that passed.
    #[arg(long, short = 'v')]
    verbose: bool,
    /// Judge attestation ages as of this date (YYYY-MM-DD) instead of today, for reproducible
    /// reports.
    #[arg(long, value_name = "DATE", value_parser = parse_date_arg)]
    as_of: Option<i64>,
    /// Also load rules from this directory.
    #[arg(long = "rules", value_name = "DIR")]
    rules: Vec<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum RulesFormat {
    Table,
    Json,
    Markdown,
    /// The README's per-family summary (scripts/gen-docs.sh).
    #[value(hide = true)]
    Readme,
}

/// `scan --format`: the report formats (kept out of the `report` module, which knows nothing
/// of the command line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Human-readable text with source snippets.
    Terminal,
    /// stridegate's JSON document.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
    /// JUnit XML (one test case per rule and resource).
    Junit,
    /// GitHub Actions workflow annotations.
    Github,
    /// Markdown for a pull-request comment.
    #[value(alias = "md")]
    Markdown,
    /// GitLab SAST report (schema 15).
    Gitlab,
}

/// One `--format FORMAT[=FILE]`.
#[derive(Debug, Clone)]
struct OutputSpec {
    format: Format,
    file: Option<PathBuf>,
}

fn parse_output_spec(s: &str) -> Result<OutputSpec, String> {
    let (name, file) = match s.split_once('=') {
        Some((name, "")) => return Err(format!("`{name}=`: give a file after `=`")),
        Some((name, file)) => (name, Some(PathBuf::from(file))),
        None => (s, None),
    };
    let format = Format::from_str(name, true).map_err(|_| {
        let names: Vec<String> =
            Format::value_variants().iter().filter_map(|v| v.to_possible_value()).map(|v| v.get_name().to_string()).collect();
        format!("`{name}` is not one of {}", names.join(", "))
    })?;
    Ok(OutputSpec { format, file })
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args)]
struct ScanArgs {
    /// Directories or files to scan (default: the current directory). Several paths are one
    /// scan, shown relative to their deepest common directory (what a pre-commit hook passes).
    paths: Vec<PathBuf>,
    /// Output format, `FORMAT` (to stdout) or `FORMAT=FILE` (repeatable): terminal, json,
    /// sarif, junit, github, markdown, gitlab. When every format goes to a file, the terminal
    /// report is still shown on stdout.
    #[arg(long, short = 'f', value_name = "FORMAT[=FILE]", value_parser = parse_output_spec)]
    format: Vec<OutputSpec>,
    /// Write the report (one format) to this file instead of stdout; stdout stays empty and
    /// the errors and summary go to stderr.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Terminal: one line per finding (`path:line:col: SEVERITY RULE-ID message [resource]`).
    #[arg(long)]
    compact: bool,
    /// Terminal: only errors and the summary, nothing when the scan is clean and complete.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Write the findings' logical identities to this baseline file (sorted JSON lines).
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Findings held in this baseline file are reported as `baseline` and never fail the gate.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Exit with 3 when analysis coverage (analyzed files / files that should have been,
    /// plus parts not analyzed) is below this percentage.
    #[arg(long, value_name = "PERCENT", value_parser = stridegate::gate::parse_percent)]
    min_coverage: Option<f64>,
    /// SARIF, GitHub, JUnit, GitLab and Markdown paths are relative to this directory
    /// (default: the git repository holding the scanned path, else the scanned path).
    #[arg(long, alias = "repo-root", value_name = "DIR")]
    sarif_root: Option<PathBuf>,
    /// SARIF `automationDetails.id` (default: `stridegate/<scanned path in the repository>/`).
    #[arg(long, value_name = "NAME")]
    sarif_category: Option<String>,
    /// Exit with 1 when a finding has at least this severity (low, medium, high, critical), or
    /// `none` to report only: findings never fail, an incomplete scan still exits 3.
    /// Default: `fail-on` of the configuration file, else low.
    #[arg(long, value_name = "SEVERITY", value_parser = parse_fail_on)]
    fail_on: Option<FailOn>,
    /// Read this configuration file instead of the stridegate.toml or .stridegate.toml found
    /// from the first scanned path up to the repository root.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    config: Option<PathBuf>,
    /// Ignore configuration files.
    #[arg(long)]
    no_config: bool,
    /// Skip paths matching this glob (gitignore syntax; repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Do not honour .gitignore, .ignore and .stridegateignore files.
    #[arg(long)]
    no_ignore: bool,
    /// Load additional rules from this directory (same layout as the built-in rules/).
    #[arg(long = "rules", value_name = "DIR")]
    rules: Vec<PathBuf>,
    /// Run only these rules (ids, names, families like K8S or STRIDE categories,
    /// comma-separated; extends `[rules] select` of the configuration file).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    select: Vec<String>,
    /// Do not run these rules (ids, names, families or STRIDE categories, comma-separated;
    /// extends `[rules] ignore`).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    skip: Vec<String>,
    /// Also run rules whose status is `preview` (new rules whose behaviour may still change).
    #[arg(long)]
    preview: bool,
    /// Worker threads (default: all cores; at most 4 per core).
    #[arg(long, short = 'j', default_value_t = 0)]
    threads: usize,
    /// Stop after this long (e.g. 90s, 10m): what is not analyzed by then is reported and the
    /// scan is incomplete (exit 3).
    #[arg(long, value_name = "DURATION", value_parser = parse_timeout)]
    timeout: Option<Duration>,
    /// Change an analysis limit, `NAME=VALUE` (repeatable): eval-depth, value-elements,
    /// value-bytes, block-instances, instances, module-evaluations, module-depth,
    /// module-instances, rule-time, unit-time. Reaching a limit is reported and makes the scan
    /// incomplete (exit 3).
    #[arg(long = "limit", value_name = "NAME=VALUE")]
    limits: Vec<String>,
    /// Largest file to read, in bytes (suffixes K, M, G allowed).
    #[arg(long, value_name = "SIZE", default_value = "8M", value_parser = parse_size)]
    max_file_size: u64,
    /// Also list skipped files and why.
    #[arg(long, short = 'v')]
    verbose: bool,
    /// Colour in terminal output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Never show the progress indicator.
    #[arg(long)]
    no_progress: bool,
    /// Terraform: load variable values from this .tfvars file (repeatable, applied in order).
    #[arg(long, value_name = "FILE")]
    var_file: Vec<PathBuf>,
    /// Terraform: set a variable, `name=value` (repeatable; applied after --var-file).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    /// Terraform: also read TF_VAR_* environment variables.
    #[arg(long)]
    tf_env: bool,
    /// Helm: values file for every chart, applied after the chart's defaults (repeatable, in
    /// order, like `helm template -f`).
    #[arg(long = "helm-values", value_name = "FILE")]
    helm_values: Vec<PathBuf>,
    /// Helm: set a value for every chart, `key=value` with `helm --set` syntax (repeatable).
    #[arg(long = "helm-set", value_name = "K=V")]
    helm_set: Vec<String>,
    /// Helm: set a string value for every chart, like `helm --set-string` (repeatable).
    #[arg(long = "helm-set-string", value_name = "K=V")]
    helm_set_string: Vec<String>,
    /// Helm: the Kubernetes version charts see in `.Capabilities.KubeVersion`.
    #[arg(long = "kube-version", value_name = "VERSION", default_value = "v1.30.0")]
    kube_version: String,
    /// Audit: ignore every suppression (comments, annotations, configuration), so every
    /// finding is active.
    #[arg(long)]
    no_suppressions: bool,
    /// Changed-files mode (pre-commit): analyze the repository's units that these files belong
    /// to and report only findings in (or related to) them; PATHS are not used. Implied by
    /// --changed-since.
    #[arg(long, value_name = "FILE", num_args = 0.., conflicts_with = "changed_since")]
    changed: Option<Vec<PathBuf>>,
    /// Changed-files mode for the files changed since this git revision (branch, tag, commit),
    /// committed or not; PATHS restrict which of them are reported on.
    #[arg(long, value_name = "REF")]
    changed_since: Option<String>,
    /// Analyze and report only this shard's units (`K/N`, e.g. 2/4), for parallel CI jobs;
    /// combine the SARIF outputs with `stridegate merge`.
    #[arg(long, value_name = "K/N", value_parser = stridegate::scan::units::Shard::parse, conflicts_with_all = ["changed", "changed_since"])]
    shard: Option<stridegate::scan::units::Shard>,
    /// Use the incremental cache even when stderr is not a terminal (it is on by default in a
    /// terminal): units whose inputs, rules and options are unchanged are not analyzed again.
    #[arg(long, conflicts_with = "no_cache")]
    cache: bool,
    /// Keep the cache in this directory instead of `.stridegate/cache` under the scanned
    /// directory (implies --cache).
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    cache_dir: Option<PathBuf>,
    /// Neither read nor write the cache.
    #[arg(long)]
    no_cache: bool,
    /// After the report, print on stderr the wall time of each stage (discover, plan, parse,
    /// evaluate, finish, suppress, report) and the 20 costliest rules (CPU time) with their calls;
    /// `--timings=FILE` writes the same as JSON to FILE instead. Rego rules are then evaluated
    /// one by one (not together per resource kind) so that time can be attributed to each rule:
    /// on each resource the shared Rego libraries its rules use are computed first (listed apart)
    /// and each rule then reuses them, so a rule's time is what it adds. This makes the scan
    /// slower; units restored from the cache cost nothing (use --no-cache).
    #[arg(long, value_name = "FILE", num_args = 0..=1, require_equals = true)]
    timings: Option<Option<PathBuf>>,
}

/// `--fail-on`: a severity threshold, or none (report only).
#[derive(Clone, Copy)]
struct FailOn(Option<Severity>);

fn parse_fail_on(s: &str) -> Result<FailOn, String> {
    if s.eq_ignore_ascii_case("none") {
        return Ok(FailOn(None));
    }
    Severity::parse(s).map(|v| FailOn(Some(v))).ok_or_else(|| format!("`{s}` is not one of none, low, medium, high, critical"))
}

fn parse_date_arg(s: &str) -> Result<i64, String> {
    stridegate::threat::model::parse_date(s).ok_or_else(|| format!("`{s}` is not a date (YYYY-MM-DD)"))
}

fn parse_timeout(s: &str) -> Result<Duration, String> {
    stridegate::limits::parse_duration(s).ok_or_else(|| format!("`{s}` is not a duration like 90s, 10m or 1h"))
}

fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&s[..s.len() - 1], 1024),
        Some('M') => (&s[..s.len() - 1], 1024 * 1024),
        Some('G') => (&s[..s.len() - 1], 1024 * 1024 * 1024),
        _ => (s, 1),
    };
    num.parse::<u64>().map(|n| n.saturating_mul(mult)).map_err(|_| format!("`{s}` is not a size like 500K or 8M"))
}

/// mimalloc returns freed pages to the OS after this many milliseconds (its default, 1,000,
/// held ~50 MB of empty pages at the peak of a two-thread scan; see crates/stridegate-alloc).
#[cfg(not(feature = "system-allocator"))]
const PURGE_DELAY_MS: u32 = 100;

fn main() -> ExitCode {
    #[cfg(not(feature = "system-allocator"))]
    stridegate_alloc::set_purge_delay_ms(PURGE_DELAY_MS);
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Scan(args) => run_scan(&args, false),
        Command::Suppressions(args) => run_scan(&args, true),
        Command::Merge { files, output } => run_merge(&files, &output),
        Command::Helm(HelmCommand::Render(args)) => run_helm_render(&args),
        Command::Init { output, force, reference } => run_init(&output, force, reference),
        Command::ThreatModel(ThreatModelCommand::Import { file, scope, system, output }) => {
            run_threat_import(&file, scope.as_deref(), system.as_deref(), output.as_deref())
        }
        Command::ThreatModel(ThreatModelCommand::Init { path, system, output }) => {
            run_threat_init(&path, system.as_deref(), output.as_deref())
        }
        Command::ThreatModel(ThreatModelCommand::Schema) => write_stdout(stridegate::threat::model::SCHEMA),
        Command::ThreatModel(ThreatModelCommand::Check(args)) => run_threat_check(&args, CheckFormat::Terminal),
        Command::ThreatModel(ThreatModelCommand::Report(args)) => run_threat_check(&args, CheckFormat::Markdown),
        Command::Rules { format, rules } => load_rules(&rules).map_or(ExitStatus::UsageError, |set| {
            let text = match format {
                RulesFormat::Table => stridegate::rules::docs::table(&set),
                RulesFormat::Json => stridegate::rules::docs::json(&set),
                RulesFormat::Markdown => stridegate::rules::docs::markdown_index(&set),
                RulesFormat::Readme => stridegate::rules::docs::readme_summary(&set),
            };
            write_stdout(&text)
        }),
        Command::Explain { rule, rules } => load_rules(&rules).map_or(ExitStatus::UsageError, |set| match set.lookup(&rule).as_slice() {
            [r] => write_stdout(&stridegate::rules::docs::explain(r)),
            [] => {
                eprintln!("error: no rule `{}`; `stridegate rules` lists them", report::escape::terminal_safe_text(&rule));
                ExitStatus::UsageError
            }
            several => write_stdout(&stridegate::rules::docs::alias_matches(&rule, several)),
        }),
    };
    ExitCode::from(code as u8)
}

/// `stridegate merge`: shard SARIF logs into one.
fn run_merge(files: &[PathBuf], output: &Option<PathBuf>) -> ExitStatus {
    let mut inputs = Vec::new();
    for f in files {
        match std::fs::read_to_string(f) {
            Ok(text) => inputs.push((f.display().to_string(), text)),
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", f.display());
                return ExitStatus::UsageError;
            }
        }
    }
    match report::merge::merge_sarif(&inputs) {
        Ok(text) => emit(output, &text),
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            ExitStatus::UsageError
        }
    }
}

fn run_helm_render(args: &HelmRenderArgs) -> ExitStatus {
    let HelmRenderFormat::Json = args.format;
    let chart = match std::fs::canonicalize(&args.chart) {
        Ok(c) if c.join("Chart.yaml").is_file() => c,
        _ => {
            eprintln!("error: `{}` is not a chart directory (no Chart.yaml in it)", args.chart.display());
            return ExitStatus::UsageError;
        }
    };
    let root = match &args.root {
        Some(r) => std::fs::canonicalize(r).unwrap_or_else(|_| r.clone()),
        None => chart.parent().map_or_else(|| chart.clone(), std::path::Path::to_path_buf),
    };
    let mut options = ScanOptions::default();
    options.helm.values_files = args.values.clone();
    options.helm.set = args.set.clone();
    options.helm.set_string = args.set_string.clone();
    options.helm.kube_version = args.kube_version.clone();
    options.helm.namespace = args.namespace.clone();
    options.helm.release_name = args.release_name.clone();
    let rendered = stridegate::frontend::helm::render_chart(&root, &chart, &options);
    let (ok, error, templates) = match rendered {
        Ok(docs) => (true, serde_json::Value::Null, docs.into_iter().map(|(name, docs)| (name, serde_json::Value::Array(docs))).collect()),
        Err(e) => (false, serde_json::Value::String(e), serde_json::Map::new()),
    };
    let out = serde_json::json!({
        "chart": args.chart.display().to_string(),
        "ok": ok,
        "error": error,
        "templates": serde_json::Value::Object(templates),
    });
    match serde_json::to_string_pretty(&out) {
        Ok(text) => write_stdout(&(text + "\n")),
        Err(e) => {
            eprintln!("error: cannot write JSON: {e}");
            ExitStatus::UsageError
        }
    }
}

fn write_stdout(text: &str) -> ExitStatus {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // A closed pipe (`stridegate rules | head`) is not an error.
        Ok(()) => ExitStatus::Clean,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitStatus::Clean,
        Err(e) => {
            eprintln!("error: cannot write output: {e}");
            ExitStatus::UsageError
        }
    }
}

fn print_rule_errors(errors: &[RuleError]) {
    for e in errors {
        eprintln!("{:?}", miette::Report::new(e.clone()));
    }
}

fn load_rules(dirs: &[PathBuf]) -> Option<RuleSet> {
    let mut set = match RuleSet::builtin() {
        Ok(s) => s,
        Err(errors) => {
            print_rule_errors(&errors);
            return None;
        }
    };
    for dir in dirs {
        match RuleSet::from_dir(dir).and_then(|extra| set.extend(extra)) {
            Ok(()) => {}
            Err(errors) => {
                print_rule_errors(&errors);
                return None;
            }
        }
    }
    Some(set)
}

/// The outputs of a scan: `--format` specs with `-o` applied, at most one to stdout. `legacy`
/// is the `-o FILE` form (stdout stays empty).
fn resolve_outputs(args: &ScanArgs) -> Result<(Vec<OutputSpec>, bool), String> {
    let mut specs = args.format.clone();
    if specs.is_empty() {
        specs.push(OutputSpec { format: Format::Terminal, file: None });
    }
    let legacy = args.output.is_some();
    if let Some(output) = &args.output {
        match specs.as_mut_slice() {
            [one] if one.file.is_none() => one.file = Some(output.clone()),
            _ => return Err("--output FILE goes with a single --format FORMAT; for several outputs use --format FORMAT=FILE".into()),
        }
    }
    if specs.iter().filter(|s| s.file.is_none()).count() > 1 {
        return Err("at most one --format can go to stdout; give the others a file (--format FORMAT=FILE)".into());
    }
    let mut files: Vec<&PathBuf> = specs.iter().filter_map(|s| s.file.as_ref()).collect();
    files.extend(args.write_baseline.as_ref());
    let mut sorted = files.clone();
    sorted.sort();
    sorted.dedup();
    if sorted.len() != files.len() {
        return Err("two outputs name the same file".into());
    }
    if !legacy && specs.iter().all(|s| s.file.is_some() && s.format != Format::Terminal) {
        specs.push(OutputSpec { format: Format::Terminal, file: None });
    }
    Ok((specs, legacy))
}

/// Reads and parses `--baseline FILE` (exit 2 on any problem: a gate must not pass because its
/// baseline could not be read).
fn load_baseline(path: &std::path::Path) -> Result<stridegate::baseline::Baseline, String> {
    let shown = path.display();
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => return Err(format!("--baseline {shown} is not a regular file")),
        Ok(m) if m.len() > stridegate::baseline::MAX_BYTES => return Err(format!("--baseline {shown} is over 64 MiB")),
        Ok(_) => {}
        Err(e) => return Err(format!("cannot read --baseline {shown}: {e}")),
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read --baseline {shown}: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        format!("--baseline {shown}:{line}: not UTF-8 text")
    })?;
    stridegate::baseline::Baseline::parse(&text)
        .map_err(|e| format!("--baseline {shown}:{}: {}", e.line, report::escape::terminal_safe(&e.message)))
}

/// Where the scan root sits in the repository: `--sarif-root`, else the nearest ancestor
/// holding `.git`, else the scan root itself.
fn repo_paths(target: &std::path::Path, sarif_root: Option<&std::path::Path>) -> Result<RepoPaths, String> {
    let Ok(target) = std::fs::canonicalize(stridegate::discover::base_of(target)) else { return Ok(RepoPaths::default()) };
    let root = match sarif_root {
        Some(r) => std::fs::canonicalize(r).map_err(|e| format!("--sarif-root {}: {e}", r.display()))?,
        None => match target.ancestors().find(|d| d.join(".git").exists()) {
            Some(r) => r.to_path_buf(),
            None => return Ok(RepoPaths::default()),
        },
    };
    let Ok(rel) = target.strip_prefix(&root) else {
        return Err(format!("--sarif-root {} does not contain the scanned path {}", root.display(), target.display()));
    };
    let prefix: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    Ok(RepoPaths { prefix: prefix.join("/"), link_base: None })
}

/// The directory the scanned paths are shown relative to (configuration excludes are
/// re-anchored at it).
fn scan_base(args: &ScanArgs) -> PathBuf {
    match args.paths.as_slice() {
        [] => PathBuf::from("."),
        [one] => stridegate::discover::base_of(one),
        many => stridegate::discover::common_base(many).unwrap_or_else(|_| PathBuf::from(".")),
    }
}

fn run_init(output: &std::path::Path, force: bool, reference: bool) -> ExitStatus {
    if reference {
        return write_stdout(&stridegate::config::options::reference());
    }
    if output.exists() && !force {
        eprintln!("error: {} exists; use --force to overwrite it", output.display());
        return ExitStatus::UsageError;
    }
    match std::fs::write(output, stridegate::config::options::template()) {
        Ok(()) => {
            eprintln!("wrote {}", output.display());
            ExitStatus::Clean
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", output.display());
            ExitStatus::UsageError
        }
    }
}

fn run_scan(args: &ScanArgs, list_suppressions: bool) -> ExitStatus {
    let startup = std::time::Instant::now();
    let (outputs, legacy_output) = match resolve_outputs(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitStatus::UsageError;
        }
    };
    let baseline = match args.baseline.as_deref().map(load_baseline).transpose() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitStatus::UsageError;
        }
    };
    let Some(set) = load_rules(&args.rules) else { return ExitStatus::UsageError };
    let source = match (&args.config, args.no_config) {
        (_, true) => stridegate::config::Source::None,
        (Some(file), false) => stridegate::config::Source::File(file.clone()),
        (None, false) => stridegate::config::Source::Discover(
            args.paths.first().or_else(|| args.changed.as_ref().and_then(|c| c.first())).cloned().unwrap_or_else(|| PathBuf::from(".")),
        ),
    };
    let config = match stridegate::config::load(&source) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            return ExitStatus::UsageError;
        }
    };
    let resolved = match config.resolve(&set, &args.select, &args.skip) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return ExitStatus::UsageError;
        }
    };
    let mut analysis = stridegate::limits::AnalysisLimits::default();
    for spec in &args.limits {
        if let Err(e) = analysis.set(spec) {
            eprintln!("error: --limit {e}");
            return ExitStatus::UsageError;
        }
    }
    let threads = stridegate::scan::effective_threads(args.threads);
    if args.threads > threads {
        eprintln!("note: --threads {} is more than 4 per core; using {threads}", args.threads);
    }
    let status_allows = |m: &stridegate::rules::meta::RuleMeta| args.preview || m.status != stridegate::rules::meta::Status::Preview;
    for m in set.rules.iter().map(|r| &r.meta).filter(|m| m.status == stridegate::rules::meta::Status::Deprecated) {
        if resolved.runs(m) {
            eprintln!("note: rule {} is deprecated and will be removed", m.id);
        }
    }
    let mut engine = match Engine::with_settings(&set, |m| resolved.runs(m) && status_allows(m), &config.settings) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            return ExitStatus::UsageError;
        }
    };
    engine.set_rule_time(analysis.rule_time);
    let timings = args.timings.is_some().then(|| engine.enable_timings());
    let mut terraform_vars = serde_json::Map::new();
    for path in &args.var_file {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: cannot read --var-file {}: {e}", path.display());
                return ExitStatus::UsageError;
            }
        };
        let file = Arc::new(stridegate::model::SourceFile::new(path.display().to_string(), text));
        // Terraform reads a var file ending in `.json` as JSON, anything else as HCL.
        let parsed = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
            stridegate::terraform::json_syntax::parse_tfvars_json(&file)
        } else {
            stridegate::terraform::parse_file(&file)
        };
        match parsed {
            Ok(parsed) => terraform_vars.extend(stridegate::terraform::tfvars_values(&parsed, &Default::default())),
            Err(e) => {
                eprintln!("error: --var-file {}: {e}", path.display());
                return ExitStatus::UsageError;
            }
        }
    }
    for spec in &args.vars {
        match stridegate::terraform::parse_cli_var(spec) {
            Some((k, v)) => {
                terraform_vars.insert(k, v);
            }
            None => {
                eprintln!("error: --var `{spec}` is not of the form name=value");
                return ExitStatus::UsageError;
            }
        }
    }
    let progress = Arc::new(AtomicUsize::new(0));
    let total = Arc::new(AtomicUsize::new(0));
    let options = ScanOptions {
        discover: stridegate::discover::DiscoverOptions {
            exclude: config.exclude_relative_to(&scan_base(args)).into_iter().chain(args.exclude.iter().cloned()).collect(),
            no_ignore: args.no_ignore,
            threads,
        },
        max_file_size: args.max_file_size,
        threads,
        analysis,
        timeout: args.timeout,
        progress: Some(progress.clone()),
        total: Some(total.clone()),
        terraform_vars,
        terraform_env: args.tf_env,
        helm: stridegate::helm::HelmOptions {
            values_files: args.helm_values.clone(),
            set: args.helm_set.clone(),
            set_string: args.helm_set_string.clone(),
            kube_version: args.kube_version.clone(),
            ..stridegate::helm::HelmOptions::default()
        },
        cache: (!args.no_cache && (args.cache || args.cache_dir.is_some() || std::io::stderr().is_terminal()))
            .then(|| stridegate::cache::CacheSettings { dir: args.cache_dir.clone(), rules: stridegate::cache::rules_fingerprint(&set) }),
        suppress: stridegate::suppress::SuppressOptions {
            enabled: !args.no_suppressions,
            known_rules: Some(Arc::new(stridegate::suppress::rule_names(set.rules.iter().map(|r| r.meta.as_ref())))),
            peer: config
                .honour_peer_comments
                .then(|| Arc::new(stridegate::suppress::PeerAliases::new(set.rules.iter().map(|r| r.meta.as_ref())))),
            ..Default::default()
        },
        external_suppressions: config.suppressions_relative_to(&scan_base(args)),
        // JUnit lists the passing rule × resource pairs too: it needs every resource.
        inventory: outputs.iter().any(|o| o.format == Format::Junit),
        ..ScanOptions::default()
    };
    // A file of a Helm chart (a template, values.yaml) is analyzed through its chart.
    let given = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    let mut targets: Vec<PathBuf> = Vec::new();
    for path in &given {
        let target = match stridegate::frontend::helm::chart_root_of(path) {
            Some(chart) => {
                eprintln!("note: {} belongs to the Helm chart in {}: scanning the chart", path.display(), chart.display());
                chart
            }
            None => path.clone(),
        };
        if !targets.contains(&target) {
            targets.push(target);
        }
    }
    if let Some(t) = &timings {
        t.add_stage(stridegate::timings::Stage::Startup, startup.elapsed());
    }
    let done = Arc::new(AtomicBool::new(false));
    let show_progress = !args.no_progress && std::io::stderr().is_terminal();
    let ticker = show_progress.then(|| {
        let (done, progress, total) = (done.clone(), progress.clone(), total.clone());
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            let mut shown = false;
            while !done.load(Ordering::Relaxed) {
                eprint!("\rscanning: {}/{} files", progress.load(Ordering::Relaxed), total.load(Ordering::Relaxed));
                shown = true;
                std::thread::sleep(Duration::from_millis(100));
            }
            if shown {
                eprint!("\r\x1b[2K");
            }
        })
    });
    let mut options = options;
    if let Err(e) = config.apply_helm(&mut options.helm, &targets) {
        eprintln!("{:?}", miette::Report::new(e));
        return ExitStatus::UsageError;
    }
    if let Some(shard) = args.shard {
        options.selection = stridegate::scan::units::Selection::Shard(shard);
    }
    let result = match (&args.changed, &args.changed_since) {
        (_, Some(rev)) => stridegate::scan::scan_changed_since(rev, &given, &engine, &options).map_err(miette::Report::new),
        (Some(changed), None) => stridegate::scan::scan_changed(changed, &engine, &options).map_err(miette::Report::new),
        (None, None) => stridegate::scan::scan_paths(&targets, &engine, &options).map_err(miette::Report::new),
    };
    done.store(true, Ordering::Relaxed);
    if let Some(t) = ticker {
        let _ = t.join();
    }
    let (target, mut report) = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e:?}");
            return ExitStatus::UsageError;
        }
    };
    if let Some(stats) = &report.cache {
        for note in &stats.notes {
            eprintln!("note: {}", report::escape::terminal_safe(note));
        }
        if args.verbose {
            eprintln!("{}", report::escape::terminal_safe(&stridegate::cache::describe(stats)));
        }
    }
    resolved.apply(&mut report, &target);
    if list_suppressions {
        return list_suppressions_of(&report, args);
    }
    let now = std::time::SystemTime::now();
    let started_at = now.checked_sub(report.elapsed).unwrap_or(now);
    let paths = match repo_paths(&target, args.sarif_root.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitStatus::UsageError;
        }
    };
    if let Some(b) = &baseline {
        b.apply(&mut report.findings, &paths.prefix);
    }
    if let Some(path) = &args.write_baseline {
        if emit(&Some(path.clone()), &stridegate::baseline::write(&report.findings, &paths.prefix)) == ExitStatus::UsageError {
            return ExitStatus::UsageError;
        }
        if report.is_incomplete() {
            eprintln!("note: the scan is incomplete: the baseline holds no finding of what could not be analyzed");
        }
    }
    let terminal_on_stdout = outputs.iter().any(|o| o.format == Format::Terminal && o.file.is_none());
    let to_terminal = terminal_on_stdout && std::io::stdout().is_terminal();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let reporting = std::time::Instant::now();
    for output in &outputs {
        // Every format is written to its output as it is produced: never the whole document
        // in memory.
        let written = match output.format {
            Format::Terminal => {
                let mut sources = Sources::new(&target);
                let width = if to_terminal { terminal_width() } else { 100 };
                let options = report::terminal::TerminalOptions {
                    color: color && output.file.is_none(),
                    verbose: args.verbose,
                    width,
                    compact: args.compact,
                    quiet: args.quiet,
                };
                emit_with(&output.file, |w| report::terminal::write(&report, &mut sources, options, w))
            }
            Format::Json => emit_with(&output.file, |w| report::json::write(&report, w)),
            Format::Sarif => {
                let category = args.sarif_category.clone().unwrap_or_else(|| {
                    if paths.prefix.is_empty() { "stridegate/".to_string() } else { format!("stridegate/{}/", paths.prefix) }
                });
                let options = report::sarif::SarifOptions { paths: paths.clone(), category: Some(category) };
                emit_with(&output.file, |w| report::sarif::write_with(&report, &options, w))
            }
            Format::Junit => {
                // Every rule × resource the engine evaluated: passing test cases.
                let mut checked: Vec<report::junit::Checked> = report
                    .inventory
                    .iter()
                    .flat_map(|r| {
                        engine.rules_for(r.platform, &r.kind).map(move |m| report::junit::Checked {
                            rule_id: m.id.clone(),
                            rule_name: m.name.clone(),
                            file: r.location.file.to_string(),
                            resource: r.address.clone(),
                        })
                    })
                    .collect();
                checked.sort();
                checked.dedup();
                emit_with(&output.file, |w| report::junit::write(&report, &paths, &checked, w))
            }
            Format::Github => emit_with(&output.file, |w| report::github::write(&report, &paths, w)),
            Format::Markdown => emit_with(&output.file, |w| report::markdown::write(&report, &paths, w)),
            Format::Gitlab => {
                let (start, end) = (report::gitlab::timestamp(started_at), report::gitlab::timestamp(std::time::SystemTime::now()));
                emit_with(&output.file, |w| report::gitlab::write(&report, &paths, &start, &end, w))
            }
        };
        if written == ExitStatus::UsageError {
            return ExitStatus::UsageError;
        }
    }
    if legacy_output {
        // The report went to a file: keep the user informed on stderr, errors included (the
        // summary's "scan incomplete" line counts them).
        eprint!("{}{}", report::terminal::errors(&report), report::terminal::summary(&report));
    }
    if let (Some(t), Some(target)) = (&timings, &args.timings) {
        t.add_stage(stridegate::timings::Stage::Report, reporting.elapsed());
        match target {
            None => eprint!("{}", t.table(20)),
            Some(path) => {
                let mut text = serde_json::to_string_pretty(&t.to_json()).unwrap_or_default();
                text.push('\n');
                if let Err(e) = std::fs::write(path, text) {
                    eprintln!("error: cannot write --timings {}: {e}", path.display());
                    return ExitStatus::UsageError;
                }
            }
        }
    }
    // A gate that checked nothing (a mistyped CI path, a directory without IaC) must not pass.
    // Changed-files mode with nothing to analyze (a README changed), or an empty shard, is fine.
    let selective = args.changed.is_some() || args.changed_since.is_some() || args.shard.is_some();
    if report.files.is_empty() && !selective {
        let shown: Vec<String> = targets.iter().map(|p| p.display().to_string()).collect();
        eprintln!(
            "warning: no infrastructure-as-code file (Terraform, Kubernetes, Helm, Kustomize or IAM JSON) found in {}: nothing was checked",
            shown.join(", ")
        );
        return ExitStatus::Incomplete;
    }
    let fail_on = args.fail_on.map_or(config.fail_on.unwrap_or(Some(Severity::Low)), |f| f.0);
    let (status, low) = stridegate::gate::decide(&report, fail_on, args.min_coverage);
    if let (Some(c), Some(min)) = (low, args.min_coverage) {
        eprintln!("error: analysis coverage {c:.1}% is below --min-coverage {min}%");
    }
    status
}

/// `stridegate suppressions`: the suppressions' table (or JSON), exit 1 when one needs
/// attention.
fn list_suppressions_of(report: &stridegate::scan::ScanReport, args: &ScanArgs) -> ExitStatus {
    // The first `--format` chooses between the table and JSON; its file (or `-o`) the target.
    let spec = args.format.first();
    let text = if spec.is_some_and(|s| matches!(s.format, Format::Json | Format::Sarif)) {
        let mut s = serde_json::to_string_pretty(&report.suppressions).unwrap_or_else(|_| "[]".to_string());
        s.push('\n');
        s
    } else {
        stridegate::suppress::table(&report.suppressions)
    };
    let file = spec.and_then(|s| s.file.clone()).or_else(|| args.output.clone());
    let written = match &file {
        Some(path) => std::fs::write(path, text).map_err(|e| eprintln!("error: cannot write {}: {e}", path.display())).is_ok(),
        None => write_stdout(&text) != ExitStatus::UsageError,
    };
    if !written {
        ExitStatus::UsageError
    } else if report.suppressions.iter().any(|r| r.status.is_problem()) {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    }
}

fn run_threat_check(args: &CheckArgs, default_format: CheckFormat) -> ExitStatus {
    let format = args.format.unwrap_or(default_format);
    use stridegate::threat::{check, model, report as threat_report};
    let Some(set) = load_rules(&args.rules) else { return ExitStatus::UsageError };
    let engine = match Engine::new(&set, |_| true) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            return ExitStatus::UsageError;
        }
    };
    let text = match std::fs::metadata(&args.model) {
        Ok(m) if !m.is_file() => Err(format!("{} is not a regular file", args.model.display())),
        Ok(m) if m.len() > 8 * 1024 * 1024 => Err(format!("{} is over 8 MiB", args.model.display())),
        Ok(_) => std::fs::read_to_string(&args.model).map_err(|e| format!("cannot read {}: {e}", args.model.display())),
        Err(e) => Err(format!("cannot read {}: {e}", args.model.display())),
    };
    let text = match text {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitStatus::UsageError;
        }
    };
    let display = args.model.display().to_string();
    // A Markdown model is imported in memory: the team gates CI on the document it keeps.
    let is_markdown = args.model.extension().is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"));
    let text = if is_markdown {
        let Some(path) = &args.path else {
            eprintln!("error: a Markdown model has no scope: give the infrastructure code to check (PATH)");
            return ExitStatus::UsageError;
        };
        match import_markdown(&args.model, Some(path), Some(&path.display().to_string()), None, &set, &engine) {
            Ok(i) => i.yaml,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitStatus::UsageError;
            }
        }
    } else {
        text
    };
    let display = if is_markdown { format!("{display} (imported)") } else { display };
    let file = Arc::new(stridegate::model::SourceFile::new(display.as_str(), text));
    let families: std::collections::BTreeSet<String> =
        set.rules.iter().filter_map(|r| r.meta.id.split('-').next().map(str::to_string)).collect();
    let loaded = match model::load(file, &|id| set.find(id).is_some_and(|r| r.meta.id.eq_ignore_ascii_case(id)), &families) {
        Ok(m) => m,
        Err(errors) => {
            match format {
                CheckFormat::Json => {
                    let _ = emit(&args.output, &threat_report::errors_json(&display, &errors));
                }
                _ => eprint!("{}", threat_report::errors_text(&errors)),
            }
            eprintln!("error: the threat model has {} error(s); nothing was checked", errors.len());
            return ExitStatus::UsageError;
        }
    };
    let target = match (&args.path, &loaded.model.scope) {
        (Some(p), _) => p.clone(),
        (None, Some(scope)) => args.model.parent().unwrap_or(std::path::Path::new(".")).join(scope),
        (None, None) => {
            eprintln!("error: give the infrastructure code to check (PATH), or set `scope` in the model");
            return ExitStatus::UsageError;
        }
    };
    let options = ScanOptions { inventory: true, ..ScanOptions::default() };
    let scan_report = match scan(&target, &engine, &options) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            return ExitStatus::UsageError;
        }
    };
    let as_of = args.as_of.unwrap_or_else(model::today);
    let result = check::check_as_of(&loaded, &scan_report, &engine, &target.display().to_string(), as_of);
    let text = match format {
        CheckFormat::Json => threat_report::json(&result),
        CheckFormat::Terminal => threat_report::text(&result, args.verbose),
        CheckFormat::Markdown => threat_report::markdown(&result, &loaded.model),
        CheckFormat::Sarif => threat_report::sarif(&result),
        CheckFormat::Html => stridegate::threat::html::html(&result, &loaded.model),
    };
    if emit(&args.output, &text) == ExitStatus::UsageError {
        return ExitStatus::UsageError;
    }
    if result.violated() || (args.fail_on_drift && !result.drift.is_empty()) {
        ExitStatus::Findings
    } else if result.scan_incomplete {
        ExitStatus::Incomplete
    } else {
        ExitStatus::Clean
    }
}

fn run_threat_init(path: &std::path::Path, system: Option<&str>, output: Option<&std::path::Path>) -> ExitStatus {
    let Some(set) = load_rules(&[]) else { return ExitStatus::UsageError };
    let engine = match Engine::new(&set, |_| true) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            return ExitStatus::UsageError;
        }
    };
    if let Some(out) = output
        && out.exists()
    {
        eprintln!("error: {} exists; choose another --output (init never overwrites a model)", out.display());
        return ExitStatus::UsageError;
    }
    let report = match scan(path, &engine, &ScanOptions { inventory: true, ..ScanOptions::default() }) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            return ExitStatus::UsageError;
        }
    };
    // `scope` is relative to where the model is written.
    let scope = match output.and_then(|o| o.parent()) {
        Some(dir) => relative_path(if dir.as_os_str().is_empty() { std::path::Path::new(".") } else { dir }, path),
        None => path.display().to_string(),
    };
    let name = system.map(str::to_string).unwrap_or_else(|| {
        std::fs::canonicalize(path)
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().to_string()))
            .unwrap_or_else(|| "system".into())
    });
    let text = stridegate::threat::init::draft(&report.inventory, &engine, &name, &scope);
    let status = emit(&output.map(std::path::Path::to_path_buf), &text);
    if status == ExitStatus::Clean && report.is_incomplete() {
        eprintln!("note: the scan was incomplete, so the draft may miss resources (`stridegate scan` shows what failed)");
        return ExitStatus::Incomplete;
    }
    status
}

/// Reads a Markdown threat model (at most 8 MiB, a regular file).
fn read_markdown(file: &std::path::Path) -> Result<String, String> {
    match std::fs::metadata(file) {
        Ok(m) if !m.is_file() => Err(format!("{} is not a regular file", file.display())),
        Ok(m) if m.len() > 8 * 1024 * 1024 => Err(format!("{} is over 8 MiB", file.display())),
        Ok(_) => std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display())),
        Err(e) => Err(format!("cannot read {}: {e}", file.display())),
    }
}

/// Imports `file`, binding to the resources found in `scope` when given.
fn import_markdown(
    file: &std::path::Path,
    scope: Option<&std::path::Path>,
    scope_text: Option<&str>,
    system: Option<&str>,
    set: &RuleSet,
    engine: &Engine,
) -> Result<stridegate::threat::import::Imported, String> {
    let text = read_markdown(file)?;
    let inventory = match scope {
        Some(p) => Some(scan(p, engine, &ScanOptions { inventory: true, ..ScanOptions::default() }).map_err(|e| e.to_string())?.inventory),
        None => None,
    };
    let name =
        system.map(str::to_string).unwrap_or_else(|| file.file_stem().map_or_else(|| "system".into(), |s| s.to_string_lossy().to_string()));
    let metas: Vec<&stridegate::rules::meta::RuleMeta> = set.rules.iter().map(|r| r.meta.as_ref()).collect();
    Ok(stridegate::threat::import::import(&text, &name, scope_text, &metas, inventory.as_deref()))
}

fn run_threat_import(
    file: &std::path::Path,
    scope: Option<&std::path::Path>,
    system: Option<&str>,
    output: Option<&std::path::Path>,
) -> ExitStatus {
    let Some(set) = load_rules(&[]) else { return ExitStatus::UsageError };
    let Ok(engine) = Engine::new(&set, |_| true) else { return ExitStatus::UsageError };
    if let Some(out) = output
        && out.exists()
    {
        eprintln!("error: {} exists; choose another --output (import never overwrites a model)", out.display());
        return ExitStatus::UsageError;
    }
    let scope_text = scope.map(|p| match output.and_then(|o| o.parent()) {
        Some(dir) => relative_path(if dir.as_os_str().is_empty() { std::path::Path::new(".") } else { dir }, p),
        None => p.display().to_string(),
    });
    let imported = match import_markdown(file, scope, scope_text.as_deref(), system, &set, &engine) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitStatus::UsageError;
        }
    };
    for w in &imported.warnings {
        eprintln!("warning: {}", stridegate::report::escape::terminal_safe(w));
    }
    eprintln!(
        "imported {} components ({} bound to resources), {} mitigations ({} bound to rules, {} left for attestation)",
        imported.components,
        imported.components_bound,
        imported.mitigations,
        imported.bound,
        imported.mitigations - imported.bound
    );
    emit(&output.map(std::path::Path::to_path_buf), &imported.yaml)
}

/// `to` relative to the directory `from` (both resolved), or `to` as given when that fails.
fn relative_path(from: &std::path::Path, to: &std::path::Path) -> String {
    let (Ok(from), Ok(to_abs)) = (std::fs::canonicalize(from), std::fs::canonicalize(to)) else { return to.display().to_string() };
    let a: Vec<_> = from.components().collect();
    let b: Vec<_> = to_abs.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); a.len() - common];
    parts.extend(b.iter().skip(common).map(|c| c.as_os_str().to_string_lossy().to_string()));
    if parts.is_empty() { ".".to_string() } else { parts.join("/") }
}

/// Writes `text` to `output` or stdout.
fn emit(output: &Option<PathBuf>, text: &str) -> ExitStatus {
    match output {
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => ExitStatus::Clean,
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                ExitStatus::UsageError
            }
        },
        None => write_stdout(text),
    }
}

/// Writes to `output` or stdout through a buffer, with `write` producing the bytes as it goes.
fn emit_with(output: &Option<PathBuf>, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> ExitStatus {
    const BUFFER: usize = 256 * 1024;
    match output {
        Some(path) => {
            let written = std::fs::File::create(path).and_then(|file| {
                let mut out = std::io::BufWriter::with_capacity(BUFFER, file);
                write(&mut out)?;
                out.flush()
            });
            match written {
                Ok(()) => ExitStatus::Clean,
                Err(e) => {
                    eprintln!("error: cannot write {}: {e}", path.display());
                    ExitStatus::UsageError
                }
            }
        }
        None => {
            let mut out = std::io::BufWriter::with_capacity(BUFFER, std::io::stdout().lock());
            match write(&mut out).and_then(|()| out.flush()) {
                // A closed pipe (`stridegate scan -f json | head`) is not an error.
                Ok(()) => ExitStatus::Clean,
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitStatus::Clean,
                Err(e) => {
                    eprintln!("error: cannot write output: {e}");
                    ExitStatus::UsageError
                }
            }
        }
    }
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(100).clamp(60, 200)
}

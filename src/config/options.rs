//! The one description of every configuration option: it generates the reference
//! (`docs/configuration.md`, [`reference`]) and the file `stridegate init` writes ([`template`]),
//! so they cannot drift apart (tests check both against the parser).

use super::settings::{DEFAULT_DATA_TIER_WORDS, DEFAULT_MAX_SESSION_DURATION, DEFAULT_TLS_CIPHERS};

/// One option.
pub struct Opt {
    /// Key inside its section.
    pub key: &'static str,
    /// TOML type and accepted values.
    pub kind: &'static str,
    /// What it does.
    pub doc: &'static str,
    /// Its default as TOML, written active by `init`; `None`: written as a commented example.
    pub default: fn() -> Option<String>,
    /// An example value (TOML), shown when there is no default.
    pub example: &'static str,
}

/// One section (`[rules]`, `[[overrides]]`...).
pub struct Section {
    /// The TOML header (`""` for top-level keys).
    pub header: &'static str,
    /// What the section is for.
    pub doc: &'static str,
    /// Its options.
    pub options: &'static [Opt],
}

fn none() -> Option<String> {
    None
}

fn empty_list() -> Option<String> {
    Some("[]".into())
}

fn toml_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("\"{s}\"")).collect();
    let mut out = String::from("[\n");
    for q in quoted {
        out.push_str(&format!("  {q},\n"));
    }
    out.push(']');
    out
}

/// Every section and option, in file order.
pub const SECTIONS: &[Section] = &[
    Section {
        header: "",
        doc: "Top-level options. Command-line flags override them (`--fail-on`), and command-line lists extend them (`--exclude`).",
        options: &[
            Opt {
                key: "fail-on",
                kind: "string: none, low, medium, high, critical",
                doc: "Exit with 1 when a finding has at least this severity (after `[rules.severity]` overrides); `none` reports only (an incomplete scan still exits 3). `--fail-on` overrides it.",
                default: || Some("\"low\"".into()),
                example: "\"high\"",
            },
            Opt {
                key: "exclude",
                kind: "array of globs (gitignore syntax)",
                doc: "Paths not scanned, in gitignore syntax like `--exclude`, relative to the configuration file's directory: a pattern with a `/` before its end is anchored there, one without matches at any depth.",
                default: empty_list,
                example: "[\"vendor/\", \"*.generated.yaml\"]",
            },
            Opt {
                key: "honour-peer-comments",
                kind: "boolean",
                doc: "Honour Checkov's and Trivy's suppression comments (`checkov:skip=CKV_AWS_19: reason`, `trivy:ignore:AVD-AWS-0088`) and Checkov's Kubernetes annotations (`checkov.io/skip1: CKV_K8S_16=reason`) for the rules that mirror those checks (`mirrors` in their metadata), for a team migrating from those tools. Checkov's reason (after the `:`) is required like `reason=`; Trivy comments have none and are accepted without one, which `stridegate suppressions` notes. Off: such comments are ignored. See docs/suppressions.md.",
                default: || Some("false".into()),
                example: "true",
            },
        ],
    },
    Section {
        header: "[rules]",
        doc: "Which rules run. Each entry is a rule id (`K8S-0001`), a rule name (`privileged-container`), a family (`K8S`, `TF`, `IAM`) or a STRIDE category (`spoofing`, `tampering`, `repudiation`, `information-disclosure`, `denial-of-service`, `elevation-of-privilege`, `lateral-movement`). An entry that names nothing is an error. `--select` and `--skip` extend these lists.",
        options: &[
            Opt {
                key: "select",
                kind: "array of rule selectors",
                doc: "Run only the rules matching an entry (empty: every rule).",
                default: empty_list,
                example: "[\"K8S\", \"IAM\"]",
            },
            Opt {
                key: "ignore",
                kind: "array of rule selectors",
                doc: "Never run the rules matching an entry (wins over `select`).",
                default: empty_list,
                example: "[\"repudiation\"]",
            },
        ],
    },
    Section {
        header: "[rules.severity]",
        doc: "Severity overrides: `SELECTOR = \"SEVERITY\"` (selectors as in `[rules]`). The findings' severity becomes the given one in every output format and for `fail-on`; a rule entry wins over a family entry, which wins over a STRIDE category entry.",
        options: &[Opt {
            key: "\"K8S-0001\"",
            kind: "string: low, medium, high, critical",
            doc: "The severity of the findings of the rules the key selects.",
            default: none,
            example: "\"low\"",
        }],
    },
    Section {
        header: "[[overrides]]",
        doc: "Rule selection for the findings in some files (repeatable). A finding in a file matching `paths` is reported only when every matching entry's `select` (when not empty) covers its rule and no `ignore` does.",
        options: &[
            Opt {
                key: "paths",
                kind: "array of globs",
                doc: "Files, relative to the configuration file's directory (`*` stays within a directory, `**` crosses directories).",
                default: none,
                example: "[\"legacy/**\"]",
            },
            Opt {
                key: "select",
                kind: "array of rule selectors",
                doc: "Only these rules report in those files.",
                default: none,
                example: "[\"IAM\"]",
            },
            Opt {
                key: "ignore",
                kind: "array of rule selectors",
                doc: "These rules do not report in those files.",
                default: none,
                example: "[\"K8S-0001\", \"repudiation\"]",
            },
        ],
    },
    Section {
        header: "[helm]",
        doc: "Values for every Helm chart, applied after the chart's own values and before `--helm-values` / `--helm-set` (later values win).",
        options: &[
            Opt {
                key: "values",
                kind: "array of paths",
                doc: "Values files, relative to the configuration file's directory; they must be inside the scanned directory.",
                default: empty_list,
                example: "[\"deploy/values-prod.yaml\"]",
            },
            Opt {
                key: "set",
                kind: "table: key = string, number or boolean",
                doc: "Values by key with `helm --set` paths (`image.tag`); strings are set as strings (`--set-string`).",
                default: || Some("{}".into()),
                example: "{ \"image.tag\" = \"1.2.3\", replicaCount = 3 }",
            },
        ],
    },
    Section {
        header: "[helm.charts.\"DIR\"]",
        doc: "Values for the chart in `DIR` (relative to the configuration file's directory), applied after `[helm]`'s.",
        options: &[
            Opt {
                key: "values",
                kind: "array of paths",
                doc: "Values files, as in `[helm]`.",
                default: none,
                example: "[\"charts/web/values-prod.yaml\"]",
            },
            Opt {
                key: "set",
                kind: "table",
                doc: "Values by key, as in `[helm]`.",
                default: none,
                example: "{ \"ingress.enabled\" = true }",
            },
        ],
    },
    Section {
        header: "[settings]",
        doc: "Values rules used to hard-code. Rego policies read them as `data.stridegate.settings`; native checks receive them from the engine.",
        options: &[
            Opt {
                key: "data-tier-words",
                kind: "array of words (ASCII letters and digits)",
                doc: "Words that mark a name, `Name`/`Tier`/`Role` tag or description as a data tier (TF-0004 security groups, TF-0026 subnets). A name matches when one of its words (split at other characters, compared lowercase) is in the list, or is a listed word followed by `s`. TF-0027 reads the VPC module's `database_subnets` input and has no name pattern.",
                default: || Some(toml_list(&DEFAULT_DATA_TIER_WORDS)),
                example: "",
            },
            Opt {
                key: "max-session-duration",
                kind: "integer: seconds, 3600 to 43200",
                doc: "Longest IAM role session accepted (IAM-0015 reports a longer `max_session_duration`).",
                default: || Some(DEFAULT_MAX_SESSION_DURATION.to_string()),
                example: "",
            },
            Opt {
                key: "tls-ciphers",
                kind: "array of cipher suite names",
                doc: "TLS cipher suites allowed (K8S-0040, K8S-0043, K8S-0044, TF-0011), in IANA or OpenSSL spelling, compared in any case. The default is seed threat model 003 §2.5: ECDHE with AES-GCM or CHACHA20-POLY1305 and the TLS 1.3 suites.",
                default: || Some(toml_list(&DEFAULT_TLS_CIPHERS)),
                example: "",
            },
        ],
    },
    Section {
        header: "[[terraform.state.owners]]",
        doc: "Terraform state ownership for IAM-0020 (repeatable): which team owns which key prefixes of a state bucket. With owners configured for a bucket, IAM-0020 reports a grant whose key pattern is wider than one team's prefix (`services/*` when teams own `services/payments/`), spans several teams, or falls outside every team's prefixes, and a grant in a team's root module on another team's keys (the module's team is the owner of its `backend \"s3\"` key), even when the scan holds a single state key. Without owners, a wildcard grant IAM-0020 cannot judge from the scan's state keys is reported as unverifiable. Prefixes of two teams in one bucket must not overlap.",
        options: &[
            Opt { key: "team", kind: "string", doc: "The team's name (shown in messages).", default: none, example: "\"payments\"" },
            Opt {
                key: "bucket",
                kind: "string",
                doc: "The state bucket (as in `backend \"s3\"`).",
                default: none,
                example: "\"corp-tfstate\"",
            },
            Opt {
                key: "prefixes",
                kind: "array of key prefixes",
                doc: "Key prefixes the team owns, without wildcards.",
                default: none,
                example: "[\"services/payments/\"]",
            },
        ],
    },
    Section {
        header: "[[suppress]]",
        doc: "Suppressions for files without comments (JSON policies, plan JSON), repeatable. Suppressed findings stay in the reports, marked as suppressed.",
        options: &[
            Opt { key: "rule", kind: "string", doc: "Rule id or name.", default: none, example: "\"IAM-0001\"" },
            Opt {
                key: "path",
                kind: "glob",
                doc: "The finding's file, relative to the configuration file's directory.",
                default: none,
                example: "\"policies/ci.json\"",
            },
            Opt {
                key: "resource",
                kind: "string (optional)",
                doc: "The finding's resource address.",
                default: none,
                example: "\"aws_iam_policy.ci\"",
            },
            Opt {
                key: "pointer",
                kind: "JSON pointer (optional)",
                doc: "The finding's attribute, as a JSON pointer.",
                default: none,
                example: "\"/Statement/0/Action\"",
            },
            Opt {
                key: "reason",
                kind: "string",
                doc: "Why the finding is accepted (required unless suppressions are configured otherwise).",
                default: none,
                example: "\"CI deploys every service\"",
            },
            Opt {
                key: "until",
                kind: "date YYYY-MM-DD (optional)",
                doc: "Last day the suppression applies; after it the finding is active again.",
                default: none,
                example: "\"2027-03-01\"",
            },
        ],
    },
];

/// `docs/configuration.md`.
pub fn reference() -> String {
    let mut out = String::from(
        "# Configuration reference\n\nGenerated from `src/config/options.rs` by scripts/gen-docs.sh; tests/config.rs fails when it is stale.\n\n\
`stridegate scan` reads `stridegate.toml` or `.stridegate.toml`, looked for in the first scanned path's directory and its \
parents up to the repository root (a directory holding `.git`). `--config FILE` names another file and `--no-config` ignores \
it. `stridegate init` writes a commented default. An unknown key, a value of the wrong type or a selector that names no rule \
is an error with the file, line and column (exit code 2). Relative paths in the file are relative to its directory.\n",
    );
    for section in SECTIONS {
        let title = if section.header.is_empty() { "Top level" } else { section.header };
        out.push_str(&format!("\n## `{title}`\n\n{}\n", section.doc));
        for o in section.options {
            out.push_str(&format!("\n### `{}`\n\n- Type: {}\n", o.key, o.kind));
            match (o.default)() {
                Some(d) if d.contains('\n') => {
                    out.push_str(&format!("- Default:\n\n  ```toml\n  {} = {}\n  ```\n", o.key, d.replace('\n', "\n  ")))
                }
                Some(d) => out.push_str(&format!("- Default: `{d}`\n")),
                None => out.push_str(&format!("- Example: `{} = {}`\n", o.key, o.example)),
            }
            out.push_str(&format!("\n{}\n", o.doc));
        }
    }
    out
}

/// Wraps `text` into `#` comment lines of at most 100 characters.
fn comment(text: &str, out: &mut String) {
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.len() + 1 + word.len() > 100 && line.len() > 1 {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
}

/// The file `stridegate init` writes: every option with its description; options with a
/// default are set to it, the others are commented-out examples.
pub fn template() -> String {
    let mut out = String::from(
        "# stridegate configuration (written by `stridegate init`).\n# Every option is described in docs/configuration.md; the values below are the defaults.\n",
    );
    for section in SECTIONS {
        out.push('\n');
        comment(section.doc, &mut out);
        let active = section.options.iter().any(|o| (o.default)().is_some());
        if !section.header.is_empty() {
            if active {
                out.push_str(section.header);
                out.push('\n');
            } else {
                out.push_str(&format!("# {}\n", section.header));
            }
        }
        for o in section.options {
            comment(o.doc, &mut out);
            match (o.default)() {
                Some(d) => out.push_str(&format!("{} = {d}\n", o.key)),
                None => out.push_str(&format!("# {} = {}\n", o.key, o.example)),
            }
        }
    }
    out
}

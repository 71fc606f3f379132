//! TF-0055 `secret-in-resource-argument`: what it does, why and how to fix it are in
//! `rules/terraform/TF-0055-secret-in-resource-argument/metadata.yaml` (`stridegate explain TF-0055`).
//!
//! The rule is native because it judges how a value was *written*, which the evaluated input
//! of a Rego rule no longer shows: `password = var.db_password` and `password = "Zq81..."`
//! evaluate to the same string when the variable has a default. The source text under the
//! argument's span decides: a quoted string or heredoc without interpolation (optionally inside
//! `sensitive(...)`) is a literal; anything else (a reference, a function call, a template with
//! `${...}`) is not judged.

use serde_json::Value;

use crate::checks::{Hit, NativeCheck, ResourceCheck};
use crate::model::{AttributePath, PathSegment, Resource};

/// The rule's implementation.
pub(crate) fn check(_: &crate::config::RuleSettings) -> NativeCheck {
    NativeCheck::Resource(Box::new(SecretArguments))
}

/// A step of an argument's path: a key, or every element of a list (nested blocks are lists).
#[derive(Clone, Copy)]
enum Step {
    Key(&'static str),
    Each,
}

use Step::{Each, Key};

/// Resource types and the paths of their password arguments.
const ARGUMENTS: &[(&str, &[Step])] = &[
    ("aws_db_instance", &[Key("password")]),
    ("aws_rds_cluster", &[Key("master_password")]),
    ("aws_redshift_cluster", &[Key("master_password")]),
    ("aws_redshiftserverless_namespace", &[Key("admin_user_password")]),
    ("aws_docdb_cluster", &[Key("master_password")]),
    ("aws_dms_endpoint", &[Key("password")]),
    ("aws_directory_service_directory", &[Key("password")]),
    ("aws_elasticache_replication_group", &[Key("auth_token")]),
    ("aws_elasticache_user", &[Key("passwords"), Each]),
    ("aws_memorydb_user", &[Key("authentication_mode"), Each, Key("passwords"), Each]),
    ("aws_mq_broker", &[Key("user"), Each, Key("password")]),
    ("aws_opensearch_domain", &[Key("advanced_security_options"), Each, Key("master_user_options"), Each, Key("master_user_password")]),
    ("aws_elasticsearch_domain", &[Key("advanced_security_options"), Each, Key("master_user_options"), Each, Key("master_user_password")]),
    ("aws_lightsail_database", &[Key("master_password")]),
    ("azurerm_mssql_server", &[Key("administrator_login_password")]),
    ("azurerm_sql_server", &[Key("administrator_login_password")]),
    ("azurerm_mssql_managed_instance", &[Key("administrator_login_password")]),
    ("azurerm_postgresql_server", &[Key("administrator_login_password")]),
    ("azurerm_postgresql_flexible_server", &[Key("administrator_password")]),
    ("azurerm_mysql_server", &[Key("administrator_login_password")]),
    ("azurerm_mysql_flexible_server", &[Key("administrator_password")]),
    ("azurerm_mariadb_server", &[Key("administrator_login_password")]),
    ("azurerm_synapse_workspace", &[Key("sql_administrator_login_password")]),
    ("azurerm_linux_virtual_machine", &[Key("admin_password")]),
    ("azurerm_windows_virtual_machine", &[Key("admin_password")]),
    ("azurerm_linux_virtual_machine_scale_set", &[Key("admin_password")]),
    ("azurerm_windows_virtual_machine_scale_set", &[Key("admin_password")]),
    ("azurerm_virtual_machine", &[Key("os_profile"), Each, Key("admin_password")]),
    ("google_sql_user", &[Key("password")]),
    ("google_sql_database_instance", &[Key("root_password")]),
];

/// Kubernetes secrets: the entries of `data` whose key names a secret are judged.
const SECRET_KINDS: &[&str] = &["kubernetes_secret", "kubernetes_secret_v1"];

/// Elements followed per list (a generated configuration must not cost more).
const MAX_ITEMS: usize = 1_000;

/// Findings per resource.
const MAX_HITS: usize = 100;

struct SecretArguments;

impl ResourceCheck for SecretArguments {
    fn check(&self, r: &Resource, hits: &mut Vec<Hit>) {
        // Plan JSON (and anything that is not Terraform source) cannot tell a literal from a
        // variable: only `.tf` and `.tf.json` files are judged.
        if !(r.file.path.ends_with(".tf") || r.file.path.ends_with(".tf.json")) {
            return;
        }
        let mut found = Vec::new();
        if let Some((_, steps)) = ARGUMENTS.iter().find(|(kind, _)| *kind == r.kind) {
            collect(&r.value, AttributePath::root(), steps, &mut found);
        } else if r.kind == "module"
            && let Value::Object(arguments) = &r.value
        {
            for (key, value) in arguments.iter().take(MAX_ITEMS) {
                if module_secret_argument(key) && !value.as_str().is_some_and(boolean_word) {
                    found.push((AttributePath::root().key(key.as_str()), value));
                }
            }
        } else if SECRET_KINDS.contains(&r.kind.as_str())
            && let Some(Value::Object(data)) = r.value.get("data")
        {
            for (key, value) in data.iter().take(MAX_ITEMS) {
                if secret_key(key) {
                    found.push((AttributePath::root().key("data").key(key.as_str()), value));
                }
            }
        }
        for (path, value) in found {
            if hits.len() >= MAX_HITS {
                break;
            }
            let Value::String(text) = value else { continue };
            if text.trim().is_empty() || !written_as_literal(r, &path) {
                continue;
            }
            hits.push(Hit {
                message: format!(
                    "{} {} is written in clear in the configuration ({})",
                    if r.kind == "module" { "module argument" } else { r.kind.as_str() },
                    shown(&path),
                    mask(text)
                ),
                path,
                severity: None,
            });
        }
    }
}

/// Every value at `steps` below `value`, with its path.
fn collect<'v>(value: &'v Value, path: AttributePath, steps: &[Step], out: &mut Vec<(AttributePath, &'v Value)>) {
    let Some((step, rest)) = steps.split_first() else {
        out.push((path, value));
        return;
    };
    match (step, value) {
        (Key(k), Value::Object(map)) => {
            if let Some(v) = map.get(*k) {
                collect(v, path.key(*k), rest, out);
            }
        }
        (Each, Value::Array(items)) => {
            for (i, v) in items.iter().enumerate().take(MAX_ITEMS) {
                collect(v, path.index(i), rest, out);
            }
        }
        _ => {}
    }
}

/// The argument as a message names it: `master_user_password`, `user[0].password`.
fn shown(path: &AttributePath) -> String {
    let mut s = String::new();
    for seg in &path.0 {
        match seg {
            PathSegment::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            PathSegment::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// True when the value at `path` is written in the file as a string literal without
/// interpolation: `"..."`, a heredoc, or either inside `sensitive(...)`.
fn written_as_literal(r: &Resource, path: &AttributePath) -> bool {
    let (node, matched, origin) = r.spans.resolve_with_origin(path);
    if matched != path.len() {
        return false;
    }
    let file = origin.map_or(&r.file, |o| &o.file);
    let Some(text) = file.text.get(node.span.start..node.span.end) else { return false };
    literal_text(text)
}

/// The test of [`written_as_literal`] on the expression's text.
fn literal_text(text: &str) -> bool {
    let mut t = text.trim();
    if let Some(inner) = t.strip_prefix("sensitive(").and_then(|rest| rest.strip_suffix(')')) {
        t = inner.trim();
    }
    let quoted = t.len() >= 2 && t.starts_with('"') && t.ends_with('"');
    let heredoc = t.starts_with("<<");
    (quoted || heredoc) && !interpolates(t)
}

/// True when a template has a `${...}` or `%{...}` sequence (`$${` and `%%{` are escapes).
fn interpolates(t: &str) -> bool {
    let bytes = t.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        let (c, next) = (bytes[i], bytes[i + 1]);
        if (c == b'$' || c == b'%') && next == c {
            // An escaped sequence (`$${`, `%%{`): skip both characters.
            i += 2;
            continue;
        }
        if (c == b'$' || c == b'%') && next == b'{' {
            return true;
        }
        i += 1;
    }
    false
}

/// True when a `kubernetes_secret` data key names a secret rather than, say, a user name.
fn secret_key(key: &str) -> bool {
    let n: String = key.chars().map(|c| if c == '-' || c == '.' { '_' } else { c.to_ascii_uppercase() }).collect();
    const DESCRIPTIVE: &[&str] = &["_FILE", "_PATH", "_NAME", "_URL", "_URI", "_HOST", "_PORT", "_ID", "_USER", "_USERNAME", "_TTL"];
    if DESCRIPTIVE.iter().any(|s| n.ends_with(s)) {
        return false;
    }
    const WORDS: &[&str] = &[
        "PASSWORD",
        "PASSWD",
        "PASSPHRASE",
        "SECRET",
        "TOKEN",
        "API_KEY",
        "APIKEY",
        "ACCESS_KEY",
        "PRIVATE_KEY",
        "CREDENTIAL",
        "DOCKERCONFIGJSON",
        "DOCKERCFG",
    ];
    WORDS.iter().any(|w| n.contains(w)) || n == "PASS" || n == "PWD" || n.ends_with("_PASS") || n.ends_with("_PWD")
}

/// True when a module call's argument is named for a password or token (`db_password`,
/// `master_password`, `auth_token`, `client_secret`, `api_key`): the last word of the name is a
/// secret word. Module variables are free-form, so the name must end with it
/// (`password_length`, `secret_name`, `create_random_password` do not count).
fn module_secret_argument(key: &str) -> bool {
    let n: String = key.chars().map(|c| if c == '-' || c == '.' { '_' } else { c.to_ascii_uppercase() }).collect();
    const ENDINGS: &[&str] =
        &["PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "API_KEY", "APIKEY", "ACCESS_KEY", "SECRET_KEY", "PRIVATE_KEY"];
    ENDINGS.iter().any(|e| n == *e || n.ends_with(&format!("_{e}")))
        && !n.starts_with("CREATE_")
        && !n.starts_with("MANAGE_")
        && !n.starts_with("ENABLE_")
}

/// `true`, `false` and the like: switches, not secrets.
fn boolean_word(v: &str) -> bool {
    matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "false" | "yes" | "no" | "on" | "off")
}

/// The value as a message may show it: the first 4 characters of a value of 12 or more
/// characters, then `***`; nothing of a shorter one.
fn mask(v: &str) -> String {
    if v.chars().count() >= 12 { format!("{}***", v.chars().take(4).collect::<String>()) } else { "***".to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_and_references() {
        assert!(literal_text(r#""Zq81vLm3Rt7Kp2Xw""#));
        assert!(literal_text(r#"sensitive("hunter2hunter2")"#));
        assert!(literal_text("<<EOT\nsecret\nEOT\n"));
        assert!(literal_text(r#""price$${x}""#));
        assert!(!literal_text(r#""${var.prefix}-Zq81""#));
        assert!(!literal_text(r#""%{if true}x%{endif}""#));
        assert!(!literal_text("var.db_password"));
        assert!(!literal_text("random_password.db.result"));
        assert!(!literal_text(r#"base64decode("aHVudGVyMg==")"#));
        assert!(!literal_text(r#"sensitive(var.x)"#));
    }

    #[test]
    fn secret_keys_of_kubernetes_secrets() {
        for key in ["password", "db-password", "api_token", "AWS_SECRET_ACCESS_KEY", ".dockerconfigjson", "redis_pass", "pwd"] {
            assert!(secret_key(key), "{key}");
        }
        for key in ["username", "host", "password_file", "token_ttl", "secret_name", "port", "pass_through"] {
            assert!(!secret_key(key), "{key}");
        }
    }

    #[test]
    fn module_arguments_named_for_secrets() {
        for key in ["password", "db_password", "master-password", "auth_token", "client_secret", "datadog_api_key", "aws_secret_key"] {
            assert!(module_secret_argument(key), "{key}");
        }
        for key in ["password_length", "secret_name", "create_random_password", "manage_master_user_password", "token_ttl", "kms_key_id"] {
            assert!(!module_secret_argument(key), "{key}");
        }
        assert!(boolean_word(" True"));
        assert!(!boolean_word("Zq81vLm3"));
    }

    #[test]
    fn masks_show_little() {
        assert_eq!(mask("Zq81vLm3Rt7Kp2Xw"), "Zq81***");
        assert_eq!(mask("hunter2"), "***");
        assert_eq!(mask("ééééééééééééé"), "éééé***");
    }
}

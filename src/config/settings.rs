//! Rule settings: values rules used to hard-code, now set in `[settings]` and
//! `[terraform.state]`. Rego policies read them from the data document
//! `data.stridegate.settings` ([`RuleSettings::rego_data`]); native checks receive them from the
//! engine. The defaults are the values the rules were written with.

use serde_json::{Value, json};
use toml::Spanned;

use super::{ConfigError, RawSettings, RawState};

/// Words that mark a security group or subnet as a data tier (TF-0004, TF-0026).
pub const DEFAULT_DATA_TIER_WORDS: [&str; 18] = [
    "db",
    "database",
    "rds",
    "aurora",
    "postgres",
    "postgresql",
    "pg",
    "mysql",
    "mariadb",
    "redis",
    "valkey",
    "memcached",
    "cache",
    "elasticache",
    "docdb",
    "mongo",
    "mongodb",
    "data",
];

/// Longest IAM role session accepted (IAM-0015), in seconds: 4 hours.
pub const DEFAULT_MAX_SESSION_DURATION: i64 = 14_400;

/// TLS cipher suites allowed (K8S-0040, K8S-0043, K8S-0044, TF-0011): seed threat model 003
/// §2.5, ECDHE with AES-GCM or CHACHA20-POLY1305 (RSA and ECDSA certificates) and the TLS 1.3
/// suites, in IANA and OpenSSL spellings.
pub const DEFAULT_TLS_CIPHERS: [&str; 15] = [
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-RSA-CHACHA20-POLY1305",
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
];

/// Which team owns which key prefixes of a Terraform state bucket (`[[terraform.state.owners]]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateOwner {
    /// Team name.
    pub team: String,
    /// State bucket.
    pub bucket: String,
    /// Key prefixes the team owns (`payments/`), without wildcards.
    pub prefixes: Vec<String>,
}

/// Settings of the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSettings {
    /// Words that mark a name or tag as a data tier, lowercase.
    pub data_tier_words: Vec<String>,
    /// Longest IAM role session accepted, in seconds.
    pub max_session_duration: i64,
    /// Allowed TLS cipher suites, uppercase.
    pub tls_ciphers: Vec<String>,
    /// Terraform state ownership (IAM-0020); empty when not configured.
    pub state_owners: Vec<StateOwner>,
}

impl Default for RuleSettings {
    fn default() -> Self {
        Self {
            data_tier_words: DEFAULT_DATA_TIER_WORDS.iter().map(|s| (*s).to_string()).collect(),
            max_session_duration: DEFAULT_MAX_SESSION_DURATION,
            tls_ciphers: DEFAULT_TLS_CIPHERS.iter().map(|s| (*s).to_string()).collect(),
            state_owners: Vec::new(),
        }
    }
}

impl RuleSettings {
    /// The data document Rego policies read as `data.stridegate.settings`.
    pub fn rego_data(&self) -> Value {
        json!({
            "stridegate": {
                "settings": {
                    "data_tier_words": self.data_tier_words,
                    "max_session_duration": self.max_session_duration,
                    "tls_ciphers": self.tls_ciphers,
                }
            }
        })
    }

    /// True when `label` names a data tier: one of its words (split at characters other than
    /// ASCII letters and digits, compared lowercase) is a data-tier word, or a data-tier word
    /// followed by `s` (`dbs`, `caches`). TF-0004's policy applies the same test in Rego.
    pub fn is_data_tier(&self, label: &str) -> bool {
        label
            .to_ascii_lowercase()
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .any(|w| self.data_tier_words.iter().any(|d| w == d || w.strip_suffix('s') == Some(d.as_str())))
    }
}

/// Reads `[settings]` and `[terraform.state]`.
pub(super) fn from_raw(
    raw: &RawSettings,
    state: &RawState,
    err: &impl Fn(std::ops::Range<usize>, String) -> ConfigError,
) -> Result<RuleSettings, ConfigError> {
    let mut s = RuleSettings::default();
    let nonempty = |list: &[Spanned<String>], what: &str| -> Result<(), ConfigError> {
        for item in list {
            if item.get_ref().trim().is_empty() {
                return Err(err(item.span(), format!("{what}: expected a non-empty string")));
            }
        }
        Ok(())
    };
    if let Some(words) = &raw.data_tier_words {
        nonempty(words, "data-tier-words")?;
        if let Some(w) = words.iter().find(|w| !w.get_ref().trim().chars().all(|c| c.is_ascii_alphanumeric())) {
            return Err(err(w.span(), format!("data-tier-words: `{}` is not one word of ASCII letters and digits", w.get_ref())));
        }
        s.data_tier_words = words.iter().map(|w| w.get_ref().trim().to_lowercase()).collect();
    }
    if let Some(d) = &raw.max_session_duration {
        // AWS accepts 3600 to 43200 seconds.
        if !(3600..=43_200).contains(d.get_ref()) {
            return Err(err(d.span(), format!("max-session-duration = {}: expected seconds between 3600 and 43200", d.get_ref())));
        }
        s.max_session_duration = *d.get_ref();
    }
    if let Some(ciphers) = &raw.tls_ciphers {
        nonempty(ciphers, "tls-ciphers")?;
        s.tls_ciphers = ciphers.iter().map(|c| c.get_ref().trim().to_uppercase()).collect();
    }
    for owner in &state.owners {
        let o = owner.get_ref();
        if o.team.trim().is_empty() || o.bucket.trim().is_empty() {
            return Err(err(owner.span(), "a state owner needs a non-empty `team` and `bucket`".into()));
        }
        if o.prefixes.is_empty() {
            return Err(err(owner.span(), format!("state owner `{}`: `prefixes` needs at least one key prefix", o.team)));
        }
        for p in &o.prefixes {
            let text = p.get_ref();
            if text.is_empty() || text.contains(['*', '?']) || text.starts_with('/') {
                return Err(err(
                    p.span(),
                    format!("state key prefix `{text}`: expected a key prefix without wildcards or a leading `/` (`payments/`)"),
                ));
            }
            // Two teams owning overlapping prefixes of a bucket would make ownership ambiguous.
            for other in s.state_owners.iter().filter(|x| x.bucket == o.bucket && x.team != o.team) {
                if let Some(q) = other.prefixes.iter().find(|q| q.starts_with(text.as_str()) || text.starts_with(q.as_str())) {
                    return Err(err(
                        p.span(),
                        format!("state key prefix `{text}` overlaps `{q}` of team `{}` in bucket `{}`", other.team, o.bucket),
                    ));
                }
            }
        }
        s.state_owners.push(StateOwner {
            team: o.team.clone(),
            bucket: o.bucket.clone(),
            prefixes: o.prefixes.iter().map(|p| p.get_ref().clone()).collect(),
        });
    }
    Ok(s)
}

# Shared facts about secrets for rules on any platform: which names hold a secret, which values
# are literal (rather than references, paths or switches), which values are placeholders, and
# which strings are recognisable credentials by their content.
#
# The name heuristics are K8S-0018's (secret in an environment variable); K8S-0049 (secret in a
# ConfigMap) and K8S-0050 (credential recognised by content) use the same ones, so the three
# rules agree on what counts as a secret-looking name and never report the same value twice.
package stridegate.lib.secrets

import rego.v1

# A secret-looking word, not followed by more letters (TOKENIZER or PASSWORDLESS do not count).
secret_word := `(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH_?KEY|SIGNING_?KEY|ENCRYPTION_?KEY|MASTER_?KEY)S?(_|$)`

# Short forms only count as a whole word at the end: DB_PASS, SMTP_PWD (but not PWD, the shell's
# working directory).
secret_short := `(^PASS|_PASS|_PWD)$`

# Names that describe where a secret is, or how it is used, rather than holding it.
descriptive_suffixes := {
	"_FILE", "_FILENAME", "_PATH", "_DIR", "_DIRECTORY", "_URL", "_URI", "_HOST", "_PORT",
	"_ENDPOINT", "_NAME", "_NAMESPACE", "_ID", "_REF", "_TTL", "_TIMEOUT", "_EXPIRY",
	"_EXPIRATION", "_LIFETIME", "_DURATION", "_AGE", "_INTERVAL", "_PERIOD", "_LENGTH", "_SIZE",
	"_BITS", "_HEADER", "_PREFIX", "_ENABLED", "_DISABLED", "_MODE", "_TYPE", "_KIND", "_FORMAT",
	"_ALGORITHM", "_ISSUER", "_AUDIENCE", "_VERSION", "_POLICY", "_PROVIDER", "_BACKEND",
	"_STORE", "_LOCATION", "_ARN", "_ROLE", "_SCOPE", "_SCOPES",
}

# Values made only of $(VAR) / ${VAR} references and separators hold no literal secret.
reference_only := `^[\s:@/;,.=_-]*((\$\([A-Za-z_][A-Za-z0-9_]*\)|\$\{[A-Za-z_][A-Za-z0-9_]*\})[\s:@/;,.=_-]*)+$`

boolean_words := {"TRUE", "FALSE", "YES", "NO", "ON", "OFF"}

# A file path (GOOGLE_APPLICATION_CREDENTIALS=/var/secrets/key.json) points at a secret.
file_path := `^(/|\./|~/)\S*$`

# A name (environment variable, ConfigMap key, file name) normalised for the patterns above:
# upper case, with `-` and `.` as `_` (`db.password` and `db-password` read as DB_PASSWORD).
normalized_name(name) := replace(replace(upper(name), "-", "_"), ".", "_")

# True when the name looks like it holds a secret (and does not merely describe one).
secret_like(name) if {
	is_string(name)
	n := normalized_name(name)
	looks_secret(n)
	not descriptive(n)
}

looks_secret(n) if regex.match(secret_word, n)

looks_secret(n) if regex.match(secret_short, n)

descriptive(n) if {
	some suffix in descriptive_suffixes
	endswith(n, suffix)
}

# True for a value that is written out literally: a number, or a non-empty string that is not
# only variable references, a boolean word or a file path.
literal(v) if is_number(v)

literal(v) if {
	is_string(v)
	s := trim_space(v)
	s != ""
	not regex.match(reference_only, s)
	not boolean_words[upper(s)]
	not regex.match(file_path, s)
}

# Values that say they are to be replaced rather than being a credential: `<password>`,
# `${DB_PASSWORD}`, `{{ .Values.x }}`, REPLACE_ME, TODO, xxxx, `...`, `***`.
placeholder_patterns := [
	`^<[^<>]*>$`,
	`^\$\{[^}]*\}$`,
	`^\{\{.*\}\}$`,
	`^(?i)(replace[_ -]?me|replace[_ -]?with.*|change[_ -]?me|todo|tbd|fixme|placeholder|redacted|none|null|nil|n/a|secret|password)$`,
	`^(?i)x{3,}$`,
	`^[.*]{3,}$`,
	`^(?i)(your|my)[_ -].*(here)?$`,
]

placeholder(v) if {
	is_string(v)
	s := trim_space(v)
	some p in placeholder_patterns
	regex.match(p, s)
}

# Credentials recognisable by their content, whatever they are called. Each pattern is
# specific enough to be reported on its own (a prefix issued by the vendor, a fixed structure).
# Counted repetitions use small ASCII classes: a negated class is Unicode-sized, and repeated
# a hundred times it exceeds the regex engine's size limit.
credential_patterns := {
	"a PEM private key": `-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----`,
	"an AWS access key id": `(^|[^A-Z0-9])(A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}([^A-Z0-9]|$)`,
	"a GitHub token": `(^|[^A-Za-z0-9_])(gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{60,255})([^A-Za-z0-9_]|$)`,
	"a GitLab token": `(^|[^A-Za-z0-9_-])gl(pat|dt|rt|ptt|cbt|oas)-[A-Za-z0-9_-]{20,64}([^A-Za-z0-9_-]|$)`,
	"a Slack token": `(^|[^A-Za-z0-9])xox[abposr]-[0-9]{6,}-[A-Za-z0-9-]{8,}`,
	"a Slack webhook URL": `https://hooks\.slack\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{16,}`,
	"a JSON Web Token": `(^|[^A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}`,
	"a Google API key": `(^|[^A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}([^A-Za-z0-9_-]|$)`,
	"a Stripe live secret key": `(^|[^A-Za-z0-9_])(sk|rk)_live_[0-9A-Za-z]{20,}`,
	"a password in a URL": `[A-Za-z][A-Za-z0-9+.-]{1,20}://[A-Za-z0-9._~%+-]{1,64}:[A-Za-z0-9._~%+!*#&=?^-]{3,128}@[A-Za-z0-9.-]{1,253}`,
}

# A `key=value` or `key: value` assignment whose key names a secret and whose value is a long
# literal mixing letters and digits (the generic high-entropy case: `--db-password=Zq81...`,
# `spring.datasource.password=...` in a properties file). Capture 2 is the value.
generic_assignment := `(?i)(^|[^A-Za-z0-9])([A-Za-z0-9_.-]*(password|passwd|secret|token|api[_.-]?key|access[_.-]?key|private[_.-]?key|client[_.-]?secret)["']?\s*[=:]\s*["']?)([A-Za-z0-9!#%&*+=?^_~.@/-]{12,128})`

# Fixed example credentials from vendor documentation are not secrets, and neither are URLs
# that show the format (`postgresql://login:password@hostname`, `http://admin:pass@localhost`).
documentation_examples := `(?i)(EXAMPLE|AKIAIOSFODNN7|wJalrXUtnFEMI|0123456789abcdef|abcdefghij|xxxxxxxx|dummy|sample|fake|changeme|:(my)?(password|passwd|pass|pwd|secret)@|@(localhost|127\.0\.0\.1|hostname|host)([:/]|$))`

# One pass that every credential above must pass (a marker each pattern requires, matched on the
# lower-cased value), so that the common value, which holds none, costs one small regex instead
# of a dozen. (Case-insensitive and Unicode-class patterns cost several times more per call.)
screen := `private key|akia|asia|a3t|abia|acca|gh[pousr]_|github_pat_|gl(pat|dt|rt|ptt|cbt|oas)-|xox[abposr]-|eyj|aiza|_live_|://|passw|secret|token|api[_.-]?key|access[_.-]?key`

# The value the patterns see: at most 64 KiB, so their cost is bounded per value.
bounded(v) := v if count(v) <= 65536

bounded(v) := substring(v, 0, 65536) if count(v) > 65536

# True when some of the texts may hold a credential: one screen over all of them (a resource's
# values joined), so a resource without any marker costs one regex call.
any_may_hold_credential(texts) if regex.match(screen, lower(concat("\n", texts)))

# True when some of the names may look like a secret (the words secret_word and secret_short
# need), tested on all names joined.
any_secret_like_name(names) if regex.match(`PASS|PWD|SECRET|TOKEN|KEY|CREDENTIAL`, normalized_name(concat("\n", names)))

# True when the string may hold a credential: the cheap test to run before credential_kind.
may_hold_credential(v) if {
	is_string(v)
	regex.match(screen, lower(bounded(v)))
}

# What kind of credential the string holds, by content; undefined when none is recognised.
# Callers test may_hold_credential first (most values stop there).
credential_kind(v) := kind if {
	is_string(v)
	s := bounded(v)
	kinds := [k | some k, p in credential_patterns; regex.match(p, s); not example_only(p, s)]
	count(kinds) > 0
	kind := sort(kinds)[0]
} else := "a secret-looking assignment" if {
	is_string(v)
	s := bounded(v)
	some m in regex.find_all_string_submatch_n(generic_assignment, s, 16)
	high_entropy_like(m[4])
	not regex.match(documentation_examples, m[4])
	not regex.match(`(?i)^(true|false|null|none|required|optional|enabled|disabled)$`, m[4])
}

# Every match of the pattern is a documentation example (AKIAIOSFODNN7EXAMPLE and the like).
example_only(p, s) if {
	matches := regex.find_n(p, s, 16)
	every m in matches {
		regex.match(documentation_examples, m)
	}
}

# A value that looks generated rather than written: letters and digits mixed, not a path, a
# URL, a file name, a domain or a reference.
high_entropy_like(v) if {
	regex.match(`[0-9]`, v)
	regex.match(`[A-Za-z]`, v)
	not regex.match(`^[a-z]+([-_.][a-z0-9]+)*$`, v)
	not regex.match(`[/\\]`, v)
	not regex.match(`\.(json|ya?ml|pem|crt|key|txt|conf|properties|xml|env)$`, v)
	count(regex.find_n(`[0-9]`, v, -1)) >= 2
}

# The value as a message may show it: its first 4 characters and `***`, never the secret.
mask(v) := sprintf("%s***", [substring(v, 0, 4)]) if is_string(v)

# A literal string that looks like a real credential rather than a word, a placeholder or a
# reference: 8 to 4096 characters without spaces, letters mixed with digits (or upper and lower
# case with symbols), not a placeholder, documentation example, URL, ARN, path or file name.
credential_like_literal(v) if {
	is_string(v)
	s := trim_space(v)
	count(s) >= 8
	count(s) <= 4096
	not regex.match(`\s`, s)
	literal(s)
	not placeholder(s)
	not regex.match(documentation_examples, s)
	not regex.match(`(?i)(^arn:|://|^[a-z0-9.-]+\.(com|net|org|io|local|internal)$|\.(json|ya?ml|pem|crt|key|txt|conf|p12|pfx)$|^(projects|organizations)/)`, s)
	not regex.match(`(?i)(placeholder|changeme|change_me|replace|example|dummy|fake|mock|sample|test|default)`, s)
	mixed_characters(s)
}

mixed_characters(s) if {
	regex.match(`[0-9]`, s)
	regex.match(`[A-Za-z]`, s)
}

mixed_characters(s) if {
	regex.match(`[a-z]`, s)
	regex.match(`[A-Z]`, s)
	regex.match(`[^A-Za-z0-9]`, s)
}

# METADATA
# id: K8S-0035
# name: ingress-without-tls
# title: Ingress serves a host without TLS
# severity: medium
# since: "0.1.0"
# stride: [information-disclosure, tampering, spoofing]
# applies_to:
#   platform: kubernetes
#   kinds: [Ingress]
# what: >-
#   Finds Ingress rules whose `host` no `tls` entry covers (pointing at the host), rules without a
#   host when the Ingress has no `tls` entry at all (pointing at the rule), and an Ingress with
#   only a default backend and no `tls` (pointing at the backend). A `tls` entry covers the hosts
#   it lists, a wildcard such as `*.example.com` covers one label, and an entry without hosts
#   covers every host (the controller's default certificate).
# why: >-
#   Without TLS the ingress controller serves the host over plain HTTP: credentials, session
#   cookies and data cross the internet in clear text, and anyone on the path can read or change
#   them or impersonate the site.
# fix: >-
#   Add a `tls` entry listing the host and the Secret holding its certificate (cert-manager can
#   issue and renew it), and redirect HTTP to HTTPS in the ingress controller.
# references:
#   - https://kubernetes.io/docs/concepts/services-networking/ingress/#tls
# control: "seed 003 §2.2 Ambassador Edge Stack with TLS: the ingress terminates TLS so all communication between clients and the server is encrypted"
# controls: ["tls", "https", "secure communication", "encrypted in transit"]
package stridegate.rules.k8s_0035

import rego.v1

spec := input.spec if {
	is_object(input.spec)
	not is_unknown(input.spec)
}

# The tls entries, when they can be read (absent is none; unknown or malformed: undefined).
tls := [t | some t in spec.tls; is_object(t)] if {
	is_array(spec.tls)
	not unreadable_tls
} else := [] if {
	object.get(spec, "tls", null) == null
}

unreadable_tls if {
	some t in spec.tls
	not is_object(t)
}

unreadable_tls if {
	some t in spec.tls
	is_unknown(t)
}

unreadable_tls if {
	some t in spec.tls
	is_object(t)
	hosts := object.get(t, "hosts", null)
	hosts != null
	not readable_hosts(hosts)
}

readable_hosts(hosts) if {
	is_array(hosts)
	every h in hosts {
		is_string(h)
	}
}

deny contains {"msg": msg, "path": ["spec", "rules", i, "host"]} if {
	_ = tls
	some i, rule in rules
	host := rule.host
	is_string(host)
	not covered(host)
	msg := sprintf("host %q is served without TLS: no tls entry lists it", [host])
}

deny contains {"msg": "rule without a host is served without TLS: the Ingress has no tls entry", "path": ["spec", "rules", i]} if {
	count(tls) == 0
	some i, rule in rules
	object.get(rule, "host", null) == null
}

deny contains {"msg": "default backend is served without TLS: the Ingress has no tls entry", "path": ["spec", field]} if {
	count(tls) == 0
	count(rules) == 0
	some field in ["defaultBackend", "backend"]
	is_object(spec[field])
}

rules := {i: r | some i, r in spec.rules; is_object(r); not is_unknown(r)} if {
	is_array(spec.rules)
} else := {}

# A tls entry without hosts covers every host.
covered(_) if {
	some t in tls
	no_hosts(object.get(t, "hosts", null))
}

no_hosts(x) if x == null

no_hosts(hosts) if {
	is_array(hosts)
	count(hosts) == 0
}

covered(host) if {
	some t in tls
	hosts := t.hosts
	is_array(hosts)
	some h in hosts
	is_string(h)
	matches(lower(h), lower(host))
}

matches(h, host) if h == host

matches(h, host) if {
	startswith(h, "*.")
	not startswith(host, "*.")
	endswith(host, trim_prefix(h, "*"))
	count(split(host, ".")) == count(split(h, "."))
}

is_unknown(x) if {
	is_object(x)
	count(x) == 1
	_ = x["$unknown"]
}

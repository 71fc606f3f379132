# METADATA
# id: K8S-0022
# name: network-policy-allows-all
# title: NetworkPolicy rule allows traffic from or to any peer
# severity: high
# since: "0.1.0"
# stride: [information-disclosure, tampering, lateral-movement]
# applies_to:
#   platform: kubernetes
#   kinds: ["NetworkPolicy"]
# what: >-
#   Finds NetworkPolicy ingress rules with no `from` peers (an empty rule `{}`, a rule with only
#   `ports`, or `from: []`) and egress rules with no `to` peers, which match every peer, as well
#   as `ipBlock.cidr` peers covering the whole address space (0.0.0.0/0, ::/0), even when
#   `except` carves ranges out of them. A rule limited to some ports is reported with medium
#   severity. Default-deny policies (`ingress: []` or no rules) and rule lists for policy types
#   the policy does not declare in `policyTypes` are not reported.
# why: >-
#   Pods accept traffic from everywhere until a policy selects them; the point of selecting them
#   is to admit only the peers that need access. A rule without peers re-opens the selected pods
#   to every pod in every namespace and to any external address that can route to the cluster,
#   so one compromised workload can reach them and move laterally; an unrestricted egress rule
#   lets a compromised pod reach any service or exfiltrate data anywhere.
# fix: >-
#   List the peers that need access with `podSelector`, `namespaceSelector` or a narrow
#   `ipBlock`, and keep `ports` on every rule. Start from a default-deny policy (`podSelector: {}`
#   with an empty rule list) and add one rule per legitimate flow.
# references:
#   - https://kubernetes.io/docs/concepts/services-networking/network-policies/
#   - https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies
# control: "seed 003 §1.1 Network policies: connections between pods are blocked by default and enabled only where necessary"
# controls: ["network policies", "network policy", "networkpolicies"]
package stridegate.rules.k8s_0022

import data.stridegate.lib.kubernetes as k8s
import rego.v1

directions := {
	"ingress": {"type": "Ingress", "peers": "from", "verb": "admits", "all": "every source (all pods in all namespaces and any external address)"},
	"egress": {"type": "Egress", "peers": "to", "verb": "allows", "all": "every destination (all pods in all namespaces and any external address)"},
}

policy_types := input.spec.policyTypes

# A rule list only takes effect for the policy types the policy declares; when `policyTypes` is
# absent, Ingress always applies and Egress applies when egress rules exist.
enforced(d) if not is_array(policy_types)

enforced(d) if {
	is_array(policy_types)
	directions[d].type in policy_types
}

# The rules of each direction in force, as [index, rule], computed once per object (a
# function would be evaluated again by each deny body).
rule_lists[d] := [[i, rule] |
	enforced(d)
	list := input.spec[d]
	is_array(list)
	some i, rule in list
] if {
	some d, _ in directions
}

no_peers(rule, key) if rule == null

no_peers(rule, key) if {
	is_object(rule)
	not rule[key]
}

no_peers(rule, key) if {
	is_object(rule)
	rule[key] == null
}

no_peers(rule, key) if {
	is_object(rule)
	rule[key] == []
}

ports_of(rule) := [] if not is_object(rule)

ports_of(rule) := object.get(rule, "ports", []) if is_object(rule)

restricted_ports(rule) if {
	ports := ports_of(rule)
	is_array(ports)
	count(ports) > 0
}

restricted_ports(rule) if k8s.is_unknown(ports_of(rule))

port_text(p) := sprintf("%v/%v-%v", [object.get(p, "protocol", "TCP"), p.port, p.endPort]) if {
	p.port != null
	p.endPort != null
} else := sprintf("%v/%v", [object.get(p, "protocol", "TCP"), p.port]) if {
	p.port != null
} else := sprintf("all %v ports", [object.get(p, "protocol", "TCP")]) if {
	is_object(p)
} else := "an unresolved port"

ports_text(rule) := "all ports" if not restricted_ports(rule)

ports_text(rule) := "unresolved ports" if k8s.is_unknown(ports_of(rule))

ports_text(rule) := sprintf("port %s", [port_text(ports[0])]) if {
	ports := ports_of(rule)
	is_array(ports)
	count(ports) == 1
}

ports_text(rule) := sprintf("ports %s", [concat(", ", [port_text(p) | some p in ports])]) if {
	ports := ports_of(rule)
	is_array(ports)
	count(ports) > 1
}

severity(rule) := "medium" if restricted_ports(rule)

severity(rule) := "high" if not restricted_ports(rule)

# A rule without peers matches every peer.
deny contains {"msg": msg, "path": path, "severity": severity(rule)} if {
	some d, dir in directions
	some [i, rule] in rule_lists[d]
	not k8s.is_unknown(rule)
	no_peers(rule, dir.peers)
	msg := sprintf("%s[%d] has no `%s` peers, so it %s %s on %s", [d, i, dir.peers, dir.verb, dir.all, ports_text(rule)])
	path := ["spec", d, i]
}

# An ipBlock covering a whole address family.
deny contains {"msg": msg, "path": path} if {
	some d, dir in directions
	some [i, rule] in rule_lists[d]
	is_object(rule)
	peers := rule[dir.peers]
	is_array(peers)
	some j, peer in peers
	cidr := peer.ipBlock.cidr
	is_string(cidr)
	block := trim_space(cidr)
	endswith(block, "/0")
	msg := sprintf("%s[%d] %s the whole address space %s on %s%s", [d, i, dir.verb, block, ports_text(rule), except_text(peer.ipBlock)])
	path := ["spec", d, i, dir.peers, j, "ipBlock", "cidr"]
}

except_text(block) := sprintf(" (its `except` list only carves out %d range(s))", [count(block.except)]) if {
	is_array(block.except)
	count(block.except) > 0
} else := ""

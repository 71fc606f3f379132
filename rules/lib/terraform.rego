# Shared helpers for Terraform rules.
#
# Rules evaluate one Terraform resource instance at a time. `input` is its configuration after
# evaluation: attributes are keys, nested blocks are arrays of objects (as in plan JSON, even
# when written once), `dynamic` blocks are expanded, meta-arguments (count, for_each,
# depends_on, provider, lifecycle) are removed. A value stridegate cannot know (a reference to
# another resource's attribute, a variable without a value) is {"$unknown": "<reference>"}:
# never report a violation from it. input["$kind"] is the resource type (`aws_iam_access_key`,
# `data.aws_iam_policy_document`, `backend.s3`, `module`), for rules that apply to several.
package stridegate.lib.terraform

import rego.v1

# True when x is the in-band marker for a value that cannot be known.
is_unknown(x) if {
	is_object(x)
	count(x) == 1
	_ = x["$unknown"]
}

# True when x is known and not null.
known(x) if {
	x != null
	not is_unknown(x)
}

# The attribute's value, or `fallback` when it is absent or null (the provider default).
attr(obj, name, fallback) := v if {
	v := obj[name]
	v != null
} else := fallback

# The nested blocks `name` of obj, as a list of [index, block] pairs ([] when absent or unknown,
# or when obj is not an object).
blocks(obj, name) := [[i, b] |
	is_object(obj)
	list := object.get(obj, name, [])
	is_array(list)
	some i, b in list
	is_object(b)
	not is_unknown(b)
]

# The IPv4 and IPv6 "anywhere" ranges.
anywhere := {"0.0.0.0/0", "::/0"}

# True when the list of CIDRs (possibly unknown) contains an "anywhere" range.
any_anywhere(cidrs) if {
	is_array(cidrs)
	some c in cidrs
	anywhere[c]
}

any_anywhere(cidr) if {
	is_string(cidr)
	anywhere[cidr]
}

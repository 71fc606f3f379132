# METADATA
# id: K8S-0037
# name: windows-host-process
# title: Windows container runs as a HostProcess container
# severity: critical
# since: "0.1.0"
# stride: [elevation-of-privilege, tampering, lateral-movement]
# applies_to:
#   platform: kubernetes
#   kinds: ["@workloads"]
# what: >-
#   Finds `windowsOptions.hostProcess: true` in the pod-level securityContext or in the
#   securityContext of a container, init container or ephemeral container, pointing at the field.
# why: >-
#   A Windows HostProcess container runs directly on the node, in the host's network and
#   process namespaces, with access to the node's filesystem and, as SYSTEM or an administrator
#   account, full control of it. It is the Windows equivalent of a privileged container: a
#   compromised application owns the node and every pod on it.
# fix: >-
#   Remove `hostProcess: true`. Only node-management components (CNI, CSI and log agents) need
#   HostProcess containers; run them in a dedicated namespace whose Pod Security level is
#   `privileged`, with a least-privileged `runAsUserName` such as `NT AUTHORITY\LocalService`.
# references:
#   - https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
#   - https://kubernetes.io/docs/tasks/configure-pod-container/create-hostprocess-pod/
# control: "seed 003 §1.2 Pod security policies: pods cannot start with privileges that reach the host"
# controls: ["hostprocess", "host process"]
package stridegate.rules.k8s_0037

import data.stridegate.lib.kubernetes as k8s
import rego.v1

deny contains {"msg": "the pod runs its containers as Windows HostProcess containers", "path": path} if {
	sc := k8s.pod_security_context
	not k8s.is_unknown(sc)
	options := object.get(sc, "windowsOptions", null)
	is_object(options)
	options.hostProcess == true
	path := array.concat(k8s.pod_security_context_path, ["windowsOptions", "hostProcess"])
}

deny contains {"msg": msg, "path": path} if {
	some c in k8s.containers
	options := c.obj.securityContext.windowsOptions
	is_object(options)
	not k8s.is_unknown(options)
	options.hostProcess == true
	msg := sprintf("%s runs as a Windows HostProcess container", [c.description])
	path := array.concat(c.path, ["securityContext", "windowsOptions", "hostProcess"])
}

# METADATA
# id: K8S-0007
# name: host-path-volume
# title: Pod mounts a directory or file of the node with hostPath
# severity: high
# since: "0.1.0"
# stride: [elevation-of-privilege, tampering, information-disclosure, lateral-movement]
# applies_to:
#   platform: kubernetes
#   kinds: ["@workloads"]
# what: >-
#   Finds every volume of a pod or pod template that is a `hostPath` volume. A host path that
#   hands over the node outright is reported as critical: the root directory, /etc, /proc, /root,
#   the kubelet's directory, /run or /var/run, the Docker, containerd and CRI-O sockets, and any
#   directory that contains one of them (such as /var).
# why: >-
#   A hostPath volume exposes part of the node's filesystem to the container, outside any
#   isolation the runtime provides. Depending on the path and the mount mode, a compromised
#   container can read other pods' secrets and the kubelet's credentials, plant files the node
#   later executes (cron jobs, systemd units, SSH keys), or talk to the container runtime's socket
#   to start a privileged container of its own. Each of these is a way out of the container and
#   onto the node, and from there to every workload scheduled on it.
# fix: >-
#   Replace the hostPath volume with a volume type that does not reach the node: `emptyDir` for
#   scratch space, a PersistentVolumeClaim for durable data, a ConfigMap, Secret or projected
#   volume for configuration, or a CSI driver. If node access is truly needed (a log collector,
#   a CSI node plugin), mount the narrowest path read-only and run the workload in a dedicated,
#   restricted namespace.
# references:
#   - https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
#   - https://kubernetes.io/docs/concepts/storage/volumes/#hostpath
# control: "seed 003 §1.2 Pod security policies: pods cannot start with privileges that reach the host"
# mirrors: ["trivy:KSV-0023"]
# controls: ["hostpath", "host path", "host filesystem"]
package stridegate.rules.k8s_0007

import data.stridegate.lib.kubernetes as k8s
import rego.v1

# Host paths whose exposure amounts to control of the node.
critical_paths := {
	"/",
	"/etc",
	"/proc",
	"/root",
	"/run",
	"/var/run",
	"/var/lib/kubelet",
	"/var/run/docker.sock",
	"/run/docker.sock",
	"/run/containerd/containerd.sock",
	"/var/run/containerd/containerd.sock",
	"/run/crio/crio.sock",
	"/var/run/crio/crio.sock",
}

deny contains {"msg": msg, "path": path, "severity": severity} if {
	volumes := k8s.pod_spec.volumes
	is_array(volumes)
	some i, volume in volumes
	is_object(volume)
	host_path := volume.hostPath
	is_object(host_path)
	not k8s.is_unknown(host_path)
	msg := message(volume)
	severity := severity_of(host_path)
	path := array.concat(k8s.pod_spec_path, ["volumes", i, "hostPath"])
}

message(volume) := sprintf("volume %q mounts host path %q", [k8s.as_text(object.get(volume, "name", "")), volume.hostPath.path]) if {
	is_string(volume.hostPath.path)
}

message(volume) := sprintf("volume %q mounts a path of the node", [k8s.as_text(object.get(volume, "name", ""))]) if {
	not is_string(volume.hostPath.path)
}

severity_of(host_path) := "critical" if exposes_critical(normalize(host_path.path))

severity_of(host_path) := "high" if not exposes_critical(normalize(host_path.path))

# The path is a critical path or a directory above one ("/var" holds /var/run/docker.sock).
exposes_critical(p) if critical_paths[p]

exposes_critical(p) if {
	some critical in critical_paths
	startswith(critical, concat("", [p, "/"]))
}

# "/etc/" -> "/etc", "//var//run" -> "/var/run"; "/" stays "/".
normalize(p) := "/" if {
	is_string(p)
	parts := [s | some s in split(p, "/"); s != ""; s != "."]
	count(parts) == 0
}

normalize(p) := concat("", ["/", concat("/", parts)]) if {
	is_string(p)
	parts := [s | some s in split(p, "/"); s != ""; s != "."]
	count(parts) > 0
}

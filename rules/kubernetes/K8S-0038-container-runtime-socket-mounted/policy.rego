# METADATA
# id: K8S-0038
# name: container-runtime-socket-mounted
# title: Pod mounts the container runtime's socket from the node
# severity: high
# since: "0.1.0"
# stride: [elevation-of-privilege, tampering, information-disclosure, lateral-movement]
# applies_to:
#   platform: kubernetes
#   kinds: ["@workloads"]
# what: >-
#   Finds `hostPath` volumes whose path is the Docker, containerd, CRI-O, cri-dockerd, k3s or
#   Podman API socket, or the run directory that holds it (`/var/run`, `/run`,
#   `/run/containerd`...), pointing at the volume's `path`. Directories further up (`/`, `/var`)
#   are reported by K8S-0007 as critical host paths.
# why: >-
#   The runtime socket is the node's container API without authentication: whoever can write to
#   it starts a privileged container with the node's root filesystem mounted, reads every
#   container's environment and files, and execs into any pod on the node, outside Kubernetes'
#   admission control and audit log.
# fix: >-
#   Do not mount the runtime socket. Build images with a daemonless builder (BuildKit rootless,
#   kaniko, buildah), and read container metadata through the Kubernetes API or the kubelet's
#   read-only endpoints. An agent that truly needs the socket belongs in a dedicated namespace
#   with its own node pool.
# references:
#   - https://kubernetes.io/docs/concepts/storage/volumes/#hostpath
#   - https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
# control: "seed 003 §1.2 Pod security policies: pods cannot start with privileges that reach the host"
# mirrors: ["kube-linter:docker-sock"]
# controls: ["docker socket", "container runtime socket", "hostpath", "host path"]
package stridegate.rules.k8s_0038

import data.stridegate.lib.kubernetes as k8s
import rego.v1

# Runtime API sockets and the directories that hold them directly.
runtime_paths := {
	"/var/run/docker.sock",
	"/run/docker.sock",
	"/var/run/docker",
	"/run/docker",
	"/var/run/containerd/containerd.sock",
	"/run/containerd/containerd.sock",
	"/var/run/containerd",
	"/run/containerd",
	"/var/run/crio/crio.sock",
	"/run/crio/crio.sock",
	"/var/run/crio",
	"/run/crio",
	"/var/run/cri-dockerd.sock",
	"/run/cri-dockerd.sock",
	"/run/k3s/containerd/containerd.sock",
	"/run/k3s/containerd",
	"/run/podman/podman.sock",
	"/run/podman",
	"/var/run",
	"/run",
}

deny contains {"msg": msg, "path": path} if {
	volumes := k8s.pod_spec.volumes
	is_array(volumes)
	some i, volume in volumes
	is_object(volume)
	host_path := volume.hostPath
	is_object(host_path)
	not k8s.is_unknown(host_path)
	written := host_path.path
	is_string(written)
	runtime_paths[normalize(written)]
	msg := sprintf("volume %q mounts the container runtime's socket from the node (%s)", [k8s.as_text(object.get(volume, "name", "")), written])
	path := array.concat(k8s.pod_spec_path, ["volumes", i, "hostPath", "path"])
}

# "/var/run/" -> "/var/run", "//run//containerd/./" -> "/run/containerd"; "/" stays "/".
normalize(p) := concat("", ["/", concat("/", [s | some s in split(p, "/"); s != ""; s != "."])])

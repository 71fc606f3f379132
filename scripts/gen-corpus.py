#!/usr/bin/env python3
"""Generate a deterministic corpus of Kubernetes manifests for benchmarks and load tests.

Usage: gen-corpus.py OUTDIR [COUNT] [--seed SEED] [--force]

Writes COUNT (default 10000) manifests, one object per file, as OUTDIR/<namespace>/<file>.yaml:
roughly one third each of Deployments (two containers with probes, resources and varied
securityContexts, some violating common rules: privileged, host namespaces, hostPath,
added capabilities, missing limits, :latest images...), Services (ClusterIP, NodePort,
LoadBalancer) and NetworkPolicies, spread over 20 namespaces.

Output is deterministic: object i depends only on (SEED, i), so a corpus of 1000 is the first
1000 objects of a corpus of 10000. Standard library only.
"""

import argparse
import json
import os
import random
import re
import sys

NAMESPACES = [
    "payments", "checkout", "catalog", "search", "accounts", "identity", "orders", "shipping",
    "inventory", "pricing", "reviews", "recommendations", "notifications", "analytics",
    "reporting", "billing", "frontend", "gateway", "monitoring", "batch",
]
APPS = [
    "api", "web", "worker", "scheduler", "indexer", "cache-warmer", "exporter", "consumer",
    "producer", "admin", "graphql", "grpc-gateway", "auth", "sync", "importer", "renderer",
]
TEAMS = ["platform", "core", "growth", "data", "sre", "security", "mobile"]
APP_IMAGES = [
    ("registry.example.com/{ns}/{app}", ["1.4.2", "2.0.0", "2.1.7", "3.12.0", "0.9.31"]),
    ("ghcr.io/example/{app}", ["v1.8.0", "v1.9.3", "v2.0.0-rc.1"]),
    ("docker.io/library/nginx", ["1.27.1", "1.25.4-alpine"]),
    ("docker.io/library/python", ["3.12-slim", "3.11.9-slim-bookworm"]),
]
SIDECARS = [
    ("envoy", "docker.io/envoyproxy/envoy", ["v1.30.2", "v1.31.0"], 9901),
    ("fluent-bit", "cr.fluentbit.io/fluent/fluent-bit", ["3.0.7", "2.2.3"], 2020),
    ("oauth2-proxy", "quay.io/oauth2-proxy/oauth2-proxy", ["v7.6.0"], 4180),
    ("statsd-exporter", "docker.io/prom/statsd-exporter", ["v0.26.1"], 9102),
]

PLAIN = re.compile(r"^[A-Za-z0-9_./][A-Za-z0-9_./:@-]*$")
NUMERIC = re.compile(r"^[-+]?(\.?[0-9]|0x|0o)")
RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def scalar(v):
    """A YAML scalar; strings are double-quoted (JSON syntax) unless plainly safe."""
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, dict):
        return "{}"
    if isinstance(v, list):
        return "[]"
    s = str(v)
    # Strings starting like a number are quoted (YAML 1.1 readers also see `1:30` or `010` as numbers).
    if PLAIN.match(s) and not NUMERIC.match(s) and s.lower() not in RESERVED:
        return s
    return json.dumps(s)


def emit(obj, indent=0):
    """Block-style YAML lines for a dict or list (Kubernetes' usual layout)."""
    pad = " " * indent
    lines = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, (dict, list)) and v:
                lines.append(f"{pad}{k}:")
                lines.extend(emit(v, indent + 2))
            else:
                lines.append(f"{pad}{k}: {scalar(v)}")
    else:
        for item in obj:
            if isinstance(item, dict) and item:
                sub = emit(item, indent + 2)
                sub[0] = f"{pad}- {sub[0][indent + 2:]}"
                lines.extend(sub)
            else:
                lines.append(f"{pad}- {scalar(item)}")
    return lines


def labels(app, ns, rng):
    out = {
        "app.kubernetes.io/name": app,
        "app.kubernetes.io/part-of": ns,
        "app.kubernetes.io/managed-by": rng.choice(["helm", "kustomize", "argocd"]),
        "team": rng.choice(TEAMS),
    }
    if rng.random() < 0.5:
        out["environment"] = rng.choice(["prod", "staging"])
    return out


def probe(rng, port):
    if rng.random() < 0.7:
        p = {"httpGet": {"path": rng.choice(["/healthz", "/ready", "/livez", "/health"]), "port": port}}
    else:
        p = {"tcpSocket": {"port": port}}
    p.update({
        "initialDelaySeconds": rng.choice([0, 5, 10, 15, 30]),
        "periodSeconds": rng.choice([5, 10, 20]),
        "timeoutSeconds": rng.choice([1, 2, 5]),
        "failureThreshold": rng.choice([3, 5, 6]),
    })
    return p


def resources(rng):
    cpu = rng.choice([50, 100, 200, 250, 500, 1000])
    mem = rng.choice([64, 128, 256, 512, 1024, 2048])
    r = {"requests": {"cpu": f"{cpu}m", "memory": f"{mem}Mi"}}
    roll = rng.random()
    if roll < 0.75:
        r["limits"] = {"cpu": f"{cpu * 2}m", "memory": f"{mem * 2}Mi"}
    elif roll < 0.85:
        r["limits"] = {"memory": f"{mem}Mi"}
    elif roll < 0.92:
        r = {}  # no requests, no limits (violation)
    # else: requests only (violation of limit rules)
    return r


def container_security(rng, violations):
    """A container securityContext: mostly hardened, sometimes missing or dangerous."""
    roll = rng.random()
    if roll < 0.55:
        sc = {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
        }
        if rng.random() < 0.4:
            sc["runAsUser"] = rng.choice([1000, 10001, 65532])
    elif roll < 0.75:
        sc = {"allowPrivilegeEscalation": False, "runAsNonRoot": True}
    elif roll < 0.87:
        sc = None  # missing entirely
    elif roll < 0.91:
        sc = {"privileged": True}
        violations.append("privileged")
    elif roll < 0.95:
        sc = {"capabilities": {"add": [rng.choice(["NET_ADMIN", "SYS_ADMIN", "SYS_PTRACE", "NET_RAW"])]}}
        violations.append("capabilities")
    elif roll < 0.98:
        sc = {"allowPrivilegeEscalation": True, "runAsUser": 0}
        violations.append("root")
    else:
        sc = {"privileged": True, "runAsUser": 0, "runAsNonRoot": False}
        violations.append("privileged")
    return sc


def image(rng, ns, app, violations):
    repo, tags = rng.choice(APP_IMAGES)
    repo = repo.format(ns=ns, app=app)
    roll = rng.random()
    if roll < 0.05:
        violations.append("latest")
        return f"{repo}:latest"
    if roll < 0.08:
        violations.append("untagged")
        return repo
    if roll < 0.15:
        return f"{repo}@sha256:{rng.getrandbits(256):064x}"
    return f"{repo}:{rng.choice(tags)}"


def deployment(rng, ns, name, app):
    violations = []
    port = rng.choice([8080, 8000, 3000, 9000, 5000])
    lab = labels(app, ns, rng)
    env = [
        {"name": "LOG_LEVEL", "value": rng.choice(["info", "debug", "warn"])},
        {"name": "PORT", "value": str(port)},
        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
    ]
    if rng.random() < 0.4:
        env.append({"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": {"name": f"{app}-db", "key": "url"}}})
    if rng.random() < 0.03:
        env.append({"name": "API_TOKEN", "value": f"tok_{rng.getrandbits(96):024x}"})
        violations.append("secret-in-env")
    app_container = {
        "name": app,
        "image": image(rng, ns, app, violations),
        "imagePullPolicy": rng.choice(["IfNotPresent", "Always"]),
        "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}],
        "env": env,
        "resources": resources(rng),
        "livenessProbe": probe(rng, port),
        "readinessProbe": probe(rng, port),
        "volumeMounts": [
            {"name": "config", "mountPath": "/etc/app", "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }
    sc = container_security(rng, violations)
    if sc is not None:
        app_container["securityContext"] = sc
    side_name, side_repo, side_tags, side_port = rng.choice(SIDECARS)
    sidecar = {
        "name": side_name,
        "image": f"{side_repo}:{rng.choice(side_tags)}",
        "args": ["--log-level", "info"] if side_name != "fluent-bit" else ["-c", "/fluent-bit/etc/fluent-bit.conf"],
        "ports": [{"name": "admin", "containerPort": side_port}],
        "resources": resources(rng),
        "readinessProbe": probe(rng, side_port),
    }
    if rng.random() < 0.6:
        sidecar["livenessProbe"] = probe(rng, side_port)
    sc = container_security(rng, violations)
    if sc is not None:
        sidecar["securityContext"] = sc
    volumes = [
        {"name": "config", "configMap": {"name": f"{name}-config"}},
        {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
    ]
    pod_spec = {
        "serviceAccountName": rng.choice([name, "default", f"{app}-sa"]),
    }
    if rng.random() < 0.6:
        pod_spec["automountServiceAccountToken"] = False
    roll = rng.random()
    if roll < 0.6:
        pod_spec["securityContext"] = {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "fsGroup": 10001,
            "seccompProfile": {"type": "RuntimeDefault"},
        }
    elif roll < 0.8:
        pod_spec["securityContext"] = {"fsGroup": 2000}
    roll = rng.random()
    if roll < 0.02:
        pod_spec["hostNetwork"] = True
        violations.append("hostNetwork")
    elif roll < 0.035:
        pod_spec["hostPID"] = True
        violations.append("hostPID")
    elif roll < 0.045:
        pod_spec["hostIPC"] = True
        violations.append("hostIPC")
    if rng.random() < 0.02:
        volumes.append({"name": "docker-sock", "hostPath": {"path": "/var/run/docker.sock", "type": "Socket"}})
        sidecar.setdefault("volumeMounts", []).append({"name": "docker-sock", "mountPath": "/var/run/docker.sock"})
        violations.append("hostPath")
    pod_spec["containers"] = [app_container, sidecar]
    pod_spec["volumes"] = volumes
    if rng.random() < 0.3:
        pod_spec["affinity"] = {
            "podAntiAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [{
                    "weight": 100,
                    "podAffinityTerm": {
                        "labelSelector": {"matchLabels": {"app.kubernetes.io/name": app}},
                        "topologyKey": "kubernetes.io/hostname",
                    },
                }],
            },
        }
    annotations = {"deployment.kubernetes.io/revision": str(rng.randint(1, 40))}
    if rng.random() < 0.3:
        annotations["prometheus.io/scrape"] = "true"
        annotations["prometheus.io/port"] = str(side_port)
    obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns, "labels": lab, "annotations": annotations},
        "spec": {
            "replicas": rng.choice([1, 2, 3, 3, 5]),
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": {"app.kubernetes.io/name": app, "app.kubernetes.io/instance": name}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": {**lab, "app.kubernetes.io/instance": name}},
                "spec": pod_spec,
            },
        },
    }
    return obj, violations


def service(rng, ns, name, app):
    roll = rng.random()
    port = rng.choice([8080, 8000, 3000, 9000, 5000])
    spec = {
        "selector": {"app.kubernetes.io/name": app, "app.kubernetes.io/instance": name},
        "ports": [{"name": "http", "port": 80, "targetPort": port, "protocol": "TCP"}],
    }
    violations = []
    if roll < 0.8:
        spec["type"] = "ClusterIP"
    elif roll < 0.92:
        spec["type"] = "NodePort"
        spec["ports"][0]["nodePort"] = rng.randint(30000, 32767)
        violations.append("nodePort")
    else:
        spec["type"] = "LoadBalancer"
        if rng.random() < 0.5:
            spec["loadBalancerSourceRanges"] = ["10.0.0.0/8"]
        else:
            violations.append("public-lb")
    if rng.random() < 0.3:
        spec["ports"].append({"name": "metrics", "port": 9090, "targetPort": 9090, "protocol": "TCP"})
    obj = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": ns, "labels": labels(app, ns, rng)},
        "spec": spec,
    }
    return obj, violations


def network_policy(rng, ns, name, app):
    roll = rng.random()
    violations = []
    if roll < 0.25:
        spec = {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    elif roll < 0.9:
        spec = {
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": app}},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{
                "from": [
                    {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": rng.choice(["gateway", "frontend", ns])}}},
                    {"podSelector": {"matchLabels": {"app.kubernetes.io/name": rng.choice(APPS)}}},
                ],
                "ports": [{"protocol": "TCP", "port": rng.choice([8080, 8000, 3000, 9000])}],
            }],
            "egress": [
                {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}],
                 "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]},
                {"to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.96.0.0/12"]}}]},
            ],
        }
    else:
        # Allows everything in (violation of "no allow-all ingress").
        spec = {"podSelector": {"matchLabels": {"app.kubernetes.io/name": app}}, "policyTypes": ["Ingress"], "ingress": [{}]}
        violations.append("allow-all")
    obj = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns, "labels": labels(app, ns, rng)},
        "spec": spec,
    }
    return obj, violations


KINDS = [("deployment", deployment), ("service", service), ("networkpolicy", network_policy)]


def generate(i, seed):
    """Object i: (namespace, file name, YAML text, kind, violations)."""
    rng = random.Random(f"stridegate-corpus-{seed}-{i}")
    kind, make = KINDS[i % len(KINDS)]
    ns = NAMESPACES[(i // len(KINDS)) % len(NAMESPACES)]
    app = rng.choice(APPS)
    name = f"{app}-{i:05d}"
    obj, violations = make(rng, ns, name, app)
    text = f"# generated by scripts/gen-corpus.py (seed {seed}, object {i})\n" + "\n".join(emit(obj)) + "\n"
    return ns, f"{kind}-{name}.yaml", text, kind, violations


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir")
    parser.add_argument("count", nargs="?", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--force", action="store_true", help="write into a non-empty directory")
    args = parser.parse_args()
    if args.count < 0:
        parser.error("count must be >= 0")
    if os.path.isdir(args.outdir) and os.listdir(args.outdir) and not args.force:
        parser.error(f"{args.outdir} is not empty (use --force to write into it anyway)")
    counts = {k: 0 for k, _ in KINDS}
    with_violations = 0
    total = 0
    namespaces = set()
    for i in range(args.count):
        ns, filename, text, kind, violations = generate(i, args.seed)
        d = os.path.join(args.outdir, ns)
        os.makedirs(d, exist_ok=True)
        data = text.encode()
        with open(os.path.join(d, filename), "wb") as f:
            f.write(data)
        counts[kind] += 1
        namespaces.add(ns)
        total += len(data)
        with_violations += bool(violations)
    summary = ", ".join(f"{n} {k}" for k, n in counts.items())
    print(
        f"wrote {args.count} manifests ({summary}; {with_violations} with a deliberate violation) "
        f"in {len(namespaces)} namespaces, {total} bytes, to {args.outdir}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()

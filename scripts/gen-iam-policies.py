#!/usr/bin/env python3
"""Generate a deterministic corpus of AWS IAM policy documents (JSON) for benchmarks.

Usage: gen-iam-policies.py OUTDIR [COUNT] [--seed SEED] [--catalogue PATH] [--by-shape] [--force]

Writes COUNT (default 1500) policy documents as OUTDIR/<NNNNN>-<name>.json (with --by-shape,
OUTDIR/<shape>/<NNNNN>-<name>.json), shaped like the
AWS managed policies a real account holds (real action names, from data/iam/catalogue.tsv):

  full-access    `svc:*` plus supporting reads of other services, iam:PassRole with
                 iam:PassedToService, iam:CreateServiceLinkedRole with iam:AWSServiceName
  read-only      Describe*/Get*/List* wildcards or explicit read and list actions of a few services
  service-role   several statements of explicit actions of many services, ARNs, tag conditions
  huge-read-only ReadOnlyAccess/ViewOnlyAccess-like lists of hundreds to thousands of actions
                 across hundreds of services (tens to ~150 KB)
  not-action     PowerUserAccess-like Allow NotAction / NotResource
  guardrail      Deny statements with region, transport and MFA conditions
  escalation     known privilege-escalation combinations (PassRole + compute, policy versions...)
  admin          `*` or `iam:*` on `*`
  data-read      object, secret, parameter and key reads on `*`
  messy          lower-case and unknown actions, 2008-10-17 or no Version, single statements
  trust          role trust policies (accounts, OIDC, SAML, services; with and without conditions)
  resource       bucket, key and queue policies with principals and conditions

Output is deterministic: policy i depends only on (SEED, i) and the catalogue, so a corpus of
100 is the first 100 policies of a corpus of 1500. Standard library only.
"""

import argparse
import json
import os
import random
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CATALOGUE = os.path.join(ROOT, "data", "iam", "catalogue.tsv")

# (shape, weight in per mille): about the mix of the AWS managed policies.
SHAPES = [
    ("full-access", 180),
    ("read-only", 220),
    ("service-role", 250),
    ("huge-read-only", 15),
    ("not-action", 30),
    ("guardrail", 80),
    ("escalation", 60),
    ("admin", 10),
    ("data-read", 50),
    ("messy", 30),
    ("trust", 45),
    ("resource", 30),
]

# Services most policies touch (kept when present in the catalogue).
COMMON = [
    "ec2", "s3", "iam", "logs", "cloudwatch", "kms", "lambda", "dynamodb", "sns", "sqs", "ecr",
    "ecs", "eks", "rds", "secretsmanager", "ssm", "sts", "cloudformation", "elasticloadbalancing",
    "autoscaling", "tag", "events", "states", "glue", "athena", "kinesis", "firehose", "route53",
    "acm", "apigateway", "cloudfront", "elasticfilesystem", "backup", "codebuild", "codepipeline",
]
ESCALATIONS = [
    ["iam:CreatePolicyVersion"],
    ["iam:SetDefaultPolicyVersion"],
    ["iam:AttachUserPolicy"],
    ["iam:AttachRolePolicy"],
    ["iam:AttachGroupPolicy"],
    ["iam:PutUserPolicy"],
    ["iam:PutRolePolicy"],
    ["iam:PutGroupPolicy"],
    ["iam:CreateAccessKey"],
    ["iam:CreateLoginProfile"],
    ["iam:UpdateLoginProfile"],
    ["iam:AddUserToGroup"],
    ["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"],
    ["iam:PassRole", "ec2:RunInstances"],
    ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"],
    ["iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"],
    ["lambda:UpdateFunctionCode"],
    ["iam:PassRole", "glue:CreateDevEndpoint"],
    ["glue:UpdateDevEndpoint"],
    ["iam:PassRole", "cloudformation:CreateStack"],
    ["iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"],
    ["iam:PassRole", "sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl"],
    ["iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuild"],
    ["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"],
    ["ssm:SendCommand"],
    ["ec2-instance-connect:SendSSHPublicKey"],
]
DATA_READS = [
    "s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "secretsmanager:GetSecretValue",
    "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "kms:Decrypt",
    "dynamodb:Scan", "dynamodb:Query", "dynamodb:GetItem", "rds-data:ExecuteStatement",
    "sqs:ReceiveMessage", "kinesis:GetRecords", "logs:GetLogEvents", "ecr:GetDownloadUrlForLayer",
    "ecr:BatchGetImage", "lambda:GetFunction", "glue:GetTable", "athena:GetQueryResults",
]
GLOBAL_SERVICES = ["iam", "organizations", "route53", "budgets", "waf", "cloudfront", "globalaccelerator",
                   "importexport", "support", "sts", "health", "trustedadvisor", "account"]
REGIONS = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"]
TAG_KEYS = ["Team", "Environment", "CostCenter", "Owner", "Project", "aws:cloudformation:stack-name"]
TYPOS = ["s3:GetObjekt", "ec2:DescribeInstance", "iam:PasRole", "lambda:InvokeFunctions",
         "dynamo:GetItem", "cloudwatch:PutMetricsData", "kms:Decrpyt", "storage:ReadBlob"]


def load_catalogue(path):
    """{service prefix: (display name, [(action, access level)])} from catalogue.tsv."""
    services = {}
    current = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            if cols[0] == "S" and len(cols) >= 3:
                current = cols[1]
                services[current] = (cols[2], [])
            elif cols[0] == "A" and current is not None and len(cols) >= 3:
                services[current][1].append((cols[1], cols[2]))
    return {k: v for k, v in services.items() if v[1]}


class Gen:
    """Everything one policy needs: the catalogue and the policy's own random stream."""

    def __init__(self, catalogue, rng, account):
        self.cat = catalogue
        self.names = sorted(catalogue)
        self.common = [s for s in COMMON if s in catalogue]
        self.rng = rng
        self.account = account

    def service(self, common_bias=0.6):
        if self.common and self.rng.random() < common_bias:
            return self.rng.choice(self.common)
        return self.rng.choice(self.names)

    def services(self, n, common_bias=0.6):
        seen = []
        for _ in range(n * 3):
            s = self.service(common_bias)
            if s not in seen:
                seen.append(s)
            if len(seen) == n:
                break
        return seen

    def actions(self, svc, levels, n):
        pool = [a for a, lvl in self.cat[svc][1] if lvl in levels] or [a for a, _ in self.cat[svc][1]]
        n = min(n, len(pool))
        return [f"{svc}:{a}" for a in sorted(self.rng.sample(pool, n))]

    def display(self, svc):
        name = "".join(ch for ch in self.cat[svc][0].replace("Amazon ", "").replace("AWS ", "") if ch.isalnum())
        return name or svc.replace("-", "").title()

    def arn(self, svc):
        r = self.rng.random()
        region = self.rng.choice(REGIONS)
        if svc == "s3":
            bucket = self.rng.choice(["logs", "artifacts", "data-lake", "backups", "assets"])
            return self.rng.choice([f"arn:aws:s3:::{bucket}-{self.account}", f"arn:aws:s3:::{bucket}-*/*"])
        if svc == "iam":
            return self.rng.choice([f"arn:aws:iam::{self.account}:role/service-role/*",
                                    "arn:aws:iam::*:role/aws-service-role/*", f"arn:aws:iam::{self.account}:policy/*"])
        if r < 0.3:
            return f"arn:aws:{svc}:*:*:*"
        if r < 0.6:
            return f"arn:aws:{svc}:{region}:{self.account}:*"
        return f"arn:${{Partition}}:{svc}:${{Region}}:${{Account}}:{self.rng.choice(['resource', 'key', 'table', 'function'])}/*"

    def condition(self):
        r = self.rng.random()
        if r < 0.2:
            return {"StringEquals": {"aws:ResourceTag/" + self.rng.choice(TAG_KEYS[:5]): "${aws:PrincipalTag/Team}"}}
        if r < 0.35:
            return {"ForAllValues:StringEquals": {"aws:TagKeys": self.rng.sample(TAG_KEYS[:5], 2)}}
        if r < 0.5:
            return {"StringEquals": {"aws:RequestedRegion": self.rng.sample(REGIONS, 2)}}
        if r < 0.6:
            return {"Bool": {"aws:SecureTransport": "true"}}
        if r < 0.7:
            return {"StringEquals": {"aws:SourceAccount": self.account}}
        if r < 0.8:
            return {"ArnLike": {"aws:SourceArn": f"arn:aws:*:*:{self.account}:*"}}
        if r < 0.9:
            return {"StringLike": {"aws:RequestTag/Environment": ["dev", "staging", "prod-*"]}}
        return {"Null": {"aws:RequestTag/Team": "false"}, "ForAnyValue:StringEquals": {"aws:TagKeys": ["Team"]}}

    def sid(self, text):
        return "".join(w[:1].upper() + w[1:] for w in text.replace("-", " ").split()) + str(self.rng.randint(1, 9))


def stmt(effect, actions, resources="*", key="Action", rkey="Resource", sid=None, condition=None):
    s = {}
    if sid:
        s["Sid"] = sid
    s["Effect"] = effect
    s[key] = actions[0] if len(actions) == 1 and isinstance(actions, list) and actions[0] == "*" else actions
    s[rkey] = resources
    if condition:
        s["Condition"] = condition
    return s


def full_access(g):
    svc = g.service(0.5)
    sts = [stmt("Allow", [f"{svc}:*"], "*", sid=g.sid(f"{svc} full access"))]
    reads = []
    for other in g.services(g.rng.randint(2, 6)):
        reads += g.actions(other, "RL", g.rng.randint(1, 6))
    sts.append(stmt("Allow", reads, "*", sid="SupportingReads"))
    if g.rng.random() < 0.6:
        sts.append(stmt("Allow", ["iam:PassRole"], "*", sid="PassRoleToService",
                        condition={"StringEquals": {"iam:PassedToService": f"{svc}.amazonaws.com"}}))
    if g.rng.random() < 0.5:
        sts.append(stmt("Allow", ["iam:CreateServiceLinkedRole"], "*",
                        condition={"StringLike": {"iam:AWSServiceName": f"{svc}.amazonaws.com"}}))
    return f"Amazon{g.display(svc)}FullAccess", sts


def read_only(g):
    svcs = g.services(g.rng.randint(1, 4))
    actions = []
    for svc in svcs:
        if g.rng.random() < 0.5:
            verbs = {a.split(":")[1][:3] for a in g.actions(svc, "RL", 200)}
            actions += [f"{svc}:{v}*" for v in ("Describe", "Get", "List", "BatchGet") if v[:3] in verbs]
            actions = actions or [f"{svc}:Get*"]
        else:
            actions += g.actions(svc, "RL", g.rng.randint(3, 40))
    return f"AWS{g.display(svcs[0])}ReadOnlyAccess", [stmt("Allow", actions, "*", sid="ReadOnly")]


def service_role(g):
    svcs = g.services(g.rng.randint(1, 8), 0.7)
    sts = []
    for svc in svcs:
        for _ in range(g.rng.randint(1, 3)):
            levels = g.rng.choice(["W", "RL", "WT", "RLW"])
            res = "*" if g.rng.random() < 0.4 else [g.arn(svc) for _ in range(g.rng.randint(1, 3))]
            cond = g.condition() if g.rng.random() < 0.45 else None
            sts.append(stmt("Allow", g.actions(svc, levels, g.rng.randint(1, 25)), res,
                            sid=g.sid(f"{svc} {levels}"), condition=cond))
    return f"{g.display(svcs[0])}ServiceRolePolicy", sts


def huge_read_only(g):
    n = g.rng.randint(120, len(g.names))
    svcs = sorted(g.rng.sample(g.names, min(n, len(g.names))))
    actions = []
    for svc in svcs:
        if g.rng.random() < 0.45:
            actions += [f"{svc}:Describe*", f"{svc}:Get*", f"{svc}:List*"][: g.rng.randint(1, 3)]
        else:
            actions += g.actions(svc, "RL", g.rng.randint(1, 20))
    sts = [stmt("Allow", actions, "*", sid="ReadOnlyAllServices")]
    if g.rng.random() < 0.5:
        sts.append(stmt("Deny", ["s3:GetObject", "secretsmanager:GetSecretValue", "ssm:GetParameter*"], "*",
                        sid="NoDataAccess"))
    return g.rng.choice(["ReadOnlyAccess", "ViewOnlyAccess", "SecurityAudit", "SupportUser"]) + str(g.rng.randint(2, 99)), sts


def not_action(g):
    excluded = g.rng.sample(["iam:*", "organizations:*", "account:*", "sso:*", "kms:*"], g.rng.randint(1, 3))
    sts = [stmt("Allow", excluded, "*", key="NotAction", sid="AllButIdentity")]
    sts.append(stmt("Allow", ["iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole", "iam:ListRoles",
                              "organizations:DescribeOrganization", "account:ListRegions"], "*"))
    if g.rng.random() < 0.4:
        sts.append(stmt("Allow", ["s3:*"], [f"arn:aws:s3:::secret-{g.account}/*"], rkey="NotResource"))
    return g.rng.choice(["PowerUserAccess", "DeveloperAccess", "SandboxAccess"]) + str(g.rng.randint(1, 99)), sts


def guardrail(g):
    sts = []
    if g.rng.random() < 0.7:
        sts.append(stmt("Deny", [f"{s}:*" for s in GLOBAL_SERVICES if s in g.cat], "*", key="NotAction",
                        sid="DenyOutsideRegions",
                        condition={"StringNotEquals": {"aws:RequestedRegion": g.rng.sample(REGIONS, 2)}}))
    sts.append(stmt("Deny", ["s3:*"], "*", sid="DenyInsecureTransport",
                    condition={"Bool": {"aws:SecureTransport": "false"}}))
    if g.rng.random() < 0.6:
        sts.append(stmt("Deny", ["iam:*", "sts:GetSessionToken"], "*", key="NotAction", sid="RequireMfa",
                        condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}))
    if g.rng.random() < 0.5:
        svc = g.service()
        sts.append(stmt("Deny", g.actions(svc, "WP", g.rng.randint(2, 15)), "*",
                        condition={"StringNotEquals": {"aws:PrincipalTag/Team": "${aws:ResourceTag/Team}"}}))
    sts.append(stmt("Allow", g.actions(g.service(), "RLW", g.rng.randint(3, 20)), "*"))
    return f"Guardrail{g.rng.randint(1, 999)}", sts


def escalation(g):
    combo = g.rng.choice(ESCALATIONS)
    actions = [a for a in combo]
    svc = g.service()
    actions += g.actions(svc, "RL", g.rng.randint(0, 8))
    sts = [stmt("Allow", actions, "*", sid="Deploy")]
    if g.rng.random() < 0.4:
        sts.append(stmt("Allow", g.actions("iam", "P", g.rng.randint(2, 6)) if "iam" in g.cat else ["iam:PassRole"],
                        [f"arn:aws:iam::{g.account}:role/app-*"]))
    return f"{g.display(svc)}DeployerPolicy", sts


def admin(g):
    if g.rng.random() < 0.5:
        return "AdministratorAccess" + str(g.rng.randint(1, 99)), [stmt("Allow", ["*"], "*")]
    svc = g.rng.choice(["iam", "s3", "ec2", "kms"])
    return f"{svc.upper()}Admin{g.rng.randint(1, 99)}", [stmt("Allow", [f"{svc}:*"], "*"),
                                                         stmt("Allow", [f"{g.service()}:*"], "*")]


def data_read(g):
    actions = sorted(g.rng.sample(DATA_READS, g.rng.randint(2, 8)))
    sts = [stmt("Allow", actions, "*", sid="ReadData")]
    if g.rng.random() < 0.5:
        sts.append(stmt("Allow", ["kms:Decrypt", "kms:GenerateDataKey"], "*",
                        condition={"StringEquals": {"kms:ViaService": f"s3.{g.rng.choice(REGIONS)}.amazonaws.com"}}))
    return f"DataReader{g.rng.randint(1, 999)}", sts


def messy(g):
    svc = g.service()
    actions = [a.lower() if g.rng.random() < 0.5 else a for a in g.actions(svc, "RLW", g.rng.randint(2, 10))]
    actions += g.rng.sample(TYPOS, g.rng.randint(1, 3))
    doc_stmt = stmt("Allow", actions, g.rng.choice(["*", [g.arn(svc)]]))
    r = g.rng.random()
    doc = {"Version": "2008-10-17"} if r < 0.3 else ({} if r < 0.5 else {"Version": "2012-10-17"})
    doc["Statement"] = doc_stmt if g.rng.random() < 0.5 else [doc_stmt, stmt("Allow", ["s3:*"], "*")]
    return f"legacy-{svc}-{g.rng.randint(1, 999)}", doc


def trust(g):
    r = g.rng.random()
    other = f"{g.rng.randint(10**11, 10**12 - 1)}"
    if r < 0.3:
        cond = {"StringEquals": {"sts:ExternalId": f"ext-{g.rng.randint(1000, 9999)}"}} if g.rng.random() < 0.5 else None
        s = stmt("Allow", ["sts:AssumeRole"], None, condition=cond)
        s["Principal"] = {"AWS": g.rng.choice([f"arn:aws:iam::{other}:root", other, f"arn:aws:iam::{other}:role/ci"])}
    elif r < 0.6:
        provider = "token.actions.githubusercontent.com"
        cond = {"StringEquals": {f"{provider}:aud": "sts.amazonaws.com"}}
        if g.rng.random() < 0.5:
            cond["StringLike"] = {f"{provider}:sub": f"repo:example/app-{g.rng.randint(1, 99)}:ref:refs/heads/main"}
        s = stmt("Allow", ["sts:AssumeRoleWithWebIdentity"], None, condition=cond)
        s["Principal"] = {"Federated": f"arn:aws:iam::{g.account}:oidc-provider/{provider}"}
    elif r < 0.75:
        cond = {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}} if g.rng.random() < 0.5 else None
        s = stmt("Allow", ["sts:AssumeRoleWithSAML"], None, condition=cond)
        s["Principal"] = {"Federated": f"arn:aws:iam::{g.account}:saml-provider/corp"}
    else:
        s = stmt("Allow", ["sts:AssumeRole"], None)
        s["Principal"] = {"Service": [f"{g.service()}.amazonaws.com" for _ in range(g.rng.randint(1, 2))]}
    del s["Resource"]
    return f"trust-{g.rng.randint(1, 9999)}", [s]


def resource(g):
    kind = g.rng.choice(["bucket", "key", "queue"])
    sts = []
    if kind == "bucket":
        bucket = f"arn:aws:s3:::site-{g.rng.randint(1, 9999)}"
        s = stmt("Allow", ["s3:GetObject"], f"{bucket}/*", sid="PublicRead")
        s["Principal"] = "*" if g.rng.random() < 0.5 else {"AWS": "*"}
        if g.rng.random() < 0.5:
            s["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}}
        sts.append(s)
        d = stmt("Deny", ["s3:*"], [bucket, f"{bucket}/*"], condition={"Bool": {"aws:SecureTransport": "false"}})
        d["Principal"] = "*"
        sts.append(d)
    elif kind == "key":
        s = stmt("Allow", ["kms:*"], "*", sid="EnableRootPermissions")
        s["Principal"] = {"AWS": f"arn:aws:iam::{g.account}:root"}
        sts.append(s)
        u = stmt("Allow", ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], "*")
        u["Principal"] = {"AWS": [f"arn:aws:iam::{g.account}:role/app-{i}" for i in range(g.rng.randint(1, 4))]}
        sts.append(u)
    else:
        s = stmt("Allow", ["sqs:SendMessage"], f"arn:aws:sqs:{g.rng.choice(REGIONS)}:{g.account}:events")
        s["Principal"] = {"Service": "sns.amazonaws.com"}
        if g.rng.random() < 0.7:
            s["Condition"] = {"ArnEquals": {"aws:SourceArn": f"arn:aws:sns:*:{g.account}:topic"}}
        sts.append(s)
    return f"{kind}-policy-{g.rng.randint(1, 9999)}", sts


BUILDERS = {
    "full-access": full_access, "read-only": read_only, "service-role": service_role,
    "huge-read-only": huge_read_only, "not-action": not_action, "guardrail": guardrail,
    "escalation": escalation, "admin": admin, "data-read": data_read, "messy": messy,
    "trust": trust, "resource": resource,
}


def generate(catalogue, i, seed):
    """(file name, shape, JSON text) of policy i."""
    rng = random.Random(seed * 1_000_003 + i)
    pick = rng.randrange(sum(w for _, w in SHAPES))
    for shape, weight in SHAPES:
        if pick < weight:
            break
        pick -= weight
    g = Gen(catalogue, rng, f"{rng.randint(10**11, 10**12 - 1)}")
    name, body = BUILDERS[shape](g)
    doc = body if isinstance(body, dict) else {"Version": "2012-10-17", "Statement": body}
    # Managed policies are 4-space indented; some repositories keep 2 spaces or one line.
    indent = rng.choices([4, 2, None], weights=[70, 25, 5])[0]
    text = json.dumps(doc, indent=indent) + "\n"
    return f"{i:05d}-{name}.json", shape, text


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("count", nargs="?", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--catalogue", default=DEFAULT_CATALOGUE, help="action catalogue (default data/iam/catalogue.tsv)")
    ap.add_argument("--force", action="store_true", help="replace OUTDIR if it exists")
    ap.add_argument("--by-shape", action="store_true", help="write OUTDIR/<shape>/<file> (one folder per shape)")
    args = ap.parse_args()
    if args.count < 0:
        ap.error("count must be >= 0")
    if os.path.exists(args.outdir):
        if not args.force:
            sys.exit(f"{args.outdir} exists (use --force to replace it)")
        shutil.rmtree(args.outdir)
    try:
        catalogue = load_catalogue(args.catalogue)
    except OSError as e:
        sys.exit(f"cannot read the catalogue: {e}")
    if not catalogue:
        sys.exit(f"{args.catalogue}: no services")
    os.makedirs(args.outdir)
    shapes = {s: 0 for s, _ in SHAPES}
    total = largest = 0
    for i in range(args.count):
        name, shape, text = generate(catalogue, i, args.seed)
        data = text.encode()
        folder = os.path.join(args.outdir, shape) if args.by_shape else args.outdir
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
        shapes[shape] += 1
        total += len(data)
        largest = max(largest, len(data))
    summary = ", ".join(f"{n} {s}" for s, n in shapes.items() if n)
    print(f"wrote {args.count} IAM policies ({summary}), {total} bytes (largest {largest}), to {args.outdir}",
          file=sys.stderr)


if __name__ == "__main__":
    main()

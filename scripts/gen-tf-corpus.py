#!/usr/bin/env python3
"""Generate a deterministic corpus of Terraform modules for benchmarks and load tests.

Usage: gen-tf-corpus.py OUTDIR [MODULES] [--seed SEED] [--force]

Writes MODULES (default 500) root modules as OUTDIR/<team>/<stack-N>/, ten `.tf` files each
(5,000 files for the default), plus a shared local module under OUTDIR/modules/ that every
fifth stack calls. The files use what real code uses: variables with defaults and tfvars,
locals, string templates, count and for_each, dynamic blocks, conditionals, for expressions,
functions (merge, format, cidrsubnet, jsonencode, lookup, toset...), cross-resource references,
data "aws_iam_policy_document", a `backend "s3"` per stack; some resources violate common rules
(open security groups, unencrypted databases, wildcard IAM actions).

Output is deterministic: stack i depends only on (SEED, i). Standard library only.
"""

import argparse
import os
import random
import shutil
import sys

TEAMS = ["payments", "checkout", "catalog", "search", "identity", "orders", "shipping", "billing", "analytics", "platform"]
REGIONS = ["eu-west-1", "eu-central-1", "us-east-1", "us-east-2", "ap-southeast-2"]
ENGINES = [("postgres", "15.4", 5432), ("mysql", "8.0.35", 3306)]

SHARED_MODULE = {
    "main.tf": '''variable "name" {}
variable "vpc_id" {}
variable "ingress_cidrs" { default = [] }
variable "ports" { default = [443] }
variable "tags" { default = {} }

resource "aws_security_group" "this" {
  name        = var.name
  description = "Managed by the shared security-group module"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Module = "security-group" })

  dynamic "ingress" {
    for_each = toset(var.ports)
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = var.ingress_cidrs
    }
  }
}

output "id" { value = aws_security_group.this.id }
output "name" { value = aws_security_group.this.name }
''',
}


def stack_files(i, rng):
    team = TEAMS[i % len(TEAMS)]
    region = REGIONS[(i // len(TEAMS)) % len(REGIONS)]
    env = ["dev", "staging", "prod"][i % 3]
    stack = f"stack-{i:04d}"
    engine, version, port = ENGINES[i % len(ENGINES)]
    open_ssh = rng.random() < 0.15
    encrypted = rng.random() > 0.2
    wildcard = rng.random() < 0.1
    azs = rng.choice([2, 3])
    files = {}
    files["versions.tf"] = f'''terraform {{
  required_version = ">= 1.6"
  required_providers {{
    aws = {{
      source  = "hashicorp/aws"
      version = "~> 5.40"
    }}
  }}

  backend "s3" {{
    bucket         = "acme-terraform-{region}"
    key            = "services/{team}/{env}/{region}/{stack}/terraform.tfstate"
    region         = "{region}"
    encrypt        = true
    dynamodb_table = "acme-terraform-locks"
  }}
}}

provider "aws" {{
  region = var.region
  default_tags {{
    tags = local.common_tags
  }}
}}
'''
    files["variables.tf"] = f'''variable "region" {{
  type    = string
  default = "{region}"
}}

variable "environment" {{
  type    = string
  default = "{env}"
}}

variable "vpc_cidr" {{
  type    = string
  default = "10.{i % 250}.0.0/16"
}}

variable "availability_zones" {{
  type    = list(string)
  default = [{", ".join(f'"{region}{c}"' for c in "abc"[:azs])}]
}}

variable "db_instance_class" {{
  type    = string
  default = "db.t3.medium"
}}

variable "admin_cidrs" {{
  type    = list(string)
  default = ["{"0.0.0.0/0" if open_ssh else "10.8.0.0/16"}"]
}}

variable "alarm_email" {{
  type = string
}}
'''
    files["locals.tf"] = f'''locals {{
  name        = "{team}-{stack}-${{var.environment}}"
  is_prod     = var.environment == "prod"
  common_tags = {{
    Team        = "{team}"
    Stack       = "{stack}"
    Environment = var.environment
    ManagedBy   = "terraform"
  }}
  private_subnets = {{ for idx, az in var.availability_zones : az => cidrsubnet(var.vpc_cidr, 8, idx + 10) }}
  data_subnets    = {{ for idx, az in var.availability_zones : az => cidrsubnet(var.vpc_cidr, 8, idx + 20) }}
  public_subnets  = [for idx, az in var.availability_zones : cidrsubnet(var.vpc_cidr, 8, idx)]
  backup_days     = local.is_prod ? 14 : 1
}}
'''
    files["network.tf"] = '''resource "aws_vpc" "main" {
  cidr_block           = var.vpc_cidr
  enable_dns_hostnames = true
  tags                 = merge(local.common_tags, { Name = local.name })
}

resource "aws_internet_gateway" "gw" {
  vpc_id = aws_vpc.main.id
}

resource "aws_subnet" "public" {
  count                   = length(local.public_subnets)
  vpc_id                  = aws_vpc.main.id
  cidr_block              = local.public_subnets[count.index]
  availability_zone       = element(var.availability_zones, count.index)
  map_public_ip_on_launch = true
  tags                    = merge(local.common_tags, { Name = format("%s-public-%d", local.name, count.index) })
}

resource "aws_subnet" "private" {
  for_each          = local.private_subnets
  vpc_id            = aws_vpc.main.id
  cidr_block        = each.value
  availability_zone = each.key
  tags              = merge(local.common_tags, { Name = "${local.name}-private-${each.key}" })
}

resource "aws_subnet" "data" {
  for_each          = local.data_subnets
  vpc_id            = aws_vpc.main.id
  cidr_block        = each.value
  availability_zone = each.key
  tags              = merge(local.common_tags, { Name = "${local.name}-data-${each.key}", Tier = "data" })
}

resource "aws_eip" "nat" {
  domain = "vpc"
}

resource "aws_nat_gateway" "nat" {
  allocation_id = aws_eip.nat.id
  subnet_id     = aws_subnet.public[0].id
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.nat.id
  }
}

resource "aws_route_table_association" "private" {
  for_each       = aws_subnet.private
  subnet_id      = each.value.id
  route_table_id = aws_route_table.private.id
}
'''
    files["security.tf"] = f'''resource "aws_security_group" "app" {{
  name        = "${{local.name}}-app"
  description = "Application tier"
  vpc_id      = aws_vpc.main.id

  ingress {{
    description = "HTTPS from the internet"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}

  dynamic "ingress" {{
    for_each = var.admin_cidrs
    content {{
      description = "SSH from admins"
      from_port   = 22
      to_port     = 22
      protocol    = "tcp"
      cidr_blocks = [ingress.value]
    }}
  }}

  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}

resource "aws_security_group" "db" {{
  name        = "${{local.name}}-db"
  description = "Database tier"
  vpc_id      = aws_vpc.main.id

  ingress {{
    from_port       = {port}
    to_port         = {port}
    protocol        = "tcp"
    security_groups = [aws_security_group.app.id]
  }}
}}
'''
    if i % 5 == 0:
        files["security.tf"] += f'''
module "edge_sg" {{
  source        = "../../modules/security-group"
  name          = "${{local.name}}-edge"
  vpc_id        = aws_vpc.main.id
  ingress_cidrs = ["0.0.0.0/0"]
  ports         = [80, 443{", 3389" if rng.random() < 0.3 else ""}]
  tags          = local.common_tags
}}
'''
    files["database.tf"] = f'''resource "aws_db_subnet_group" "main" {{
  name       = local.name
  subnet_ids = [for s in aws_subnet.data : s.id]
}}

resource "aws_db_instance" "main" {{
  identifier              = "${{local.name}}-db"
  engine                  = "{engine}"
  engine_version          = "{version}"
  instance_class          = var.db_instance_class
  allocated_storage       = local.is_prod ? 100 : 20
  db_subnet_group_name    = aws_db_subnet_group.main.name
  vpc_security_group_ids  = [aws_security_group.db.id]
  storage_encrypted       = {str(encrypted).lower()}
  backup_retention_period = local.backup_days
  deletion_protection     = local.is_prod
  skip_final_snapshot     = !local.is_prod
  username                = "app"
  manage_master_user_password = true
  tags                    = local.common_tags
}}
'''
    files["storage.tf"] = f'''resource "aws_s3_bucket" "artifacts" {{
  bucket = "acme-${{local.name}}-artifacts"
  tags   = local.common_tags
}}

resource "aws_s3_bucket_versioning" "artifacts" {{
  bucket = aws_s3_bucket.artifacts.id
  versioning_configuration {{
    status = "Enabled"
  }}
}}

resource "aws_s3_bucket_public_access_block" "artifacts" {{
  bucket                  = aws_s3_bucket.artifacts.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = {"false" if rng.random() < 0.1 else "true"}
}}

resource "aws_dynamodb_table" "sessions" {{
  name         = "${{local.name}}-sessions"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {{
    name = "id"
    type = "S"
  }}
  point_in_time_recovery {{
    enabled = local.is_prod
  }}
}}

resource "aws_cloudwatch_log_group" "app" {{
  name              = "/acme/{team}/{stack}"
  retention_in_days = local.is_prod ? 365 : 30
}}
'''
    files["iam.tf"] = f'''data "aws_iam_policy_document" "assume" {{
  statement {{
    actions = ["sts:AssumeRole"]
    principals {{
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }}
  }}
}}

resource "aws_iam_role" "task" {{
  name               = "${{local.name}}-task"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}}

data "aws_iam_policy_document" "task" {{
  statement {{
    sid       = "Artifacts"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${{aws_s3_bucket.artifacts.arn}}/*"]
  }}

  statement {{
    sid       = "Sessions"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
    resources = [aws_dynamodb_table.sessions.arn]
  }}
}}

resource "aws_iam_role_policy" "task" {{
  name   = "task"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}}

resource "aws_iam_policy" "deploy" {{
  name = "${{local.name}}-deploy"
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{
        Effect   = "Allow"
        Action   = [{'"*"' if wildcard else '"ecs:UpdateService", "ecs:DescribeServices"'}]
        Resource = "*"
      }},
      {{
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject"]
        Resource = "arn:aws:s3:::acme-terraform-{region}/services/{team}/*"
      }}
    ]
  }})
}}
'''
    files["monitoring.tf"] = '''resource "aws_sns_topic" "alarms" {
  name = "${local.name}-alarms"
}

resource "aws_sns_topic_subscription" "email" {
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

resource "aws_cloudwatch_metric_alarm" "db_cpu" {
  alarm_name          = "${local.name}-db-cpu"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 3
  metric_name         = "CPUUtilization"
  namespace           = "AWS/RDS"
  period              = 300
  statistic           = "Average"
  threshold           = local.is_prod ? 70 : 90
  alarm_actions       = [aws_sns_topic.alarms.arn]
  dimensions = {
    DBInstanceIdentifier = aws_db_instance.main.identifier
  }
}
'''
    files["outputs.tf"] = '''output "vpc_id" {
  value = aws_vpc.main.id
}

output "data_subnet_ids" {
  value = [for s in aws_subnet.data : s.id]
}

output "db_endpoint" {
  value     = aws_db_instance.main.endpoint
  sensitive = true
}

output "names" {
  value = { for k, v in local.private_subnets : k => upper(format("%s-%s", local.name, k)) }
}
'''
    return team, stack, files


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("modules", nargs="?", type=int, default=500)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--force", action="store_true", help="replace OUTDIR if it exists")
    args = ap.parse_args()
    if os.path.exists(args.outdir):
        if not args.force:
            sys.exit(f"{args.outdir} exists (use --force to replace it)")
        shutil.rmtree(args.outdir)
    shared = os.path.join(args.outdir, "modules", "security-group")
    os.makedirs(shared)
    for name, text in SHARED_MODULE.items():
        with open(os.path.join(shared, name), "w") as f:
            f.write(text)
    files = bytes_written = 0
    for i in range(args.modules):
        rng = random.Random(args.seed * 1_000_003 + i)
        team, stack, module = stack_files(i, rng)
        d = os.path.join(args.outdir, team, stack)
        os.makedirs(d)
        for name, text in module.items():
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
            files += 1
            bytes_written += len(text.encode())
        with open(os.path.join(d, "terraform.tfvars"), "w") as f:
            f.write(f'alarm_email = "{team}-oncall@example.com"\n')
    print(f"wrote {files} .tf files ({bytes_written / 1e6:.1f} MB) in {args.modules} modules to {args.outdir}")


if __name__ == "__main__":
    main()

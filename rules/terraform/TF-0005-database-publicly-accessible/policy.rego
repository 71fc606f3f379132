# METADATA
# id: TF-0005
# name: database-publicly-accessible
# title: Managed database is reachable from the internet
# severity: high
# since: "0.1.0"
# stride: [information-disclosure, tampering, spoofing]
# applies_to:
#   platform: terraform
#   kinds:
#     - aws_db_instance
#     - aws_rds_cluster_instance
#     - aws_redshift_cluster
#     - aws_dms_replication_instance
#     - google_sql_database_instance
#     - azurerm_mssql_firewall_rule
#     - azurerm_sql_firewall_rule
#     - azurerm_postgresql_firewall_rule
#     - azurerm_postgresql_flexible_server_firewall_rule
#     - azurerm_mysql_firewall_rule
#     - azurerm_mysql_flexible_server_firewall_rule
#     - azurerm_mariadb_firewall_rule
# what: >-
#   Finds managed databases opened to the internet: AWS RDS instances, Aurora cluster
#   instances, Redshift clusters and DMS replication instances with `publicly_accessible = true`
#   (only the explicit value is reported: the provider defaults are false); Cloud SQL instances
#   whose `settings.ip_configuration.authorized_networks` contain 0.0.0.0/0 or ::/0 while the
#   public IP is enabled (`ipv4_enabled`, true by default); and Azure SQL, PostgreSQL, MySQL and
#   MariaDB server firewall rules spanning 0.0.0.0 to 255.255.255.255. Cloud SQL and Azure
#   findings are critical, since nothing else filters the traffic; an RDS public endpoint is
#   high, as its security groups still apply.
# why: >-
#   A database with a public endpoint can be reached by anyone who finds it; only its password
#   and the engine's patch level stand between the internet and the data. Leaked or reused
#   credentials and engine vulnerabilities are then directly exploitable.
# fix: >-
#   Keep databases in private subnets (`publicly_accessible = false`), give Cloud SQL private IP
#   only or list specific authorized networks, and replace all-internet Azure firewall rules
#   with private endpoints or the addresses of the clients that need access.
# references:
#   - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html
#   - https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/db_instance
#   - https://cloud.google.com/sql/docs/mysql/authorize-networks
#   - https://learn.microsoft.com/en-us/azure/azure-sql/database/firewall-configure
# control: "seed 003 §6.1 Restrict access by IP: block all requests to the database except for the IP address of the Kubernetes cluster"
# controls: ["public database", "not reachable from the internet", "private database"]
package stridegate.rules.tf_0005

import data.stridegate.lib.terraform as tf
import rego.v1

# AWS: explicit publicly_accessible = true.
deny contains {"msg": "database has a public endpoint (publicly_accessible = true)", "path": ["publicly_accessible"]} if {
	input.publicly_accessible == true
}

# Google Cloud SQL: an authorized network covering the whole internet on the public IP.
deny contains {"msg": msg, "path": path, "severity": "critical"} if {
	some [s, settings] in tf.blocks(input, "settings")
	some [c, ipc] in tf.blocks(settings, "ip_configuration")
	not ipc.ipv4_enabled == false
	some [n, net] in tf.blocks(ipc, "authorized_networks")
	tf.anywhere[net.value]
	path := ["settings", s, "ip_configuration", c, "authorized_networks", n, "value"]
	msg := sprintf("Cloud SQL instance authorizes %s on its public IP", [net.value])
}

# Azure database firewall rules: the whole IPv4 internet.
deny contains {"msg": msg, "path": ["end_ip_address"], "severity": "critical"} if {
	input.start_ip_address == "0.0.0.0"
	input.end_ip_address == "255.255.255.255"
	msg := "database firewall rule allows every IPv4 address (0.0.0.0 to 255.255.255.255)"
}

# Not violations: whether the database has a public endpoint cannot be proven here. Reported
# apart from findings, for reviewers and threat-model checks.
unverifiable contains {"msg": msg, "path": ["publicly_accessible"]} if {
	v := input.publicly_accessible
	tf.is_unknown(v)
	msg := sprintf("cannot tell whether the database has a public endpoint: publicly_accessible is %s", [v["$unknown"]])
}

unverifiable contains {"msg": msg, "path": path} if {
	some [s, settings] in tf.blocks(input, "settings")
	some [c, ipc] in tf.blocks(settings, "ip_configuration")
	not ipc.ipv4_enabled == false
	some [n, net] in tf.blocks(ipc, "authorized_networks")
	v := net.value
	tf.is_unknown(v)
	path := ["settings", s, "ip_configuration", c, "authorized_networks", n, "value"]
	msg := sprintf("cannot tell whether the Cloud SQL instance authorizes the internet on its public IP: authorized_networks value is %s", [v["$unknown"]])
}

# Shared network facts for rules about exposure to the internet.
package stridegate.lib.network

import rego.v1

# Administration ports: reachable from the internet they give an attacker a login prompt.
admin_ports := {
	22: "SSH",
	23: "Telnet",
	2375: "Docker daemon",
	2376: "Docker daemon (TLS)",
	3389: "RDP",
	5900: "VNC",
	5985: "WinRM",
	5986: "WinRM (HTTPS)",
	10250: "kubelet API",
}

# Data store ports: reachable from the internet they expose the data behind a password at best.
data_ports := {
	1433: "SQL Server",
	1521: "Oracle",
	2181: "ZooKeeper",
	2379: "etcd",
	2380: "etcd peer",
	3306: "MySQL",
	5432: "PostgreSQL",
	5601: "Kibana",
	5672: "RabbitMQ",
	5984: "CouchDB",
	6379: "Redis",
	7000: "Cassandra internode",
	7001: "Cassandra internode (TLS)",
	8086: "InfluxDB",
	9042: "Cassandra CQL",
	9092: "Kafka",
	9200: "Elasticsearch",
	9300: "Elasticsearch transport",
	11211: "Memcached",
	27017: "MongoDB",
	27018: "MongoDB shard",
}

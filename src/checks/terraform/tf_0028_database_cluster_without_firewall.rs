//! TF-0028 `database-cluster-without-firewall`: what it does, why and how to fix it are in
//! `rules/terraform/TF-0028-database-cluster-without-firewall/metadata.yaml` (`stridegate explain TF-0028`).

use super::RequiresCompanion;
use crate::checks::NativeCheck;

/// The rule's implementation.
pub(crate) fn check(_: &crate::config::RuleSettings) -> NativeCheck {
    NativeCheck::Scan(Box::new(RequiresCompanion {
        subjects: &["digitalocean_database_cluster"],
        companions: &[("digitalocean_database_firewall", "cluster_id", None)],
        message: "database cluster {subject} has no digitalocean_database_firewall: it accepts connections from any address",
    }))
}

//! K8S-0029 `cluster-admin-for-service-account-or-broad-group`: what it does, why and how to fix it are in
//! `rules/kubernetes/K8S-0029-cluster-admin-for-service-account-or-broad-group/metadata.yaml` (`stridegate explain K8S-0029`).

use super::rbac::{BoundRoleCheck, Rule};
use crate::checks::NativeCheck;

/// The rule's implementation.
pub(crate) fn check(_: &crate::config::RuleSettings) -> NativeCheck {
    NativeCheck::Scan(Box::new(BoundRoleCheck { rule: Rule::ClusterAdminBound }))
}

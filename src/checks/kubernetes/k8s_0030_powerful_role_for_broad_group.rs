//! K8S-0030 `powerful-role-for-broad-group`: what it does, why and how to fix it are in
//! `rules/kubernetes/K8S-0030-powerful-role-for-broad-group/metadata.yaml` (`stridegate explain K8S-0030`).

use super::rbac::{BoundRoleCheck, Rule};
use crate::checks::NativeCheck;

/// The rule's implementation.
pub(crate) fn check(_: &crate::config::RuleSettings) -> NativeCheck {
    NativeCheck::Scan(Box::new(BoundRoleCheck { rule: Rule::PowerfulRoleForBroadGroup }))
}

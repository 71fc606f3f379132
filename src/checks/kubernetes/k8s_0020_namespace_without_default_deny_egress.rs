//! K8S-0020 `namespace-without-default-deny-egress`: what it does, why and how to fix it are in
//! `rules/kubernetes/K8S-0020-namespace-without-default-deny-egress/metadata.yaml` (`stridegate explain K8S-0020`).

use super::{Direction, NamespaceWithoutDefaultDeny};
use crate::checks::NativeCheck;

/// The rule's implementation.
pub(crate) fn check(_: &crate::config::RuleSettings) -> NativeCheck {
    NativeCheck::Scan(Box::new(NamespaceWithoutDefaultDeny { direction: Direction::Egress }))
}

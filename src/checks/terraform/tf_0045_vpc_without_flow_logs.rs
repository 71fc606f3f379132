//! TF-0045 `vpc-without-flow-logs`: what it does, why and how to fix it are in
//! `rules/terraform/TF-0045-vpc-without-flow-logs/metadata.yaml` (`stridegate explain TF-0045`).

use super::RequiresCompanion;
use crate::checks::NativeCheck;

/// The rule's implementation.
pub(crate) fn check(_: &crate::config::RuleSettings) -> NativeCheck {
    NativeCheck::Scan(Box::new(RequiresCompanion {
        subjects: &["aws_vpc"],
        companions: &[("aws_flow_log", "vpc_id", None)],
        message: "VPC {subject} has no aws_flow_log: its network traffic is not recorded",
    }))
}

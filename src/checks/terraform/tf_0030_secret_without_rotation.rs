//! TF-0030 `secret-without-rotation`: what it does, why and how to fix it are in
//! `rules/terraform/TF-0030-secret-without-rotation/metadata.yaml` (`stridegate explain TF-0030`).

use super::RequiresCompanion;
use crate::checks::NativeCheck;

/// The rule's implementation.
pub(crate) fn check(_: &crate::config::RuleSettings) -> NativeCheck {
    NativeCheck::Scan(Box::new(RequiresCompanion {
        subjects: &["aws_secretsmanager_secret"],
        companions: &[("aws_secretsmanager_secret_rotation", "secret_id", None)],
        message: "secret {subject} has no aws_secretsmanager_secret_rotation: it is never rotated",
    }))
}

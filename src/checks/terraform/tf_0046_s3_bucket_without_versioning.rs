//! TF-0046 `s3-bucket-without-versioning`: what it does, why and how to fix it are in
//! `rules/terraform/TF-0046-s3-bucket-without-versioning/metadata.yaml` (`stridegate explain TF-0046`).

use super::bucket_setting::BucketSetting;
use crate::checks::NativeCheck;

/// The rule's implementation.
pub(crate) fn check(_: &crate::config::RuleSettings) -> NativeCheck {
    NativeCheck::Scan(Box::new(BucketSetting::versioning()))
}

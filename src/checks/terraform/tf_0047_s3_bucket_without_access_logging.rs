//! TF-0047 `s3-bucket-without-access-logging`: what it does, why and how to fix it are in
//! `rules/terraform/TF-0047-s3-bucket-without-access-logging/metadata.yaml` (`stridegate explain TF-0047`).

use super::bucket_setting::BucketSetting;
use crate::checks::NativeCheck;

/// The rule's implementation.
pub(crate) fn check(_: &crate::config::RuleSettings) -> NativeCheck {
    NativeCheck::Scan(Box::new(BucketSetting::logging()))
}

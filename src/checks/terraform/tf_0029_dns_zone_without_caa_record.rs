//! TF-0029 `dns-zone-without-caa-record`: what it does, why and how to fix it are in
//! `rules/terraform/TF-0029-dns-zone-without-caa-record/metadata.yaml` (`stridegate explain TF-0029`).

use super::RequiresCompanion;
use crate::checks::NativeCheck;

/// The rule's implementation.
pub(crate) fn check(_: &crate::config::RuleSettings) -> NativeCheck {
    NativeCheck::Scan(Box::new(RequiresCompanion {
        subjects: &["aws_route53_zone", "digitalocean_domain", "cloudflare_zone"],
        companions: &[
            ("aws_route53_record", "zone_id", Some(("type", "CAA"))),
            ("digitalocean_record", "domain", Some(("type", "CAA"))),
            ("cloudflare_record", "zone_id", Some(("type", "CAA"))),
            ("cloudflare_dns_record", "zone_id", Some(("type", "CAA"))),
        ],
        message: "DNS zone {subject} has no CAA record: any certificate authority may issue certificates for it",
    }))
}

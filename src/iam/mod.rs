//! AWS IAM policy analysis: the action catalogue, policy documents in the resource model, and
//! their extraction from Terraform.

pub mod catalogue;
pub mod conditions;
pub mod elements;
pub mod escalation;
pub mod extract;
pub mod lookup;
pub mod policy;
pub mod wildcard;

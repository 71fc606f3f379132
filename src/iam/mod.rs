//! AWS IAM policy analysis.

pub mod catalogue;

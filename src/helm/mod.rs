//! Helm chart rendering.
//!
//! [`template`] is the Go `text/template` language with Helm's and Sprig's functions, written
//! for a linter: every byte of output knows the template line (and `values.yaml` key) it came
//! from, and every resource it can use is bounded.

pub mod template;

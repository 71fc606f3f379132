//! Threat models as code: a YAML format in the seeds' structure ([`model`]), checked against
//! the infrastructure code a scan reads ([`check`]): every mitigation the code can prove is
//! verified, every broken one violated at file and line, the rest unverifiable or attested;
//! resources and internet exposure the model does not describe are drift ([`exposure`]).

pub mod check;
pub mod exposure;
pub mod html;
pub mod import;
pub mod init;
pub mod model;
pub mod report;

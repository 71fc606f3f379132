//! Terraform's built-in functions, over the resource model's JSON values.
//!
//! Values are `serde_json::Value`s; a value stridegate cannot know is the in-band marker
//! `{"$unknown": "<why>"}` (see [`crate::model::UNKNOWN_KEY`]). A function we do not implement
//! yields an unknown value, never an error, so an exotic function never turns into a false
//! positive or a failed file.

use serde_json::Value;

/// What a function may need besides its arguments.
#[derive(Debug, Clone, Default)]
pub struct FuncContext {
    /// The module directory on disk (`path.module`); `file()`/`templatefile()` may only read
    /// inside `root`.
    pub module_dir: Option<std::path::PathBuf>,
    /// The scan root: files outside it are never read.
    pub root: Option<std::path::PathBuf>,
}

/// The unknown marker with a reason.
pub fn unknown(reason: impl Into<String>) -> Value {
    let mut m = serde_json::Map::new();
    m.insert(crate::model::UNKNOWN_KEY.to_string(), Value::String(reason.into()));
    Value::Object(m)
}

/// Calls Terraform function `name`. Errors are real evaluation errors (wrong argument types
/// for a known function); unknown functions return an unknown value.
pub fn call(name: &str, args: &[Value], ctx: &FuncContext) -> Result<Value, String> {
    let _ = (args, ctx);
    Ok(unknown(format!("{name}(...)")))
}

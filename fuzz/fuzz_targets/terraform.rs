//! One `.tf` file evaluated as a module: the HCL parser, expressions, ~130 functions,
//! templates, `for` expressions, splats, `count`/`for_each`/`dynamic`, policy documents
//! extracted from the resources, and every rule on them. `file()`/`templatefile()` read from a
//! small sandbox directory (a policy, a template, a text file).
#![no_main]

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use stridegate::iam::extract;
use stridegate::model::SourceFile;
use stridegate::terraform::functions::FuncContext;
use stridegate::terraform::{self, ModuleInput};
use stridegate_fuzz::{check_span, evaluate, text};

/// The module directory `file()` reads from (created once, removed at exit by the OS's tmp
/// cleaning: libFuzzer never returns from its loop, so a guard's drop would not run anyway).
fn sandbox() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::Builder::new().prefix("stridegate-fuzz-tf").tempdir().unwrap_or_else(|e| panic!("tempdir: {e}")).keep();
        let files = [
            ("policy.json", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#),
            ("policy.tftpl", r#"{"Statement":[{"Effect":"Allow","Action":${jsonencode(actions)},"Resource":"${arn}"}]}"#),
            ("user_data.sh", "#!/bin/sh\necho hello\n"),
            ("list.tftpl", "%{ for x in items ~}\n${x}\n%{ endfor ~}\n"),
        ];
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("write {name}: {e}"));
        }
        std::fs::canonicalize(&dir).unwrap_or(dir)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    let file = Arc::new(SourceFile::new("main.tf", text.to_string()));
    let parsed = match terraform::parse_file(&file) {
        Ok(p) => p,
        Err(err) => {
            if let Some(span) = err.span {
                check_span(span, &file.text, "parse error");
            }
            return;
        }
    };
    let dir = sandbox();
    let input = ModuleInput {
        files: vec![parsed],
        funcs: FuncContext { module_dir: Some(dir.clone()), root: Some(dir.clone()), budget: None },
        module_path: ".".to_string(),
        ..ModuleInput::default()
    };
    let result = terraform::evaluate_module(&input);
    for n in &result.not_analyzed {
        if n.file == "main.tf" {
            assert!(n.line >= 1 && n.line <= file.lines.line_count(), "not-analyzed line {} out of the file: {n:?}", n.line);
        }
    }
    let mut resources = Vec::new();
    for r in &result.resources {
        resources.extend(extract::from_terraform(r));
    }
    resources.extend(result.resources);
    evaluate(&resources, &file);
});

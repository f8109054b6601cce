//! The 13 major public API descriptions in `../shared/majors` (beside the workspace), the
//! generator's everyday measure: every one generates with `--skip-unsupported`'s policy, none
//! panics, and what is left out stays a small part of each document. Whether the crates compile
//! is `cargo xtask examples --dir ../shared/majors --skip-unsupported` (see README).
//!
//! Skipped, with a note, when the folder is absent.

use std::path::{Path, PathBuf};

fn majors() -> Option<Vec<PathBuf>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/majors");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "json" | "yaml" | "yml"))
        })
        .collect();
    out.sort();
    Some(out)
}

#[test]
fn every_major_document_generates() {
    let Some(documents) = majors() else {
        eprintln!("note: ../shared/majors is absent; the major documents were not tried");
        return;
    };
    assert_eq!(documents.len(), 13, "{documents:?}");
    let options = codegen::Options {
        client_crate: "major_client".into(),
        regenerate_with: "test".into(),
    };
    let mut problems = Vec::new();
    for path in &documents {
        let text = std::fs::read_to_string(path).expect("read a major document");
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        match codegen::skip::generate(&text, &options, true) {
            Ok(report) => {
                let operations = report.generated.client["src/client.rs"]
                    .matches("pub async fn ")
                    .count();
                let skipped = report.skipped_operations.len();
                // Left out entirely: at most one operation in ten of a document (openai, the
                // most, leaves out 15 of 288 today).
                if skipped * 10 > operations + skipped {
                    problems.push(format!(
                        "{name}: {skipped} operations skipped of {}",
                        operations + skipped
                    ));
                }
            }
            Err(d) => problems.push(format!("{name}: refused:\n{d}")),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

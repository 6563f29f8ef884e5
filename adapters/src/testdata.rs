//! Where the shared sample data lives, for tests and benchmarks.
//!
//! The project expects `../shared` beside the repository (as on the development machine and in
//! CI); `HOMEWARD_SHARED` overrides it.

use std::path::{Path, PathBuf};

/// The `shared/` directory: `$HOMEWARD_SHARED`, or `shared` beside the workspace root.
pub fn shared_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("HOMEWARD_SHARED") {
        return PathBuf::from(p);
    }
    workspace_root().join("..").join("shared")
}

/// The workspace root (the directory holding `Cargo.lock`), found from this crate's manifest.
pub fn workspace_root() -> PathBuf {
    let mut dir = Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf();
    loop {
        if dir.join("Cargo.lock").exists() || dir.join(".ci").exists() {
            return dir;
        }
        if !dir.pop() {
            return PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        }
    }
}

/// `shared/samples/world-small`.
pub fn world_small() -> PathBuf {
    shared_dir().join("samples").join("world-small")
}

/// Every file under `dir` whose name ends with `suffix`, sorted.
pub fn files_with_suffix(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.ends_with(suffix))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

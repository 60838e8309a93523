//! Embeds every `styles/*.json` (MapLibre styles, one per dataset) into the binary.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

/// Writes `styles.rs` into `out`: a slice of `(dataset id, style text)`.
pub fn embed(manifest: &Path, out: &Path) {
    let dir = manifest.join("../styles");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = fs::read_dir(&dir)
        .expect("styles/ is readable")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut table = String::from("&[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let stem = f
            .file_stem()
            .and_then(|n| n.to_str())
            .expect("UTF-8 file name");
        writeln!(
            table,
            "    ({stem:?}, include_str!({:?})),",
            f.display().to_string()
        )
        .expect("writing to a String");
    }
    table.push_str("]\n");
    fs::write(out.join("styles.rs"), table).expect("OUT_DIR is writable");
}

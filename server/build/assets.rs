//! Embeds every file under `server/assets/` (the atlas page, its modules and vendored
//! libraries), each with a gzip copy made here once, so a browser's first visit is served
//! compressed without compressing on every request.

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Writes `assets.rs` into `OUT_DIR`: a slice of `(path, bytes, gzipped bytes)`.
pub fn embed(manifest: &Path, out: &Path) {
    let root = manifest.join("assets");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    let gz_dir = out.join("assets-gz");
    fs::create_dir_all(&gz_dir).expect("OUT_DIR is writable");
    let mut table = String::from("&[\n");
    for (n, file) in files.iter().enumerate() {
        println!("cargo:rerun-if-changed={}", file.display());
        let rel = file
            .strip_prefix(&root)
            .expect("under assets/")
            .to_str()
            .expect("UTF-8 asset path")
            .replace('\\', "/");
        let bytes = fs::read(file).expect("asset is readable");
        let gz_path = gz_dir.join(format!("{n}.gz"));
        fs::write(&gz_path, gzip(&bytes)).expect("OUT_DIR is writable");
        writeln!(
            table,
            "    ({rel:?}, include_bytes!({:?}), include_bytes!({:?})),",
            file.display().to_string(),
            gz_path.display().to_string()
        )
        .expect("writing to a String");
    }
    table.push_str("]\n");
    let dest = out.join("assets.rs");
    fs::write(dest, table).expect("OUT_DIR is writable");
}

/// `bytes` gzipped at the best level: done once, at build time.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).expect("gzip in memory");
    gz.finish().expect("gzip in memory")
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("assets/ is readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, files);
        } else if !path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'))
        {
            files.push(path);
        }
    }
}

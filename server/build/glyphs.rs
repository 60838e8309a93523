//! Renders the glyph PBFs MapLibre draws labels with (signed distance fields, 24 px,
//! radius 8, as every MapLibre glyph server makes them) from Debian's Noto Sans, once at
//! build time, for the Unicode ranges Swedish, Sami and the other languages of Swedish
//! place names use. A label needing another range gets an empty range from the server.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use pbf_font_tools::prost::Message as _;

/// The fonts, by the stack name styles use and the file Debian's `fonts-noto-core` ships.
const FONTS: [(&str, &str); 3] = [
    ("Noto Sans Regular", "NotoSans-Regular.ttf"),
    ("Noto Sans Bold", "NotoSans-Bold.ttf"),
    ("Noto Sans Italic", "NotoSans-Italic.ttf"),
];

/// First code points of the 256-wide ranges rendered: Basic Latin and Latin-1 (å ä ö é ü),
/// Latin Extended-A and -B (the Sami letters á č đ ŋ š ŧ ž, ǥ ǧ ǩ ǯ), Latin Extended
/// Additional, and General Punctuation (dashes, quotes, the ellipsis, €).
const RANGES: [u32; 5] = [0, 256, 512, 7680, 8192];

/// Writes `glyphs.rs` into `out`: a slice of `(font, first code point, pbf, gzipped pbf)`.
pub fn embed(out: &Path) {
    println!("cargo:rerun-if-env-changed=RUMMET_FONT_DIR");
    let dir = std::env::var_os("RUMMET_FONT_DIR").map_or_else(
        || PathBuf::from("/usr/share/fonts/truetype/noto"),
        PathBuf::from,
    );
    let target = out.join("glyphs");
    fs::create_dir_all(&target).expect("OUT_DIR is writable");
    let mut table = String::from("&[\n");
    for (n, (name, file)) in FONTS.iter().enumerate() {
        let path = dir.join(file);
        println!("cargo:rerun-if-changed={}", path.display());
        assert!(
            path.exists(),
            "{} is missing: install Debian's fonts-noto-core (deploy/setup.sh does) or set \
             RUMMET_FONT_DIR to a directory holding {file}",
            path.display()
        );
        for start in RANGES {
            let mut glyphs =
                pbf_font_tools::glyph_range_for_font(&path, start, start + 255, 24, 8, 0.25)
                    .unwrap_or_else(|e| panic!("rendering {}: {e}", path.display()));
            for stack in &mut glyphs.stacks {
                (*name).clone_into(&mut stack.name);
            }
            let bytes = glyphs.encode_to_vec();
            let raw_path = target.join(format!("{n}-{start}.pbf"));
            let gz_path = target.join(format!("{n}-{start}.pbf.gz"));
            fs::write(&raw_path, &bytes).expect("OUT_DIR is writable");
            fs::write(&gz_path, crate::assets::gzip(&bytes)).expect("OUT_DIR is writable");
            writeln!(
                table,
                "    ({name:?}, {start}, include_bytes!({:?}), include_bytes!({:?})),",
                raw_path.display().to_string(),
                gz_path.display().to_string()
            )
            .expect("writing to a String");
        }
    }
    table.push_str("]\n");
    fs::write(out.join("glyphs.rs"), table).expect("OUT_DIR is writable");
}

//! Builds the sprite sheet of point symbols (`/sprites/rummet`) from `styles/sprites/*.svg`
//! with spreet, at pixel ratios 1 and 2, as MapLibre asks for them.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// Writes `sprite@{1,2}.{png,json}` into `out` for the server to include.
pub fn embed(manifest: &Path, out: &Path) {
    let dir = manifest.join("../styles/sprites");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut paths: Vec<_> = fs::read_dir(&dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    paths.retain(|p| p.extension().is_some_and(|e| e == "svg"));
    paths.sort();
    for ratio in [1u8, 2] {
        let mut sprites = BTreeMap::new();
        for path in &paths {
            println!("cargo:rerun-if-changed={}", path.display());
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .expect("UTF-8 file name")
                .to_owned();
            let tree = spreet::load_svg(path)
                .unwrap_or_else(|e| panic!("{} is not a usable SVG: {e}", path.display()));
            let sprite = spreet::Sprite::new(tree, ratio)
                .unwrap_or_else(|| panic!("{} cannot be drawn", path.display()));
            sprites.insert(name, sprite);
        }
        let (png, index) = if sprites.is_empty() {
            (empty_png(), "{}".to_owned())
        } else {
            let sheet = spreet::Spritesheet::build()
                .sprites(sprites)
                .spacing(2)
                .generate()
                .expect("the sprites fit one sheet");
            let png = sheet.encode_png().expect("encoding the sprite sheet");
            let index = serde_json::to_string(sheet.get_index()).expect("index as JSON");
            (png, index)
        };
        fs::write(out.join(format!("sprite@{ratio}.png")), png).expect("OUT_DIR is writable");
        fs::write(out.join(format!("sprite@{ratio}.json")), index).expect("OUT_DIR is writable");
    }
}

/// A 1×1 transparent PNG, for a build without symbols.
fn empty_png() -> Vec<u8> {
    let pixmap = spreet::resvg::tiny_skia::Pixmap::new(1, 1).expect("1×1 pixmap");
    pixmap.encode_png().expect("encoding an empty PNG")
}

//! Embeds what the binary serves without a database: the MapLibre styles, the atlas's files
//! (with gzip copies), the sprite sheet built from `styles/sprites/*.svg` and the glyph PBFs
//! rendered from Debian's Noto fonts.

use std::env;
use std::path::{Path, PathBuf};

#[path = "build/assets.rs"]
mod assets;
#[path = "build/glyphs.rs"]
mod glyphs;
#[path = "build/sprites.rs"]
mod sprites;
#[path = "build/styles.rs"]
mod styles;

fn main() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR is set"));
    styles::embed(manifest, &out);
    assets::embed(manifest, &out);
    sprites::embed(manifest, &out);
    glyphs::embed(&out);
}

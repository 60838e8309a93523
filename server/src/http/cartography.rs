//! What styles draw labels and symbols with, built into the binary at compile time (see
//! `server/build/`): glyph PBFs at `/fonts/{fontstack}/{range}.pbf` and the sprite sheet at
//! `/sprites/rummet[@2x].{json,png}`.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use pbf_font_tools::prost::Message as _;

use super::ApiError;

/// `(font, first code point, pbf, gzipped pbf)`.
static GLYPHS: &[(&str, u32, &[u8], &[u8])] = include!(concat!(env!("OUT_DIR"), "/glyphs.rs"));

/// The fonts glyphs are served for, as style `text-font` names them.
pub const FONTS: [&str; 3] = ["Noto Sans Regular", "Noto Sans Bold", "Noto Sans Italic"];

const CACHE: &str = "public, max-age=86400";

/// `/fonts/{fontstack}/{range}.pbf`. A stack is a comma-separated list (`Noto Sans
/// Bold,Arial Unicode MS Bold`); the first font Rummet has answers. A range Rummet did not
/// render answers an empty range, so a label with a rare letter draws without it instead of
/// failing.
pub async fn glyphs(
    Path((stack, range)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let start = parse_range(&range)?;
    let font = stack
        .split(',')
        .map(str::trim)
        .find(|f| FONTS.contains(f))
        .ok_or_else(|| {
            ApiError::not_found(
                "not_found",
                format!("no font in {stack:?}; fonts: {}", FONTS.join(", ")),
            )
        })?;
    let head = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-protobuf"),
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static(CACHE)),
    ];
    let Some((_, _, raw, gz)) = GLYPHS.iter().find(|(f, s, ..)| *f == font && *s == start) else {
        let empty = pbf_font_tools::Glyphs {
            stacks: vec![pbf_font_tools::Fontstack {
                name: font.to_owned(),
                range: format!("{start}-{}", start + 255),
                glyphs: Vec::new(),
            }],
        };
        return Ok((head, empty.encode_to_vec()).into_response());
    };
    if super::atlas::accepts_gzip(&headers) {
        let encoding = [(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"))];
        return Ok((head, encoding, *gz).into_response());
    }
    Ok((head, *raw).into_response())
}

/// `0-255.pbf` → 0; a range must be 256 code points starting at a multiple of 256.
fn parse_range(range: &str) -> Result<u32, ApiError> {
    let bad = || {
        ApiError::bad_request(
            "invalid_path",
            format!("{range:?} is not a glyph range like 0-255.pbf"),
        )
    };
    let (start, end) = range
        .strip_suffix(".pbf")
        .and_then(|r| r.split_once('-'))
        .ok_or_else(bad)?;
    let (start, end): (u32, u32) = (
        start.parse().map_err(|_| bad())?,
        end.parse().map_err(|_| bad())?,
    );
    if start % 256 != 0 || end != start + 255 || end > 0xFFFF {
        return Err(bad());
    }
    Ok(start)
}

/// `/sprites/{file}`: `rummet.json`, `rummet.png`, `rummet@2x.json`, `rummet@2x.png`.
pub async fn sprite(Path(file): Path<String>) -> Result<Response, ApiError> {
    let (bytes, kind): (&'static [u8], &str) = match file.as_str() {
        "rummet.json" => (
            include_bytes!(concat!(env!("OUT_DIR"), "/sprite@1.json")),
            "application/json",
        ),
        "rummet.png" => (
            include_bytes!(concat!(env!("OUT_DIR"), "/sprite@1.png")),
            "image/png",
        ),
        "rummet@2x.json" => (
            include_bytes!(concat!(env!("OUT_DIR"), "/sprite@2.json")),
            "application/json",
        ),
        "rummet@2x.png" => (
            include_bytes!(concat!(env!("OUT_DIR"), "/sprite@2.png")),
            "image/png",
        ),
        _ => {
            return Err(ApiError::not_found(
                "not_found",
                format!("no sprite file {file:?}; the sheet is /sprites/rummet[@2x].json|png"),
            ));
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (header::CACHE_CONTROL, HeaderValue::from_static(CACHE)),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn glyph_ranges_are_256_code_points_on_a_boundary() {
        assert_eq!(parse_range("0-255.pbf").ok(), Some(0));
        assert_eq!(parse_range("8192-8447.pbf").ok(), Some(8192));
        assert!(parse_range("1-256.pbf").is_err());
        assert!(parse_range("0-511.pbf").is_err());
        assert!(parse_range("0-255").is_err());
        assert!(parse_range("65536-65791.pbf").is_err());
    }
}

//! Which part of a dataset a file is, by its name: per-län extracts name their län
//! (`Norrbottens_län_GeoPackage.zip`, `lämningar_län_norrbotten.gpkg`), per-kommun extracts
//! their kommun (`lämningar_kommun_knivsta.gpkg`), by name, not by code.

use std::sync::LazyLock;

use rummet_core::DatasetId;
use unicode_normalization::UnicodeNormalization;

use crate::catalog;
use crate::pipeline::Part;
use crate::read::{self, Input, Value};

/// The 21 län by code, with the stem of the name their extracts are named by
/// (`Norrbottens_län_GeoPackage.zip`, `lämningar_län_norrbotten.gpkg`).
const LAN: [(&str, &str); 21] = [
    ("01", "stockholm"),
    ("03", "uppsala"),
    ("04", "södermanland"),
    ("05", "östergötland"),
    ("06", "jönköping"),
    ("07", "kronoberg"),
    ("08", "kalmar"),
    ("09", "gotland"),
    ("10", "blekinge"),
    ("12", "skåne"),
    ("13", "halland"),
    ("14", "västra götaland"),
    ("17", "värmland"),
    ("18", "örebro"),
    ("19", "västmanland"),
    ("20", "dalarna"),
    ("21", "gävleborg"),
    ("22", "västernorrland"),
    ("23", "jämtland"),
    ("24", "västerbotten"),
    ("25", "norrbotten"),
];

/// `name` as words: lower case, NFC or ASCII-folded (`å` → `a`), `_`, `-` and `.` as spaces,
/// with a space on either side so a word can be found by ` word `.
fn words(name: &str, ascii: bool) -> String {
    let folded = crate::glob::fold(name).replace(['_', '-', '.'], " ");
    let folded: String = if ascii {
        folded.nfd().filter(char::is_ascii).collect()
    } else {
        folded
    };
    format!(" {folded} ")
}

/// The län part (`lan:25`) a per-län extract's file name names: the word `län` (or `lan`)
/// and a län's name, whole words (`gotland` is inside `östergötland`), genitive or not. A
/// national file, or a name naming no län, is no part.
#[must_use]
pub fn lan_part(file_name: &str) -> Option<Part> {
    [false, true].into_iter().find_map(|ascii| {
        let name = words(file_name, ascii);
        let lan = words("län", ascii);
        if !name.contains(&lan) {
            return None;
        }
        LAN.iter()
            .find(|(_, stem)| {
                let stem = words(stem, ascii);
                let genitive = format!("{}s ", stem.trim_end());
                name.contains(&stem) || name.contains(&genitive)
            })
            .and_then(|(code, _)| Part::parse(&format!("lan:{code}")).ok())
    })
}

/// The part a file name names: a län's or a kommun's.
pub(super) fn part_of(file_name: &str) -> Option<Part> {
    lan_part(file_name).or_else(|| kommun_part(file_name))
}

/// Whether the name says it is one län's or kommun's extract (the word `län` or `kommun`).
pub(super) fn looks_like_one(file_name: &str) -> bool {
    [false, true].into_iter().any(|ascii| {
        let name = words(file_name, ascii);
        ["län", "kommun"]
            .iter()
            .any(|w| name.contains(&words(w, ascii)))
    })
}

/// The 290 kommuner (code, name), from the bundled SCB boundaries the demo loads.
static KOMMUNER: LazyLock<Vec<(String, String)>> = LazyLock::new(|| {
    let Some(entry) = DatasetId::parse("kommun")
        .ok()
        .and_then(|id| catalog::get(&id))
    else {
        return Vec::new();
    };
    let Some((_, bytes)) = crate::demo::DATASETS.iter().find(|(id, _)| *id == "kommun") else {
        return Vec::new();
    };
    let input = Input::Bytes {
        name: "demo:kommun".into(),
        data: bytes::Bytes::from_static(bytes),
    };
    let Ok(reader) = read::open(entry, &input) else {
        return Vec::new();
    };
    let column = |name: &str| entry.fields.iter().position(|f| f.column == name);
    let (Some(code), Some(kommun)) = (column("kommun_kod"), column("kommun")) else {
        return Vec::new();
    };
    let mut all = Vec::new();
    reader.read_all(&mut |f| {
        if let Ok(f) = f
            && let (Value::Text(c), Value::Text(n)) = (&f.values[code], &f.values[kommun])
        {
            all.push((c.clone(), n.clone()));
        }
        true
    });
    // The longest names first, so a name inside another cannot win.
    all.sort_by_key(|(_, n)| std::cmp::Reverse(n.chars().count()));
    all
});

/// The kommun part (`kommun:0680`) a per-kommun extract's file name names: the word `kommun`
/// and a kommun's name, whole words, genitive or not.
fn kommun_part(file_name: &str) -> Option<Part> {
    [false, true].into_iter().find_map(|ascii| {
        let name = words(file_name, ascii);
        if !name.contains(&words("kommun", ascii)) {
            return None;
        }
        KOMMUNER
            .iter()
            .find(|(_, kommun)| {
                let kommun = words(kommun, ascii);
                let genitive = format!("{}s ", kommun.trim_end());
                name.contains(&kommun) || name.contains(&genitive)
            })
            .and_then(|(code, _)| Part::parse(&format!("kommun:{code}")).ok())
    })
}

#[cfg(test)]
mod tests {
    use super::{kommun_part, lan_part, looks_like_one};

    #[test]
    fn per_kommun_extracts_are_parts_named_by_their_kommun_code() {
        let part = |n: &str| kommun_part(n).map(|p| p.to_string());
        assert_eq!(
            part("lämningar_kommun_knivsta.gpkg").as_deref(),
            Some("kommun:0330")
        );
        assert_eq!(
            part("lämningar_kommun_jönköping.gpkg").as_deref(),
            Some("kommun:0680")
        );
        assert_eq!(
            part("lämningar_kommun_upplands_väsby.gpkg").as_deref(),
            Some("kommun:0114")
        );
        assert_eq!(part("lämningar_kommun_atlantis.gpkg"), None);
        assert!(looks_like_one("lämningar_kommun_atlantis.gpkg"));
        assert!(!looks_like_one("lämningar_sverige.gpkg"));
    }

    #[test]
    fn per_lan_extracts_are_parts_named_by_their_lan_code() {
        let part = |n: &str| lan_part(n).map(|p| p.to_string());
        assert_eq!(
            part("Norrbottens_län_GeoPackage.zip").as_deref(),
            Some("lan:25")
        );
        assert_eq!(
            part("lämningar_län_jönköping.gpkg").as_deref(),
            Some("lan:06")
        );
        assert_eq!(
            part("lamningar_lan_ostergotland.gpkg").as_deref(),
            Some("lan:05")
        );
        assert_eq!(
            part("Gotlands_län_GeoPackage.zip").as_deref(),
            Some("lan:09")
        );
        assert_eq!(
            part("Västra_Götalands_län_GeoPackage.zip").as_deref(),
            Some("lan:14")
        );
        assert_eq!(
            part("Jo\u{308}nko\u{308}pings_la\u{308}n_GeoPackage.zip").as_deref(),
            Some("lan:06")
        );
        assert_eq!(part("lämningar_sverige.gpkg"), None);
        assert_eq!(part("lämningar_kommun_kalmar.gpkg"), None);
        assert_eq!(part("Sverigepaket_TP.gpkg"), None);
    }
}

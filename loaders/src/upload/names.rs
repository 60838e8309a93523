//! Column names for an upload's fields: what the file calls them, made into names every
//! client can use unquoted (`a-z`, `0-9`, `_`), unique, and clear of Rummet's own columns.

use unicode_normalization::UnicodeNormalization;

/// Columns the pipeline adds itself, and names its build queries use beside the fields.
const RESERVED: [&str; 15] = [
    "fid",
    "geom",
    "minzoom",
    "area_m2",
    "length_m",
    "wkb",
    "geom_3006",
    "geom_z5",
    "geom_z8",
    "geom_z11",
    "g",
    "g0",
    "bad",
    "g3857",
    "g3006",
];

/// Longest column name (as for a dataset name).
const MAX_LEN: usize = 40;

/// One column name per source field, in order: lower case, `å`/`ä`/`ö` as `a`/`a`/`o`,
/// anything else but letters and digits as `_`; a name starting with a digit gets `f_`, a
/// reserved one `_src`, and a repeated one `_2`, `_3`…
pub(super) fn columns(sources: &[String]) -> Vec<String> {
    let mut taken: Vec<String> = Vec::with_capacity(sources.len());
    for (i, source) in sources.iter().enumerate() {
        let mut name = plain(source);
        if name.is_empty() {
            name = format!("field_{}", i + 1);
        }
        if name.starts_with(|c: char| c.is_ascii_digit()) {
            name = format!("f_{name}");
        }
        name.truncate(MAX_LEN);
        if RESERVED.contains(&name.as_str()) || name.starts_with("unit_") {
            name.truncate(MAX_LEN - 4);
            name.push_str("_src");
        }
        let base = name.clone();
        let mut n = 2;
        while taken.contains(&name) {
            let suffix = format!("_{n}");
            name = format!(
                "{}{suffix}",
                &base[..base.len().min(MAX_LEN - suffix.len())]
            );
            n += 1;
        }
        taken.push(name);
    }
    taken
}

/// `s` folded to `a-z`, `0-9` and single `_` between words.
fn plain(s: &str) -> String {
    let folded: String = s
        .nfd()
        .filter(char::is_ascii)
        .collect::<String>()
        .to_ascii_lowercase();
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_owned()
}

#[cfg(test)]
mod tests {
    use super::columns;

    fn cols(names: &[&str]) -> Vec<String> {
        columns(&names.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
    }

    #[test]
    fn swedish_and_shouting_field_names_become_plain_columns() {
        assert_eq!(
            cols(&["KOMMUNNAMN", "Yta (ha)", "Åtgärd/Status", "2026_plan", ""]),
            [
                "kommunnamn",
                "yta_ha",
                "atgard_status",
                "f_2026_plan",
                "field_5"
            ]
        );
    }

    #[test]
    fn reserved_and_repeated_names_are_renamed_not_lost() {
        assert_eq!(
            cols(&["geom", "FID", "unit_code", "Namn", "namn", "NAMN"]),
            [
                "geom_src",
                "fid_src",
                "unit_code_src",
                "namn",
                "namn_2",
                "namn_3"
            ]
        );
    }
}

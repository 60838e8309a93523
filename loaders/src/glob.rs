//! Name patterns with `*` (any run of characters) and `?` (one character), compared as people
//! read names: ignoring case, and in one Unicode normal form, since a zip made on a Mac
//! spells `ä` as `a` plus a combining diaeresis while the catalog spells it as one character.

use unicode_normalization::UnicodeNormalization;

/// `name` in the form names are compared in: NFC, lower case.
#[must_use]
pub fn fold(name: &str) -> String {
    name.nfc().collect::<String>().to_lowercase()
}

/// Whether `name` matches `pattern`.
#[must_use]
pub fn matches(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = fold(pattern).chars().collect();
    let name: Vec<char> = fold(name).chars().collect();
    // Iterative wildcard match with one backtrack point: linear in practice, never
    // exponential whatever the pattern.
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(c) if *c == '?' || *c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    p = sp + 1;
                    n = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn patterns_match_per_lan_names_ignoring_case_and_normal_form() {
        assert!(matches("lämningar_*_point", "lämningar_län_06_point"));
        assert!(matches("lämningar_*_point", "lämningar_sverige_point"));
        assert!(!matches("lämningar_*_point", "lämningar_sverige_polygon"));
        // NFD spelling of ä, as a Mac zip writes it, and upper case.
        assert!(matches(
            "*_län_GeoPackage.zip",
            "NORRBOTTENS_LA\u{308}N_GEOPACKAGE.ZIP"
        ));
        assert!(matches("a?c", "abc"));
        assert!(!matches("a?c", "ac"));
        assert!(matches("*", ""));
        assert!(!matches("abc", "abcd"));
        assert!(matches("*a*b*c*", "xxaxxbxxcxx"));
    }
}

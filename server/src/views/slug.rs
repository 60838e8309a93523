//! A view's address: lower-case ASCII letters, digits and dashes, made from its title
//! (å, ä → a, ö → o, é → e) with a random suffix so two views of one name both get one.

use super::ViewError;

/// `wanted`, when it is a valid slug.
///
/// # Errors
/// [`ViewError::Invalid`] saying what a slug may hold.
pub fn check(wanted: &str) -> Result<String, ViewError> {
    let ok = (3..=81).contains(&wanted.len())
        && wanted
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !wanted.starts_with('-');
    if ok {
        Ok(wanted.to_owned())
    } else {
        Err(ViewError::Invalid(format!(
            "slug {wanted:?} must be 3-81 of a-z, 0-9 and '-', not starting with '-'"
        )))
    }
}

/// A slug from `title` and six random hex digits.
///
/// # Errors
/// When the system has no random source.
pub fn from_title(title: &str) -> Result<String, ViewError> {
    let mut words = String::new();
    for c in title.to_lowercase().chars() {
        let c = match c {
            'å' | 'ä' | 'á' | 'à' => 'a',
            'ö' | 'ø' | 'ó' => 'o',
            'é' | 'è' | 'ë' => 'e',
            'ü' | 'ú' => 'u',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            words.push(c);
        } else if !words.ends_with('-') && !words.is_empty() {
            words.push('-');
        }
    }
    let words: String = words.trim_end_matches('-').chars().take(60).collect();
    let mut bytes = [0u8; 3];
    getrandom::fill(&mut bytes)
        .map_err(|e| ViewError::Invalid(format!("no random source: {e}")))?;
    let suffix = hex::encode(bytes);
    let words = words.trim_end_matches('-');
    Ok(if words.is_empty() {
        format!("karta-{suffix}")
    } else {
        format!("{words}-{suffix}")
    })
}

#[cfg(test)]
mod tests {
    use super::{check, from_title};

    #[test]
    fn a_slug_is_made_from_a_swedish_title_with_a_random_suffix() {
        let slug =
            from_title("Gränsområdet Jönköping–Kalmar–Östergötland 2026").unwrap_or_default();
        assert!(
            slug.starts_with("gransomradet-jonkoping-kalmar-ostergotland-2026-"),
            "{slug}"
        );
        assert_eq!(
            slug.len(),
            "gransomradet-jonkoping-kalmar-ostergotland-2026-".len() + 6
        );
        assert!(from_title("!!!").unwrap_or_default().starts_with("karta-"));
        assert!(check("rus-karta").is_ok());
        assert!(check("-x").is_err() && check("Stor").is_err() && check("a/b").is_err());
    }
}

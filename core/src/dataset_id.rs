//! Dataset identifiers: the one name a dataset has in URLs, the CLI, the catalog and SQL.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// Longest id accepted; leaves room for the `_v<version>` suffix inside PostgreSQL's
/// 63-byte identifier limit.
const MAX_LEN: usize = 40;

/// A validated dataset id: lowercase ASCII letter first, then letters, digits or `_`.
///
/// ```
/// use rummet_core::DatasetId;
/// assert_eq!(DatasetId::parse("kommun").unwrap().as_str(), "kommun");
/// assert!(DatasetId::parse("Kommun; DROP").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct DatasetId(String);

/// Why a string is not a dataset id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid dataset id {given:?}: use 1-{MAX_LEN} characters a-z, 0-9 or _, starting with a letter"
)]
pub struct InvalidDatasetId {
    /// The rejected input, cut to a printable length.
    pub given: String,
}

impl DatasetId {
    /// Checks `s` and wraps it.
    ///
    /// # Errors
    /// When `s` is empty, too long, or holds anything but `a-z`, `0-9` and `_`.
    pub fn parse(s: &str) -> Result<Self, InvalidDatasetId> {
        let mut chars = s.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
        let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if first_ok && rest_ok && s.len() <= MAX_LEN {
            Ok(Self(s.to_owned()))
        } else {
            Err(InvalidDatasetId {
                given: s.chars().take(64).collect(),
            })
        }
    }

    /// The id as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DatasetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DatasetId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_with_capitals_punctuation_or_leading_digits_are_rejected() {
        for bad in [
            "",
            "Kommun",
            "1kommun",
            "kom-mun",
            "kommun\"",
            "å",
            &"a".repeat(41),
        ] {
            assert!(DatasetId::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn ids_of_lowercase_letters_digits_and_underscores_are_accepted() {
        for good in ["kommun", "fa", "natura2000_sci", &"a".repeat(40)] {
            assert_eq!(
                DatasetId::parse(good).map(|d| d.to_string()).as_deref(),
                Ok(good)
            );
        }
    }
}

//! Dataset identifiers: the one name a dataset has in URLs, the CLI, the catalog and SQL.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// Longest name accepted (the part after an organisation's namespace); with the version
/// suffix it fits PostgreSQL's 63-byte identifier limit.
const MAX_LEN: usize = 40;

/// Longest organisation id, as `rummet.organisations` checks it.
const MAX_ORG_LEN: usize = 63;

/// A validated dataset id: a name (lowercase ASCII letter first, then letters, digits or
/// `_`), or an uploaded dataset's name in its organisation's namespace,
/// `region-jonkoping.strukturbild`.
///
/// ```
/// use rummet_core::DatasetId;
/// assert_eq!(DatasetId::parse("kommun").unwrap().as_str(), "kommun");
/// let uploaded = DatasetId::parse("region-jonkoping.strukturbild").unwrap();
/// assert_eq!(uploaded.namespace(), Some("region-jonkoping"));
/// assert_eq!(uploaded.name(), "strukturbild");
/// assert!(DatasetId::parse("Kommun; DROP").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct DatasetId(String);

/// Why a string is not a dataset id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid dataset id {given:?}: use 1-{MAX_LEN} characters a-z, 0-9 or _, starting with a letter, optionally after an organisation id and a dot (region-jonkoping.strukturbild)"
)]
pub struct InvalidDatasetId {
    /// The rejected input, cut to a printable length.
    pub given: String,
}

/// Whether `s` is a plain name: 1-40 characters `a-z`, `0-9` or `_`, a letter first. Column
/// names and the name part of a dataset id are such names.
#[must_use]
pub fn is_plain_name(s: &str) -> bool {
    let mut chars = s.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    first_ok && rest_ok && s.len() <= MAX_LEN
}

/// Whether `s` is an organisation id: 2-63 characters `a-z`, `0-9` or `-`, not starting
/// with `-` (the check `rummet.organisations` makes).
#[must_use]
pub fn is_organisation_id(s: &str) -> bool {
    let mut chars = s.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    first_ok && rest_ok && (2..=MAX_ORG_LEN).contains(&s.len())
}

impl DatasetId {
    /// Checks `s` and wraps it.
    ///
    /// # Errors
    /// When `s` is neither a plain name nor `organisation.name`.
    pub fn parse(s: &str) -> Result<Self, InvalidDatasetId> {
        let ok = match s.split_once('.') {
            None => is_plain_name(s),
            Some((org, name)) => is_organisation_id(org) && is_plain_name(name),
        };
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(InvalidDatasetId {
                given: s.chars().take(64).collect(),
            })
        }
    }

    /// `name` in the namespace of organisation `org`.
    ///
    /// # Errors
    /// When either part is malformed.
    pub fn namespaced(org: &str, name: &str) -> Result<Self, InvalidDatasetId> {
        Self::parse(&format!("{org}.{name}"))
    }

    /// The id as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The organisation whose namespace the id is in; `None` for catalog datasets.
    #[must_use]
    pub fn namespace(&self) -> Option<&str> {
        self.0.split_once('.').map(|(org, _)| org)
    }

    /// The id without its namespace.
    #[must_use]
    pub fn name(&self) -> &str {
        self.0
            .split_once('.')
            .map_or(self.0.as_str(), |(_, name)| name)
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
            "region.",
            ".name",
            "-org.name",
            "o.name",
            "org.na-me",
            "org.sub.name",
        ] {
            assert!(DatasetId::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn ids_of_lowercase_letters_digits_and_underscores_are_accepted() {
        for good in [
            "kommun",
            "fa",
            "natura2000_sci",
            &"a".repeat(40),
            "region-jonkoping.strukturbild",
            "lst-06.planeringsunderlag_2026",
        ] {
            assert_eq!(
                DatasetId::parse(good).map(|d| d.to_string()).as_deref(),
                Ok(good)
            );
        }
    }
}

//! The dataset catalog: one TOML file per dataset under `loaders/catalog/`, embedded at build
//! time, so adding a dataset is adding a file.

mod entry;

use std::sync::LazyLock;

pub use entry::{
    Access, CatalogEntry, Division, Field, FieldType, GeometryKind, Population, Role, Source,
    SourceFormat, ZoomBy,
};
use rummet_core::DatasetId;

static FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/catalog_files.rs"));

/// Every catalog entry, parsed once. A malformed entry is a build defect, caught by the unit
/// test below; at run time it is skipped with an error in the log rather than stopping the
/// server.
static CATALOG: LazyLock<Vec<CatalogEntry>> = LazyLock::new(|| {
    FILES
        .iter()
        .filter_map(|(name, text)| match CatalogEntry::from_toml(name, text) {
            Ok(e) => Some(e),
            Err(err) => {
                tracing::error!(file = name, "catalog entry skipped: {err}");
                None
            }
        })
        .collect()
});

/// All catalog entries, sorted by file name.
#[must_use]
pub fn all() -> &'static [CatalogEntry] {
    &CATALOG
}

/// The entry for `id`, if the catalog has one.
#[must_use]
pub fn get(id: &DatasetId) -> Option<&'static CatalogEntry> {
    CATALOG.iter().find(|e| &e.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalog_file_parses_and_is_named_for_its_id() {
        for (name, text) in FILES {
            let entry =
                CatalogEntry::from_toml(name, text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(format!("{}.toml", entry.id), *name);
        }
        assert_eq!(all().len(), FILES.len());
    }

    #[test]
    fn the_three_demo_divisions_are_in_the_catalog() {
        for id in ["lan", "kommun", "fa"] {
            let entry = get(&DatasetId::parse(id).unwrap_or_else(|e| panic!("{e}")))
                .unwrap_or_else(|| panic!("{id} missing"));
            assert_eq!(entry.role, Role::Division);
            assert!(entry.division.is_some());
        }
    }
}

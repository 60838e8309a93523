//! Where datasets live in PostgreSQL and how identifiers are escaped.

use crate::DatasetId;

/// Schema holding the registry, migrations and version sequence.
pub const REGISTRY_SCHEMA: &str = "rummet";
/// Schema holding one table per loaded dataset version.
pub const DATA_SCHEMA: &str = "rummet_data";

/// Quotes an identifier for PostgreSQL, doubling embedded quotes.
///
/// ```
/// assert_eq!(rummet_core::escape_identifier("a\"b"), "\"a\"\"b\"");
/// ```
#[must_use]
pub fn escape_identifier(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// The unqualified table name of one version of a dataset, e.g. `kommun_v12`.
#[must_use]
pub fn version_table(id: &DatasetId, version: i64) -> String {
    format!("{id}_v{version}")
}

//! Readers: stream features out of a published file, one at a time, with the catalog's source
//! fields in catalog order.

mod geoparquet;
mod input;

pub use input::Input;

use crate::Result;
use crate::catalog::{CatalogEntry, SourceFormat};

/// One attribute value as read from a file, before conversion to its column type.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Missing or null.
    Null,
    /// Text.
    Text(String),
    /// An integer of any width.
    Integer(i64),
    /// A floating-point number.
    Double(f64),
    /// A boolean.
    Boolean(bool),
}

/// One feature: its WKB geometry (in the source CRS) and values for the catalog's fields.
#[derive(Debug, Clone)]
pub struct Feature {
    /// 1-based position in the file; becomes the stable feature id.
    pub number: u64,
    /// WKB geometry, `None` when the feature has none.
    pub wkb: Option<Vec<u8>>,
    /// Values in the order of the catalog's `fields`.
    pub values: Vec<Value>,
}

/// A stream of features from one input.
pub trait FeatureReader: Iterator<Item = Result<Feature>> + Send {
    /// The EPSG code the file declares for its geometry, if it declares one.
    fn declared_srid(&self) -> Option<i32>;
}

/// Opens `input` with the reader for the entry's published format.
///
/// # Errors
/// When the input cannot be opened, is not in the format, or lacks a required field.
pub fn open(entry: &CatalogEntry, input: &Input) -> Result<Box<dyn FeatureReader>> {
    match entry.source.format {
        SourceFormat::GeoParquet => Ok(Box::new(geoparquet::GeoParquetReader::open(entry, input)?)),
    }
}

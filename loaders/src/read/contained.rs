//! Readers stand on third-party parsers (parquet, shapefile, zip, csv, SQLite) that may panic
//! on a corrupt file instead of returning an error: parquet 60 asserts on a negative
//! column-chunk offset, found by the property tests. Every reader is opened and read inside
//! [`run`], so such a panic becomes a format error naming the file, never a loader taken down
//! or (in the pipeline's reader thread) a stream that ends as if the file were done.

use super::{Feature, FeatureReader, Notes};
use crate::catalog::SourceFormat;
use crate::{LoadError, Result};

/// Runs `f`, turning a panic into a [`LoadError::Format`] about `input`.
pub(super) fn run<T>(
    input: &str,
    format: SourceFormat,
    f: impl FnOnce() -> Result<T>,
) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(LoadError::Format {
            input: input.to_owned(),
            format: format_name(format),
            message: format!("the file is corrupt ({why})"),
        })
    })
}

fn format_name(format: SourceFormat) -> &'static str {
    match format {
        SourceFormat::GeoParquet => "GeoParquet",
        SourceFormat::GeoPackage => "GeoPackage",
        SourceFormat::Shapefile => "Shapefile",
        SourceFormat::GeoJson => "GeoJSON",
        SourceFormat::Csv => "CSV",
        SourceFormat::JsonStat => "JSON-stat",
    }
}

/// A reader whose reading is contained like its opening.
pub(super) struct Contained {
    pub inner: Box<dyn FeatureReader>,
    pub input: String,
    pub format: SourceFormat,
}

impl FeatureReader for Contained {
    fn declared_srid(&self) -> Option<i32> {
        self.inner.declared_srid()
    }

    fn feature_count(&self) -> Option<u64> {
        self.inner.feature_count()
    }

    fn notes(&self) -> Notes {
        self.inner.notes()
    }

    fn read_all(self: Box<Self>, emit: &mut dyn FnMut(Result<Feature>) -> bool) {
        let Self {
            inner,
            input,
            format,
        } = *self;
        let mut failed = false;
        let result = run(&input, format, || {
            inner.read_all(&mut |f| {
                failed |= f.is_err();
                emit(f)
            });
            Ok(())
        });
        // After a panic the stream ends with the error, as after any read error.
        if let (Err(e), false) = (result, failed) {
            emit(Err(e));
        }
    }
}

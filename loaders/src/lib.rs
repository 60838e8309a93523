//! Loading the agencies' published datasets into PostGIS.
//!
//! The [`catalog`] says what each dataset is and how its source fields map to columns; a
//! [`read`]er streams features from the published format; the [`pipeline`] copies them into
//! a new version of the dataset and swaps it in atomically.

pub mod catalog;
pub mod demo;
pub mod discover;
mod error;
pub mod glob;
pub mod network;
pub mod pipeline;
pub mod read;
pub mod upload;

#[cfg(test)]
mod proptests;

pub use error::{LoadError, Result};

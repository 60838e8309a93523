//! Rummet: a tile, feature and statistics server for Sweden's national geodata in PostGIS.
//!
//! The binary is a thin shell over this library: [`cli`] parses the command line,
//! [`config`] layers the configuration, [`db`] manages the database, [`tiles`] renders and
//! caches vector tiles, and [`http::router`] builds the one router the server and the tests use.

pub mod access;
pub mod app;
pub mod cli;
pub mod config;
pub mod datasets;
pub mod db;
pub mod demo;
pub mod export;
pub mod filter;
pub mod http;
pub mod metrics;
pub mod notify;
pub mod ogc;
#[cfg(test)]
mod proptests;
pub mod publish;
pub mod stats;
pub mod tiles;
pub mod views;

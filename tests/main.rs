//! Rummet's integration tests: one binary, against a real PostGIS cluster started once per
//! run through the same managed-cluster code `rummet serve` uses; each test gets its own
//! database cloned from a template that holds the migrated schema and the demo data.

mod support;

mod access;
mod agency_files;
mod agency_parts;
mod atlas;
mod browser;
mod catalog;
mod cli;
mod demo;
mod deploy;
mod edge;
mod errors;
mod load_cli;
mod loads;
mod maps;
mod network;
mod observe;
mod ogc;
mod ogc_clients;
mod population;
mod prerendered;
mod publish;
mod read_replica;
mod reloads;
mod replicas;
mod services;
mod stats;
mod tiles;

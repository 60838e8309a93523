//! The road network as a routable graph (issue 17): NVDB links become directed edges between
//! nodes where link ends meet, with travel times by a documented speed model ([`speed`]),
//! and a multi-source shortest-path pass ([`nearest`]) gives every node its travel time to
//! the nearest of a set of services. Parts loaded per län join where their links share an
//! end point, so a service across a län border counts.
//!
//! In memory and in Rust: a national NVDB has a few million links, whose graph (compressed
//! adjacency, two profiles) takes some hundred megabytes and one pass takes seconds; the
//! choice against pgRouting is to be measured in `benches/` (issue 17).

mod graph;
mod nearest;
mod read;
pub mod speed;

pub use graph::{Graph, Link, NodeId};
pub use nearest::{Source, nearest};
pub use read::links;
pub use speed::{Profile, SpeedModel};

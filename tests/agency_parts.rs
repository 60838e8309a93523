//! Datasets from parts and directories of agency files: per-län and per-kommun extracts as
//! parts of one dataset (replaced one at a time, never overlapping, never mixed with a whole
//! load), and `load --all --dir` finding files by name and by content, saying what it skipped.

use rummet_core::DatasetId;

use crate::load_cli::rummet;
use crate::support::TestDb;
use crate::support::agency::{
    entry, keepers, lamningar_lan, load_json, nvdb_3d, refused, stderr, table,
};
use crate::support::fixtures;

#[tokio::test]
async fn load_all_finds_renamed_files_by_content_and_says_what_it_skipped() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    // A steward's own name for RAÄ's per-län file, and a note that is no dataset.
    lamningar_lan(&dir.path().join("kulturmiljo_2026.gpkg"), "jönköping", true);
    std::fs::write(dir.path().join("anteckningar.csv"), "a;b\r\n1;2\r\n").expect("csv");
    // NVDB under its per-län name, recognised by the catalog's pattern (spelled as a Mac
    // zip spells ä).
    let nvdb = dir
        .path()
        .join("Jo\u{308}nko\u{308}pings_la\u{308}n_GeoPackage.gpkg");
    nvdb_3d(&nvdb, &["statlig", "kommunal", "enskild"]);
    let renamed = dir.path().join("Jönköpings_län_GeoPackage.zip");
    {
        use std::io::Write as _;
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&renamed).expect("zip"));
        zip.start_file("NVDB_TP.gpkg", zip::write::SimpleFileOptions::default())
            .expect("entry");
        zip.write_all(&std::fs::read(&nvdb).expect("read"))
            .expect("write");
        zip.finish().expect("finish");
    }
    std::fs::remove_file(&nvdb).expect("rm");
    let d = dir.path().display().to_string();
    let out = rummet(&db, &["load", "--all", "--dir", &d, "--no-seed"]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    for id in ["lamningar", "lamningar_linje", "lamningar_yta"] {
        assert!(stdout.contains(&format!("loaded {id} version")), "{stdout}");
    }
    // The per-län NVDB extract is that län's part.
    assert!(
        stdout.contains("loaded nvdb_vagnat part lan:06 version"),
        "{stdout}"
    );
    let csv = dir.path().join("anteckningar.csv").display().to_string();
    let gpkg = dir
        .path()
        .join("kulturmiljo_2026.gpkg")
        .display()
        .to_string();
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines.contains(&format!(
            "skipped {csv}: matches no catalog file name, and no dataset's layer and fields (nearest: \
             pipos_service: {csv}: required field \"Typ\" is missing (the file has: a, b))"
        ).as_str()),
        "{err}"
    );
    for id in ["lamningar", "lamningar_linje", "lamningar_yta"] {
        assert!(
            lines.contains(&format!("{gpkg}: recognised as {id} by its content").as_str()),
            "{err}"
        );
    }
}

#[tokio::test]
async fn a_dataset_from_three_parts_is_one_dataset_and_a_part_is_replaced_alone() {
    let app = crate::support::TestApp::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let load_part = |file: &str, part: &str, keepers: &[&str]| {
        let path = dir.path().join(file);
        nvdb_3d(&path, keepers);
        load_json(
            &app.db,
            "nvdb_vagnat",
            &path.display().to_string(),
            &["--part", part],
        )
    };
    load_part("Jönköpings_län_GeoPackage.gpkg", "lan:06", &["statlig"; 3]);
    load_part("Kalmar_län_GeoPackage.gpkg", "lan:08", &["kommunal"; 3]);
    load_part("Norrbottens_län_GeoPackage.gpkg", "lan:25", &["enskild"; 3]);
    let t = table(&app.db, "nvdb_vagnat").await;
    let before = keepers(&app.db, &t).await;
    assert_eq!(before.get::<_, Vec<i64>>(0), [1, 1, 1, 2, 2, 2, 3, 3, 3]);

    // Norrbotten again, now with two links: the other parts keep their features and ids.
    let report = load_part(
        "Norrbottens_län_GeoPackage.gpkg",
        "lan:25",
        &["statlig", "statlig"],
    );
    assert_eq!(report[0]["part"], "lan:25");
    assert_eq!(report[0]["rows_loaded"], 2);
    let after = keepers(&app.db, &table(&app.db, "nvdb_vagnat").await).await;
    assert_eq!(after.get::<_, Vec<i64>>(0), [1, 1, 1, 2, 2, 2, 1, 1]);
    assert_eq!(
        after.get::<_, Vec<i64>>(1)[..6],
        before.get::<_, Vec<i64>>(1)[..6]
    );

    // Tiles, statistics and OGC API see one dataset of eight links.
    let id = DatasetId::parse("nvdb_vagnat").expect("id");
    app.state
        .datasets
        .reload(&app.state.pool, &id)
        .await
        .expect("registry");
    let items = app
        .get("/collections/nvdb_vagnat/items?limit=100")
        .await
        .json();
    assert_eq!(
        items["features"].as_array().map(Vec::len),
        Some(8),
        "{items}"
    );
    let stats = app
        .get("/api/stats/nvdb_vagnat?by=lan&in=lan:06&measure=count")
        .await
        .json();
    assert_eq!(stats["rows"][0]["features"], 8, "{stats}");
    let catalog = app.get("/catalog").await.json();
    let nvdb = catalog["datasets"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["id"] == "nvdb_vagnat"))
        .cloned()
        .expect("in /catalog");
    assert_eq!(nvdb["features"], 8);
    let parts: Vec<(String, String, i64)> = nvdb["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .map(|p| {
            (
                p["part"].as_str().unwrap_or_default().to_owned(),
                p["source"].as_str().unwrap_or_default().to_owned(),
                p["features"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(
        parts,
        [
            (
                "lan:06".to_owned(),
                "Jönköpings_län_GeoPackage.gpkg".to_owned(),
                3
            ),
            (
                "lan:08".to_owned(),
                "Kalmar_län_GeoPackage.gpkg".to_owned(),
                3
            ),
            (
                "lan:25".to_owned(),
                "Norrbottens_län_GeoPackage.gpkg".to_owned(),
                2
            ),
        ]
    );
}

#[tokio::test]
async fn a_whole_load_replaces_every_part_and_a_part_is_added_to_it_only_when_told() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let part = dir.path().join("Kalmar_län_GeoPackage.gpkg");
    nvdb_3d(&part, &["statlig"; 3]);
    let part = part.display().to_string();
    load_json(&db, "nvdb_vagnat", &part, &["--part", "lan:08"]);
    let whole = dir.path().join("Sverigepaket_TP.gpkg");
    nvdb_3d(&whole, &["statlig"]);
    load_json(&db, "nvdb_vagnat", &whole.display().to_string(), &[]);
    let parts: i64 = db
        .client()
        .await
        .query_one("SELECT count(*) FROM rummet.dataset_parts", &[])
        .await
        .expect("parts")
        .get(0);
    assert_eq!(parts, 0, "the whole load replaced the part");
    assert_eq!(
        refused(
            &db,
            &["load", "nvdb_vagnat", "--file", &part, "--part", "lan:08"]
        ),
        format!(
            "error: {part}: part lan:08: nvdb_vagnat serves a whole-dataset load (from Sverigepaket_TP.gpkg), \
             which a part cannot be added to: load the whole dataset again, or start loading it by parts \
             with --replace-whole"
        )
    );
    let report = load_json(
        &db,
        "nvdb_vagnat",
        &part,
        &["--part", "lan:08", "--replace-whole"],
    );
    assert_eq!(report[0]["rows_loaded"], 3);
    let n: i64 = db
        .client()
        .await
        .query_one(
            "SELECT rows_loaded FROM rummet.datasets WHERE id = 'nvdb_vagnat'",
            &[],
        )
        .await
        .expect("registry")
        .get(0);
    assert_eq!(n, 3, "the whole version is gone, only the new part serves");
}

#[tokio::test]
async fn parts_of_another_division_or_an_unknown_unit_are_refused_and_codes_are_padded() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("Jönköpings_län_GeoPackage.gpkg");
    nvdb_3d(&path, &["statlig"; 3]);
    let file = path.display().to_string();
    // Written without its leading zero, the part is still lan:06.
    let report = load_json(&db, "nvdb_vagnat", &file, &["--part", "lan:6"]);
    assert_eq!(report[0]["part"], "lan:06");
    let part_refused = |part: &str| {
        refused(
            &db,
            &["load", "nvdb_vagnat", "--file", &file, "--part", part],
        )
    };
    assert_eq!(
        part_refused("kommun:0680"),
        format!(
            "error: {file}: part kommun:0680: nvdb_vagnat is loaded by lan parts (lan:06), which a kommun \
             part would overlap: load it by lan parts, or load the whole dataset"
        )
    );
    assert!(
        part_refused("lan:99").starts_with(&format!(
            "error: {file}: part lan:99: lan has no unit 99 (its codes: 01, 03, 04, 05, 06,"
        )),
        "an unknown län is refused with the codes there are"
    );
}

#[tokio::test]
async fn load_all_loads_kommun_extracts_as_parts_prefers_the_whole_file_and_skips_what_it_cannot_place()
 {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    lamningar_lan(
        &dir.path().join("lämningar_kommun_jönköping.gpkg"),
        "kommun_jönköping",
        true,
    );
    lamningar_lan(
        &dir.path().join("lämningar_kommun_atlantis.gpkg"),
        "kommun_atlantis",
        true,
    );
    // Naturvårdsregistret's other areas share the reserves' and parks' schema.
    let nr = fixtures::write(entry("naturreservat"), dir.path());
    let nvo = dir.path().join("NVO.zip");
    std::fs::rename(&nr, &nvo).expect("rename");
    let d = dir.path().display().to_string();
    let out = rummet(&db, &["load", "--all", "--dir", &d, "--no-seed"]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    for id in ["lamningar", "lamningar_linje", "lamningar_yta"] {
        assert!(
            stdout.contains(&format!("loaded {id} part kommun:0680 version")),
            "{stdout}"
        );
    }
    let path = |f: &str| dir.path().join(f).display().to_string();
    let lines: Vec<&str> = err.lines().collect();
    for expected in [
        format!(
            "skipped {}: its name says it is a per-län or per-kommun extract, but names no län or kommun \
             Rummet knows: load it with --part division:code",
            path("lämningar_kommun_atlantis.gpkg")
        ),
        format!(
            "skipped {}: its content fits nationalparker and naturreservat alike: load it with \
             `rummet load <id> --file`",
            path("NVO.zip")
        ),
    ] {
        assert!(lines.contains(&expected.as_str()), "{expected}\n{err}");
    }

    // With the national file beside a län extract, the national one is loaded.
    let both = tempfile::tempdir().expect("tmp");
    lamningar_lan(&both.path().join("lämningar_sverige.gpkg"), "sverige", true);
    lamningar_lan(
        &both.path().join("lämningar_län_kalmar.gpkg"),
        "kalmar",
        true,
    );
    let out = rummet(
        &db,
        &[
            "load",
            "--all",
            "--dir",
            &both.path().display().to_string(),
            "--no-seed",
        ],
    );
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    let kalmar = both
        .path()
        .join("lämningar_län_kalmar.gpkg")
        .display()
        .to_string();
    let sverige = both
        .path()
        .join("lämningar_sverige.gpkg")
        .display()
        .to_string();
    assert!(
        err.lines().any(|l| l
            == format!(
                "skipped {kalmar}: part lan:08 of lamningar, which the directory also holds whole ({sverige}): \
                 the whole file is loaded"
            )),
        "{err}"
    );
    let parts: i64 = db
        .client()
        .await
        .query_one(
            "SELECT count(*) FROM rummet.dataset_parts WHERE dataset = 'lamningar'",
            &[],
        )
        .await
        .expect("parts")
        .get(0);
    assert_eq!(parts, 0, "lamningar is served whole");
}

//! Property tests of the parsers that take untrusted input: whatever a client sends as a
//! `where`, a CQL2 filter (text or JSON), a CRS, a drawn area or a border distance, the parser
//! answers with a value or an error message — it never panics — and what it accepts compiles
//! to SQL whose every value is a bound parameter.

use proptest::prelude::*;

use crate::filter::Filter;
use crate::ogc::Crs;
use crate::stats::testing::dataset_with;

/// Cases per property: the default 256 is too few for grammars this size.
const CASES: u32 = 4000;

fn dataset() -> crate::datasets::Dataset {
    dataset_with(
        "naturreservat",
        &[
            ("namn", "text"),
            ("area_ha", "double precision"),
            ("klass", "bigint"),
            ("aktiv", "boolean"),
        ],
    )
}

/// Text near the grammars: their words, operators, quotes and numbers, in any order.
fn filter_like() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("namn".to_owned()),
        Just("klass".to_owned()),
        Just("area_ha".to_owned()),
        Just("aktiv".to_owned()),
        Just("geometry".to_owned()),
        Just(" AND ".to_owned()),
        Just(" OR ".to_owned()),
        Just(" NOT ".to_owned()),
        Just(" LIKE ".to_owned()),
        Just(" BETWEEN ".to_owned()),
        Just(" IN ".to_owned()),
        Just(" IS NULL".to_owned()),
        Just("CASEI(".to_owned()),
        Just("S_INTERSECTS(".to_owned()),
        Just("POLYGON((".to_owned()),
        Just("BBOX(".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just(",".to_owned()),
        Just("=".to_owned()),
        Just("<>".to_owned()),
        Just("<=".to_owned()),
        Just("'".to_owned()),
        Just("''".to_owned()),
        Just("\"".to_owned()),
        Just("TRUE".to_owned()),
        "-?[0-9]{1,4}(\\.[0-9]{1,3})?",
        "'[a-zåäö %_;-]{0,6}'",
        "[ -~]{0,3}",
    ];
    proptest::collection::vec(token, 0..24).prop_map(|t| t.join(" "))
}

/// The number of placeholders `$n` in `sql` must equal the parameters bound.
fn placeholders(sql: &str) -> usize {
    let mut max = 0;
    let bytes = sql.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'$' {
            let digits: String = sql[i + 1..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            max = max.max(digits.parse::<usize>().unwrap_or(0));
        }
    }
    max
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn any_where_text_parses_or_is_refused_and_binds_every_value(input in filter_like()) {
        if let Ok(f) = Filter::parse(&input, &dataset()) {
            let mut params = Vec::new();
            let sql = f.to_sql(&mut params);
            prop_assert_eq!(placeholders(&sql), params.len());
            prop_assert!(!sql.contains(';'));
        }
    }

    #[test]
    fn any_cql2_text_parses_or_is_refused_and_binds_every_value(input in filter_like()) {
        if let Ok(f) = Filter::parse_cql2_text(&input, &dataset()) {
            let mut params = Vec::new();
            let sql = f.to_sql(&mut params);
            prop_assert_eq!(placeholders(&sql), params.len());
            prop_assert!(!sql.contains(';'));
        }
    }

    #[test]
    fn arbitrary_text_never_panics_a_filter_parser(input in "\\PC{0,200}") {
        let ds = dataset();
        let _ = Filter::parse(&input, &ds);
        let _ = Filter::parse_cql2_text(&input, &ds);
        let _ = Filter::parse_cql2_json(&input, &ds);
    }

    #[test]
    fn arbitrary_json_never_panics_the_cql2_json_parser(input in json_like()) {
        let _ = Filter::parse_cql2_json(&input, &dataset());
    }

    #[test]
    fn arbitrary_crs_text_never_panics(input in "\\PC{0,80}") {
        let _ = Crs::parse(&input);
    }

    #[test]
    fn arbitrary_drawn_areas_and_distances_never_panic(body in json_like(), crs in "\\PC{0,20}", within in "\\PC{0,12}") {
        let _ = crate::stats::zones_for_tests::parse_drawn(body.as_bytes(), Some(&crs));
        let _ = crate::stats::zones_for_tests::parse_within(&within);
    }
}

/// JSON-ish text: CQL2 and GeoJSON keys, nesting, numbers, broken on purpose now and then.
fn json_like() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        "-?[0-9]{1,7}(\\.[0-9]{1,6})?(e[0-9])?",
        Just("\"namn\"".to_owned()),
        Just("{\"property\":\"klass\"}".to_owned()),
        Just("{\"bbox\":[14,57,15,58]}".to_owned()),
        "\"[a-z=<>]{0,6}\"",
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6)
                .prop_map(|v| format!("[{}]", v.join(","))),
            (
                prop_oneof![
                    Just("op"),
                    Just("args"),
                    Just("type"),
                    Just("coordinates"),
                    Just("geometry"),
                    Just("features"),
                    Just("crs")
                ],
                inner.clone()
            )
                .prop_map(|(k, v)| format!("{{\"{k}\":{v}}}")),
            (
                prop_oneof![
                    Just("and"),
                    Just("="),
                    Just("s_intersects"),
                    Just("in"),
                    Just("Polygon"),
                    Just("Feature")
                ],
                proptest::collection::vec(inner, 0..4)
            )
                .prop_map(|(op, args)| format!(
                    "{{\"op\":\"{op}\",\"type\":\"{op}\",\"args\":[{0}],\"coordinates\":[{0}]}}",
                    args.join(",")
                )),
        ]
    })
}

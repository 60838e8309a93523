//! CQL2 text (OGC 21-065, `filter-lang=cql2-text`) for OGC API – Features Part 3: Basic CQL2,
//! advanced comparison operators, case-insensitive comparison and basic spatial functions,
//! parsed by hand into the filter tree through the checks shared with CQL2 JSON.
//!
//! ```text
//! expr      = and ("OR" and)*
//! and       = factor ("AND" factor)*
//! factor    = "NOT" factor | "(" expr ")" | predicate
//! predicate = operand op operand
//!           | operand ["NOT"] "LIKE" operand
//!           | operand ["NOT"] "BETWEEN" operand "AND" operand
//!           | operand ["NOT"] "IN" "(" operand ("," operand)* ")"
//!           | operand "IS" ["NOT"] "NULL"
//!           | "S_INTERSECTS" "(" operand "," operand ")"
//! operand   = property | "property" | 'text' ('' escapes a quote) | number | TRUE | FALSE
//!           | "CASEI" "(" (property | 'text') ")" | "BBOX" "(" number ("," number)* ")" | WKT
//! op        = "=" | "<>" | "<" | ">" | "<=" | ">="
//! ```

mod lex;

use lex::{Tok, Token, describe, tokenize};

use super::cql2::{self, Checker, MAX_DEPTH, Operand};
use super::wkt::Budget;
use super::{Filter, MAX_LIST, Param, SpatialLiteral};
use crate::datasets::Dataset;

/// Longest filter accepted, in characters.
const MAX_LEN: usize = 20_000;

/// Words that are never property names unless quoted.
const KEYWORDS: [&str; 10] = [
    "AND", "OR", "NOT", "LIKE", "BETWEEN", "IN", "IS", "NULL", "TRUE", "FALSE",
];

struct Parser<'a> {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
    check: Checker<'a>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.at).map(|t| &t.tok)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    /// Steps over `word` if it comes next.
    fn eat(&mut self, word: &str) -> bool {
        let found = self.keyword(word);
        self.at += usize::from(found);
        found
    }

    /// What comes next, and where, for an error message.
    fn found(&self) -> String {
        match self.tokens.get(self.at) {
            Some(t) => format!("{} at character {}", describe(&t.tok), t.at),
            None => "the end of the filter".into(),
        }
    }

    fn expect(&mut self, tok: &Tok, what: &str) -> Result<(), String> {
        if self.peek() == Some(tok) {
            self.at += 1;
            Ok(())
        } else {
            Err(format!("expected {what}, found {}", self.found()))
        }
    }

    fn expr(&mut self) -> Result<Filter, String> {
        let mut left = self.and()?;
        while self.eat("OR") {
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, String> {
        let mut left = self.factor()?;
        while self.eat("AND") {
            left = Filter::And(Box::new(left), Box::new(self.factor()?));
        }
        Ok(left)
    }

    fn factor(&mut self) -> Result<Filter, String> {
        let not = self.keyword("NOT");
        if !not && self.peek() != Some(&Tok::Open) {
            return self.predicate();
        }
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!(
                "the filter nests deeper than {MAX_DEPTH} levels at {}",
                self.found()
            ));
        }
        let open = self.found();
        self.at += 1;
        let filter = if not {
            Filter::Not(Box::new(self.factor()?))
        } else {
            let inner = self.expr()?;
            self.expect(&Tok::Close, &format!("')' closing the {open}"))?;
            inner
        };
        self.depth -= 1;
        Ok(filter)
    }

    fn predicate(&mut self) -> Result<Filter, String> {
        if self.keyword("S_INTERSECTS")
            && self.tokens.get(self.at + 1).map(|t| &t.tok) == Some(&Tok::Open)
        {
            self.at += 2;
            let a = self.operand(true)?;
            self.expect(&Tok::Comma, "',' between the arguments of S_INTERSECTS")?;
            let b = self.operand(true)?;
            self.expect(&Tok::Close, "')' closing S_INTERSECTS")?;
            return self.check.intersects(a, b);
        }
        let left = self.operand(true)?;
        let Some(token) = self.next() else {
            return Err(format!(
                "the filter ends after {}: expected a comparison such as = 1, LIKE 'a%' or \
                 IS NULL",
                left.describe()
            ));
        };
        match token.tok {
            Tok::Op(op) => {
                let right = self.operand(true)?;
                self.check.compare(left, op, right)
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("IS") => {
                let not = self.eat("NOT");
                if !self.eat("NULL") {
                    return Err(format!("expected NULL after IS, found {}", self.found()));
                }
                let filter = self.check.is_null(left)?;
                Ok(if not {
                    Filter::Not(Box::new(filter))
                } else {
                    filter
                })
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("NOT") => {
                Ok(Filter::Not(Box::new(self.negatable(left)?)))
            }
            Tok::Word(w)
                if ["LIKE", "BETWEEN", "IN"]
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case(&w)) =>
            {
                self.at -= 1;
                self.negatable(left)
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("DIV") => Err(cql2::unsupported(&w)),
            Tok::Other(c @ ('+' | '-' | '*' | '/' | '%' | '^')) => {
                Err(cql2::unsupported(&c.to_string()))
            }
            other => Err(format!(
                "expected =, <>, <, >, <=, >=, LIKE, BETWEEN, IN or IS NULL after {}, found {} \
                 at character {}",
                left.describe(),
                describe(&other),
                token.at
            )),
        }
    }

    /// `LIKE`, `BETWEEN` or `IN` after their subject (and an optional NOT).
    fn negatable(&mut self, subject: Operand) -> Result<Filter, String> {
        if self.eat("LIKE") {
            let pattern = self.operand(true)?;
            self.check.like(subject, pattern)
        } else if self.eat("BETWEEN") {
            let low = self.operand(true)?;
            if !self.eat("AND") {
                return Err(format!(
                    "expected AND between the bounds of BETWEEN, found {}",
                    self.found()
                ));
            }
            let high = self.operand(true)?;
            self.check.between(subject, low, high)
        } else if self.eat("IN") {
            self.expect(&Tok::Open, "'(' after IN")?;
            let mut values = vec![self.operand(true)?];
            loop {
                match self.next().map(|t| t.tok) {
                    Some(Tok::Comma) if values.len() < MAX_LIST => values.push(self.operand(true)?),
                    Some(Tok::Comma) => {
                        return Err(format!("an IN list holds at most {MAX_LIST} values"));
                    }
                    Some(Tok::Close) => break,
                    _ => {
                        self.at -= 1;
                        return Err(format!(
                            "expected ',' or ')' in the IN list, found {}",
                            self.found()
                        ));
                    }
                }
            }
            self.check.in_list(subject, values)
        } else {
            Err(format!(
                "expected LIKE, BETWEEN or IN after NOT, found {}",
                self.found()
            ))
        }
    }

    /// A property, value or literal; `calls` allows functions (not inside CASEI, so that
    /// nested calls cannot recurse without bound).
    fn operand(&mut self, calls: bool) -> Result<Operand, String> {
        let Some(token) = self.next() else {
            return Err("the filter ends where a property or a value was expected".into());
        };
        let at = token.at;
        match token.tok {
            Tok::Word(name) if self.peek() == Some(&Tok::Open) => {
                if !calls {
                    return Err(format!(
                        "CASEI takes a property or a text, not {}(…) at character {at}",
                        cql2::short(&name)
                    ));
                }
                self.at += 1;
                self.call(&name, at)
            }
            Tok::Word(w) => match w.to_ascii_uppercase().as_str() {
                "TRUE" => Ok(Operand::value(Param::Boolean(true))),
                "FALSE" => Ok(Operand::value(Param::Boolean(false))),
                "NULL" => Err(format!(
                    "NULL at character {at} is not a value: write IS NULL or IS NOT NULL"
                )),
                k if KEYWORDS.contains(&k) => Err(format!(
                    "expected a property or a value at character {at}, found the word {w}"
                )),
                _ => Ok(Operand::property(w)),
            },
            Tok::Quoted(name) => Ok(Operand::property(name)),
            Tok::Text(t) => Ok(Operand::value(Param::Text(t))),
            Tok::Number(n) => Ok(Operand::value(Param::Number(n))),
            Tok::Geometry(wkt) => Ok(Operand::Spatial(SpatialLiteral::Wkt(wkt))),
            other => Err(format!(
                "expected a property or a value at character {at}, found {}",
                describe(&other)
            )),
        }
    }

    /// The function `name(` (its `(` already read) at character `at`.
    fn call(&mut self, name: &str, at: usize) -> Result<Operand, String> {
        match name.to_ascii_uppercase().as_str() {
            "CASEI" => {
                let inner = self.operand(false)?;
                self.expect(&Tok::Close, "')' closing CASEI")?;
                inner.casei()
            }
            "BBOX" => {
                let mut numbers = Vec::new();
                loop {
                    match self.next().map(|t| t.tok) {
                        Some(Tok::Number(n)) if numbers.len() < 6 => numbers.push(n),
                        _ => {
                            self.at -= 1;
                            return Err(format!(
                                "expected the 4 (or 6) numbers of BBOX, found {}",
                                self.found()
                            ));
                        }
                    }
                    if self.peek() == Some(&Tok::Close) {
                        self.at += 1;
                        break;
                    }
                    self.expect(&Tok::Comma, "',' or ')' in BBOX")?;
                }
                cql2::bbox(&numbers).map(Operand::Spatial)
            }
            "S_INTERSECTS" => Err(format!("{} (at character {at})", cql2::not_a_value(name))),
            _ => Err(format!("{} (at character {at})", cql2::unsupported(name))),
        }
    }
}

/// Parses CQL2 text against `dataset`'s fields.
pub(super) fn parse(input: &str, dataset: &Dataset) -> Result<Filter, String> {
    if input.chars().count() > MAX_LEN {
        return Err(format!(
            "a CQL2 text filter holds at most {MAX_LEN} characters"
        ));
    }
    let mut parser = Parser {
        tokens: tokenize(input, &mut Budget::new())?,
        at: 0,
        depth: 0,
        check: Checker::new(dataset),
    };
    if parser.tokens.is_empty() {
        return Err("the filter is empty".into());
    }
    let filter = parser.expr()?;
    if parser.at < parser.tokens.len() {
        return Err(format!(
            "{} follows a complete condition: join conditions with AND or OR",
            parser.found()
        ));
    }
    Ok(filter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::cql2::tests::dataset;

    fn parse(input: &str) -> Result<Filter, String> {
        Filter::parse_cql2_text(input, &dataset())
    }

    fn sql(input: &str) -> (String, Vec<Param>) {
        let filter = parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        let mut params = Vec::new();
        (filter.to_sql(&mut params), params)
    }

    fn number(field: &str, op: &'static str, n: f64) -> Filter {
        Filter::Compare {
            field: field.into(),
            op,
            value: Param::Number(n),
            casei: false,
        }
    }

    /// `input ⇒ what its error says`, one a line.
    fn check_errors(table: &str) {
        for line in table.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (input, says) = line.split_once(" ⇒ ").expect("input ⇒ says");
            let e = parse(input).expect_err(input);
            assert!(e.contains(says), "{input}: {e}");
        }
    }

    #[test]
    fn every_comparison_operator_binds_its_value() {
        for op in ["=", "<>", "<", ">", "<=", ">="] {
            let (sql, params) = sql(&format!("area_ha {op} 10.5"));
            assert_eq!(sql, format!("f.\"area_ha\" {op} $1::float8"));
            assert_eq!(params, vec![Param::Number(10.5)]);
        }
        assert_eq!(sql("aktiv<>false").1, vec![Param::Boolean(false)]);
    }

    #[test]
    fn a_literal_on_the_left_flips_the_operator() {
        assert_eq!(parse("10 < area_ha"), Ok(number("area_ha", ">", 10.0)));
        assert_eq!(parse("10 >= area_ha"), Ok(number("area_ha", "<=", 10.0)));
        assert_eq!(parse("'NR' = skyddstyp"), parse("skyddstyp = 'NR'"));
    }

    #[test]
    fn and_binds_tighter_than_or_and_not_tighter_than_and() {
        let (sql, _) = sql("klass = 1 or NOT klass = 2 AND (area_ha > 1 Or aktiv = true)");
        assert_eq!(
            sql,
            "(f.\"klass\" = $1::int8 OR ((NOT f.\"klass\" = $2::int8) AND \
             (f.\"area_ha\" > $3::float8 OR f.\"aktiv\" = $4::boolean)))"
        );
    }

    #[test]
    fn quoted_property_names_name_fields_too() {
        assert_eq!(parse("\"län\" = 'Uppsala'"), parse("län = 'Uppsala'"));
        let null = Box::new(Filter::IsNull {
            field: "klass".into(),
        });
        assert_eq!(parse("\"klass\" is not null"), Ok(Filter::Not(null)));
    }

    #[test]
    fn like_and_not_like_keep_cql2_wildcards_and_escapes() {
        let (sql, params) = sql(r"skyddstyp NOT LIKE 'Natur\%_%'");
        assert_eq!(sql, "(NOT f.\"skyddstyp\" LIKE $1::text ESCAPE '\\')");
        assert_eq!(params, vec![Param::Text(r"Natur\%_%".into())]);
    }

    #[test]
    fn between_and_not_between_include_both_ends() {
        let (sql, params) = sql("area_ha NOT BETWEEN -1 AND 5");
        assert_eq!(sql, "(NOT f.\"area_ha\" BETWEEN $1::float8 AND $2::float8)");
        assert_eq!(params, vec![Param::Number(-1.0), Param::Number(5.0)]);
    }

    #[test]
    fn in_and_not_in_bind_one_array() {
        let (sql, params) = sql("klass NOT IN (1, 2,3)");
        assert_eq!(sql, "(NOT f.\"klass\" = ANY($1::int8[]))");
        assert_eq!(params, vec![Param::Ints(vec![1, 2, 3])]);
        let many = vec!["1"; MAX_LIST + 1].join(",");
        assert!(parse(&format!("klass IN ({many})")).is_err());
    }

    #[test]
    fn casei_like_on_a_text_field_matches_case_insensitively() {
        let (sql, _) = sql("CASEI(skyddstyp) LIKE casei('natur%')");
        assert_eq!(sql, "f.\"skyddstyp\" ILIKE $1::text ESCAPE '\\'");
    }

    #[test]
    fn casei_on_either_side_compares_lower_cased_text() {
        let both = parse("CASEI(skyddstyp) = CASEI('Naturreservat')");
        assert_eq!(parse("CASEI(skyddstyp) = 'Naturreservat'"), both);
        assert_eq!(parse("skyddstyp = CASEI('Naturreservat')"), both);
        let (sql, _) = sql("CASEI(län) IN (CASEI('Uppsala'), CASEI('Gävleborg'))");
        assert_eq!(
            sql,
            "lower(f.\"län\") = ANY(ARRAY(SELECT lower(v) FROM unnest($1::text[]) v))"
        );
    }

    #[test]
    fn s_intersects_takes_wkt_in_either_argument_order() {
        let wkt = "POLYGON((17 59,18 59,18 60,17 59))";
        let polygon = Ok(Filter::Intersects(SpatialLiteral::Wkt(wkt.into())));
        let z = "S_INTERSECTS(geometry, POLYGON Z ((17 59 0, 18 59 0, 18 60 0, 17 59 0)))";
        assert_eq!(parse(z), polygon);
        assert_eq!(parse(&format!("s_intersects({wkt}, GEOM)")), polygon);
        let (sql, params) = sql("S_INTERSECTS(geometry, MULTIPOINT(1 2, 3 4))");
        assert_eq!(
            sql,
            "ST_Intersects(f.geom, ST_Transform(ST_Segmentize(\
             ST_GeomFromText($1::text, 4326), 0.01), 3857))"
        );
        assert_eq!(params, vec![Param::Text("MULTIPOINT((1 2),(3 4))".into())]);
    }

    #[test]
    fn bbox_takes_four_numbers_or_six_with_heights() {
        let bbox = Ok(Filter::Intersects(SpatialLiteral::Bbox([
            179.0, -1.0, -179.0, 1.0,
        ])));
        assert_eq!(
            parse("S_INTERSECTS(geometry, BBOX(179, -1, -179, 1))"),
            bbox
        );
        assert_eq!(
            parse("S_INTERSECTS(BBOX(179,-1,0,-179,1,9),geometry)"),
            bbox
        );
    }

    #[test]
    fn a_quote_inside_a_value_stays_inside_the_value() {
        let (sql, params) = sql("skyddstyp = 'x'' OR 1=1; DROP TABLE rummet.datasets; --'");
        assert_eq!(sql, "f.\"skyddstyp\" = $1::text");
        let value = "x' OR 1=1; DROP TABLE rummet.datasets; --";
        assert_eq!(params, vec![Param::Text(value.into())]);
    }

    #[test]
    fn injection_outside_quotes_is_refused() {
        check_errors(
            r#"
            skyddstyp = 'a' ; DROP TABLE x ⇒ ';' at character 17 follows
            skyddstyp = 'a' OR 1=1 ⇒ compares two values
            skyddstyp = 'a' -- comment ⇒ '-' at character 17 follows
            skyddstyp = 'a' /* x */ ⇒ '/' at character 17 follows
            pg_sleep(10) = 1 ⇒ PG_SLEEP is not supported
            "skyddstyp""; DROP TABLE x; --" = 'a' ⇒ has no field "skyddstyp\"; DROP TABLE x; --"
            S_INTERSECTS(geometry, POINT(1 2)); DROP TABLE x ⇒ ';' at character 35 follows
            "#,
        );
    }

    #[test]
    fn unsupported_functions_are_named() {
        check_errors(
            "
            S_CROSSES(geometry, POINT(1 2)) ⇒ S_CROSSES is not supported; spatial filters support S_INTERSECTS
            A_CONTAINS(klass, [1, 2]) ⇒ A_CONTAINS is not supported; this server has no array filters
            T_AFTER(klass, TIMESTAMP('2020-01-01T00:00:00Z')) ⇒ T_AFTER is not supported; this server has no temporal
            klass = DATE('2020-01-01') ⇒ DATE is not supported
            klass DIV 2 = 1 ⇒ DIV is not supported; filters compare values
            klass + 1 = 2 ⇒ + is not supported
            ACCENTI(skyddstyp) = 'a' ⇒ ACCENTI is not supported
            upper(skyddstyp) = 'A' ⇒ UPPER is not supported
            klass = S_INTERSECTS(geometry, POINT(1 2)) ⇒ S_INTERSECTS is a condition, not a value
            ",
        );
    }

    #[test]
    fn malformed_or_misplaced_geometries_are_refused() {
        check_errors(
            "
            S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 1))) ⇒ not closed: its last position must repeat its first (at character 32)
            S_INTERSECTS(geometry, LINESTRING(0 0)) ⇒ at least 2 positions
            S_INTERSECTS(geometry, POINT(1)) ⇒ expected a number in a WKT geometry, found ')' at character 31
            S_INTERSECTS(geometry, BBOX(1, 2, 3)) ⇒ 4 numbers (or 6 with heights), not 3
            S_INTERSECTS(skyddstyp, POINT(1 2)) ⇒ compares the feature geometry
            klass = POINT(1 2) ⇒ klass holds a number, not a geometry
            ",
        );
    }

    #[test]
    fn deep_nesting_and_long_input_are_refused() {
        let parens = format!("{}klass = 1{}", "(".repeat(100), ")".repeat(100));
        assert!(
            parse(&parens)
                .expect_err("deep")
                .contains("nests deeper than 64")
        );
        let nots = format!("{}klass = 1", "NOT ".repeat(1000));
        assert!(
            parse(&nots)
                .expect_err("deep")
                .contains("nests deeper than 64")
        );
        let shallow = format!("{}klass = 1{}", "(".repeat(60), ")".repeat(60));
        assert!(parse(&shallow).is_ok());
        let long = "x".repeat(MAX_LEN + 1);
        assert!(
            parse(&long)
                .expect_err("long")
                .contains("at most 20000 characters")
        );
        let terms = vec!["klass = 1"; 65].join(" OR ");
        assert!(
            parse(&terms)
                .expect_err("many")
                .contains("at most 64 comparisons")
        );
    }

    #[test]
    fn syntax_errors_say_what_and_where() {
        check_errors(
            "
            klass = 1 klass = 2 ⇒ the word klass at character 11 follows a complete condition
            (klass = 1 ⇒ expected ')' closing the '(' at character 1, found the end
            klass ⇒ the filter ends after the property klass
            klass ! 1 ⇒ found '!' at character 7
            skyddstyp = 'open ⇒ the text opened with ' at character 13 is not closed
            klass = NULL ⇒ NULL at character 9 is not a value: write IS NULL
            area_ha = 1e999 ⇒ \"1e999\" at character 11 is not a finite number
            area_ha BETWEEN 1 OR 5 ⇒ expected AND between the bounds of BETWEEN, found the word OR at character 19
            klass IN (1 2) ⇒ expected ',' or ')' in the IN list, found the number 2 at character 13
            TRUE ⇒ the filter ends after TRUE
            AND klass = 1 ⇒ expected a property or a value at character 1, found the word AND
            ",
        );
        assert!(parse("  ").expect_err("blank").contains("empty"));
    }
}

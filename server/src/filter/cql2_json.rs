//! CQL2 JSON (OGC 21-065, `filter-lang=cql2-json`) for OGC API – Features Part 3: the same
//! conformance classes as CQL2 text, read from JSON into the same tree through the same
//! checks, so both encodings of one condition give one tree.

use serde_json::{Map, Value};

use super::cql2::{self, Checker, MAX_DEPTH, Operand};
use super::wkt::{Budget, Geometry, Kind, MAX_NESTING, Position, line, nonempty, ring};
use super::{Filter, MAX_LIST, Param, SpatialLiteral};
use crate::datasets::Dataset;

/// The operators that make conditions; written where a value belongs, they are named as such.
const CONDITIONS: [&str; 13] = [
    "and", "or", "not", "=", "<>", "<", ">", "<=", ">=", "like", "between", "in", "isnull",
];

struct Reader<'a> {
    check: Checker<'a>,
    budget: Budget,
}

/// `{"op": …, "args": […]}` as the lower-cased op and its args.
fn call(object: &Map<String, Value>) -> Result<(String, &[Value]), String> {
    let Some(op) = object.get("op") else {
        return Err(format!(
            "expected a condition, an object with \"op\" and \"args\", found {}",
            brief(object)
        ));
    };
    let op = op.as_str().ok_or("\"op\" names an operator as a string")?;
    let args = object
        .get("args")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("the {} operator needs \"args\", an array", cql2::short(op)))?;
    Ok((op.to_ascii_lowercase(), args))
}

/// The start of an object, for an error message.
fn brief(object: &Map<String, Value>) -> String {
    cql2::short(&serde_json::to_string(object).unwrap_or_default())
}

/// Exactly `N` args of `op`.
fn arity<'v, const N: usize>(op: &str, args: &'v [Value]) -> Result<&'v [Value; N], String> {
    args.try_into()
        .map_err(|_| format!("{op} takes {N} args, not {}", args.len()))
}

impl Reader<'_> {
    fn condition(&mut self, value: &Value, depth: usize) -> Result<Filter, String> {
        if depth > MAX_DEPTH {
            return Err(format!("the filter nests deeper than {MAX_DEPTH} levels"));
        }
        let (op, args) = match value {
            Value::Object(object) => call(object)?,
            Value::Bool(b) => {
                return Err(format!("a filter must be a condition, not the literal {b}"));
            }
            other => {
                return Err(format!(
                    "a filter must be a condition, an object with \"op\" and \"args\", not {}",
                    cql2::short(&other.to_string())
                ));
            }
        };
        match op.as_str() {
            "and" | "or" => {
                if args.len() < 2 {
                    return Err(format!("{op} takes at least 2 args, not {}", args.len()));
                }
                let mut left = self.condition(&args[0], depth + 1)?;
                for arg in &args[1..] {
                    let right = Box::new(self.condition(arg, depth + 1)?);
                    left = if op == "and" {
                        Filter::And(Box::new(left), right)
                    } else {
                        Filter::Or(Box::new(left), right)
                    };
                }
                Ok(left)
            }
            "not" => {
                let [arg] = arity(&op, args)?;
                Ok(Filter::Not(Box::new(self.condition(arg, depth + 1)?)))
            }
            "isnull" => {
                let [arg] = arity(&op, args)?;
                let subject = self.operand(arg)?;
                self.check.is_null(subject)
            }
            "like" => {
                let [a, b] = arity(&op, args)?;
                let (subject, pattern) = (self.operand(a)?, self.operand(b)?);
                self.check.like(subject, pattern)
            }
            "between" => {
                let [a, b, c] = arity(&op, args)?;
                let (subject, low, high) = (self.operand(a)?, self.operand(b)?, self.operand(c)?);
                self.check.between(subject, low, high)
            }
            "in" => {
                let [a, list] = arity(&op, args)?;
                let list = list
                    .as_array()
                    .ok_or("the second arg of in is an array of values")?;
                if list.len() > MAX_LIST {
                    return Err(format!("an IN list holds at most {MAX_LIST} values"));
                }
                let subject = self.operand(a)?;
                let values = list
                    .iter()
                    .map(|v| self.operand(v))
                    .collect::<Result<_, _>>()?;
                self.check.in_list(subject, values)
            }
            "s_intersects" => {
                let [a, b] = arity(&op, args)?;
                let (a, b) = (self.operand(a)?, self.operand(b)?);
                self.check.intersects(a, b)
            }
            "casei" => Err(
                "CASEI wraps a property or a text inside a comparison; it is not a condition"
                    .into(),
            ),
            other => match cql2::comparison(other) {
                Some(sql_op) => {
                    let [a, b] = arity(&op, args)?;
                    let (left, right) = (self.operand(a)?, self.operand(b)?);
                    self.check.compare(left, sql_op, right)
                }
                None => Err(cql2::unsupported(other)),
            },
        }
    }

    /// A property, value, CASEI(…) or geometry.
    fn operand(&mut self, value: &Value) -> Result<Operand, String> {
        match value {
            Value::String(s) => Ok(Operand::value(Param::Text(s.clone()))),
            Value::Number(n) => n
                .as_f64()
                .filter(|n| n.is_finite())
                .map(|n| Operand::value(Param::Number(n)))
                .ok_or_else(|| format!("{n} is not a finite number")),
            Value::Bool(b) => Ok(Operand::value(Param::Boolean(*b))),
            Value::Null => Err("null is not a value: use the isNull operator".into()),
            Value::Array(_) => Err("a list of values belongs only in the in operator".into()),
            Value::Object(object) => self.object(object),
        }
    }

    fn object(&mut self, object: &Map<String, Value>) -> Result<Operand, String> {
        if let Some(name) = object.get("property") {
            return name
                .as_str()
                .map(Operand::property)
                .ok_or_else(|| "\"property\" names a property as a string".into());
        }
        if let Some(bbox) = object.get("bbox") {
            let numbers = bbox
                .as_array()
                .and_then(|b| b.iter().map(Value::as_f64).collect::<Option<Vec<_>>>())
                .ok_or("\"bbox\" is an array of numbers")?;
            return cql2::bbox(&numbers).map(Operand::Spatial);
        }
        if object.contains_key("type") {
            let geometry = geojson(object, &mut self.budget, 0)?;
            return Ok(Operand::Spatial(SpatialLiteral::Wkt(geometry.to_string())));
        }
        if object.contains_key("op") {
            let (op, args) = call(object)?;
            return match op.as_str() {
                "casei" => {
                    let [inner] = arity(&op, args)?;
                    // A call inside CASEI is refused before it is read, so nesting is bounded.
                    if inner.get("op").is_some() {
                        return Err("CASEI takes a property or a text, not a function".into());
                    }
                    self.operand(inner)?.casei()
                }
                "s_intersects" => Err(cql2::not_a_value(&op)),
                op if CONDITIONS.contains(&op) => Err(cql2::not_a_value(op)),
                op => Err(cql2::unsupported(op)),
            };
        }
        if let Some(key) = ["timestamp", "date", "interval"]
            .into_iter()
            .find(|k| object.contains_key(*k))
        {
            return Err(cql2::unsupported(key));
        }
        Err(format!(
            "expected a property, a value or a geometry, found {}",
            brief(object)
        ))
    }
}

/// Reads a GeoJSON geometry object (RFC 7946), `depth` collections deep.
fn geojson(
    object: &Map<String, Value>,
    budget: &mut Budget,
    depth: usize,
) -> Result<Geometry, String> {
    let name = object
        .get("type")
        .and_then(Value::as_str)
        .ok_or("a GeoJSON geometry needs a \"type\" string")?;
    let kind = Kind::of(name)
        .ok_or_else(|| format!("{:?} is not a GeoJSON geometry type", cql2::short(name)))?;
    let coordinates = || {
        object
            .get("coordinates")
            .ok_or_else(|| format!("a GeoJSON {name} needs \"coordinates\""))
    };
    Ok(match kind {
        Kind::Point => Geometry::Point(position(coordinates()?, budget)?),
        Kind::LineString => Geometry::LineString(line(positions(coordinates()?, budget)?)?),
        Kind::Polygon => Geometry::Polygon(parts(coordinates()?, |r| ring(positions(r, budget)?))?),
        Kind::MultiPoint => Geometry::MultiPoint(nonempty(positions(coordinates()?, budget)?)?),
        Kind::MultiLineString => {
            Geometry::MultiLineString(parts(coordinates()?, |l| line(positions(l, budget)?))?)
        }
        Kind::MultiPolygon => Geometry::MultiPolygon(parts(coordinates()?, |p| {
            parts(p, |r| ring(positions(r, budget)?))
        })?),
        Kind::Collection => collection(object, budget, depth)?,
    })
}

fn collection(
    object: &Map<String, Value>,
    budget: &mut Budget,
    depth: usize,
) -> Result<Geometry, String> {
    if depth >= MAX_NESTING {
        return Err(format!(
            "a GeometryCollection nests deeper than {MAX_NESTING} collections"
        ));
    }
    let members = object
        .get("geometries")
        .and_then(Value::as_array)
        .ok_or("a GeometryCollection needs \"geometries\", an array")?;
    let members = members
        .iter()
        .map(|m| {
            let m = m
                .as_object()
                .ok_or("the geometries of a GeometryCollection are objects")?;
            geojson(m, budget, depth + 1)
        })
        .collect::<Result<_, _>>()?;
    Ok(Geometry::Collection(nonempty(members)?))
}

fn array(value: &Value) -> Result<&Vec<Value>, String> {
    value.as_array().ok_or_else(|| {
        format!(
            "expected an array of coordinates, found {}",
            cql2::short(&value.to_string())
        )
    })
}

fn parts<T>(
    value: &Value,
    part: impl FnMut(&Value) -> Result<T, String>,
) -> Result<Vec<T>, String> {
    nonempty(array(value)?.iter().map(part).collect::<Result<_, _>>()?)
}

fn position(value: &Value, budget: &mut Budget) -> Result<Position, String> {
    let numbers = array(value)?;
    let number = |v: &Value| {
        v.as_f64()
            .filter(|n| n.is_finite())
            .ok_or_else(|| format!("{} is not a number", cql2::short(&v.to_string())))
    };
    match numbers.as_slice() {
        [x, y] | [x, y, _] => {
            let p = [number(x)?, number(y)?];
            if let [_, _, z] = numbers.as_slice() {
                number(z)?;
            }
            budget.take()?;
            Ok(p)
        }
        _ => Err(format!(
            "a GeoJSON position holds 2 or 3 numbers, not {}",
            cql2::short(&value.to_string())
        )),
    }
}

fn positions(value: &Value, budget: &mut Budget) -> Result<Vec<Position>, String> {
    array(value)?.iter().map(|p| position(p, budget)).collect()
}

/// Parses CQL2 JSON against `dataset`'s fields.
pub(super) fn parse(input: &str, dataset: &Dataset) -> Result<Filter, String> {
    // serde_json refuses nesting deeper than 128 on its own, so reading cannot overflow.
    let value: Value =
        serde_json::from_str(input).map_err(|e| format!("the filter is not JSON: {e}"))?;
    let mut reader = Reader {
        check: Checker::new(dataset),
        budget: Budget::new(),
    };
    reader.condition(&value, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::cql2::tests::dataset;

    fn json(input: &str) -> Result<Filter, String> {
        Filter::parse_cql2_json(input, &dataset())
    }

    fn err(input: &str) -> String {
        json(input).expect_err(input)
    }

    #[test]
    fn and_and_or_of_many_args_fold_to_the_left() {
        let k = |n: u8| format!(r#"{{"op":"=","args":[{{"property":"klass"}},{n}]}}"#);
        let input = format!(r#"{{"op":"or","args":[{},{},{}]}}"#, k(1), k(2), k(3));
        let from_text = Filter::parse_cql2_text("klass = 1 OR klass = 2 OR klass = 3", &dataset());
        assert_eq!(json(&input), from_text);
        assert!(err(&format!(r#"{{"op":"and","args":[{}]}}"#, k(1))).contains("at least 2 args"));
    }

    #[test]
    fn every_geojson_geometry_becomes_canonical_wkt() {
        for (geometry, wkt) in [
            (
                r#"{"type":"Point","coordinates":[1.5,2,300]}"#,
                "POINT(1.5 2)",
            ),
            (
                r#"{"type":"LineString","coordinates":[[0,0],[1,1]]}"#,
                "LINESTRING(0 0,1 1)",
            ),
            (
                r#"{"type":"MultiPoint","coordinates":[[1,2],[3,4]]}"#,
                "MULTIPOINT((1 2),(3 4))",
            ),
            (
                r#"{"type":"MultiLineString","coordinates":[[[0,0],[1,1]],[[2,2],[3,3]]]}"#,
                "MULTILINESTRING((0 0,1 1),(2 2,3 3))",
            ),
            (
                r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}"#,
                "MULTIPOLYGON(((0 0,1 0,1 1,0 0)))",
            ),
            (
                r#"{"type":"GeometryCollection","geometries":[
                    {"type":"Point","coordinates":[1,2]},
                    {"type":"LineString","coordinates":[[0,0],[1,1]]}]}"#,
                "GEOMETRYCOLLECTION(POINT(1 2),LINESTRING(0 0,1 1))",
            ),
        ] {
            let input =
                format!(r#"{{"op":"s_intersects","args":[{{"property":"geometry"}},{geometry}]}}"#);
            assert_eq!(
                json(&input),
                Ok(Filter::Intersects(SpatialLiteral::Wkt(wkt.into()))),
                "{wkt}"
            );
        }
    }

    #[test]
    fn malformed_geojson_is_refused() {
        let spatial = |g: &str| {
            err(&format!(
                r#"{{"op":"s_intersects","args":[{{"property":"geometry"}},{g}]}}"#
            ))
        };
        let open = spatial(r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}"#);
        assert!(open.contains("not closed"), "{open}");
        let many = vec!["[0,0]"; 10_001].join(",");
        let e = spatial(&format!(
            r#"{{"type":"LineString","coordinates":[{many}]}}"#
        ));
        assert!(e.contains("at most 10000 positions"), "{e}");
        assert!(spatial(r#"{"type":"Point","coordinates":[1]}"#).contains("2 or 3 numbers"));
        assert!(
            spatial(r#"{"type":"Circle","coordinates":[1,2]}"#)
                .contains("not a GeoJSON geometry type")
        );
        assert!(spatial(r#"{"type":"MultiPoint","coordinates":[]}"#).contains("no parts"));
    }

    #[test]
    fn a_bare_literal_is_not_a_filter() {
        assert!(err("true").contains("a filter must be a condition"));
        assert!(err(r#""skyddstyp = 'a'""#).contains("a filter must be a condition"));
        assert!(err(r#"{"property":"aktiv"}"#).contains("expected a condition"));
        assert!(err("{").contains("not JSON"));
        let casei = err(r#"{"op":"casei","args":[{"property":"skyddstyp"}]}"#);
        assert!(
            casei.contains("CASEI wraps a property or a text"),
            "{casei}"
        );
        let nested = err(r#"{"op":"=","args":[{"op":"not","args":[true]},true]}"#);
        assert!(
            nested.contains("NOT is a condition, not a value"),
            "{nested}"
        );
    }

    #[test]
    fn unsupported_ops_are_named() {
        for (op, says) in [
            (
                "s_crosses",
                "S_CROSSES is not supported; spatial filters support S_INTERSECTS",
            ),
            ("a_contains", "A_CONTAINS is not supported"),
            ("t_after", "T_AFTER is not supported"),
            ("div", "DIV is not supported"),
        ] {
            let e = err(&format!(
                r#"{{"op":"{op}","args":[{{"property":"klass"}},1]}}"#
            ));
            assert!(e.contains(says), "{op}: {e}");
        }
        let arithmetic = err(r#"{"op":"=","args":[{"property":"klass"},{"op":"+","args":[1,2]}]}"#);
        assert!(arithmetic.contains("+ is not supported"), "{arithmetic}");
        let temporal =
            err(r#"{"op":"=","args":[{"property":"klass"},{"timestamp":"2020-01-01"}]}"#);
        assert!(
            temporal.contains("TIMESTAMP is not supported"),
            "{temporal}"
        );
    }

    #[test]
    fn values_stay_bound_and_names_must_be_fields() {
        let quote = json(r#"{"op":"=","args":[{"property":"skyddstyp"},"x' OR 1=1; --"]}"#);
        assert_eq!(
            quote,
            Ok(Filter::Compare {
                field: "skyddstyp".into(),
                op: "=",
                value: Param::Text("x' OR 1=1; --".into()),
                casei: false,
            })
        );
        let e = err(r#"{"op":"=","args":[{"property":"klass\"; DROP TABLE x; --"},1]}"#);
        assert!(
            e.contains("its fields are skyddstyp, län, area_ha, klass, aktiv"),
            "{e}"
        );
        assert!(
            err(r#"{"op":"=","args":[{"property":"klass"},"1"]}"#)
                .contains("klass holds a number, not the text '1'")
        );
        assert!(err(r#"{"op":"in","args":[{"property":"klass"},[]]}"#).contains("1 to 1000"));
        assert!(err(r#"{"op":"=","args":[{"property":"klass"},null]}"#).contains("isNull"));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let deep = |n: usize| {
            format!(
                "{}{}{}",
                r#"{"op":"not","args":["#.repeat(n),
                r#"{"op":"=","args":[{"property":"klass"},1]}"#,
                "]}".repeat(n)
            )
        };
        assert!(json(&deep(30)).is_ok());
        assert!(json(&deep(100)).is_err());
        assert!(json(&deep(100_000)).is_err());
    }
}

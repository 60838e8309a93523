//! What CQL2 text and CQL2 JSON share: the operands both encodings read and the checks that
//! turn them into the filter tree, so one condition gives one tree, and the same errors, in
//! either encoding.

use super::{FieldKind, Filter, MAX_LIST, MAX_TERMS, Param, SpatialLiteral, field_kind};
use crate::datasets::Dataset;

/// Deepest nesting of parentheses, NOT, AND and OR: both parsers recurse once per level, so
/// this bounds their stack whatever a client sends.
pub(super) const MAX_DEPTH: usize = 64;

/// One side of a comparison, or an argument of a predicate, as read.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Operand {
    /// A property; `casei` when written `CASEI(name)`.
    Property { name: String, casei: bool },
    /// A text, number or boolean; `casei` when written `CASEI('text')`.
    Value { value: Param, casei: bool },
    /// A geometry or bbox literal.
    Spatial(SpatialLiteral),
}

impl Operand {
    pub(super) fn property(name: impl Into<String>) -> Self {
        Self::Property {
            name: name.into(),
            casei: false,
        }
    }

    pub(super) fn value(value: Param) -> Self {
        Self::Value {
            value,
            casei: false,
        }
    }

    /// The operand wrapped in `CASEI(…)`, which takes only a property or a text.
    pub(super) fn casei(self) -> Result<Self, String> {
        match self {
            Self::Property { name, casei: false } => Ok(Self::Property { name, casei: true }),
            Self::Value {
                value: Param::Text(t),
                casei: false,
            } => Ok(Self::Value {
                value: Param::Text(t),
                casei: true,
            }),
            other => Err(format!(
                "CASEI takes a property or a text, not {}",
                other.describe()
            )),
        }
    }

    /// How an error message names the operand.
    pub(super) fn describe(&self) -> String {
        match self {
            Self::Property { name, casei: true } => format!("CASEI({name})"),
            Self::Property { name, .. } => format!("the property {name}"),
            Self::Value { value, .. } => describe_value(value),
            Self::Spatial(_) => "a geometry".into(),
        }
    }
}

fn describe_value(value: &Param) -> String {
    match value {
        Param::Text(t) => format!("the text '{}'", short(t)),
        Param::Number(n) => format!("the number {n}"),
        Param::Boolean(true) => "TRUE".into(),
        Param::Boolean(false) => "FALSE".into(),
        _ => "a list".into(),
    }
}

/// At most the first 40 characters of client text, for echoing it in an error.
pub(super) fn short(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    }
}

/// The SQL operator of a CQL2 comparison operator.
pub(super) fn comparison(op: &str) -> Option<&'static str> {
    ["=", "<>", "<", ">", "<=", ">="]
        .into_iter()
        .find(|o| *o == op)
}

/// The operator that holds with its sides swapped: `10 < x` is `x > 10`.
fn flip(op: &'static str) -> &'static str {
    match op {
        "<" => ">",
        ">" => "<",
        "<=" => ">=",
        ">=" => "<=",
        same => same,
    }
}

/// Whether a property names the feature geometry rather than a registry field.
fn is_geometry(name: &str) -> bool {
    name.eq_ignore_ascii_case("geometry") || name.eq_ignore_ascii_case("geom")
}

/// `BBOX(x1, y1, x2, y2)`, or its 3D form `(x1, y1, z1, x2, y2, z2)` with heights dropped. No
/// order is required: in CRS84 a box may cross the antimeridian.
pub(super) fn bbox(numbers: &[f64]) -> Result<SpatialLiteral, String> {
    if let Some(n) = numbers.iter().find(|n| !n.is_finite()) {
        return Err(format!("a bbox holds finite numbers, not {n}"));
    }
    match *numbers {
        [x1, y1, x2, y2] | [x1, y1, _, x2, y2, _] => Ok(SpatialLiteral::Bbox([x1, y1, x2, y2])),
        _ => Err(format!(
            "a bbox holds 4 numbers (or 6 with heights), not {}",
            numbers.len()
        )),
    }
}

/// Why a CQL2 function or operator outside the supported conformance classes is refused.
pub(super) fn unsupported(name: &str) -> String {
    let name = short(&name.to_uppercase());
    let why = if name.starts_with("S_") {
        "spatial filters support S_INTERSECTS"
    } else if name.starts_with("T_") || matches!(name.as_str(), "DATE" | "TIMESTAMP" | "INTERVAL") {
        "this server has no temporal filters"
    } else if name.starts_with("A_") {
        "this server has no array filters"
    } else if matches!(name.as_str(), "+" | "-" | "*" | "/" | "%" | "^" | "DIV") {
        "filters compare values; they do no arithmetic"
    } else if name == "ACCENTI" {
        "comparisons can ignore case (CASEI) but not accents"
    } else {
        "the functions supported are CASEI, S_INTERSECTS and BBOX"
    };
    format!("{name} is not supported; {why}")
}

/// Why a condition was written where a value belongs (`x = S_INTERSECTS(…)`).
pub(super) fn not_a_value(name: &str) -> String {
    format!(
        "{} is a condition, not a value",
        short(&name.to_uppercase())
    )
}

/// Builds the tree's predicates from operands, checking them against the dataset.
pub(super) struct Checker<'a> {
    dataset: &'a Dataset,
    terms: usize,
}

impl<'a> Checker<'a> {
    pub(super) fn new(dataset: &'a Dataset) -> Self {
        Self { dataset, terms: 0 }
    }

    fn count(&mut self) -> Result<(), String> {
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return Err(format!("a filter holds at most {MAX_TERMS} comparisons"));
        }
        Ok(())
    }

    /// The field a predicate is about, its kind and whether it was wrapped in CASEI.
    fn subject(&self, operand: Operand, what: &str) -> Result<(String, FieldKind, bool), String> {
        match operand {
            Operand::Property { name, casei } => {
                let kind = field_kind(self.dataset, &name)?;
                if casei && kind != FieldKind::Text {
                    return Err(format!(
                        "CASEI applies to text; {name} holds {}",
                        kind.name()
                    ));
                }
                Ok((name, kind, casei))
            }
            other => Err(format!(
                "{what} needs a property on its left, not {}",
                other.describe()
            )),
        }
    }

    pub(super) fn compare(
        &mut self,
        left: Operand,
        op: &'static str,
        right: Operand,
    ) -> Result<Filter, String> {
        self.count()?;
        let (subject, value, op) = match (&left, &right) {
            (Operand::Property { .. }, _) => (left, right, op),
            (_, Operand::Property { .. }) => (right, left, flip(op)),
            _ => {
                return Err(format!(
                    "{} {op} {} compares two values; one side must be a property",
                    left.describe(),
                    right.describe()
                ));
            }
        };
        let (field, kind, casei) = self.subject(subject, op)?;
        let (value, value_casei) = literal(&field, kind, value)?;
        if kind == FieldKind::Boolean && !matches!(op, "=" | "<>") {
            return Err(format!("{field} is true or false: compare it with = or <>"));
        }
        Ok(Filter::Compare {
            field,
            op,
            value,
            casei: casei || value_casei,
        })
    }

    pub(super) fn like(&mut self, subject: Operand, pattern: Operand) -> Result<Filter, String> {
        self.count()?;
        let (field, kind, casei) = self.subject(subject, "LIKE")?;
        if kind != FieldKind::Text {
            return Err(format!("LIKE matches text; {field} holds {}", kind.name()));
        }
        let (pattern, pattern_casei) = match literal(&field, kind, pattern)? {
            (Param::Text(pattern), casei) => (pattern, casei),
            (other, _) => {
                return Err(format!(
                    "LIKE takes a text pattern, not {}",
                    describe_value(&other)
                ));
            }
        };
        Ok(Filter::Like {
            field,
            pattern,
            casei: casei || pattern_casei,
        })
    }

    pub(super) fn between(
        &mut self,
        subject: Operand,
        low: Operand,
        high: Operand,
    ) -> Result<Filter, String> {
        self.count()?;
        let (field, kind, casei) = self.subject(subject, "BETWEEN")?;
        if kind != FieldKind::Number || casei {
            return Err(format!(
                "BETWEEN compares numbers; {field} holds {}",
                kind.name()
            ));
        }
        let (low, _) = literal(&field, kind, low)?;
        let (high, _) = literal(&field, kind, high)?;
        Ok(Filter::Between { field, low, high })
    }

    pub(super) fn in_list(
        &mut self,
        subject: Operand,
        values: Vec<Operand>,
    ) -> Result<Filter, String> {
        self.count()?;
        let (field, kind, mut casei) = self.subject(subject, "IN")?;
        if values.is_empty() || values.len() > MAX_LIST {
            return Err(format!(
                "an IN list holds 1 to {MAX_LIST} values, not {}",
                values.len()
            ));
        }
        let mut params = Vec::with_capacity(values.len());
        for value in values {
            let (param, value_casei) = literal(&field, kind, value)?;
            casei |= value_casei;
            params.push(param);
        }
        Ok(Filter::In {
            field,
            values: Param::list(params),
            casei,
        })
    }

    pub(super) fn is_null(&mut self, subject: Operand) -> Result<Filter, String> {
        self.count()?;
        let (field, _, casei) = self.subject(subject, "IS NULL")?;
        if casei {
            return Err(format!(
                "IS NULL takes the property {field}, not CASEI({field})"
            ));
        }
        Ok(Filter::IsNull { field })
    }

    /// `S_INTERSECTS` of the feature geometry and a literal, in either order.
    pub(super) fn intersects(&mut self, a: Operand, b: Operand) -> Result<Filter, String> {
        self.count()?;
        match (a, b) {
            (Operand::Property { name, casei: false }, Operand::Spatial(literal))
            | (Operand::Spatial(literal), Operand::Property { name, casei: false })
                if is_geometry(&name) =>
            {
                Ok(Filter::Intersects(literal))
            }
            (a, b) => Err(format!(
                "S_INTERSECTS compares the feature geometry (the property geometry) with a \
                 geometry literal, not {} with {}",
                a.describe(),
                b.describe()
            )),
        }
    }
}

/// The value compared with `field`, checked against its kind, and whether it was CASEI.
fn literal(field: &str, kind: FieldKind, operand: Operand) -> Result<(Param, bool), String> {
    match operand {
        Operand::Value { value, casei } => {
            let fits = matches!(
                (kind, &value),
                (FieldKind::Text, Param::Text(_))
                    | (FieldKind::Number, Param::Number(_))
                    | (FieldKind::Boolean, Param::Boolean(_))
            );
            if fits {
                Ok((value, casei))
            } else {
                Err(format!(
                    "{field} holds {}, not {}",
                    kind.name(),
                    describe_value(&value)
                ))
            }
        }
        Operand::Property { name, .. } => Err(format!(
            "{field} is compared with the property {name}; one side must be a value"
        )),
        Operand::Spatial(_) => Err(format!(
            "{field} holds {}, not a geometry: geometries are compared with S_INTERSECTS",
            kind.name()
        )),
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The dataset the CQL2 tests filter: a field of every kind, one with a Swedish name.
    pub(in crate::filter) fn dataset() -> Dataset {
        crate::stats::testing::dataset_with(
            "naturreservat",
            &[
                ("skyddstyp", "text"),
                ("län", "text"),
                ("area_ha", "double precision"),
                ("klass", "bigint"),
                ("aktiv", "boolean"),
            ],
        )
    }

    /// The error of a text filter, checked to be the error of its JSON form too.
    fn err(text: &str, json: &str) -> String {
        let from_text = Filter::parse_cql2_text(text, &dataset()).expect_err(text);
        let from_json = Filter::parse_cql2_json(json, &dataset()).expect_err(json);
        assert_eq!(from_text, from_json, "{text}");
        from_text
    }

    fn check_errors(table: &str) {
        for line in table.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (text, rest) = line.split_once(" ⇔ ").expect("text ⇔ json");
            let (json, says) = rest.split_once(" ⇒ ").expect("json ⇒ says");
            let e = err(text, json);
            assert!(e.contains(says), "{text}: {e}");
        }
    }

    /// `text ⇔ json`, one pair a line.
    const SAME: &str = r#"
        skyddstyp = 'NR' ⇔ {"op":"=","args":[{"property":"skyddstyp"},"NR"]}
        10 < area_ha ⇔ {"op":"<","args":[10,{"property":"area_ha"}]}
        aktiv <> TRUE ⇔ {"op":"<>","args":[{"property":"aktiv"},true]}
        klass >= -1.5e1 ⇔ {"op":">=","args":[{"property":"klass"},-15]}
        klass <= 2 AND area_ha > 1 ⇔ {"op":"AND","args":[{"op":"<=","args":[{"property":"klass"},2]},{"op":">","args":[{"property":"area_ha"},1]}]}
        NOT (klass = 1 OR klass = 2) ⇔ {"op":"not","args":[{"op":"or","args":[{"op":"=","args":[{"property":"klass"},1]},{"op":"=","args":[{"property":"klass"},2]}]}]}
        län IS NULL ⇔ {"op":"isNull","args":[{"property":"län"}]}
        län IS NOT NULL ⇔ {"op":"not","args":[{"op":"isNull","args":[{"property":"län"}]}]}
        skyddstyp LIKE 'Natur%' ⇔ {"op":"like","args":[{"property":"skyddstyp"},"Natur%"]}
        CASEI(skyddstyp) LIKE CASEI('natur%') ⇔ {"op":"like","args":[{"op":"casei","args":[{"property":"skyddstyp"}]},{"op":"casei","args":["natur%"]}]}
        CASEI(skyddstyp) = 'NR' ⇔ {"op":"=","args":[{"op":"casei","args":[{"property":"skyddstyp"}]},"NR"]}
        area_ha BETWEEN 1 AND 5 ⇔ {"op":"between","args":[{"property":"area_ha"},1,5]}
        klass IN (1, 2, 3) ⇔ {"op":"in","args":[{"property":"klass"},[1,2,3]]}
        aktiv IN (TRUE) ⇔ {"op":"in","args":[{"property":"aktiv"},[true]]}
        CASEI(län) IN (CASEI('a'), CASEI('b')) ⇔ {"op":"in","args":[{"op":"casei","args":[{"property":"län"}]},[{"op":"casei","args":["a"]},{"op":"casei","args":["b"]}]]}
        S_INTERSECTS(geometry, POINT(17 59)) ⇔ {"op":"s_intersects","args":[{"property":"geometry"},{"type":"Point","coordinates":[17,59]}]}
        S_INTERSECTS(geometry, BBOX(17, 59, 18, 60)) ⇔ {"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[17,59,18,60]}]}
        S_INTERSECTS(geom, POLYGON((0 0, 1 0, 1 1, 0 0))) ⇔ {"op":"s_intersects","args":[{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]},{"property":"geometry"}]}
    "#;

    #[test]
    fn text_and_json_forms_of_a_condition_give_one_tree() {
        for line in SAME.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (text, json) = line.split_once(" ⇔ ").expect("a pair");
            let from_text = Filter::parse_cql2_text(text, &dataset());
            assert!(from_text.is_ok(), "{text}: {from_text:?}");
            assert_eq!(
                Filter::parse_cql2_json(json, &dataset()),
                from_text,
                "{text}"
            );
        }
    }

    #[test]
    fn unknown_fields_list_the_known_ones() {
        let unknown = err(
            "namn = 'x'",
            r#"{"op":"=","args":[{"property":"namn"},"x"]}"#,
        );
        assert!(unknown.contains("no field \"namn\""), "{unknown}");
        let known = "its fields are skyddstyp, län, area_ha, klass, aktiv";
        assert!(unknown.contains(known), "{unknown}");
    }

    /// `text ⇔ json ⇒ what the error of both says`, one a line.
    const MISTYPED: &str = r#"
        area_ha = 'stor' ⇔ {"op":"=","args":[{"property":"area_ha"},"stor"]} ⇒ area_ha holds a number, not the text 'stor'
        skyddstyp = 5 ⇔ {"op":"=","args":[{"property":"skyddstyp"},5]} ⇒ skyddstyp holds text, not the number 5
        aktiv = 1 ⇔ {"op":"=","args":[{"property":"aktiv"},1]} ⇒ aktiv holds true or false, not the number 1
        aktiv > TRUE ⇔ {"op":">","args":[{"property":"aktiv"},true]} ⇒ compare it with = or <>
        klass LIKE '1%' ⇔ {"op":"like","args":[{"property":"klass"},"1%"]} ⇒ LIKE matches text; klass holds a number
        skyddstyp BETWEEN 'a' AND 'b' ⇔ {"op":"between","args":[{"property":"skyddstyp"},"a","b"]} ⇒ BETWEEN compares numbers
        klass IN (1, 'två') ⇔ {"op":"in","args":[{"property":"klass"},[1,"två"]]} ⇒ klass holds a number, not the text 'två'
        1 = 2 ⇔ {"op":"=","args":[1,2]} ⇒ one side must be a property
        klass = area_ha ⇔ {"op":"=","args":[{"property":"klass"},{"property":"area_ha"}]} ⇒ one side must be a value
    "#;

    #[test]
    fn mistyped_values_say_what_the_field_holds() {
        check_errors(MISTYPED);
    }

    /// `text ⇔ json ⇒ what the error of both says`, one a line.
    const CASEI_MISUSED: &str = r#"
        CASEI(klass) = 1 ⇔ {"op":"=","args":[{"op":"casei","args":[{"property":"klass"}]},1]} ⇒ CASEI applies to text; klass holds a number
        skyddstyp = CASEI(1) ⇔ {"op":"=","args":[{"property":"skyddstyp"},{"op":"casei","args":[1]}]} ⇒ CASEI takes a property or a text, not the number 1
        CASEI(area_ha) BETWEEN 1 AND 2 ⇔ {"op":"between","args":[{"op":"casei","args":[{"property":"area_ha"}]},1,2]} ⇒ CASEI applies to text
    "#;

    #[test]
    fn casei_applies_to_text_only() {
        check_errors(CASEI_MISUSED);
    }
}

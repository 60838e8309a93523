//! An upload's column types and geometry family, from every feature it holds: a column is
//! the narrowest type all its values fit (integer, number, boolean, else text), and the
//! dataset the one geometry family all its features share.

use crate::catalog::{FieldType, GeometryKind};
use crate::read::{Feature, Value};

/// What the values of one field have been so far.
#[derive(Debug, Default, Clone, Copy)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "one flag per kind of value, combined in `kind`"
)]
pub(super) struct Seen {
    integer: bool,
    double: bool,
    boolean: bool,
    text: bool,
}

impl Seen {
    /// Takes one value in. `text_numbers`: whether text that reads as a number is one (CSV,
    /// where everything is text), except codes with a leading zero (`0680`), which stay text.
    pub(super) fn add(&mut self, value: &Value, text_numbers: bool) {
        match value {
            Value::Null => {}
            Value::Integer(_) => self.integer = true,
            Value::Double(_) => self.double = true,
            Value::Boolean(_) => self.boolean = true,
            Value::Text(s) if !text_numbers => self.text |= !s.is_empty(),
            Value::Text(s) => {
                let s = s.trim();
                let coded = s.len() > 1
                    && s.starts_with('0')
                    && !s.starts_with("0.")
                    && !s.starts_with("0,");
                if s.is_empty() {
                } else if coded {
                    self.text = true;
                } else if s.parse::<i64>().is_ok() {
                    self.integer = true;
                } else if s.replace(',', ".").parse::<f64>().is_ok_and(f64::is_finite) {
                    self.double = true;
                } else {
                    self.text = true;
                }
            }
        }
    }

    /// The column type that holds every value seen.
    pub(super) fn kind(self) -> FieldType {
        match self {
            Self { text: true, .. } => FieldType::Text,
            Self {
                boolean: true,
                integer: false,
                double: false,
                ..
            } => FieldType::Boolean,
            Self { boolean: true, .. } => FieldType::Text,
            Self { double: true, .. } => FieldType::Double,
            Self { integer: true, .. } => FieldType::Integer,
            _ => FieldType::Text,
        }
    }
}

/// The geometry families of the features read, counted.
#[derive(Debug, Default)]
pub(super) struct Families {
    pub points: u64,
    pub lines: u64,
    pub polygons: u64,
    /// Geometry collections and types WKB names that are none of the three.
    pub other: u64,
    /// The first feature of each family, for messages.
    pub first: [Option<u64>; 4],
}

impl Families {
    /// Counts `feature`'s geometry (none is not counted: the load reports it).
    pub(super) fn add(&mut self, feature: &Feature) {
        let Some(kind) = feature.wkb.as_deref().and_then(wkb_type) else {
            return;
        };
        let slot = match kind % 1000 {
            1 | 4 => {
                self.points += 1;
                0
            }
            2 | 5 => {
                self.lines += 1;
                1
            }
            3 | 6 => {
                self.polygons += 1;
                2
            }
            _ => {
                self.other += 1;
                3
            }
        };
        self.first[slot].get_or_insert(feature.number);
    }

    /// The one family, or why there is none.
    pub(super) fn family(&self) -> Result<GeometryKind, String> {
        let present = [
            (self.points, "points"),
            (self.lines, "lines"),
            (self.polygons, "polygons"),
        ];
        if let Some(f) = self.first[3] {
            return Err(format!(
                "feature {f} is a geometry collection (or a curve): Rummet serves points, lines or polygons"
            ));
        }
        let counts: Vec<String> = present
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect();
        match counts.len() {
            0 => Err("the file holds no features with geometry".into()),
            1 if self.points > 0 => Ok(GeometryKind::Point),
            1 if self.lines > 0 => Ok(GeometryKind::Line),
            1 => Ok(GeometryKind::Polygon),
            _ => Err(format!(
                "the file mixes {}: a dataset holds one geometry family; upload each as its own dataset",
                counts.join(" and ")
            )),
        }
    }
}

/// The WKB geometry type code, Z/M/SRID flags of EWKB removed (ISO codes keep their
/// thousands, which `% 1000` folds).
fn wkb_type(wkb: &[u8]) -> Option<u32> {
    let bytes: [u8; 4] = wkb.get(1..5)?.try_into().ok()?;
    let raw = match wkb.first()? {
        0 => u32::from_be_bytes(bytes),
        1 => u32::from_le_bytes(bytes),
        _ => return None,
    };
    Some(raw & 0x0FFF_FFFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(values: &[Value], csv: bool) -> FieldType {
        let mut seen = Seen::default();
        for v in values {
            seen.add(v, csv);
        }
        seen.kind()
    }

    #[test]
    fn csv_numbers_become_numbers_but_codes_with_leading_zeros_stay_text() {
        let t = |s: &str| Value::Text(s.into());
        assert_eq!(kind(&[t("12"), t(""), t("7")], true), FieldType::Integer);
        assert_eq!(kind(&[t("12"), t("12,5")], true), FieldType::Double);
        assert_eq!(kind(&[t("0680"), t("1280")], true), FieldType::Text);
        assert_eq!(kind(&[t("0,5")], true), FieldType::Double);
        assert_eq!(kind(&[t("12")], false), FieldType::Text);
    }

    #[test]
    fn typed_values_widen_to_the_type_that_holds_them_all() {
        assert_eq!(
            kind(&[Value::Integer(1), Value::Double(2.5)], false),
            FieldType::Double
        );
        assert_eq!(
            kind(&[Value::Boolean(true), Value::Null], false),
            FieldType::Boolean
        );
        assert_eq!(
            kind(&[Value::Boolean(true), Value::Integer(2)], false),
            FieldType::Text
        );
        assert_eq!(kind(&[Value::Null], false), FieldType::Text);
    }

    #[test]
    fn a_file_mixing_points_and_polygons_is_refused_with_the_counts() {
        let f = |number, kind: u32| Feature {
            number,
            wkb: Some([&[1u8][..], &kind.to_le_bytes()].concat()),
            values: Vec::new(),
        };
        let mut fam = Families::default();
        for (n, k) in [(1, 3), (2, 6), (3, 1)] {
            fam.add(&f(n, k));
        }
        assert_eq!(
            fam.family().err().as_deref(),
            Some(
                "the file mixes 1 points and 2 polygons: a dataset holds one geometry family; upload each as its own dataset"
            )
        );
        let mut z = Families::default();
        z.add(&f(1, 1003));
        assert_eq!(z.family(), Ok(GeometryKind::Polygon));
    }
}

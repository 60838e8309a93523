//! Geometry literals of CQL2 filters: the checked geometry tree that WKT (read here, for CQL2
//! text) and GeoJSON (read in `cql2_json`) become, written back as canonical 2D WKT, so PostGIS
//! only ever parses text this server wrote.

use std::fmt;

use super::MAX_COORDINATES;

/// Deepest nesting of geometry collections: real filters hardly nest them at all, and both
/// readers recurse once per level.
pub(super) const MAX_NESTING: usize = 8;

/// `[x, y]`; a height is read and dropped, since intersection is tested in 2D.
pub(super) type Position = [f64; 2];

/// A checked geometry: finite numbers, lines of at least 2 positions, closed rings of at
/// least 4, no empty parts.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Geometry {
    Point(Position),
    LineString(Vec<Position>),
    Polygon(Vec<Vec<Position>>),
    MultiPoint(Vec<Position>),
    MultiLineString(Vec<Vec<Position>>),
    MultiPolygon(Vec<Vec<Vec<Position>>>),
    Collection(Vec<Geometry>),
}

/// Geometry types; WKT keywords and GeoJSON `type`s are the same words, case aside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Point,
    LineString,
    Polygon,
    MultiPoint,
    MultiLineString,
    MultiPolygon,
    Collection,
}

const KINDS: [(&str, Kind); 7] = [
    ("POINT", Kind::Point),
    ("LINESTRING", Kind::LineString),
    ("POLYGON", Kind::Polygon),
    ("MULTIPOINT", Kind::MultiPoint),
    ("MULTILINESTRING", Kind::MultiLineString),
    ("MULTIPOLYGON", Kind::MultiPolygon),
    ("GEOMETRYCOLLECTION", Kind::Collection),
];

impl Kind {
    pub(super) fn of(name: &str) -> Option<Self> {
        KINDS
            .iter()
            .find(|(keyword, _)| keyword.eq_ignore_ascii_case(name))
            .map(|&(_, kind)| kind)
    }
}

/// Positions the spatial literals of one filter may still hold, shared by all of them so a
/// filter of many literals is bounded too.
pub(super) struct Budget(usize);

impl Budget {
    pub(super) fn new() -> Self {
        Self(MAX_COORDINATES)
    }

    pub(super) fn take(&mut self) -> Result<(), String> {
        self.0 = self.0.checked_sub(1).ok_or_else(|| {
            format!("the geometries of a filter hold at most {MAX_COORDINATES} positions")
        })?;
        Ok(())
    }
}

/// The positions of a linestring, if they make one.
pub(super) fn line(positions: Vec<Position>) -> Result<Vec<Position>, String> {
    if positions.len() < 2 {
        return Err(format!(
            "a linestring needs at least 2 positions, found {}",
            positions.len()
        ));
    }
    Ok(positions)
}

/// The positions of a polygon ring, if they close one.
pub(super) fn ring(positions: Vec<Position>) -> Result<Vec<Position>, String> {
    if positions.len() < 4 {
        return Err(format!(
            "a polygon ring needs at least 4 positions, found {}",
            positions.len()
        ));
    }
    if positions.first() != positions.last() {
        return Err("a polygon ring is not closed: its last position must repeat its first".into());
    }
    Ok(positions)
}

/// The parts of a multi-geometry or collection, if there are any.
pub(super) fn nonempty<T>(parts: Vec<T>) -> Result<Vec<T>, String> {
    if parts.is_empty() {
        Err("a geometry has no parts: empty geometries intersect nothing".into())
    } else {
        Ok(parts)
    }
}

impl fmt::Display for Geometry {
    /// Canonical WKT; `{}` of an f64 is its shortest form that reads back to the same number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list<T>(
            f: &mut fmt::Formatter<'_>,
            items: &[T],
            mut item: impl FnMut(&mut fmt::Formatter<'_>, &T) -> fmt::Result,
        ) -> fmt::Result {
            f.write_str("(")?;
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                item(f, it)?;
            }
            f.write_str(")")
        }
        fn position(f: &mut fmt::Formatter<'_>, p: &Position) -> fmt::Result {
            write!(f, "{} {}", p[0], p[1])
        }
        fn positions(f: &mut fmt::Formatter<'_>, ps: &[Position]) -> fmt::Result {
            list(f, ps, position)
        }
        fn rings(f: &mut fmt::Formatter<'_>, rs: &[Vec<Position>]) -> fmt::Result {
            list(f, rs, |f, r| positions(f, r))
        }
        match self {
            Self::Point(p) => {
                f.write_str("POINT(")?;
                position(f, p)?;
                f.write_str(")")
            }
            Self::LineString(ps) => {
                f.write_str("LINESTRING")?;
                positions(f, ps)
            }
            Self::Polygon(rs) => {
                f.write_str("POLYGON")?;
                rings(f, rs)
            }
            Self::MultiPoint(ps) => {
                f.write_str("MULTIPOINT")?;
                list(f, ps, |f, p| {
                    f.write_str("(")?;
                    position(f, p)?;
                    f.write_str(")")
                })
            }
            Self::MultiLineString(ls) => {
                f.write_str("MULTILINESTRING")?;
                rings(f, ls)
            }
            Self::MultiPolygon(polygons) => {
                f.write_str("MULTIPOLYGON")?;
                list(f, polygons, |f, p| rings(f, p))
            }
            Self::Collection(members) => {
                f.write_str("GEOMETRYCOLLECTION")?;
                list(f, members, |f, g| write!(f, "{g}"))
            }
        }
    }
}

/// Whether the word just read (ending before `chars[end]`) opens a WKT literal rather than
/// naming a property: a literal goes on with `(` or a `Z`, `M`, `ZM` or `EMPTY` tag.
pub(super) fn starts_literal(word: &str, chars: &[char], end: usize) -> bool {
    if Kind::of(word).is_none() {
        return false;
    }
    let mut i = end;
    while chars.get(i).is_some_and(|c| c.is_whitespace()) {
        i += 1;
    }
    let start = i;
    while chars.get(i).is_some_and(char::is_ascii_alphabetic) {
        i += 1;
    }
    let tag: String = chars[start..i].iter().collect();
    chars.get(start) == Some(&'(')
        || ["Z", "M", "ZM", "EMPTY"]
            .iter()
            .any(|t| t.eq_ignore_ascii_case(&tag))
}

/// Reads the WKT literal whose keyword starts at `chars[at]`; returns it and the index just
/// after it.
pub(super) fn read_wkt(
    chars: &[char],
    at: usize,
    budget: &mut Budget,
) -> Result<(Geometry, usize), String> {
    let mut reader = WktReader { chars, at, budget };
    let geometry = reader.geometry(0)?;
    Ok((geometry, reader.at))
}

struct WktReader<'a> {
    chars: &'a [char],
    at: usize,
    budget: &'a mut Budget,
}

impl WktReader<'_> {
    fn peek(&mut self) -> Option<char> {
        while self.chars.get(self.at).is_some_and(|c| c.is_whitespace()) {
            self.at += 1;
        }
        self.chars.get(self.at).copied()
    }

    fn word(&mut self) -> String {
        self.peek();
        let start = self.at;
        while self
            .chars
            .get(self.at)
            .is_some_and(|c| c.is_alphanumeric() || *c == '_')
        {
            self.at += 1;
        }
        self.chars[start..self.at].iter().collect()
    }

    fn unexpected(&mut self, expected: &str) -> String {
        let found = match self.peek() {
            Some(c) => format!("{c:?} at character {}", self.at + 1),
            None => "the end of the filter".into(),
        };
        format!("expected {expected} in a WKT geometry, found {found}")
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        if self.peek() == Some(c) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.unexpected(&format!("{c:?}")))
        }
    }

    fn starts_number(&mut self) -> bool {
        self.peek()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.'))
    }

    fn number(&mut self) -> Result<f64, String> {
        if !self.starts_number() {
            return Err(self.unexpected("a number"));
        }
        let start = self.at;
        while self
            .chars
            .get(self.at)
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
        {
            self.at += 1;
        }
        let text: String = self.chars[start..self.at].iter().collect();
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(n),
            _ => Err(format!(
                "{text:?} at character {} is not a finite number",
                start + 1
            )),
        }
    }

    /// `x y` or `x y z`; with a `Z` tag the height is required.
    fn position(&mut self, z: bool) -> Result<Position, String> {
        let x = self.number()?;
        let y = self.number()?;
        if z || self.starts_number() {
            self.number()?;
        }
        self.budget.take()?;
        Ok([x, y])
    }

    /// `(` item (`,` item)* `)`.
    fn list<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<T, String>,
    ) -> Result<Vec<T>, String> {
        self.expect('(')?;
        let mut out = vec![item(self)?];
        loop {
            match self.peek() {
                Some(',') => {
                    self.at += 1;
                    out.push(item(self)?);
                }
                Some(')') => {
                    self.at += 1;
                    return Ok(out);
                }
                _ => return Err(self.unexpected("',' or ')'")),
            }
        }
    }

    fn positions(&mut self, z: bool) -> Result<Vec<Position>, String> {
        self.list(|r| r.position(z))
    }

    /// Runs a check on the positions read next, saying where they began if it fails.
    fn checked(
        &mut self,
        z: bool,
        check: fn(Vec<Position>) -> Result<Vec<Position>, String>,
    ) -> Result<Vec<Position>, String> {
        self.peek();
        let start = self.at + 1;
        let positions = self.positions(z)?;
        check(positions).map_err(|e| format!("{e} (at character {start})"))
    }

    fn geometry(&mut self, depth: usize) -> Result<Geometry, String> {
        self.peek();
        let start = self.at + 1;
        let word = self.word();
        let kind = Kind::of(&word).ok_or_else(|| {
            format!("expected a WKT geometry at character {start}, found {word:?}")
        })?;
        let z = if self.peek().is_some_and(char::is_alphabetic) {
            match self.word().to_ascii_uppercase().as_str() {
                "Z" => true,
                "EMPTY" => {
                    return Err(format!(
                        "{word} EMPTY at character {start} is not supported: an empty geometry \
                         intersects nothing"
                    ));
                }
                "M" | "ZM" => {
                    return Err(format!(
                        "the {word} at character {start} has M values; only x, y and an \
                         optional z are supported"
                    ));
                }
                _ => return Err(self.unexpected("'(' or Z")),
            }
        } else {
            false
        };
        Ok(match kind {
            Kind::Point => {
                self.expect('(')?;
                let p = self.position(z)?;
                self.expect(')')?;
                Geometry::Point(p)
            }
            Kind::LineString => Geometry::LineString(self.checked(z, line)?),
            Kind::Polygon => Geometry::Polygon(self.list(|r| r.checked(z, ring))?),
            // Both `MULTIPOINT(1 2, 3 4)` and `MULTIPOINT((1 2), (3 4))` are in use.
            Kind::MultiPoint => Geometry::MultiPoint(self.list(|r| {
                if r.peek() == Some('(') {
                    r.at += 1;
                    let p = r.position(z)?;
                    r.expect(')')?;
                    Ok(p)
                } else {
                    r.position(z)
                }
            })?),
            Kind::MultiLineString => Geometry::MultiLineString(self.list(|r| r.checked(z, line))?),
            Kind::MultiPolygon => {
                Geometry::MultiPolygon(self.list(|r| r.list(|r| r.checked(z, ring)))?)
            }
            Kind::Collection => {
                if depth >= MAX_NESTING {
                    return Err(format!(
                        "the GEOMETRYCOLLECTION at character {start} nests deeper than \
                         {MAX_NESTING} collections"
                    ));
                }
                Geometry::Collection(self.list(|r| r.geometry(depth + 1))?)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wkt(text: &str) -> Result<String, String> {
        let chars: Vec<char> = text.chars().collect();
        let (geometry, end) = read_wkt(&chars, 0, &mut Budget::new())?;
        assert_eq!(end, chars.len(), "{text} was not read to its end");
        Ok(geometry.to_string())
    }

    #[test]
    fn every_geometry_type_is_rewritten_as_canonical_2d_wkt() {
        for (input, canonical) in [
            ("point ( 1.5  -2 )", "POINT(1.5 -2)"),
            ("POINT Z (1 2 3)", "POINT(1 2)"),
            ("LINESTRING(0 0, 1e2 1)", "LINESTRING(0 0,100 1)"),
            (
                "POLYGON((0 0,1 0,1 1,0 0),(0.1 0.1,0.2 0.1,0.2 0.2,0.1 0.1))",
                "POLYGON((0 0,1 0,1 1,0 0),(0.1 0.1,0.2 0.1,0.2 0.2,0.1 0.1))",
            ),
            ("MULTIPOINT(1 2, 3 4)", "MULTIPOINT((1 2),(3 4))"),
            ("MULTIPOINT((1 2),(3 4))", "MULTIPOINT((1 2),(3 4))"),
            (
                "MULTILINESTRING((0 0,1 1),(2 2,3 3))",
                "MULTILINESTRING((0 0,1 1),(2 2,3 3))",
            ),
            (
                "MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))",
                "MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))",
            ),
            (
                "GEOMETRYCOLLECTION(POINT(1 2),LINESTRING(0 0,1 1))",
                "GEOMETRYCOLLECTION(POINT(1 2),LINESTRING(0 0,1 1))",
            ),
        ] {
            assert_eq!(wkt(input).as_deref(), Ok(canonical), "{input}");
        }
    }

    #[test]
    fn malformed_wkt_is_refused_with_what_is_wrong() {
        for (input, says) in [
            ("POLYGON((0 0,1 0,1 1,0 1))", "not closed"),
            ("POLYGON((0 0,1 0,0 0))", "at least 4 positions"),
            ("LINESTRING(0 0)", "at least 2 positions"),
            ("POINT(1 NaN)", "expected a number"),
            ("POINT(1 1e999)", "not a finite number"),
            ("POINT EMPTY", "EMPTY"),
            ("POINT M (1 2 3)", "M values"),
            ("POINT(1 2 3 4)", "expected ')'"),
            ("POINT(1 2", "the end of the filter"),
        ] {
            let err = wkt(input).expect_err(input);
            assert!(err.contains(says), "{input}: {err}");
        }
    }

    #[test]
    fn too_many_positions_are_refused() {
        let many = vec!["0 0"; MAX_COORDINATES + 1].join(",");
        let err = wkt(&format!("LINESTRING({many})")).expect_err("too many");
        assert!(err.contains("at most 10000 positions"), "{err}");
    }

    #[test]
    fn deeply_nested_collections_are_refused() {
        let deep = format!(
            "{}POINT(1 2){}",
            "GEOMETRYCOLLECTION(".repeat(50),
            ")".repeat(50)
        );
        assert!(wkt(&deep).expect_err("deep").contains("nests deeper"));
    }

    #[test]
    fn a_word_naming_a_geometry_type_is_a_literal_only_when_followed_by_one() {
        let chars: Vec<char> = "point = 1".chars().collect();
        assert!(!starts_literal("point", &chars, 5));
        let chars: Vec<char> = "point (1 2)".chars().collect();
        assert!(starts_literal("point", &chars, 5));
    }
}

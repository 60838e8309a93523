//! The `where=` grammar: a small closed language over a dataset's fields, parsed into a tree
//! and turned into SQL whose values are all bound parameters. Nothing the client writes is
//! spliced into SQL but field names, and only after they matched a registry field.
//!
//! ```text
//! expr    = and ("or" and)*
//! and     = term ("and" term)*
//! term    = "(" expr ")" | field op value | field "in" "(" value ("," value)* ")"
//! op      = "=" | "!=" | "<>" | "<" | ">" | "<=" | ">="
//! value   = 'text' ('' escapes a quote) | number | true | false
//! ```

use super::{FieldKind, Filter, MAX_LIST, MAX_TERMS, Param, field_kind};
use crate::datasets::Dataset;

/// Longest `where` accepted, in characters.
const MAX_LEN: usize = 2000;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Number(f64),
    Op(&'static str),
    Open,
    Close,
    Comma,
}

fn tokenize(input: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                tokens.push(Token::Open);
                i += 1;
            }
            ')' => {
                tokens.push(Token::Close);
                i += 1;
            }
            ',' => {
                tokens.push(Token::Comma);
                i += 1;
            }
            '\'' => {
                let mut text = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("a quoted value is not closed with '".into()),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            text.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(&ch) => {
                            text.push(ch);
                            i += 1;
                        }
                    }
                }
                tokens.push(Token::Text(text));
            }
            '=' | '!' | '<' | '>' => {
                let next = chars.get(i + 1).copied();
                let (op, len) = match (c, next) {
                    ('!', Some('=')) | ('<', Some('>')) => ("<>", 2),
                    ('<', Some('=')) => ("<=", 2),
                    ('>', Some('=')) => (">=", 2),
                    ('=', _) => ("=", 1),
                    ('<', _) => ("<", 1),
                    ('>', _) => (">", 1),
                    _ => return Err(format!("unexpected {c:?} at character {}", i + 1)),
                };
                tokens.push(Token::Op(op));
                i += len;
            }
            c if c.is_ascii_digit() || c == '-' || c == '.' => {
                let start = i;
                i += 1;
                while i < chars.len()
                    && (chars[i].is_ascii_digit() || matches!(chars[i], '.' | 'e' | 'E'))
                {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                let n: f64 = text
                    .parse()
                    .map_err(|_| format!("{text:?} is not a number"))?;
                if !n.is_finite() {
                    return Err(format!("{text:?} is not a finite number"));
                }
                tokens.push(Token::Number(n));
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                tokens.push(Token::Word(chars[start..i].iter().collect()));
            }
            other => {
                return Err(format!(
                    "unexpected {other:?} at character {}: values are quoted with '",
                    i + 1
                ));
            }
        }
    }
    Ok(tokens)
}

struct Parser<'a> {
    tokens: Vec<Token>,
    at: usize,
    dataset: &'a Dataset,
    terms: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn expr(&mut self) -> Result<Filter, String> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.at += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, String> {
        let mut left = self.term()?;
        while self.keyword("and") {
            self.at += 1;
            left = Filter::And(Box::new(left), Box::new(self.term()?));
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Filter, String> {
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return Err(format!("at most {MAX_TERMS} comparisons"));
        }
        match self.next() {
            Some(Token::Open) => {
                let inner = self.expr()?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err("a '(' is not closed".into()),
                }
            }
            Some(Token::Word(field)) => {
                let kind = field_kind(self.dataset, &field)?;
                if self.keyword("in") {
                    self.at += 1;
                    return self.list(field, kind);
                }
                let Some(Token::Op(op)) = self.next() else {
                    return Err(format!(
                        "expected =, !=, <, >, <=, >= or in after {field:?}"
                    ));
                };
                if kind == FieldKind::Boolean && !matches!(op, "=" | "<>") {
                    return Err(format!("{field} is true or false: compare it with = or !="));
                }
                let value = self.value(&field, kind)?;
                Ok(Filter::Compare {
                    field,
                    op,
                    value,
                    casei: false,
                })
            }
            Some(other) => Err(format!("expected a field name, found {}", describe(&other))),
            None => Err("the condition ends too early".into()),
        }
    }

    fn list(&mut self, field: String, kind: FieldKind) -> Result<Filter, String> {
        if self.next() != Some(Token::Open) {
            return Err(format!("expected '(' after {field} in"));
        }
        let mut values = Vec::new();
        loop {
            values.push(self.value(&field, kind)?);
            if values.len() > MAX_LIST {
                return Err(format!("an in list holds at most {MAX_LIST} values"));
            }
            match self.next() {
                Some(Token::Comma) => {}
                Some(Token::Close) => break,
                _ => return Err(format!("expected ',' or ')' in the list of {field}")),
            }
        }
        Ok(Filter::In {
            field,
            values: Param::list(values),
            casei: false,
        })
    }

    fn value(&mut self, field: &str, kind: FieldKind) -> Result<Param, String> {
        let token = self
            .next()
            .ok_or_else(|| format!("a value is missing after {field}"))?;
        match (kind, token) {
            (FieldKind::Text, Token::Text(t)) => Ok(Param::Text(t)),
            (FieldKind::Number, Token::Number(n)) => Ok(Param::Number(n)),
            (FieldKind::Boolean, Token::Word(w)) if w.eq_ignore_ascii_case("true") => {
                Ok(Param::Boolean(true))
            }
            (FieldKind::Boolean, Token::Word(w)) if w.eq_ignore_ascii_case("false") => {
                Ok(Param::Boolean(false))
            }
            (kind, other) => Err(format!(
                "{field} holds {}, not {}",
                kind.name(),
                describe(&other)
            )),
        }
    }
}

fn describe(token: &Token) -> String {
    match token {
        Token::Word(w) => format!("the word {w:?}"),
        Token::Text(t) => format!("the text '{t}'"),
        Token::Number(n) => format!("the number {n}"),
        Token::Op(op) => format!("{op:?}"),
        Token::Open => "'('".into(),
        Token::Close => "')'".into(),
        Token::Comma => "','".into(),
    }
}

/// Parses `input` against `dataset`'s fields.
pub(super) fn parse(input: &str, dataset: &Dataset) -> Result<Filter, String> {
    if input.chars().count() > MAX_LEN {
        return Err(format!("at most {MAX_LEN} characters"));
    }
    let mut parser = Parser {
        tokens: tokenize(input)?,
        at: 0,
        dataset,
        terms: 0,
    };
    if parser.tokens.is_empty() {
        return Err("the condition is empty".into());
    }
    let filter = parser.expr()?;
    if let Some(extra) = parser.peek() {
        return Err(format!(
            "unexpected {} after a complete condition: join conditions with and / or",
            describe(extra)
        ));
    }
    Ok(filter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::Filter;

    fn dataset() -> Dataset {
        crate::stats::testing::dataset_with(
            "naturreservat",
            &[
                ("skyddstyp", "text"),
                ("area_ha", "double precision"),
                ("klass", "bigint"),
                ("aktiv", "boolean"),
            ],
        )
    }

    fn sql(input: &str) -> Result<(String, Vec<Param>), String> {
        let filter = Filter::parse(input, &dataset())?;
        let mut params = Vec::new();
        Ok((filter.to_sql(&mut params), params))
    }

    #[test]
    fn a_comparison_binds_its_value() {
        let (sql, params) = sql("skyddstyp = 'Naturreservat'").expect("parses");
        assert_eq!(sql, "f.\"skyddstyp\" = $1::text");
        assert_eq!(params, vec![Param::Text("Naturreservat".into())]);
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let (sql, _) = sql("klass = 1 or klass = 2 and area_ha > 10.5").expect("parses");
        assert_eq!(
            sql,
            "(f.\"klass\" = $1::int8 OR (f.\"klass\" = $2::int8 AND f.\"area_ha\" > $3::float8))"
        );
    }

    #[test]
    fn in_lists_become_one_array_parameter() {
        let (sql, params) = sql("klass IN (0, 1,2)").expect("parses");
        assert_eq!(sql, "f.\"klass\" = ANY($1::int8[])");
        assert_eq!(params, vec![Param::Ints(vec![0, 1, 2])]);
    }

    #[test]
    fn a_quote_inside_a_value_stays_inside_the_value() {
        let (sql, params) =
            sql("skyddstyp = 'x'' OR 1=1; DROP TABLE rummet.datasets; --'").expect("parses");
        assert_eq!(sql, "f.\"skyddstyp\" = $1::text");
        assert_eq!(
            params,
            vec![Param::Text(
                "x' OR 1=1; DROP TABLE rummet.datasets; --".into()
            )]
        );
    }

    #[test]
    fn injection_outside_quotes_is_refused() {
        for input in [
            "skyddstyp = 'a' ; DROP TABLE x",
            "skyddstyp = 'a' OR 1=1",
            "skyddstyp = 'a' -- comment",
            "pg_sleep(10) = 1",
        ] {
            assert!(sql(input).is_err(), "{input} was accepted");
        }
    }

    #[test]
    fn unknown_fields_and_mistyped_values_say_what_is_wrong() {
        let unknown = sql("namn = 'x'").expect_err("unknown");
        assert!(unknown.contains("no field \"namn\""), "{unknown}");
        assert!(unknown.contains("skyddstyp"), "{unknown}");
        let typed = sql("area_ha = 'stor'").expect_err("typed");
        assert!(typed.contains("area_ha holds a number"), "{typed}");
        assert!(sql("aktiv > true").is_err());
        assert!(sql("(klass = 1").is_err());
        assert!(sql("").is_err());
        assert!(sql("skyddstyp = 'open").is_err());
    }
}

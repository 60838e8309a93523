//! The tokens of CQL2 text: words, quoted names and texts, numbers, operators, and WKT
//! literals, which are read, checked and rewritten here so the parser sees one token each.

use crate::filter::cql2;
use crate::filter::wkt::{self, Budget};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Word(String),
    /// A `"quoted"` property name.
    Quoted(String),
    Text(String),
    Number(f64),
    Op(&'static str),
    Open,
    Close,
    Comma,
    /// A WKT literal, already checked and rewritten.
    Geometry(String),
    /// A character no token starts with; an error once the parser reaches it, so that a
    /// function named before it (`A_CONTAINS(x, [1])`) is what the error names.
    Other(char),
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) tok: Tok,
    /// 1-based character position.
    pub(super) at: usize,
}

pub(super) fn tokenize(input: &str, budget: &mut Budget) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let at = i + 1;
        let next = chars.get(i + 1).copied();
        let tok = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' | ')' | ',' | '=' => {
                i += 1;
                match c {
                    '(' => Tok::Open,
                    ')' => Tok::Close,
                    ',' => Tok::Comma,
                    _ => Tok::Op("="),
                }
            }
            '<' | '>' => {
                let (op, len) = match (c, next) {
                    ('<', Some('>')) => ("<>", 2),
                    ('<', Some('=')) => ("<=", 2),
                    ('>', Some('=')) => (">=", 2),
                    ('<', _) => ("<", 1),
                    _ => (">", 1),
                };
                i += len;
                Tok::Op(op)
            }
            '\'' | '"' => {
                let (text, end) = quoted(&chars, i)?;
                i = end;
                if c == '\'' {
                    Tok::Text(text)
                } else if text.is_empty() {
                    return Err(format!("an empty property name \"\" at character {at}"));
                } else {
                    Tok::Quoted(text)
                }
            }
            _ if starts_number(&chars, i) => {
                let (n, end) = number(&chars, i)?;
                i = end;
                Tok::Number(n)
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while chars
                    .get(i)
                    .is_some_and(|c| c.is_alphanumeric() || *c == '_')
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                if wkt::starts_literal(&word, &chars, i) {
                    let (geometry, end) = wkt::read_wkt(&chars, start, budget)?;
                    i = end;
                    Tok::Geometry(geometry.to_string())
                } else {
                    Tok::Word(word)
                }
            }
            other => {
                i += 1;
                Tok::Other(other)
            }
        };
        tokens.push(Token { tok, at });
    }
    Ok(tokens)
}

/// The text between the quote at `chars[start]` and its closing twin (a doubled quote stands
/// for itself), and the index after it.
fn quoted(chars: &[char], start: usize) -> Result<(String, usize), String> {
    let q = chars[start];
    let mut text = String::new();
    let mut i = start + 1;
    loop {
        match chars.get(i) {
            None => {
                let what = if q == '\'' { "text" } else { "property name" };
                return Err(format!(
                    "the {what} opened with {q} at character {} is not closed",
                    start + 1
                ));
            }
            Some(&c) if c == q && chars.get(i + 1) == Some(&q) => {
                text.push(q);
                i += 2;
            }
            Some(&c) if c == q => return Ok((text, i + 1)),
            Some(&c) => {
                text.push(c);
                i += 1;
            }
        }
    }
}

fn starts_number(chars: &[char], i: usize) -> bool {
    let digit = |j: usize| chars.get(j).is_some_and(char::is_ascii_digit);
    match chars.get(i) {
        Some('0'..='9') => true,
        Some('.') => digit(i + 1),
        Some('+' | '-') => digit(i + 1) || (chars.get(i + 1) == Some(&'.') && digit(i + 2)),
        _ => false,
    }
}

/// `[+-]digits[.digits][e[+-]digits]` from `chars[start]`, and the index after it.
fn number(chars: &[char], start: usize) -> Result<(f64, usize), String> {
    let digit = |j: usize| chars.get(j).is_some_and(char::is_ascii_digit);
    let mut i = start + 1;
    while digit(i) || chars.get(i) == Some(&'.') {
        i += 1;
    }
    if matches!(chars.get(i), Some('e' | 'E')) {
        let sign = usize::from(matches!(chars.get(i + 1), Some('+' | '-')));
        if digit(i + 1 + sign) {
            i += 1 + sign;
            while digit(i) {
                i += 1;
            }
        }
    }
    let text: String = chars[start..i].iter().collect();
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() => Ok((n, i)),
        _ => Err(format!(
            "{text:?} at character {} is not a finite number",
            start + 1
        )),
    }
}

pub(super) fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Word(w) => format!("the word {}", cql2::short(w)),
        Tok::Quoted(p) => format!("the property \"{}\"", cql2::short(p)),
        Tok::Text(t) => format!("the text '{}'", cql2::short(t)),
        Tok::Number(n) => format!("the number {n}"),
        Tok::Op(op) => (*op).to_owned(),
        Tok::Open => "'('".into(),
        Tok::Close => "')'".into(),
        Tok::Comma => "','".into(),
        Tok::Geometry(_) => "a geometry".into(),
        Tok::Other(c) => format!("{c:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(input: &str) -> Result<Vec<Tok>, String> {
        let tokens = tokenize(input, &mut Budget::new())?;
        Ok(tokens.into_iter().map(|t| t.tok).collect())
    }

    #[test]
    fn numbers_may_be_signed_decimal_or_exponential() {
        let numbers = [-3.0, 2.5, 0.5, 1e3, -0.015].map(Tok::Number).to_vec();
        assert_eq!(toks("-3 +2.5 .5 1e3 -1.5E-2"), Ok(numbers));
        assert!(toks("1e999").is_err());
        assert_eq!(toks("- 1").map(|t| t[0].clone()), Ok(Tok::Other('-')));
    }

    #[test]
    fn a_doubled_quote_stands_for_itself() {
        let expected = vec![
            Tok::Quoted("län".into()),
            Tok::Text("Ö's".into()),
            Tok::Quoted("a\"b".into()),
        ];
        assert_eq!(toks(r#""län" 'Ö''s' "a""b""#), Ok(expected));
        assert_eq!(toks("''''"), Ok(vec![Tok::Text("'".into())]));
    }

    #[test]
    fn a_geometry_keyword_is_a_literal_only_before_its_coordinates() {
        let word = vec![Tok::Word("point".into()), Tok::Op("="), Tok::Number(1.0)];
        assert_eq!(toks("point = 1"), Ok(word));
        let literal = vec![Tok::Geometry("POINT(1 2)".into()), Tok::Close];
        assert_eq!(toks("point Z (1 2 3))"), Ok(literal));
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let tokens = tokenize("'åäö'<=x", &mut Budget::new()).expect("lexes");
        let at: Vec<usize> = tokens.iter().map(|t| t.at).collect();
        assert_eq!(at, [1, 6, 8]);
    }
}

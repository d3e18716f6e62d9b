//! A small JSON reader and writer, enough for the widget's inputs and traces
//! (kept here instead of serde_json to stay small in WebAssembly).
//!
//! Numbers are read and written by the small routines at the end of this
//! file rather than core's (whose correctly-rounded float parsing and
//! shortest-round-trip printing cost about a fifth of the bundle): reading is
//! exact for up to 15 significant digits and exponents within ±22 (every
//! number a reader types), within one unit in the last place otherwise;
//! writing gives 15 significant digits, trailing zeros dropped.
//!
//! Numbers that JSON cannot hold (NaN, ±∞, which the softmax overflow demo
//! produces on purpose) are written as the strings `"NaN"`, `"Infinity"`,
//! `"-Infinity"`.

use std::fmt::Write as _;

#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

/// Nesting deeper than this is refused (no stack overflow on hostile input).
const MAX_DEPTH: usize = 32;

impl Json {
    pub fn parse(text: &str) -> Result<Json, String> {
        let mut p = Parser {
            s: text.as_bytes(),
            i: 0,
        };
        let v = p.value(0)?;
        p.ws();
        if p.i != p.s.len() {
            return Err(format!("unexpected text at byte {}", p.i));
        }
        Ok(v)
    }

    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(items) => items.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn eat(&mut self, word: &str) -> bool {
        if self.s[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, String> {
        if depth > MAX_DEPTH {
            return Err("nested too deeply".into());
        }
        self.ws();
        let Some(&c) = self.s.get(self.i) else {
            return Err("unexpected end of input".into());
        };
        match c {
            b'{' => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.eat("}") {
                    return Ok(Json::Obj(items));
                }
                loop {
                    self.ws();
                    if self.s.get(self.i) != Some(&b'"') {
                        return Err(format!("expected a key at byte {}", self.i));
                    }
                    let key = self.string()?;
                    self.ws();
                    if !self.eat(":") {
                        return Err(format!("expected ':' at byte {}", self.i));
                    }
                    let v = self.value(depth + 1)?;
                    items.push((key, v));
                    self.ws();
                    if self.eat(",") {
                        continue;
                    }
                    if self.eat("}") {
                        return Ok(Json::Obj(items));
                    }
                    return Err(format!("expected ',' or '}}' at byte {}", self.i));
                }
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.eat("]") {
                    return Ok(Json::Arr(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    if self.eat(",") {
                        continue;
                    }
                    if self.eat("]") {
                        return Ok(Json::Arr(items));
                    }
                    return Err(format!("expected ',' or ']' at byte {}", self.i));
                }
            }
            b'"' => self.string().map(Json::Str),
            b't' if self.eat("true") => Ok(Json::Bool(true)),
            b'f' if self.eat("false") => Ok(Json::Bool(false)),
            b'n' if self.eat("null") => Ok(Json::Null),
            b'-' | b'0'..=b'9' => {
                let start = self.i;
                while self.i < self.s.len()
                    && matches!(
                        self.s[self.i],
                        b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                    )
                {
                    self.i += 1;
                }
                let text = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("");
                parse_number(text)
                    .map(Json::Num)
                    .ok_or_else(|| format!("bad number at byte {start}"))
            }
            _ => Err(format!("unexpected character at byte {}", self.i)),
        }
    }

    fn string(&mut self) -> Result<String, String> {
        self.i += 1; // opening quote
        let mut out = Vec::new();
        loop {
            let Some(&c) = self.s.get(self.i) else {
                return Err("unterminated string".into());
            };
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let Some(&e) = self.s.get(self.i) else {
                        return Err("unterminated string".into());
                    };
                    self.i += 1;
                    let ch = match e {
                        b'n' => '\n',
                        b't' => '\t',
                        b'r' => '\r',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'u' => {
                            let hex = self
                                .s
                                .get(self.i..self.i + 4)
                                .and_then(|h| std::str::from_utf8(h).ok())
                                .and_then(|h| u32::from_str_radix(h, 16).ok())
                                .ok_or("bad \\u escape")?;
                            self.i += 4;
                            char::from_u32(hex).unwrap_or('\u{fffd}')
                        }
                        other => other as char,
                    };
                    let mut buf = [0; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                _ => out.push(c),
            }
        }
        String::from_utf8(out).map_err(|_| "invalid UTF-8 in string".into())
    }
}

/// Appends `s` as a JSON string literal.
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends a number (see the module comment); NaN and ±∞ as strings.
pub fn write_num(out: &mut String, x: f64) {
    if x.is_nan() {
        out.push_str("\"NaN\"");
    } else if x.is_infinite() {
        out.push_str(if x > 0.0 {
            "\"Infinity\""
        } else {
            "\"-Infinity\""
        });
    } else {
        format_number(out, x);
    }
}

/// A number for sentences and messages: like JSON, but NaN and ±∞ as `NaN`, `∞`, `−∞`.
pub struct Num(pub f64);

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let x = self.0;
        if x.is_nan() {
            return f.write_str("NaN");
        }
        if x.is_infinite() {
            return f.write_str(if x > 0.0 { "∞" } else { "−∞" });
        }
        let mut s = String::new();
        format_number(&mut s, x);
        f.write_str(&s)
    }
}

/// Exact powers of ten (every one up to 10^22 is a double).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// `x · 10^e`, in steps that neither overflow nor underflow early.
fn scale10(mut x: f64, mut e: i32) -> f64 {
    while e > 22 {
        x *= 1e22;
        e -= 22;
    }
    while e < -22 {
        x /= 1e22;
        e += 22;
    }
    if e >= 0 {
        x * POW10[e as usize]
    } else {
        x / POW10[(-e) as usize]
    }
}

/// Parses a JSON number (`-?digits(.digits)?([eE][+-]?digits)?`).
pub fn parse_number(t: &str) -> Option<f64> {
    let b = t.as_bytes();
    let mut i = 0;
    let neg = b.first() == Some(&b'-');
    if neg {
        i += 1;
    }
    let (mut mant, mut exp, mut digits) = (0u64, 0i32, 0usize);
    let digit = |c: u8, after_point: bool, mant: &mut u64, exp: &mut i32| {
        if *mant < 1_000_000_000_000_000_000 {
            *mant = *mant * 10 + u64::from(c - b'0');
            if after_point {
                *exp -= 1;
            }
        } else if !after_point {
            *exp += 1; // digits beyond 19 only scale the value
        }
    };
    while i < b.len() && b[i].is_ascii_digit() {
        digit(b[i], false, &mut mant, &mut exp);
        i += 1;
        digits += 1;
    }
    if digits == 0 {
        return None; // JSON needs a digit before the point
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let before = digits;
        while i < b.len() && b[i].is_ascii_digit() {
            digit(b[i], true, &mut mant, &mut exp);
            i += 1;
            digits += 1;
        }
        if digits == before {
            return None;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        let eneg = b.get(i) == Some(&b'-');
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let start = i;
        let mut e: i32 = 0;
        while i < b.len() && b[i].is_ascii_digit() {
            e = (e * 10 + i32::from(b[i] - b'0')).min(100_000);
            i += 1;
        }
        if i == start {
            return None;
        }
        exp = exp.saturating_add(if eneg { -e } else { e });
    }
    if i != b.len() {
        return None;
    }
    let x = if mant == 0 || exp < -400 {
        0.0
    } else if exp > 400 {
        f64::INFINITY
    } else {
        scale10(mant as f64, exp)
    };
    Some(if neg { -x } else { x })
}

/// Writes a finite `x` with 15 significant digits, trailing zeros dropped:
/// plain for 1e-6 ≤ |x| < 1e21 (as JavaScript prints), else `d.ddde±N`.
pub fn format_number(out: &mut String, x: f64) {
    if x == 0.0 {
        out.push('0');
        return;
    }
    if x < 0.0 {
        out.push('-');
    }
    let a = x.abs();
    let mut e = a.log10().floor() as i32;
    let mut n = scale10(a, 14 - e).round() as u64;
    if n >= 1_000_000_000_000_000 {
        n = (n + 5) / 10;
        e += 1;
    } else if n < 100_000_000_000_000 {
        n = scale10(a, 15 - e).round() as u64;
        e -= 1;
    }
    // The digits as bytes: slicing a `str` would pull core's char-boundary
    // panic message (and with it Unicode tables) into the bundle.
    let mut digits = n.to_string().into_bytes();
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    let push = |out: &mut String, bytes: &[u8]| bytes.iter().for_each(|&b| out.push(b as char));
    let len = digits.len() as i32;
    if (-6..21).contains(&e) {
        if e < 0 {
            out.push_str("0.");
            for _ in 0..(-e - 1) {
                out.push('0');
            }
            push(out, &digits);
        } else if len <= e + 1 {
            push(out, &digits);
            for _ in 0..(e + 1 - len) {
                out.push('0');
            }
        } else {
            push(out, &digits[..(e + 1) as usize]);
            out.push('.');
            push(out, &digits[(e + 1) as usize..]);
        }
    } else {
        push(out, &digits[..1]);
        if len > 1 {
            out.push('.');
            push(out, &digits[1..]);
        }
        out.push('e');
        out.push_str(&e.to_string());
    }
}

pub fn write_nums(out: &mut String, xs: &[f64]) {
    out.push('[');
    for (i, &x) in xs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_num(out, x);
    }
    out.push(']');
}

pub fn write_ints<T: Copy + Into<i64>>(out: &mut String, xs: &[T]) {
    out.push('[');
    for (i, &x) in xs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{}", x.into());
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_values() {
        let v = Json::parse(r#" {"a": [1, -2.5e3, true, null], "b": "x\"\u4e2d\n"} "#).unwrap();
        assert_eq!(
            v.get("a"),
            Some(&Json::Arr(vec![
                Json::Num(1.0),
                Json::Num(-2500.0),
                Json::Bool(true),
                Json::Null
            ]))
        );
        assert_eq!(v.get("b"), Some(&Json::Str("x\"中\n".into())));
    }

    #[test]
    fn rejects_bad_text_without_panicking() {
        for bad in [
            "",
            "{",
            "[1,",
            "{\"a\" 1}",
            "tru",
            "1 2",
            "\"abc",
            "-",
            "[1e]",
            "{\"a\":}",
            "\"\\u12\"",
        ] {
            assert!(Json::parse(bad).is_err(), "{bad}");
        }
        let deep = "[".repeat(100_000);
        assert!(Json::parse(&deep).is_err());
    }

    #[test]
    fn numbers_read_like_core_and_print_with_15_digits() {
        for t in [
            "0",
            "-0",
            "1",
            "-3",
            "0.1",
            "1e-7",
            "2.5E3",
            "6.02e23",
            "1000",
            "0.000123",
            "123456789012345",
            "1e400",
        ] {
            assert_eq!(parse_number(t), t.parse::<f64>().ok(), "{t}");
        }
        // Outside the exact range: within a few units in the last place.
        for t in [
            "-1e300",
            "1.7976931348623157e308",
            "1e-300",
            "0.12345678901234567890123",
        ] {
            let (x, y) = (parse_number(t).unwrap(), t.parse::<f64>().unwrap());
            assert!(((x - y) / y).abs() < 1e-15, "{t}: {x:e} vs {y:e}");
        }
        for t in ["", "-", "1.", ".5", "1e", "1e+", "--1", "1.2.3", "0x1"] {
            assert_eq!(parse_number(t), None, "{t}");
        }
        let cases = [
            (0.1, "0.1"),
            (-2.5, "-2.5"),
            (123456.0, "123456"),
            (1e-7, "1e-7"),
            (1.5e-6, "0.0000015"),
            (1e21, "1e21"),
            (1.0 / 3.0, "0.333333333333333"),
            (6.02e23, "6.02e23"),
            (1e15, "1000000000000000"),
            (0.3 - 0.1, "0.2"),
        ];
        for (x, text) in cases {
            let mut s = String::new();
            write_num(&mut s, x);
            assert_eq!(s, text);
        }
        let mut seed = 3u64;
        for _ in 0..10_000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let x = f64::from_bits(seed >> 1);
            if !x.is_finite() || x == 0.0 {
                continue;
            }
            let mut s = String::new();
            write_num(&mut s, x);
            let back = parse_number(&s).unwrap();
            assert!(((back - x) / x).abs() < 1e-14, "{x:e} → {s} → {back:e}");
        }
        let mut s = String::new();
        write_nums(&mut s, &[f64::NAN, f64::INFINITY, f64::NEG_INFINITY]);
        assert_eq!(s, r#"["NaN","Infinity","-Infinity"]"#);
    }
}

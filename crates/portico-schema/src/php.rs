//! PHP's scalar conversions, reproduced exactly because validity is defined through them.
//!
//! Moodle decides whether a parameter is valid by cleaning it and comparing the PHP string forms
//! of the input and the cleaned value (spec 03 §4.1), so the integer and float conversions of PHP
//! (`(int)`, `(float)`, `(string)`, `is_numeric`, and the two float printers: `precision = 14`
//! for string conversion, `serialize_precision = -1` for `json_encode`) are part of the protocol.

/// PHP's whitespace for numeric strings: space, `\t`, `\n`, `\r`, `\v`, `\f`.
fn is_php_numeric_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// The integer whose canonical decimal form these bytes are: optional `-`, no leading zeros, no
/// `+`, no spaces, within 64 bits (`"-0"` is not canonical). This is both PHP's rule for integer
/// array keys and Moodle's rule for a valid `PARAM_INT` string.
pub fn canonical_int(bytes: &[u8]) -> Option<i64> {
    let digits = bytes.strip_prefix(b"-").unwrap_or(bytes);
    if digits.is_empty() || digits.len() > 20 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if digits[0] == b'0' && (digits.len() > 1 || digits.len() != bytes.len()) {
        return None;
    }
    std::str::from_utf8(bytes).ok()?.parse().ok()
}

/// The longest prefix of `bytes` (after leading whitespace) that PHP reads as a number, and
/// whether it is written as an integer (no `.` and no exponent).
fn numeric_prefix(bytes: &[u8]) -> (&[u8], bool) {
    let start = bytes.iter().position(|&b| !is_php_numeric_space(b)).unwrap_or(bytes.len());
    let text = &bytes[start..];
    let mut end = 0;
    if matches!(text.first(), Some(b'+' | b'-')) {
        end = 1;
    }
    let int_digits = text[end..].iter().take_while(|b| b.is_ascii_digit()).count();
    end += int_digits;
    let mut is_integer = true;
    let mut frac_digits = 0;
    if text.get(end) == Some(&b'.') {
        frac_digits = text[end + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
        if int_digits + frac_digits > 0 {
            end += 1 + frac_digits;
            is_integer = false;
        }
    }
    if int_digits + frac_digits == 0 {
        return (&text[..0], true);
    }
    if matches!(text.get(end), Some(b'e' | b'E')) {
        let mut exponent_end = end + 1;
        if matches!(text.get(exponent_end), Some(b'+' | b'-')) {
            exponent_end += 1;
        }
        let exponent_digits =
            text[exponent_end..].iter().take_while(|b| b.is_ascii_digit()).count();
        if exponent_digits > 0 {
            end = exponent_end + exponent_digits;
            is_integer = false;
        }
    }
    (&text[..end], is_integer)
}

/// PHP's `is_numeric()` for a string: optional leading and trailing whitespace around a decimal
/// number with optional sign, fraction and exponent (no hexadecimal, no lone `.`).
pub fn is_numeric(bytes: &[u8]) -> bool {
    let (prefix, _) = numeric_prefix(bytes);
    if prefix.is_empty() {
        return false;
    }
    let start = bytes.iter().position(|&b| !is_php_numeric_space(b)).unwrap_or(bytes.len());
    bytes[start + prefix.len()..].iter().all(|&b| is_php_numeric_space(b))
}

/// PHP's `(float)` cast of a string: the leading numeric prefix, or `0.0`.
pub fn string_to_float(bytes: &[u8]) -> f64 {
    let (prefix, _) = numeric_prefix(bytes);
    std::str::from_utf8(prefix).ok().and_then(|text| text.parse().ok()).unwrap_or(0.0)
}

/// PHP's `(int)` cast of a string: the leading numeric prefix (an exponent or fraction is read as a
/// float and truncated), saturating at the 64-bit limits; `0` when there is no number.
pub fn string_to_int(bytes: &[u8]) -> i64 {
    let (prefix, is_integer) = numeric_prefix(bytes);
    let Ok(text) = std::str::from_utf8(prefix) else { return 0 };
    if text.is_empty() {
        return 0;
    }
    if is_integer {
        let unsigned = text.trim_start_matches(['+', '-']);
        if let Ok(int) = text.trim_start_matches('+').parse::<i64>() {
            return int;
        }
        if unsigned.bytes().all(|b| b.is_ascii_digit()) {
            return if text.starts_with('-') { i64::MIN } else { i64::MAX };
        }
    }
    float_to_int(text.parse().unwrap_or(0.0))
}

/// PHP's `(int)` cast of a float: truncation, with non-finite values giving `0` and values beyond
/// the 64-bit range saturating.
pub fn float_to_int(float: f64) -> i64 {
    if float.is_finite() { float as i64 } else { 0 }
}

/// The decimal digits of a float and the position of its decimal point, as `zend_dtoa` gives them:
/// `significant = None` is the shortest round-trip form (mode 0), `Some(n)` rounds to `n`
/// significant digits (mode 2) with trailing zeros removed. `1.5` is `("15", 1)`, `0.001` is
/// `("1", -2)`, zero is `("0", 1)`.
fn float_digits(float: f64, significant: Option<usize>) -> (String, i32) {
    let formatted = match significant {
        None => format!("{:e}", float.abs()),
        Some(digits) => format!("{:.*e}", digits.saturating_sub(1), float.abs()),
    };
    let (mantissa, exponent) = formatted.split_once('e').expect("`{:e}` always writes an exponent");
    let exponent: i32 = exponent.parse().expect("`{:e}` writes a decimal exponent");
    let mut digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    if digits == "0" {
        return (digits, 1);
    }
    (digits, exponent + 1)
}

/// PHP's `php_gcvt`: `ndigit` significant digits (or the shortest form when `None`, which uses
/// 17 as the switch-over to exponent notation), exponent character `exp_char`.
fn gcvt(float: f64, ndigit: Option<usize>, exp_char: char) -> String {
    if float.is_nan() {
        return "NAN".to_string();
    }
    if float.is_infinite() {
        return if float > 0.0 { "INF".to_string() } else { "-INF".to_string() };
    }
    let (digits, decpt) = float_digits(float, ndigit);
    let limit = ndigit.unwrap_or(17) as i32;
    let mut out = String::with_capacity(24);
    if float.is_sign_negative() {
        out.push('-');
    }
    if if decpt < 0 { decpt < -3 } else { decpt > limit } {
        let exponent = decpt - 1;
        out.push_str(&digits[..1]);
        out.push('.');
        out.push_str(if digits.len() > 1 { &digits[1..] } else { "0" });
        out.push(exp_char);
        out.push(if exponent < 0 { '-' } else { '+' });
        out.push_str(&exponent.abs().to_string());
    } else if decpt <= 0 {
        out.push_str("0.");
        for _ in decpt..0 {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let decpt = decpt as usize;
        if digits.len() <= decpt {
            out.push_str(&digits);
            for _ in digits.len()..decpt {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..decpt]);
            out.push('.');
            out.push_str(&digits[decpt..]);
        }
    }
    out
}

/// PHP's `(string)` of a float (`precision = 14`): `0.1 + 0.2` is `0.3`, `5.0` is `5`, `1e20`
/// is `1.0E+20`, `0.00001` is `1.0E-5`.
pub fn float_to_string(float: f64) -> String {
    gcvt(float, Some(14), 'E')
}

/// `json_encode` of a float (`serialize_precision = -1`, no `JSON_PRESERVE_ZERO_FRACTION`): the
/// shortest round-trip digits, `5.0` is `5`, `1e25` is `1.0e+25`. Non-finite floats are not
/// representable in JSON; callers treat them as an encoding failure.
pub fn float_to_json(float: f64) -> String {
    gcvt(float, None, 'e')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_ints() {
        assert_eq!(canonical_int(b"0"), Some(0));
        assert_eq!(canonical_int(b"11"), Some(11));
        assert_eq!(canonical_int(b"-5"), Some(-5));
        assert_eq!(canonical_int(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(canonical_int(b"-9223372036854775808"), Some(i64::MIN));
        for bad in
            ["", "-", "-0", "01", "+1", " 1", "1 ", "1.0", "1e3", "9223372036854775808", "11a"]
        {
            assert_eq!(canonical_int(bad.as_bytes()), None, "{bad:?}");
        }
    }

    #[test]
    fn php_float_to_string_uses_fourteen_digits() {
        let cases = [
            (5.0, "5"),
            (0.0, "0"),
            (-0.0, "-0"),
            (1.5, "1.5"),
            (0.1 + 0.2, "0.3"),
            (1e20, "1.0E+20"),
            (1e14, "1.0E+14"),
            (1e13, "10000000000000"),
            (0.0001, "0.0001"),
            (0.00001, "1.0E-5"),
            (-2.5e-7, "-2.5E-7"),
            (123456789.12345678, "123456789.12346"),
            (f64::INFINITY, "INF"),
        ];
        for (float, text) in cases {
            assert_eq!(float_to_string(float), text, "{float:e}");
        }
    }

    #[test]
    fn json_floats_are_shortest_without_zero_fraction() {
        // Spec 01 §1.4.
        let cases = [
            (5.0, "5"),
            (0.0, "0"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1.5, "1.5"),
            (1e25, "1.0e+25"),
            (1e15, "1000000000000000"),
            (1e16, "10000000000000000"),
            (1e17, "1.0e+17"),
            (0.00001, "1.0e-5"),
            (-1.25, "-1.25"),
        ];
        for (float, text) in cases {
            assert_eq!(float_to_json(float), text, "{float:e}");
        }
    }

    #[test]
    fn is_numeric_follows_php() {
        for yes in ["1", "1.", ".1", "-.1", "+.1", "1e10", ".1e+10", "1E-1", " 1", "1 ", "011.1"] {
            assert!(is_numeric(yes.as_bytes()), "{yes:?}");
        }
        for no in ["", ".", "e10", "abc", "1,2", "0x1A", "1e", "- 1", "1 1"] {
            assert!(!is_numeric(no.as_bytes()), "{no:?}");
        }
    }

    #[test]
    fn int_and_float_casts_read_the_numeric_prefix() {
        assert_eq!(string_to_int(b"11a"), 11);
        assert_eq!(string_to_int(b" 12"), 12);
        assert_eq!(string_to_int(b"abc"), 0);
        assert_eq!(string_to_int(b"1e3"), 1000);
        assert_eq!(string_to_int(b"1.9"), 1);
        assert_eq!(string_to_int(b"99999999999999999999"), i64::MAX);
        assert_eq!(string_to_int(b"-99999999999999999999"), i64::MIN);
        assert_eq!(string_to_float(b"10.6blah"), 10.6);
        assert_eq!(string_to_float(b"."), 0.0);
    }
}

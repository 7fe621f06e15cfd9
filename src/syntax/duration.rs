//! Prometheus duration strings (`5m`, `1h30m`, `250ms`), as rule files use them.

use std::time::Duration;

/// Parse a Prometheus duration: one or more `<int><unit>` with units in
/// descending order (y, w, d, h, m, s, ms), or a bare `0`.
pub fn parse(s: &str) -> Result<Duration, String> {
    if s.is_empty() {
        return Err("empty duration".into());
    }
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    const UNITS: [(&str, u64); 7] = [
        ("y", 365 * 24 * 3600 * 1000),
        ("w", 7 * 24 * 3600 * 1000),
        ("d", 24 * 3600 * 1000),
        ("h", 3600 * 1000),
        ("ms", 1),
        ("m", 60 * 1000),
        ("s", 1000),
    ];
    // order rank for "descending units" check: y w d h m s ms
    let rank = |u: &str| match u {
        "y" => 0,
        "w" => 1,
        "d" => 2,
        "h" => 3,
        "m" => 4,
        "s" => 5,
        _ => 6,
    };
    let mut total: u64 = 0;
    let mut rest = s;
    let mut last_rank = -1i32;
    while !rest.is_empty() {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 {
            return Err(format!(
                "invalid duration `{s}`: expected a number at `{rest}`"
            ));
        }
        let n: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("invalid duration `{s}`: number too large"))?;
        rest = &rest[digits..];
        let Some((unit, ms)) = UNITS.iter().find(|(u, _)| rest.starts_with(u)) else {
            return Err(format!(
                "invalid duration `{s}`: unknown or missing unit (use y, w, d, h, m, s or ms)"
            ));
        };
        let r = rank(unit);
        if r <= last_rank {
            return Err(format!(
                "invalid duration `{s}`: units must go from largest to smallest, each once"
            ));
        }
        last_rank = r;
        rest = &rest[unit.len()..];
        total = n
            .checked_mul(*ms)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("invalid duration `{s}`: too large"))?;
    }
    Ok(Duration::from_millis(total))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn parses_prometheus_durations() {
        assert_eq!(parse("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse("0").unwrap(), Duration::ZERO);
        assert!(parse("5").is_err());
        assert!(parse("5 m").is_err());
        assert!(parse("1m1h").is_err());
        assert!(parse("-5m").is_err());
        assert!(parse("1.5h").is_err());
        assert!(parse("99999999999999999999y").is_err());
    }
}

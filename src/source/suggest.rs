//! Did-you-mean: the closest candidate to a misspelt word.

/// "did you mean" candidate by edit distance (case-insensitive first).
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lw = word.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c.to_lowercase() == lw {
            return Some(c);
        }
        let d = levenshtein(&lw, &c.to_lowercase());
        let limit = (c.chars().count().max(word.chars().count()) / 3).max(1);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

pub fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn closest_prefers_case_match_then_distance() {
        let c = ["critical", "warning", "info"];
        assert_eq!(closest("Critical", c), Some("critical"));
        assert_eq!(closest("critcal", c), Some("critical"));
        assert_eq!(closest("warn", c), None);
        assert_eq!(closest("warnin", c), Some("warning"));
        assert_eq!(closest("zzz", c), None);
    }
}

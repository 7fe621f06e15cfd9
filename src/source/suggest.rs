//! Did-you-mean: the closest candidate to a misspelt word.

/// "did you mean" candidate by edit distance (case-insensitive first).
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lw = word.to_lowercase();
    let word_chars = word.chars().count();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        // the distance is at least the difference in length: most
        // candidates of a long list go without lowering or comparing
        if c.is_ascii() && lw.is_ascii() {
            let limit = (c.len().max(word_chars) / 3).max(1);
            if c.len().abs_diff(lw.len()) > limit {
                continue;
            }
        }
        if c.to_lowercase() == lw {
            return Some(c);
        }
        let d = levenshtein(&lw, &c.to_lowercase());
        let limit = (c.chars().count().max(word_chars) / 3).max(1);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Edit distance in characters (bytes when both are ASCII, without
/// collecting the characters first).
pub fn levenshtein(a: &str, b: &str) -> usize {
    if a.is_ascii() && b.is_ascii() {
        distance(a.as_bytes(), b.as_bytes())
    } else {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        distance(&a, &b)
    }
}

fn distance<T: PartialEq>(a: &[T], b: &[T]) -> usize {
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

    #[test]
    fn distance_counts_characters_not_bytes() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("café", "cafe"), 1);
        assert_eq!(levenshtein("ÉCOLE", "école"), 5);
        assert_eq!(levenshtein("école", "ecole"), 1);
        // the length bound skips nothing it should not: a Unicode word
        // still finds its ASCII neighbour and the other way round
        assert_eq!(closest("cafe", ["café", "tea"]), Some("café"));
        assert_eq!(closest("café_total", ["cafe_total"]), Some("cafe_total"));
    }
}

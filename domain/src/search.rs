//! Search rules: German query words reduced to stems that are found as
//! substrings ("Portal" in "Bürgerportal", "Akten" as "akte"), ranking and
//! highlighted snippets. Pure; the database only finds candidate texts.

/// Suffixes removed from query words, longest first, while at least
/// [`MIN_STEM`] characters remain: plural and case endings of German nouns.
const SUFFIXES: &[&str] = &["ern", "en", "er", "es", "n", "s", "e"];
const MIN_STEM: usize = 4;

/// The most distinct words a query may have: each word is one condition of
/// the candidate query (SQLite refuses a few thousand as "Expression tree is
/// too large"), and no one types more.
pub const MAX_TERMS: usize = 20;

/// The case-folded form texts are stored and compared in.
pub fn fold(text: &str) -> String {
    text.to_lowercase()
}

/// The stems of a query's words, in order and without repeats; words are
/// runs of letters and digits.
pub fn terms(query: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for word in fold(query).split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        let stem = stem(word);
        if !terms.contains(&stem) {
            terms.push(stem);
        }
    }
    terms
}

fn stem(word: &str) -> String {
    for suffix in SUFFIXES {
        if let Some(stem) = word.strip_suffix(suffix)
            && stem.chars().count() >= MIN_STEM
        {
            return stem.to_owned();
        }
    }
    word.to_owned()
}

/// Relevance of a folded text (`title` is its first line) for the terms: 2 per
/// term found in the title, 1 per term found elsewhere, plus a little per
/// further occurrence.
pub fn score(folded: &str, terms: &[String]) -> f64 {
    let title = folded.lines().next().unwrap_or("");
    terms
        .iter()
        .map(|term| {
            let in_title = if title.contains(term.as_str()) {
                2.0
            } else {
                1.0
            };
            let occurrences = folded.matches(term.as_str()).count();
            in_title + 0.01 * occurrences.saturating_sub(1) as f64
        })
        .sum()
}

/// About `width` characters of `text` around the first term found, the match
/// marked `**like this**` (Markdown emphasis); `…` where text was cut.
pub fn snippet(text: &str, terms: &[String], width: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    let folded: Vec<char> = fold(text).chars().collect();
    // Lower-casing keeps German text's length; where it does not, the folded
    // text is shown instead, so positions always line up.
    let shown = if folded.len() == chars.len() {
        &chars
    } else {
        &folded
    };
    let found = terms.iter().find_map(|term| {
        let needle: Vec<char> = term.chars().collect();
        (!needle.is_empty())
            .then(|| {
                folded
                    .windows(needle.len())
                    .position(|w| w == needle.as_slice())
            })
            .flatten()
            .map(|start| (start, start + needle.len()))
    });
    let Some((start, end)) = found else {
        let head: String = shown.iter().take(width).collect();
        return if shown.len() > width {
            format!("{head}…")
        } else {
            head
        };
    };
    let context = width.saturating_sub(end - start) / 2;
    let from = start.saturating_sub(context);
    let to = (end + context).min(shown.len());
    let piece = |a: usize, b: usize| -> String {
        shown[a..b]
            .iter()
            .map(|c| if c.is_whitespace() { ' ' } else { *c })
            .collect()
    };
    format!(
        "{}{}**{}**{}{}",
        if from > 0 { "…" } else { "" },
        piece(from, start),
        piece(start, end),
        piece(end, to),
        if to < shown.len() { "…" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_word_forms_reduce_to_stems() {
        assert_eq!(terms("Portal"), ["portal"]);
        assert_eq!(terms("Portale Portals"), ["portal"]);
        assert_eq!(terms("Akten"), ["akte"]);
        assert_eq!(terms("E-Akte"), ["e", "akte"]);
        assert_eq!(terms("Bürger"), ["bürg"]);
        assert_eq!(terms("Konzepte, Konzept!"), ["konzept"]);
        assert_eq!(terms("  "), Vec::<String>::new());
    }

    #[test]
    fn title_matches_rank_higher() {
        let t = terms("portal");
        let title_hit = score("bürgerportal\nviel text", &t);
        let body_hit = score("zeiterfassung\nschnittstelle an das mitarbeiterportal", &t);
        assert!(title_hit > body_hit);
    }

    #[test]
    fn snippets_mark_the_match_in_the_original_case() {
        let text =
            "Erarbeitung eines Konzepts zur Überarbeitung des Bürgerportals (doMap) bis Mitte 2020";
        assert_eq!(
            snippet(text, &terms("portal"), 30),
            "…g des Bürger**portal**s (doMap) bi…"
        );
        assert_eq!(snippet("kurz", &terms("lang"), 30), "kurz");
    }
}

//! The plan's German timing phrases ("bis Ende 2020", "ab Mitte 2020", "2021 ff.")
//! turned into a kind and dates, and found inside goal sentences.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;

use crate::status::UnknownValue;

/// How a goal's timing relates to its dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimingKind {
    /// Due by a date: `due_on` only.
    By,
    /// From a date on: `starts_on` only.
    From,
    /// During a calendar year: both dates.
    During,
    /// No timing given.
    None,
}

impl TimingKind {
    pub const ALL: &'static [TimingKind] = &[
        TimingKind::By,
        TimingKind::From,
        TimingKind::During,
        TimingKind::None,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TimingKind::By => "BY",
            TimingKind::From => "FROM",
            TimingKind::During => "DURING",
            TimingKind::None => "NONE",
        }
    }
}

impl fmt::Display for TimingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TimingKind {
    type Err = UnknownValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TimingKind::ALL
            .iter()
            .copied()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| UnknownValue {
                kind: "TimingKind",
                value: s.to_owned(),
                allowed: &["BY", "FROM", "DURING", "NONE"],
            })
    }
}

/// A goal's timing: the plan's own words and what they mean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    pub phrase: Option<String>,
    pub kind: TimingKind,
    pub starts_on: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
}

impl Timing {
    /// The timing of a goal that names no date.
    pub fn none() -> Timing {
        Timing {
            phrase: None,
            kind: TimingKind::None,
            starts_on: None,
            due_on: None,
        }
    }
}

/// The forms `parse_timing` understands, quoted in every error so the writer of a
/// plan file can fix the phrase without reading the code.
const ACCEPTED: &str = "\"2020\", \"in 2020\", \"bis 2021\", \"ab 2021\", \"2021 ff.\", \
     \"[bis|ab] Ende|Mitte|Anfang|Sommer 2020\", optionally in parentheses";

const FIRST_YEAR: i32 = 1900;
const LAST_YEAR: i32 = 2199;

/// A timing phrase that is not one of the accepted forms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimingError {
    #[error("the timing phrase is empty; accepted forms: {}", ACCEPTED)]
    Empty,
    #[error(
        "timing phrase {phrase:?} not understood: {reason}; accepted forms: {}",
        ACCEPTED
    )]
    NotUnderstood { phrase: String, reason: String },
    #[error(
        "timing phrase {phrase:?} names the year {year}, which is outside {}–{}",
        FIRST_YEAR,
        LAST_YEAR
    )]
    YearOutOfRange { phrase: String, year: i32 },
}

/// The part of a year a phrase narrows the date to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Qualifier {
    Ende,
    Mitte,
    Anfang,
    Sommer,
}

impl Qualifier {
    fn parse(word: &str) -> Option<Qualifier> {
        match word {
            "ende" => Some(Qualifier::Ende),
            "mitte" => Some(Qualifier::Mitte),
            "anfang" => Some(Qualifier::Anfang),
            "sommer" => Some(Qualifier::Sommer),
            _ => None,
        }
    }

    /// The last day the qualified period covers: a goal due "by" it may take that long.
    fn due_month_day(self) -> (u32, u32) {
        match self {
            Qualifier::Ende => (12, 31),
            Qualifier::Mitte => (6, 30),
            // "Anfang" is read as the first quarter.
            Qualifier::Anfang => (3, 31),
            // "Sommer" is read as June to August.
            Qualifier::Sommer => (8, 31),
        }
    }

    /// The first day the qualified period covers: a goal "from" it starts then.
    fn start_month_day(self) -> (u32, u32) {
        match self {
            // The design fixes "Ende" to 12-31 without distinguishing BY from FROM.
            Qualifier::Ende => (12, 31),
            Qualifier::Mitte => (7, 1),
            Qualifier::Anfang => (1, 1),
            Qualifier::Sommer => (6, 1),
        }
    }
}

fn date(year: i32, (month, day): (u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("fixed month and day exist in every year")
}

/// Parses one of the plan's timing phrases.
///
/// Accepted, case-insensitively and ignoring surrounding parentheses and whitespace:
/// - `2020`, `in 2020` → DURING 2020 (01-01 to 12-31);
/// - `bis 2021` → BY 2021-12-31; `ab 2021` → FROM 2021-01-01;
/// - `2021 ff.`, `2021 ff`, `2021ff.`, `2021ff` → FROM 2021-01-01;
/// - `[bis|ab] Ende|Mitte|Anfang|Sommer 2020`, where no prefix means BY. BY dates:
///   Ende 12-31, Mitte 06-30, Anfang 03-31, Sommer 08-31. FROM dates: Ende 12-31,
///   Mitte 07-01, Anfang 01-01, Sommer 06-01.
///
/// `in` with a qualifier ("in Mitte 2020") and `ff.` after a prefix or qualifier
/// are rejected rather than guessed. Years must have four digits, 1900–2199.
pub fn parse_timing(phrase: &str) -> Result<Timing, TimingError> {
    let trimmed = phrase.trim();
    if trimmed.is_empty() {
        return Err(TimingError::Empty);
    }
    let not_understood = |reason: String| TimingError::NotUnderstood {
        phrase: trimmed.to_owned(),
        reason,
    };

    let lower = strip_parentheses(trimmed).to_lowercase();
    let mut words: Vec<&str> = lower.split_whitespace().collect();
    if words.is_empty() {
        return Err(not_understood(
            "there is nothing inside the parentheses".into(),
        ));
    }

    let onwards = strip_onwards_suffix(&mut words);

    let (prefix, rest) = match words.first().copied() {
        Some("bis") => (Some(TimingKind::By), &words[1..]),
        Some("ab") => (Some(TimingKind::From), &words[1..]),
        Some("in") => (Some(TimingKind::During), &words[1..]),
        _ => (None, &words[..]),
    };
    let (qualifier, rest) = match rest.first().and_then(|w| Qualifier::parse(w)) {
        Some(q) => (Some(q), &rest[1..]),
        None => (None, rest),
    };
    let year_word = match rest {
        [] => return Err(not_understood("it names no year".into())),
        [word] => *word,
        [first, ..] => {
            return Err(not_understood(format!(
                "{first:?} is not a year, and only one year may follow bis/ab/in and Ende/Mitte/Anfang/Sommer"
            )));
        }
    };
    if year_word.len() != 4 || !year_word.bytes().all(|b| b.is_ascii_digit()) {
        return Err(not_understood(format!(
            "{year_word:?} is not a four-digit year"
        )));
    }
    let year: i32 = year_word.parse().expect("four ASCII digits are an i32");
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Err(TimingError::YearOutOfRange {
            phrase: trimmed.to_owned(),
            year,
        });
    }

    if onwards && (prefix.is_some() || qualifier.is_some()) {
        return Err(not_understood(
            "\"ff.\" may only follow a bare year, as in \"2021 ff.\"".into(),
        ));
    }
    if prefix == Some(TimingKind::During) && qualifier.is_some() {
        return Err(not_understood(
            "\"in\" takes a bare year; use \"bis\" or \"ab\" with Ende/Mitte/Anfang/Sommer".into(),
        ));
    }

    let kind = if onwards {
        TimingKind::From
    } else {
        match (prefix, qualifier) {
            (Some(kind), _) => kind,
            (None, Some(_)) => TimingKind::By,
            (None, None) => TimingKind::During,
        }
    };
    let (starts_on, due_on) = match kind {
        TimingKind::By => {
            let month_day = qualifier.map_or((12, 31), Qualifier::due_month_day);
            (None, Some(date(year, month_day)))
        }
        TimingKind::From => {
            let month_day = qualifier.map_or((1, 1), Qualifier::start_month_day);
            (Some(date(year, month_day)), None)
        }
        TimingKind::During => (Some(date(year, (1, 1))), Some(date(year, (12, 31)))),
        TimingKind::None => unreachable!("no phrase parses to NONE"),
    };
    Ok(Timing {
        phrase: Some(trimmed.to_owned()),
        kind,
        starts_on,
        due_on,
    })
}

/// Removes balanced outer parentheses, however many, so "(2020 ff.)" reads as "2020 ff.".
fn strip_parentheses(mut s: &str) -> &str {
    while let Some(inner) = s.strip_prefix('(').and_then(|s| s.strip_suffix(')')) {
        s = inner.trim();
    }
    s
}

/// Removes a trailing "ff." (separate or glued to the year) and says whether there was one.
fn strip_onwards_suffix(words: &mut Vec<&str>) -> bool {
    let Some(last) = words.last_mut() else {
        return false;
    };
    if *last == "ff." || *last == "ff" {
        words.pop();
        return true;
    }
    let stem = last.strip_suffix("ff.").or_else(|| last.strip_suffix("ff"));
    match stem {
        Some(stem) if !stem.is_empty() && stem.bytes().all(|b| b.is_ascii_digit()) => {
            *last = stem;
            true
        }
        _ => false,
    }
}

/// The longest accepted phrase has three words ("bis Ende 2020"); one more leaves
/// room for a stray word without making the scan costly.
const MAX_PHRASE_WORDS: usize = 4;

/// Punctuation that ends a sentence or clause right after a timing phrase
/// ("… ab 2021, danach …") and is not part of it.
const TRAILING_PUNCTUATION: &[char] = &[',', ';', ':', '.', '!', '?', ')'];

/// Finds the timing phrase inside a goal sentence: the longest run of whole words
/// that `parse_timing` accepts, without punctuation that merely follows it.
/// Among equally long matches the first wins. A bare year counts, so a sentence
/// that merely mentions a year yields it; dates like "14.05.2019" do not.
pub fn extract_timing_phrase(text: &str) -> Option<&str> {
    let words = word_spans(text);
    let mut best: Option<&str> = None;
    for first in 0..words.len() {
        let last_limit = words.len().min(first + MAX_PHRASE_WORDS);
        for last in first..last_limit {
            let span = &text[words[first].0..words[last].1];
            if let Some(found) = longest_timing_in_span(span)
                && best.is_none_or(|b| found.len() > b.len())
            {
                best = Some(found);
            }
        }
    }
    best
}

/// Tries the span as it is, then with an unmatched "(" in front or punctuation
/// behind taken off one character at a time, so "(Umsetzung 2021 ff.)" still
/// yields "2021 ff." with its dot.
fn longest_timing_in_span(span: &str) -> Option<&str> {
    let mut head = span;
    loop {
        let mut candidate = head;
        loop {
            if parse_timing(candidate).is_ok() {
                return Some(candidate);
            }
            match candidate.strip_suffix(TRAILING_PUNCTUATION) {
                Some(shorter) if !shorter.is_empty() => candidate = shorter,
                _ => break,
            }
        }
        match head.strip_prefix('(') {
            Some(shorter) if !shorter.is_empty() => head = shorter,
            _ => return None,
        }
    }
}

/// Byte ranges of the whitespace-separated words of `text`.
fn word_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, text.len()));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn by(phrase: &str, due: NaiveDate) {
        let t = parse_timing(phrase).unwrap_or_else(|e| panic!("{phrase}: {e}"));
        assert_eq!(t.kind, TimingKind::By, "{phrase}");
        assert_eq!(t.starts_on, None, "{phrase}");
        assert_eq!(t.due_on, Some(due), "{phrase}");
        assert_eq!(t.phrase.as_deref(), Some(phrase.trim()));
    }

    fn from(phrase: &str, starts: NaiveDate) {
        let t = parse_timing(phrase).unwrap_or_else(|e| panic!("{phrase}: {e}"));
        assert_eq!(t.kind, TimingKind::From, "{phrase}");
        assert_eq!(t.starts_on, Some(starts), "{phrase}");
        assert_eq!(t.due_on, None, "{phrase}");
        assert_eq!(t.phrase.as_deref(), Some(phrase.trim()));
    }

    fn during(phrase: &str, year: i32) {
        let t = parse_timing(phrase).unwrap_or_else(|e| panic!("{phrase}: {e}"));
        assert_eq!(t.kind, TimingKind::During, "{phrase}");
        assert_eq!(t.starts_on, Some(d(year, 1, 1)), "{phrase}");
        assert_eq!(t.due_on, Some(d(year, 12, 31)), "{phrase}");
        assert_eq!(t.phrase.as_deref(), Some(phrase.trim()));
    }

    #[test]
    fn bis_ende_2020() {
        by("bis Ende 2020", d(2020, 12, 31));
    }

    #[test]
    fn bis_mitte_2020() {
        by("bis Mitte 2020", d(2020, 6, 30));
    }

    #[test]
    fn ab_mitte_2020() {
        from("ab Mitte 2020", d(2020, 7, 1));
    }

    #[test]
    fn bis_mitte_2019() {
        by("bis Mitte 2019", d(2019, 6, 30));
    }

    #[test]
    fn bis_ende_2030() {
        by("bis Ende 2030", d(2030, 12, 31));
    }

    #[test]
    fn bis_ende_2021() {
        by("bis Ende 2021", d(2021, 12, 31));
    }

    #[test]
    fn bis_ende_2019() {
        by("bis Ende 2019", d(2019, 12, 31));
    }

    #[test]
    fn bis_ende_2028() {
        by("bis Ende 2028", d(2028, 12, 31));
    }

    #[test]
    fn bis_ende_2022() {
        by("bis Ende 2022", d(2022, 12, 31));
    }

    #[test]
    fn in_2020() {
        during("in 2020", 2020);
    }

    #[test]
    fn ende_2019_without_prefix_is_by() {
        by("Ende 2019", d(2019, 12, 31));
    }

    #[test]
    fn ab_2020() {
        from("ab 2020", d(2020, 1, 1));
    }

    #[test]
    fn ab_2021() {
        from("ab 2021", d(2021, 1, 1));
    }

    #[test]
    fn bis_anfang_2020() {
        by("bis Anfang 2020", d(2020, 3, 31));
    }

    #[test]
    fn bis_sommer_2020() {
        by("bis Sommer 2020", d(2020, 8, 31));
    }

    #[test]
    fn bare_year_2020_is_during() {
        during("2020", 2020);
    }

    #[test]
    fn parenthesised_2021_ff() {
        from("(2021 ff.)", d(2021, 1, 1));
    }

    #[test]
    fn glued_2021ff() {
        from("2021ff", d(2021, 1, 1));
    }

    #[test]
    fn parenthesised_2020_ff() {
        from("(2020 ff.)", d(2020, 1, 1));
    }

    #[test]
    fn bis_2021() {
        by("bis 2021", d(2021, 12, 31));
    }

    #[test]
    fn other_qualifiers_from() {
        from("ab Anfang 2020", d(2020, 1, 1));
        from("ab Sommer 2020", d(2020, 6, 1));
        from("ab Ende 2020", d(2020, 12, 31));
    }

    #[test]
    fn ff_variants_and_parentheses() {
        from("2021 ff", d(2021, 1, 1));
        from("2021ff.", d(2021, 1, 1));
        from("  (( 2021 ff. ))  ", d(2021, 1, 1));
        during("(2020)", 2020);
    }

    #[test]
    fn keywords_are_case_insensitive_and_whitespace_is_free() {
        by("  BIS   ende\t2020 ", d(2020, 12, 31));
        from("AB MITTE 2020", d(2020, 7, 1));
        during("In 2020", 2020);
        from("2021 FF.", d(2021, 1, 1));
    }

    #[test]
    fn year_bounds() {
        during("1900", 1900);
        during("2199", 2199);
        assert!(matches!(
            parse_timing("1899"),
            Err(TimingError::YearOutOfRange { year: 1899, .. })
        ));
        assert!(matches!(
            parse_timing("bis 2200"),
            Err(TimingError::YearOutOfRange { year: 2200, .. })
        ));
    }

    #[test]
    fn rejects_empty() {
        assert_eq!(parse_timing(""), Err(TimingError::Empty));
        assert_eq!(parse_timing("   "), Err(TimingError::Empty));
    }

    #[test]
    fn rejects_demnaechst() {
        let err = parse_timing("demnächst").unwrap_err();
        assert!(matches!(err, TimingError::NotUnderstood { .. }));
        let message = err.to_string();
        assert!(message.contains("\"demnächst\""), "{message}");
        assert!(message.contains("bis 2021"), "{message}");
    }

    #[test]
    fn rejects_bis_ende_without_year() {
        let err = parse_timing("bis Ende").unwrap_err();
        assert!(err.to_string().contains("no year"), "{err}");
    }

    #[test]
    fn rejects_five_digit_year() {
        let err = parse_timing("bis 20200").unwrap_err();
        assert!(err.to_string().contains("four-digit"), "{err}");
    }

    #[test]
    fn rejects_year_before_1900() {
        let err = parse_timing("Mitte 1800").unwrap_err();
        assert_eq!(
            err,
            TimingError::YearOutOfRange {
                phrase: "Mitte 1800".into(),
                year: 1800
            }
        );
        assert!(err.to_string().contains("1900–2199"), "{err}");
    }

    #[test]
    fn rejects_other_forms() {
        for phrase in [
            "()",
            "ff.",
            "in Mitte 2020",
            "bis 2021 ff.",
            "Ende 2020 ff.",
            "bis Ende 2020 2021",
            "2020.",
            "(2020",
            "14.05.2019",
            "bis ende 20",
            "Herbst 2020",
        ] {
            assert!(parse_timing(phrase).is_err(), "{phrase} was accepted");
        }
    }

    #[test]
    fn kind_text_round_trips() {
        for kind in TimingKind::ALL {
            assert_eq!(kind.as_str().parse::<TimingKind>().unwrap(), *kind);
        }
        assert!("LATER".parse::<TimingKind>().is_err());
        assert_eq!(Timing::none().kind, TimingKind::None);
        assert_eq!(Timing::none().phrase, None);
    }

    #[test]
    fn extracts_bis_mitte_at_end() {
        assert_eq!(
            extract_timing_phrase(
                "Erarbeitung eines Konzepts zur Überarbeitung des Bürgerportals (doMap) bis Mitte 2020"
            ),
            Some("bis Mitte 2020")
        );
    }

    #[test]
    fn extracts_ab_after_comma() {
        assert_eq!(
            extract_timing_phrase("Umsetzung des Konzepts, ab 2021"),
            Some("ab 2021")
        );
    }

    #[test]
    fn extracts_parenthesised_ff() {
        assert_eq!(
            extract_timing_phrase("Einheitliches Bauportal in NRW (2021 ff.)"),
            Some("(2021 ff.)")
        );
    }

    #[test]
    fn extracts_glued_ff_before_parenthesis() {
        assert_eq!(
            extract_timing_phrase(
                "Vollständige Digitalisierung des Baugenehmigungsverfahrens 2021ff (Medienbruchfreie, ...)"
            ),
            Some("2021ff")
        );
    }

    #[test]
    fn extracts_bare_year() {
        assert_eq!(
            extract_timing_phrase("Annahme von digitalen Bauanträgen im einfachen Verfahren 2020"),
            Some("2020")
        );
    }

    #[test]
    fn extracts_in_year() {
        assert_eq!(
            extract_timing_phrase("Beginn der Umsetzung in 2020"),
            Some("in 2020")
        );
    }

    #[test]
    fn extracts_qualifier_without_prefix() {
        assert_eq!(
            extract_timing_phrase(
                "Relaunch des Mitarbeiterportals mit dem Fokus News, Kommunikation und Interaktion Ende 2019"
            ),
            Some("Ende 2019")
        );
    }

    #[test]
    fn full_date_is_not_a_timing() {
        assert_eq!(
            extract_timing_phrase("... unter Beachtung des EuGH-Urteils vom 14.05.2019"),
            None
        );
    }

    #[test]
    fn plain_numbers_are_not_a_timing() {
        assert_eq!(
            extract_timing_phrase("Anbindung von durchschnittlich 75 Standorten pro Jahr"),
            None
        );
    }

    #[test]
    fn extraction_leaves_trailing_punctuation_and_stray_parenthesis_out() {
        assert_eq!(
            extract_timing_phrase("Pilotbetrieb bis Ende 2020."),
            Some("bis Ende 2020")
        );
        assert_eq!(
            extract_timing_phrase("Rollout (Umsetzung 2021 ff.)"),
            Some("2021 ff.")
        );
        assert_eq!(extract_timing_phrase(""), None);
    }
}

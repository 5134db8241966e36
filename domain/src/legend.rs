//! The plan's legend: thresholds that classify a measure's cost, personnel and
//! realisation period, and the quick-win rule built on those classes.

use crate::plan_file::LegendEntry;
use crate::status::text_enum;

text_enum!(
    /// A measure's cost or personnel need, by the legend.
    SizeCategory {
        Low => "LOW",
        Medium => "MEDIUM",
        High => "HIGH",
    }
);

text_enum!(
    /// A measure's realisation period, by the legend.
    PeriodCategory {
        Short => "SHORT",
        Medium => "MEDIUM",
        Long => "LONG",
    }
);

text_enum!(
    /// Whether a measure is a quick win (the legend's "Ja/Teilweise/Nein").
    QuickWin {
        Yes => "YES",
        Partial => "PARTIAL",
        No => "NO",
        Unknown => "UNKNOWN",
    }
);

/// The thresholds of a plan's legend. A value equal to a threshold is MEDIUM: the
/// low class is strictly below its threshold and the high class strictly above.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Legend {
    pub cost_low_below_eur: f64,
    pub cost_high_above_eur: f64,
    pub personnel_low_below_fte: f64,
    pub personnel_high_above_fte: f64,
    pub period_short_below_months: i32,
    pub period_long_above_months: i32,
}

/// A legend whose thresholds cannot classify anything sensibly.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum LegendError {
    #[error("{field} must be a finite number, got {value}")]
    NotFinite { field: &'static str, value: f64 },
    #[error("{field} must not be negative, got {value}")]
    Negative { field: &'static str, value: f64 },
    #[error("{low_field} ({low}) must be less than {high_field} ({high})")]
    NotIncreasing {
        low_field: &'static str,
        low: f64,
        high_field: &'static str,
        high: f64,
    },
}

impl LegendError {
    /// The legend field at fault, as the plan file and the API name it.
    pub fn field(&self) -> &'static str {
        match *self {
            LegendError::NotFinite { field, .. } | LegendError::Negative { field, .. } => field,
            LegendError::NotIncreasing { low_field, .. } => low_field,
        }
    }
}

impl Legend {
    /// The legend of "Masterplan Digitale Verwaltung – Arbeiten 4.0".
    pub const DORTMUND: Legend = Legend {
        cost_low_below_eur: 50_000.0,
        cost_high_above_eur: 1_000_000.0,
        personnel_low_below_fte: 2.0,
        personnel_high_above_fte: 5.0,
        period_short_below_months: 12,
        period_long_above_months: 36,
    };

    /// LOW below the low threshold, HIGH above the high one, MEDIUM in between
    /// inclusive. A NaN lands in MEDIUM; callers validate estimates first.
    pub fn cost_category(&self, eur: f64) -> SizeCategory {
        size(eur, self.cost_low_below_eur, self.cost_high_above_eur)
    }

    /// As `cost_category`, for full-time equivalents.
    pub fn personnel_category(&self, fte: f64) -> SizeCategory {
        size(
            fte,
            self.personnel_low_below_fte,
            self.personnel_high_above_fte,
        )
    }

    /// SHORT below the short threshold, LONG above the long one, MEDIUM in between
    /// inclusive.
    pub fn period_category(&self, months: i32) -> PeriodCategory {
        if months < self.period_short_below_months {
            PeriodCategory::Short
        } else if months > self.period_long_above_months {
            PeriodCategory::Long
        } else {
            PeriodCategory::Medium
        }
    }

    /// Every threshold finite and non-negative, and each low threshold below its
    /// high one. Field names in messages are those of the plan file and the API.
    pub fn validate(&self) -> Result<(), LegendError> {
        let amounts = [
            ("costLowBelowEur", self.cost_low_below_eur),
            ("costHighAboveEur", self.cost_high_above_eur),
            ("personnelLowBelowFte", self.personnel_low_below_fte),
            ("personnelHighAboveFte", self.personnel_high_above_fte),
            (
                "periodShortBelowMonths",
                f64::from(self.period_short_below_months),
            ),
            (
                "periodLongAboveMonths",
                f64::from(self.period_long_above_months),
            ),
        ];
        for (field, value) in amounts {
            if !value.is_finite() {
                return Err(LegendError::NotFinite { field, value });
            }
            if value < 0.0 {
                return Err(LegendError::Negative { field, value });
            }
        }
        for pair in amounts.chunks_exact(2) {
            let [(low_field, low), (high_field, high)] = [pair[0], pair[1]];
            if low >= high {
                return Err(LegendError::NotIncreasing {
                    low_field,
                    low,
                    high_field,
                    high,
                });
            }
        }
        Ok(())
    }
}

impl From<&LegendEntry> for Legend {
    fn from(entry: &LegendEntry) -> Legend {
        Legend {
            cost_low_below_eur: entry.cost_low_below_eur,
            cost_high_above_eur: entry.cost_high_above_eur,
            personnel_low_below_fte: entry.personnel_low_below_fte,
            personnel_high_above_fte: entry.personnel_high_above_fte,
            period_short_below_months: entry.period_short_below_months,
            period_long_above_months: entry.period_long_above_months,
        }
    }
}

impl LegendEntry {
    /// A plan file's legend: the thresholds and the legend's own words.
    pub fn new(legend: Legend, notes: Option<String>) -> LegendEntry {
        LegendEntry {
            cost_low_below_eur: legend.cost_low_below_eur,
            cost_high_above_eur: legend.cost_high_above_eur,
            personnel_low_below_fte: legend.personnel_low_below_fte,
            personnel_high_above_fte: legend.personnel_high_above_fte,
            period_short_below_months: legend.period_short_below_months,
            period_long_above_months: legend.period_long_above_months,
            notes,
        }
    }
}

fn size(value: f64, low_below: f64, high_above: f64) -> SizeCategory {
    if value < low_below {
        SizeCategory::Low
    } else if value > high_above {
        SizeCategory::High
    } else {
        SizeCategory::Medium
    }
}

/// The legend's quick-win rule: "Ja/Teilweise = Realisierungszeitraum mittel- bis
/// kurzfristig & geringer Ressourcenbedarf", read as:
///
/// - NO when any known class rules it out: a LONG period, a HIGH cost, a HIGH
///   personnel need, or both cost and personnel MEDIUM — even if other classes
///   are unknown, since nothing could make it a quick win then;
/// - otherwise UNKNOWN when any class is missing;
/// - YES when the period is SHORT or MEDIUM and cost and personnel are both LOW;
/// - PARTIAL when the period is SHORT or MEDIUM and one resource is LOW, the
///   other MEDIUM.
pub fn quick_win(
    period: Option<PeriodCategory>,
    cost: Option<SizeCategory>,
    personnel: Option<SizeCategory>,
) -> QuickWin {
    use SizeCategory::{High, Low, Medium};

    let ruled_out = period == Some(PeriodCategory::Long)
        || cost == Some(High)
        || personnel == Some(High)
        || (cost == Some(Medium) && personnel == Some(Medium));
    if ruled_out {
        return QuickWin::No;
    }
    match (period, cost, personnel) {
        (Some(_), Some(Low), Some(Low)) => QuickWin::Yes,
        (Some(_), Some(_), Some(_)) => QuickWin::Partial,
        _ => QuickWin::Unknown,
    }
}

/// A measure's estimates and explicit classifications; `None` is "not
/// estimated" / "by the legend".
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Estimates {
    pub cost_eur: Option<f64>,
    pub personnel_fte: Option<f64>,
    pub realization_months: Option<i32>,
    pub cost_category: Option<SizeCategory>,
    pub personnel_category: Option<SizeCategory>,
    pub period_category: Option<PeriodCategory>,
    pub quick_win: Option<QuickWin>,
}

/// The effective categories and quick win of a measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classification {
    pub cost: Option<SizeCategory>,
    pub personnel: Option<SizeCategory>,
    pub period: Option<PeriodCategory>,
    pub quick_win: QuickWin,
}

impl Legend {
    /// Classifies `estimates`: an explicit category or quick win wins,
    /// otherwise the legend classifies the estimate and [`quick_win`] the classes.
    pub fn classify(&self, estimates: &Estimates) -> Classification {
        let e = estimates;
        let cost = e
            .cost_category
            .or(e.cost_eur.map(|v| self.cost_category(v)));
        let personnel = e
            .personnel_category
            .or(e.personnel_fte.map(|v| self.personnel_category(v)));
        let period = e
            .period_category
            .or(e.realization_months.map(|v| self.period_category(v)));
        let quick_win = e
            .quick_win
            .unwrap_or_else(|| quick_win(period, cost, personnel));
        Classification {
            cost,
            personnel,
            period,
            quick_win,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PeriodCategory::{Long, Short};
    use super::SizeCategory::{High, Low, Medium};
    use super::*;

    const L: Legend = Legend::DORTMUND;

    #[test]
    fn cost_boundaries() {
        assert_eq!(L.cost_category(0.0), Low);
        assert_eq!(L.cost_category(49_999.99), Low);
        assert_eq!(L.cost_category(50_000.0), Medium);
        assert_eq!(L.cost_category(500_000.0), Medium);
        assert_eq!(L.cost_category(1_000_000.0), Medium);
        assert_eq!(L.cost_category(1_000_000.01), High);
    }

    #[test]
    fn personnel_boundaries() {
        assert_eq!(L.personnel_category(0.0), Low);
        assert_eq!(L.personnel_category(1.99), Low);
        assert_eq!(L.personnel_category(2.0), Medium);
        assert_eq!(L.personnel_category(3.5), Medium);
        assert_eq!(L.personnel_category(5.0), Medium);
        assert_eq!(L.personnel_category(5.01), High);
    }

    #[test]
    fn period_boundaries() {
        assert_eq!(L.period_category(0), Short);
        assert_eq!(L.period_category(11), Short);
        assert_eq!(L.period_category(12), PeriodCategory::Medium);
        assert_eq!(L.period_category(24), PeriodCategory::Medium);
        assert_eq!(L.period_category(36), PeriodCategory::Medium);
        assert_eq!(L.period_category(37), Long);
    }

    #[test]
    fn dortmund_legend_is_valid() {
        assert_eq!(L.validate(), Ok(()));
    }

    #[test]
    fn invalid_legends_are_rejected() {
        let nan = Legend {
            cost_low_below_eur: f64::NAN,
            ..L
        };
        assert!(matches!(
            nan.validate(),
            Err(LegendError::NotFinite {
                field: "costLowBelowEur",
                ..
            })
        ));
        let infinite = Legend {
            personnel_high_above_fte: f64::INFINITY,
            ..L
        };
        assert!(matches!(
            infinite.validate(),
            Err(LegendError::NotFinite { .. })
        ));
        let negative = Legend {
            period_short_below_months: -1,
            ..L
        };
        assert!(matches!(
            negative.validate(),
            Err(LegendError::Negative {
                field: "periodShortBelowMonths",
                ..
            })
        ));
        let equal = Legend {
            personnel_low_below_fte: 5.0,
            ..L
        };
        assert!(matches!(
            equal.validate(),
            Err(LegendError::NotIncreasing {
                low_field: "personnelLowBelowFte",
                ..
            })
        ));
        let swapped = Legend {
            period_short_below_months: 48,
            ..L
        };
        let err = swapped.validate().unwrap_err();
        assert_eq!(
            err.to_string(),
            "periodShortBelowMonths (48) must be less than periodLongAboveMonths (36)"
        );
    }

    #[test]
    fn legend_from_plan_file_entry() {
        let entry = LegendEntry {
            cost_low_below_eur: 50_000.0,
            cost_high_above_eur: 1_000_000.0,
            personnel_low_below_fte: 2.0,
            personnel_high_above_fte: 5.0,
            period_short_below_months: 12,
            period_long_above_months: 36,
            notes: None,
        };
        assert_eq!(Legend::from(&entry), L);
        assert_eq!(LegendEntry::new(L, None), entry);
    }

    #[test]
    fn quick_win_with_short_or_medium_period() {
        for period in [Short, PeriodCategory::Medium] {
            let p = Some(period);
            assert_eq!(quick_win(p, Some(Low), Some(Low)), QuickWin::Yes);
            assert_eq!(quick_win(p, Some(Low), Some(Medium)), QuickWin::Partial);
            assert_eq!(quick_win(p, Some(Medium), Some(Low)), QuickWin::Partial);
            assert_eq!(quick_win(p, Some(Medium), Some(Medium)), QuickWin::No);
            assert_eq!(quick_win(p, Some(Low), Some(High)), QuickWin::No);
            assert_eq!(quick_win(p, Some(High), Some(Low)), QuickWin::No);
            assert_eq!(quick_win(p, Some(Medium), Some(High)), QuickWin::No);
            assert_eq!(quick_win(p, Some(High), Some(Medium)), QuickWin::No);
            assert_eq!(quick_win(p, Some(High), Some(High)), QuickWin::No);
        }
    }

    #[test]
    fn quick_win_never_with_long_period() {
        for cost in [Low, Medium, High] {
            for personnel in [Low, Medium, High] {
                assert_eq!(
                    quick_win(Some(Long), Some(cost), Some(personnel)),
                    QuickWin::No
                );
            }
        }
        assert_eq!(quick_win(Some(Long), None, None), QuickWin::No);
    }

    #[test]
    fn quick_win_ruled_out_despite_missing_classes() {
        assert_eq!(quick_win(None, Some(High), None), QuickWin::No);
        assert_eq!(quick_win(None, None, Some(High)), QuickWin::No);
        assert_eq!(quick_win(None, Some(Medium), Some(Medium)), QuickWin::No);
        assert_eq!(quick_win(Some(Short), Some(High), None), QuickWin::No);
    }

    #[test]
    fn quick_win_unknown_when_a_class_is_missing() {
        assert_eq!(quick_win(None, None, None), QuickWin::Unknown);
        assert_eq!(quick_win(None, Some(Low), Some(Low)), QuickWin::Unknown);
        assert_eq!(quick_win(Some(Short), None, Some(Low)), QuickWin::Unknown);
        assert_eq!(quick_win(Some(Short), Some(Low), None), QuickWin::Unknown);
        assert_eq!(
            quick_win(Some(Short), Some(Medium), None),
            QuickWin::Unknown
        );
        assert_eq!(quick_win(None, None, Some(Medium)), QuickWin::Unknown);
    }

    #[test]
    fn category_texts_round_trip() {
        for c in SizeCategory::ALL {
            assert_eq!(c.as_str().parse::<SizeCategory>().unwrap(), *c);
        }
        for c in PeriodCategory::ALL {
            assert_eq!(c.as_str().parse::<PeriodCategory>().unwrap(), *c);
        }
        for q in QuickWin::ALL {
            assert_eq!(q.as_str().parse::<QuickWin>().unwrap(), *q);
        }
        let err = "GERING".parse::<SizeCategory>().unwrap_err();
        assert!(err.to_string().contains("LOW, MEDIUM, HIGH"), "{err}");
        assert_eq!(QuickWin::Partial.to_string(), "PARTIAL");
    }
    #[test]
    fn explicit_classes_win_over_the_legend() {
        let estimated = Estimates {
            cost_eur: Some(10_000.0),
            personnel_fte: Some(1.0),
            realization_months: Some(6),
            ..Estimates::default()
        };
        let class = L.classify(&estimated);
        assert_eq!(
            (class.cost, class.personnel, class.period, class.quick_win),
            (Some(Low), Some(Low), Some(Short), QuickWin::Yes)
        );
        let overridden = Estimates {
            cost_category: Some(High),
            ..estimated
        };
        let class = L.classify(&overridden);
        assert_eq!((class.cost, class.quick_win), (Some(High), QuickWin::No));
        let unknown = L.classify(&Estimates::default());
        assert_eq!(
            (class.period, unknown.cost, unknown.quick_win),
            (Some(Short), None, QuickWin::Unknown)
        );
        let explicit = L.classify(&Estimates {
            quick_win: Some(QuickWin::Partial),
            ..Estimates::default()
        });
        assert_eq!(explicit.quick_win, QuickWin::Partial);
    }
}

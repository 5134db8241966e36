//! Calendar buckets for KPI time series (months, quarters, years).

use chrono::{Datelike, Months, NaiveDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Interval {
    Month,
    Quarter,
    Year,
}

/// How the values in one bucket become the bucket's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Aggregate {
    /// The value observed last in the bucket.
    Last,
    Sum,
    Avg,
    Max,
}

impl Interval {
    fn months(self) -> u32 {
        match self {
            Interval::Month => 1,
            Interval::Quarter => 3,
            Interval::Year => 12,
        }
    }
}

/// The first day of the bucket that holds `date`.
pub fn bucket_start(date: NaiveDate, interval: Interval) -> NaiveDate {
    let month = match interval {
        Interval::Month => date.month(),
        Interval::Quarter => (date.month() - 1) / 3 * 3 + 1,
        Interval::Year => 1,
    };
    NaiveDate::from_ymd_opt(date.year(), month, 1).expect("the first of a month exists")
}

/// One bucket: its first and last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// Every bucket from the one holding `from` to the one holding `to`, in
/// order; empty when `to` is before `from`. `None` when there would be more
/// than `max` buckets.
pub fn buckets(
    from: NaiveDate,
    to: NaiveDate,
    interval: Interval,
    max: usize,
) -> Option<Vec<Bucket>> {
    let mut result = Vec::new();
    let mut start = bucket_start(from, interval);
    while start <= to {
        if result.len() == max {
            return None;
        }
        let next = start.checked_add_months(Months::new(interval.months()))?;
        result.push(Bucket {
            start,
            end: next.pred_opt()?,
        });
        start = next;
    }
    Some(result)
}

/// The value of each bucket from `from` to `to` that holds an observation,
/// by bucket start: what the database computes for a live series, for values
/// already in memory (a plan as of an instant). `observations` are in date order.
pub fn aggregate(
    observations: &[(NaiveDate, f64)],
    from: NaiveDate,
    to: NaiveDate,
    interval: Interval,
    aggregate: Aggregate,
) -> Vec<(NaiveDate, f64)> {
    let mut result: Vec<(NaiveDate, f64, usize)> = Vec::new();
    for &(date, value) in observations.iter().filter(|(d, _)| *d >= from && *d <= to) {
        let start = bucket_start(date, interval);
        match result.last_mut() {
            Some((s, acc, n)) if *s == start => {
                *acc = match aggregate {
                    Aggregate::Last => value,
                    Aggregate::Sum | Aggregate::Avg => *acc + value,
                    Aggregate::Max => acc.max(value),
                };
                *n += 1;
            }
            _ => result.push((start, value, 1)),
        }
    }
    result
        .into_iter()
        .map(|(start, acc, n)| match aggregate {
            Aggregate::Avg => (start, acc / n as f64),
            _ => (start, acc),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn bucket_starts() {
        assert_eq!(bucket_start(d(2020, 8, 31), Interval::Month), d(2020, 8, 1));
        assert_eq!(
            bucket_start(d(2020, 8, 31), Interval::Quarter),
            d(2020, 7, 1)
        );
        assert_eq!(
            bucket_start(d(2020, 3, 31), Interval::Quarter),
            d(2020, 1, 1)
        );
        assert_eq!(
            bucket_start(d(2020, 12, 1), Interval::Quarter),
            d(2020, 10, 1)
        );
        assert_eq!(bucket_start(d(2020, 8, 31), Interval::Year), d(2020, 1, 1));
    }

    #[test]
    fn quarters_of_2020_with_their_last_days() {
        let q = buckets(d(2020, 2, 15), d(2020, 12, 31), Interval::Quarter, 100).unwrap();
        let ranges: Vec<(NaiveDate, NaiveDate)> = q.iter().map(|b| (b.start, b.end)).collect();
        assert_eq!(
            ranges,
            [
                (d(2020, 1, 1), d(2020, 3, 31)),
                (d(2020, 4, 1), d(2020, 6, 30)),
                (d(2020, 7, 1), d(2020, 9, 30)),
                (d(2020, 10, 1), d(2020, 12, 31)),
            ]
        );
    }

    #[test]
    fn february_and_empty_and_too_many() {
        let m = buckets(d(2024, 2, 10), d(2024, 2, 10), Interval::Month, 10).unwrap();
        assert_eq!(
            m,
            [Bucket {
                start: d(2024, 2, 1),
                end: d(2024, 2, 29)
            }]
        );
        assert!(
            buckets(d(2021, 1, 1), d(2020, 1, 1), Interval::Year, 10)
                .unwrap()
                .is_empty()
        );
        assert!(buckets(d(2000, 1, 1), d(2020, 1, 1), Interval::Month, 100).is_none());
    }

    #[test]
    fn values_in_memory_aggregate_per_bucket() {
        let values = [
            (d(2026, 1, 5), 1.0),
            (d(2026, 1, 20), 3.0),
            (d(2026, 3, 1), 10.0),
            (d(2026, 5, 1), 7.0),
        ];
        let (from, to) = (d(2026, 1, 10), d(2026, 4, 30));
        let of = |a| aggregate(&values, from, to, Interval::Month, a);
        assert_eq!(
            of(Aggregate::Last),
            vec![(d(2026, 1, 1), 3.0), (d(2026, 3, 1), 10.0)]
        );
        let all = aggregate(
            &values,
            d(2026, 1, 1),
            d(2026, 12, 31),
            Interval::Quarter,
            Aggregate::Sum,
        );
        assert_eq!(all, vec![(d(2026, 1, 1), 14.0), (d(2026, 4, 1), 7.0)]);
        let avg = aggregate(
            &values,
            d(2026, 1, 1),
            d(2026, 1, 31),
            Interval::Year,
            Aggregate::Avg,
        );
        assert_eq!(avg, vec![(d(2026, 1, 1), 2.0)]);
        let max = aggregate(
            &values,
            d(2026, 1, 1),
            d(2026, 12, 31),
            Interval::Year,
            Aggregate::Max,
        );
        assert_eq!(max, vec![(d(2026, 1, 1), 10.0)]);
    }
}

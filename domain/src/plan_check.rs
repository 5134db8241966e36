//! Checks a whole plan file before anything of it is written, reporting every
//! problem with the JSON path where it sits.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use crate::kpi::validate_value;
use crate::kpi_value_rules::{ObservedOnRange, observed_on_problem, value_problem};
use crate::legend::{Legend, PeriodCategory, QuickWin, SizeCategory};
use crate::plan_file::{self, EstimatesEntry, GoalEntry, KpiEntry, MeasureEntry, PlanFile};
use crate::status::{GoalStatus, KpiDirection, KpiValueType, MeasureStatus};
use crate::timing::parse_timing;
use crate::validation::{FieldError, MAX_TITLE_CHARS, is_measure_code, slug_problem};
use crate::visibility::Visibility;

/// One thing wrong with a plan file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// JSON path in the file's own (camelCase) names, indexes from 0,
    /// e.g. `measures[3].goals[1].timing`.
    pub location: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// A problem as the error of a refused write: its location as a field path
/// (`measures[3].goals[1].timing` → `["measures", "3", "goals", "1", "timing"]`).
impl From<Problem> for FieldError {
    fn from(problem: Problem) -> Self {
        let field: Vec<&str> = problem
            .location
            .split(['.', '[', ']'])
            .filter(|part| !part.is_empty())
            .collect();
        FieldError::invalid(&field, problem.message)
    }
}

/// A refused plan file's error worded as [`Problem`] words it, `location: message`
/// with the location in the file's JSON path notation; the message alone when the
/// error names no field (the file is not JSON, say).
pub fn describe(error: &FieldError) -> String {
    if error.field.is_empty() {
        return error.message.clone();
    }
    let mut location = String::new();
    for part in &error.field {
        if part.bytes().all(|b| b.is_ascii_digit()) {
            location.push('[');
            location.push_str(part);
            location.push(']');
        } else {
            if !location.is_empty() {
                location.push('.');
            }
            location.push_str(part);
        }
    }
    format!("{location}: {}", error.message)
}

/// Every problem in `file`, in file order; empty when it can be loaded as it
/// is. KPI values must lie within the default horizon
/// ([`ObservedOnRange::DEFAULT`]).
pub fn check_plan_file(file: &PlanFile) -> Vec<Problem> {
    check_plan_file_within(file, &ObservedOnRange::DEFAULT)
}

/// [`check_plan_file`] with KPI values observed within `horizon`.
pub fn check_plan_file_within(file: &PlanFile, horizon: &ObservedOnRange) -> Vec<Problem> {
    let mut check = Checker {
        problems: Vec::new(),
        horizon: *horizon,
    };
    if file.format != plan_file::FORMAT {
        check.report(
            "format",
            format!("must be {:?}, got {:?}", plan_file::FORMAT, file.format),
        );
    }
    check.plan(&file.plan);
    let group_codes = check.working_groups(&file.working_groups);
    check.measures(&file.measures, &group_codes);
    check.problems
}

struct Checker {
    problems: Vec<Problem>,
    horizon: ObservedOnRange,
}

impl Checker {
    fn report(&mut self, location: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            location: location.into(),
            message: message.into(),
        });
    }

    fn non_empty(&mut self, location: impl Into<String>, value: &str) {
        if value.trim().is_empty() {
            self.report(location, "must not be empty");
        }
    }

    fn title(&mut self, location: String, value: &str) {
        let chars = value.trim().chars().count();
        if chars == 0 {
            self.report(location, "must not be empty");
        } else if chars > MAX_TITLE_CHARS {
            self.report(
                location,
                format!("must be at most {MAX_TITLE_CHARS} characters, has {chars}"),
            );
        }
    }

    /// Reports text that is not one of an enum's values, and returns the value if it is.
    fn parsed<T>(&mut self, location: String, text: &str) -> Option<T>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        match text.parse() {
            Ok(value) => Some(value),
            Err(err) => {
                self.report(location, err.to_string());
                None
            }
        }
    }

    fn plan(&mut self, plan: &plan_file::PlanEntry) {
        if let Some(problem) = slug_problem(&plan.slug) {
            self.report("plan.slug", problem);
        }
        self.title("plan.title".into(), &plan.title);
        if let Err(err) = Legend::from(&plan.legend).validate() {
            self.report(format!("plan.legend.{}", err.field()), err.to_string());
        }
    }

    /// Returns the codes of the working groups, for measures to refer to.
    fn working_groups<'f>(
        &mut self,
        groups: &'f [plan_file::WorkingGroupEntry],
    ) -> HashSet<&'f str> {
        let mut codes: HashMap<&str, usize> = HashMap::new();
        let mut numbers: HashMap<i32, usize> = HashMap::new();
        for (i, group) in groups.iter().enumerate() {
            let at = format!("workingGroups[{i}]");
            if group.code.trim().is_empty() {
                self.report(format!("{at}.code"), "must not be empty");
            } else if let Some(&first) = codes.get(group.code.as_str()) {
                self.report(
                    format!("{at}.code"),
                    format!(
                        "{:?} is already the code of workingGroups[{first}]",
                        group.code
                    ),
                );
            } else {
                codes.insert(&group.code, i);
            }
            if let Some(&first) = numbers.get(&group.number) {
                self.report(
                    format!("{at}.number"),
                    format!(
                        "{} is already the number of workingGroups[{first}]",
                        group.number
                    ),
                );
            } else {
                numbers.insert(group.number, i);
            }
            self.non_empty(format!("{at}.name"), &group.name);
        }
        codes.into_keys().collect()
    }

    fn measures(&mut self, measures: &[MeasureEntry], group_codes: &HashSet<&str>) {
        let all_codes: HashSet<&str> = measures.iter().filter_map(|m| m.code.as_deref()).collect();
        let mut first_with_code: HashMap<&str, usize> = HashMap::new();
        for (i, measure) in measures.iter().enumerate() {
            let at = format!("measures[{i}]");
            if let Some(code) = measure.code.as_deref() {
                if !is_measure_code(code) {
                    self.report(
                        format!("{at}.code"),
                        format!(
                            "{code:?} is not a measure code; expected digits separated by dots, like \"1.2\""
                        ),
                    );
                }
                if let Some(&first) = first_with_code.get(code) {
                    self.report(
                        format!("{at}.code"),
                        format!("{code:?} is already the code of measures[{first}]"),
                    );
                } else {
                    first_with_code.insert(code, i);
                }
            }
            if !group_codes.contains(measure.working_group.as_str()) {
                self.report(
                    format!("{at}.workingGroup"),
                    format!("no working group has the code {:?}", measure.working_group),
                );
            }
            self.title(format!("{at}.title"), &measure.title);
            self.parsed::<MeasureStatus>(format!("{at}.status"), &measure.status);
            self.parsed::<Visibility>(format!("{at}.visibility"), &measure.visibility);
            for (p, area) in measure.pilot_areas.iter().enumerate() {
                self.non_empty(format!("{at}.pilotAreas[{p}].code"), &area.code);
            }
            let mut related_seen = HashSet::new();
            for (r, related) in measure.related.iter().enumerate() {
                let location = format!("{at}.related[{r}].code");
                if !related_seen.insert(related.code.as_str()) {
                    self.report(location, format!("{:?} is listed twice", related.code));
                } else if measure.code.as_deref() == Some(related.code.as_str()) {
                    self.report(location, "a measure cannot be related to itself");
                } else if !all_codes.contains(related.code.as_str()) {
                    self.report(
                        location,
                        format!("no measure in this file has the code {:?}", related.code),
                    );
                }
            }
            self.estimates(&format!("{at}.estimates"), &measure.estimates);
            for (g, goal) in measure.goals.iter().enumerate() {
                self.goal(&format!("{at}.goals[{g}]"), goal);
            }
            let mut kpi_names: HashMap<&str, usize> = HashMap::new();
            for (k, kpi) in measure.kpis.iter().enumerate() {
                let kpi_at = format!("{at}.kpis[{k}]");
                let name = kpi.name.trim();
                if name.is_empty() {
                    self.report(format!("{kpi_at}.name"), "must not be empty");
                } else if let Some(&first) = kpi_names.get(name) {
                    self.report(
                        format!("{kpi_at}.name"),
                        format!("{name:?} is already the name of {at}.kpis[{first}]"),
                    );
                } else {
                    kpi_names.insert(name, k);
                }
                self.kpi(&kpi_at, kpi);
            }
        }
    }

    fn estimates(&mut self, at: &str, estimates: &EstimatesEntry) {
        for (field, value) in [
            ("costEur", estimates.cost_eur),
            ("personnelFte", estimates.personnel_fte),
        ] {
            match value {
                Some(v) if !v.is_finite() => self.report(
                    format!("{at}.{field}"),
                    format!("must be a finite number, got {v}"),
                ),
                Some(v) if v < 0.0 => self.report(
                    format!("{at}.{field}"),
                    format!("must not be negative, got {v}"),
                ),
                _ => {}
            }
        }
        if let Some(months) = estimates.period_months.filter(|m| *m < 0) {
            self.report(
                format!("{at}.periodMonths"),
                format!("must not be negative, got {months}"),
            );
        }
        if let Some(text) = &estimates.cost_category {
            self.parsed::<SizeCategory>(format!("{at}.costCategory"), text);
        }
        if let Some(text) = &estimates.personnel_category {
            self.parsed::<SizeCategory>(format!("{at}.personnelCategory"), text);
        }
        if let Some(text) = &estimates.period_category {
            self.parsed::<PeriodCategory>(format!("{at}.periodCategory"), text);
        }
        if let Some(text) = &estimates.quick_win {
            self.parsed::<QuickWin>(format!("{at}.quickWin"), text);
        }
    }

    fn goal(&mut self, at: &str, goal: &GoalEntry) {
        self.non_empty(format!("{at}.text"), &goal.text);
        self.parsed::<GoalStatus>(format!("{at}.status"), &goal.status);
        self.parsed::<Visibility>(format!("{at}.visibility"), &goal.visibility);
        if let Some(phrase) = &goal.timing
            && let Err(err) = parse_timing(phrase)
        {
            self.report(format!("{at}.timing"), err.to_string());
        }
    }

    fn kpi(&mut self, at: &str, kpi: &KpiEntry) {
        let value_type = self.parsed::<KpiValueType>(format!("{at}.valueType"), &kpi.value_type);
        self.parsed::<KpiDirection>(format!("{at}.direction"), &kpi.direction);
        self.parsed::<Visibility>(format!("{at}.visibility"), &kpi.visibility);
        // With an unknown type, values are still checked as far as every type agrees.
        let value_type = value_type.unwrap_or(KpiValueType::Number);
        let mut value_check = |location: String, value: f64| {
            if let Err(err) = validate_value(value_type, value) {
                self.report(location, err.to_string());
            }
        };
        if let Some(baseline) = &kpi.baseline {
            value_check(format!("{at}.baseline.value"), baseline.value);
        }
        for (t, target) in kpi.targets.iter().enumerate() {
            value_check(format!("{at}.targets[{t}].value"), target.value);
        }
        let unit = kpi.unit.as_deref();
        for (v, value) in kpi.values.iter().enumerate() {
            if let Some(message) = value_problem(value_type, unit, value.value) {
                self.report(format!("{at}.values[{v}].value"), message);
            }
            if let Some(message) = observed_on_problem(&self.horizon, value.observed_on) {
                self.report(format!("{at}.values[{v}].observedOn"), message);
            }
        }
        let mut due_dates = HashMap::new();
        for (t, target) in kpi.targets.iter().enumerate() {
            if let Some(&first) = due_dates.get(&target.due_on) {
                self.report(
                    format!("{at}.targets[{t}].dueOn"),
                    format!(
                        "{} already has a target, in {at}.targets[{first}]",
                        target.due_on
                    ),
                );
            } else {
                due_dates.insert(target.due_on, t);
            }
        }
        let mut dates = HashMap::new();
        for (v, value) in kpi.values.iter().enumerate() {
            if let Some(&first) = dates.get(&value.observed_on) {
                self.report(
                    format!("{at}.values[{v}].observedOn"),
                    format!(
                        "{} already has a value, in {at}.values[{first}]",
                        value.observed_on
                    ),
                );
            } else {
                dates.insert(value.observed_on, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::plan_file::{
        BaselineEntry, LegendEntry, PilotAreaEntry, PlanEntry, RelatedEntry, TargetEntry,
        ValueEntry, WorkingGroupEntry,
    };

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn measure(code: Option<&str>, group: &str, title: &str) -> MeasureEntry {
        MeasureEntry {
            code: code.map(str::to_owned),
            working_group: group.into(),
            title: title.into(),
            description: String::new(),
            status: "PLANNED".into(),
            responsible_unit: None,
            partners: vec![],
            pilot_areas: vec![],
            related: vec![],
            estimates: EstimatesEntry::default(),
            goals: vec![],
            kpis: vec![],
            visibility: "PUBLIC".into(),
        }
    }

    fn goal(text: &str, timing: Option<&str>) -> GoalEntry {
        GoalEntry {
            text: text.into(),
            category: None,
            timing: timing.map(str::to_owned),
            status: "OPEN".into(),
            visibility: "PUBLIC".into(),
        }
    }

    fn kpi(name: &str, value_type: &str, direction: &str) -> KpiEntry {
        KpiEntry {
            name: name.into(),
            description: None,
            unit: None,
            value_type: value_type.into(),
            direction: direction.into(),
            baseline: None,
            targets: vec![],
            values: vec![],
            visibility: "PUBLIC".into(),
        }
    }

    fn value(on: NaiveDate, value: f64) -> ValueEntry {
        ValueEntry {
            observed_on: on,
            value,
            note: None,
            source: None,
        }
    }

    fn valid_file() -> PlanFile {
        let mut portal = measure(Some("1.2"), "I", "Bürgerportal");
        portal.status = "IN_PROGRESS".into();
        portal.estimates = EstimatesEntry {
            cost_eur: Some(250_000.0),
            personnel_fte: Some(2.0),
            period_months: Some(24),
            quick_win: Some("PARTIAL".into()),
            ..EstimatesEntry::default()
        };
        portal.goals = vec![
            goal(
                "Erarbeitung eines Konzepts zur Überarbeitung des Bürgerportals (doMap) bis Mitte 2020",
                Some("bis Mitte 2020"),
            ),
            goal("Umsetzung des Konzepts, ab 2021", Some("ab 2021")),
        ];
        let mut services = kpi(
            "Anzahl der digitalen Verwaltungsleistungen im Portal",
            "NUMBER",
            "INCREASE",
        );
        services.baseline = Some(BaselineEntry {
            value: 67.0,
            observed_on: Some(d(2019, 6, 30)),
            note: None,
        });
        services.targets = vec![TargetEntry {
            value: 100.0,
            due_on: d(2020, 12, 31),
            note: None,
        }];
        services.values = vec![value(d(2020, 3, 31), 72.0), value(d(2020, 6, 30), 80.0)];
        portal.kpis = vec![services];

        let mut zak = measure(Some("2.2"), "II", "Zentrum für Ausbildung und Kompetenzen");
        zak.related = vec![RelatedEntry {
            code: "1.2".into(),
            note: None,
        }];
        zak.pilot_areas = vec![PilotAreaEntry {
            code: "11/2".into(),
            name: "Personal- und Organisationsamt".into(),
        }];
        let mut concept = kpi("Erstelltes Konzept", "MILESTONE", "INCREASE");
        concept.values = vec![value(d(2020, 6, 30), 1.0)];
        zak.kpis = vec![concept];

        let dms = measure(None, "I", "DMS und E-Akte");

        PlanFile {
            format: plan_file::FORMAT.into(),
            plan: PlanEntry {
                slug: "dortmund-arbeiten-4-0".into(),
                title: "Masterplan Digitale Verwaltung – Arbeiten 4.0".into(),
                organisation: "Stadt Dortmund".into(),
                published_on: None,
                description: String::new(),
                legend: LegendEntry {
                    cost_low_below_eur: 50_000.0,
                    cost_high_above_eur: 1_000_000.0,
                    personnel_low_below_fte: 2.0,
                    personnel_high_above_fte: 5.0,
                    period_short_below_months: 12,
                    period_long_above_months: 36,
                    notes: None,
                },
            },
            working_groups: vec![
                WorkingGroupEntry {
                    code: "I".into(),
                    number: 1,
                    name: "Digitale Services".into(),
                    lead: None,
                },
                WorkingGroupEntry {
                    code: "II".into(),
                    number: 2,
                    name: "Personal".into(),
                    lead: None,
                },
            ],
            measures: vec![portal, zak, dms],
        }
    }

    #[test]
    fn valid_file_has_no_problems() {
        assert_eq!(check_plan_file(&valid_file()), vec![]);
    }

    #[test]
    fn problem_display_names_the_location() {
        let problem = Problem {
            location: "measures[3].goals[1].timing".into(),
            message: "not understood".into(),
        };
        assert_eq!(
            problem.to_string(),
            "measures[3].goals[1].timing: not understood"
        );
    }

    #[test]
    fn measure_codes() {
        for code in ["1.2", "1.10", "4.5", "7", "1.2.3"] {
            assert!(is_measure_code(code), "{code}");
        }
        for code in ["", "1.", ".2", "1..2", "1,2", "A.1", " 1.2"] {
            assert!(!is_measure_code(code), "{code}");
        }
    }

    /// Asserts a problem at `location` whose message contains `fragment`.
    fn assert_problem(problems: &[Problem], location: &str, fragment: &str) {
        assert!(
            problems
                .iter()
                .any(|p| p.location == location && p.message.contains(fragment)),
            "no problem at {location} mentioning {fragment:?} in:\n{}",
            problems
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_location() {
        let mut file = valid_file();
        file.format = "masterplan/v0".into();
        file.plan.slug = "Dortmund 4.0".into();
        file.plan.title = "  ".into();
        file.plan.legend.cost_high_above_eur = 10_000.0;
        file.working_groups[1].code = "I".into();
        file.working_groups[1].number = 1;
        file.working_groups[1].name = String::new();

        let portal = &mut file.measures[0];
        portal.title = "x".repeat(301);
        portal.status = "DONE".into();
        portal.estimates.cost_eur = Some(-1.0);
        portal.estimates.personnel_fte = Some(f64::NAN);
        portal.estimates.period_months = Some(-3);
        portal.estimates.cost_category = Some("GERING".into());
        portal.estimates.period_category = Some("LOW".into());
        portal.estimates.quick_win = Some("JA".into());
        portal.goals[1].timing = Some("demnächst".into());
        portal.goals[1].status = "DONE".into();
        portal.goals[0].text = String::new();
        portal.related = vec![
            RelatedEntry {
                code: "1.2".into(),
                note: None,
            },
            RelatedEntry {
                code: "9.9".into(),
                note: None,
            },
            RelatedEntry {
                code: "9.9".into(),
                note: None,
            },
        ];
        portal.pilot_areas = vec![PilotAreaEntry {
            code: " ".into(),
            name: "Amt".into(),
        }];
        let mut share = kpi("Anteil online", "PERCENT", "UP");
        share.baseline = Some(BaselineEntry {
            value: 120.0,
            observed_on: None,
            note: None,
        });
        share.targets = vec![
            TargetEntry {
                value: f64::INFINITY,
                due_on: d(2020, 12, 31),
                note: None,
            },
            TargetEntry {
                value: 50.0,
                due_on: d(2020, 12, 31),
                note: None,
            },
        ];
        share.values = vec![value(d(2020, 1, 1), 10.0), value(d(2020, 1, 1), 12.0)];
        portal.kpis.push(share);
        portal.kpis.push(kpi(
            "Anzahl der digitalen Verwaltungsleistungen im Portal",
            "COUNT",
            "INCREASE",
        ));
        portal.kpis.push(kpi(" ", "NUMBER", "NONE"));

        portal.visibility = "SECRET".into();
        file.measures[1].code = Some("2-2".into());
        file.measures[1].working_group = "V".into();
        file.measures[1].kpis[0].values[0].value = 0.5;
        file.measures[2].code = Some("1.2".into());

        let problems = check_plan_file(&file);
        let expected = [
            ("format", "masterplan/v1"),
            ("plan.slug", "lowercase"),
            ("plan.title", "empty"),
            ("plan.legend.costLowBelowEur", "less than costHighAboveEur"),
            ("workingGroups[1].code", "workingGroups[0]"),
            ("workingGroups[1].number", "workingGroups[0]"),
            ("workingGroups[1].name", "empty"),
            ("measures[0].title", "at most 300"),
            ("measures[0].status", "MeasureStatus"),
            ("measures[0].visibility", "Visibility"),
            ("measures[0].pilotAreas[0].code", "empty"),
            ("measures[0].related[0].code", "itself"),
            ("measures[0].related[1].code", "\"9.9\""),
            ("measures[0].related[2].code", "listed twice"),
            ("measures[0].estimates.costEur", "negative"),
            ("measures[0].estimates.personnelFte", "finite"),
            ("measures[0].estimates.periodMonths", "negative"),
            ("measures[0].estimates.costCategory", "SizeCategory"),
            ("measures[0].estimates.periodCategory", "PeriodCategory"),
            ("measures[0].estimates.quickWin", "QuickWin"),
            ("measures[0].goals[0].text", "empty"),
            ("measures[0].goals[1].status", "GoalStatus"),
            ("measures[0].goals[1].timing", "demnächst"),
            ("measures[0].kpis[1].direction", "KpiDirection"),
            ("measures[0].kpis[1].baseline.value", "PERCENT"),
            ("measures[0].kpis[1].targets[0].value", "finite"),
            (
                "measures[0].kpis[1].targets[1].dueOn",
                "already has a target",
            ),
            ("measures[0].kpis[1].values[1].observedOn", "2020-01-01"),
            ("measures[0].kpis[2].name", "measures[0].kpis[0]"),
            ("measures[0].kpis[2].valueType", "KpiValueType"),
            ("measures[0].kpis[3].name", "empty"),
            ("measures[1].code", "digits separated by dots"),
            ("measures[1].workingGroup", "\"V\""),
            ("measures[1].kpis[0].values[0].value", "MILESTONE"),
            ("measures[2].code", "measures[0]"),
        ];
        for (location, fragment) in expected {
            assert_problem(&problems, location, fragment);
        }
        for problem in &problems {
            assert_eq!(
                describe(&FieldError::from(problem.clone())),
                problem.to_string()
            );
        }
        assert_eq!(
            problems.len(),
            expected.len(),
            "unexpected extra problems:\n{}",
            problems
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    #[test]
    fn values_obey_the_value_rules_and_the_horizon() {
        let mut file = valid_file();
        let mut count = kpi("Anzahl der Anträge", "NUMBER", "INCREASE");
        count.unit = Some("Anzahl".into());
        count.values = vec![value(d(2099, 6, 30), 3.0), value(d(2021, 6, 30), -2.0)];
        file.measures[0].kpis.push(count);
        let k = file.measures[0].kpis.len() - 1;
        let narrow: ObservedOnRange = "2000-01-01..2030-12-31".parse().unwrap();
        let problems = check_plan_file_within(&file, &narrow);
        assert_problem(
            &problems,
            &format!("measures[0].kpis[{k}].values[0].observedOn"),
            "outside the plan's horizon 2000-01-01..2030-12-31",
        );
        assert_problem(
            &problems,
            &format!("measures[0].kpis[{k}].values[1].value"),
            "cannot be negative",
        );
        assert_eq!(problems.len(), 2, "{problems:?}");
        // 2099 lies within the default horizon.
        assert_eq!(check_plan_file(&file).len(), 1);
    }

    #[test]
    fn a_problem_keeps_its_wording_as_a_field_error() {
        let problem = Problem {
            location: "measures[3].goals[1].timing".into(),
            message: "not understood".into(),
        };
        let error = FieldError::from(problem.clone());
        assert_eq!(error.field, ["measures", "3", "goals", "1", "timing"]);
        assert_eq!(error.message, "not understood");
        assert_eq!(describe(&error), problem.to_string());
        assert_eq!(
            describe(&FieldError::invalid(&[], "not a plan file: EOF")),
            "not a plan file: EOF"
        );
    }

    #[test]
    fn overlong_slug_is_reported() {
        let mut file = valid_file();
        file.plan.slug = "a".repeat(65);
        let problems = check_plan_file(&file);
        assert_problem(&problems, "plan.slug", "at most 64");
        file.plan.slug = "a".repeat(64);
        assert_eq!(check_plan_file(&file), vec![]);
    }
}

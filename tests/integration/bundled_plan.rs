//! The bundled Dortmund plan passes the plan check and its timing phrases are
//! the ones the parser finds in the goal sentences.

use masterplan_domain::plan_check::check_plan_file;
use masterplan_domain::plan_file::PlanFile;
use masterplan_domain::timing::{TimingKind, extract_timing_phrase, parse_timing};

fn bundled() -> PlanFile {
    serde_json::from_str(include_str!(
        "../../data/masterplan-dortmund-arbeiten-4-0.json"
    ))
    .expect("the bundled plan is a plan file")
}

#[test]
fn bundled_plan_has_no_problems() {
    let problems = check_plan_file(&bundled());
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_goal_timing_is_the_phrase_found_in_its_text() {
    let mut undated_with_a_year = Vec::new();
    for measure in bundled().measures {
        for goal in measure.goals {
            match goal.timing.as_deref() {
                Some(timing) => assert_eq!(
                    Some(timing),
                    extract_timing_phrase(&goal.text),
                    "goal {:?} of measure {:?}",
                    goal.text,
                    measure.code
                ),
                None if extract_timing_phrase(&goal.text).is_some() => {
                    undated_with_a_year.push(goal.text.clone());
                }
                None => {}
            }
        }
    }
    // 2.2 names two years for two targets; the KPI's targets carry those dates
    // (see data/README.md), so the goal itself has no single deadline.
    assert_eq!(
        undated_with_a_year,
        ["Schaffung von 30 (2020) bzw. 50 (2021) neuen fachpraktischen Ausbildungsplätzen"]
    );
}

#[test]
fn every_timing_phrase_of_the_plan_parses_to_a_date() {
    let mut phrases = 0;
    for measure in bundled().measures {
        for phrase in measure.goals.iter().filter_map(|g| g.timing.as_deref()) {
            let timing = parse_timing(phrase).unwrap();
            assert_ne!(timing.kind, TimingKind::None, "{phrase}");
            assert!(timing.starts_on.is_some() || timing.due_on.is_some());
            phrases += 1;
        }
    }
    assert!(phrases >= 25, "only {phrases} dated goals");
}

//! Reads a plan file's JSON and reports every value of the wrong type, not
//! only the first: each one found is noted at its JSON path and replaced by
//! a stand-in of a type that fits, and reading goes on. The repaired file
//! then meets the other checks, so one run lists every problem.

use serde_json::Value;
use serde_path_to_error::Segment;

use crate::plan_check::Problem;
use crate::plan_file::PlanFile;

/// Problems reported at most; a file with more is hopeless anyway.
const MAX_PROBLEMS: usize = 100;

/// What reading found: the file with stand-ins where values had the wrong
/// type, and a problem for each of them.
pub struct Read {
    pub file: PlanFile,
    pub problems: Vec<Problem>,
}

/// Reads `json`; `Err` when it is not JSON at all, or when a wrong value
/// could not be stood in for (the problems found until then).
pub fn read_plan_file(json: &str) -> Result<Read, Vec<Problem>> {
    let mut value: Value = serde_json::from_str(json).map_err(|e| {
        vec![Problem {
            location: String::new(),
            message: format!("not a plan file: {e}"),
        }]
    })?;
    let mut problems: Vec<Problem> = Vec::new();
    loop {
        let (path, message) = match read(&value) {
            Ok(file) => return Ok(Read { file, problems }),
            Err(error) => error,
        };
        let location = location(&path);
        // Once per place, and not again for what its stand-in lacks.
        let known = problems.iter().any(|p| {
            location == p.location
                || location
                    .strip_prefix(p.location.as_str())
                    .is_some_and(|rest| rest.starts_with(['.', '[']))
        });
        if !known {
            problems.push(Problem {
                location: location.clone(),
                message,
            });
        }
        if problems.len() >= MAX_PROBLEMS || !stand_in(&mut value, &path, &location) {
            return Err(problems);
        }
    }
}

/// The plan file in `document`, or where reading it stops and why. A
/// missing field is placed at the field itself, not at its object.
fn read(document: &Value) -> Result<PlanFile, (Vec<Segment>, String)> {
    serde_path_to_error::deserialize::<_, PlanFile>(document).map_err(|error| {
        let mut path: Vec<Segment> = error.path().iter().cloned().collect();
        let message = error.inner().to_string();
        if let Some(field) = missing_field(&message) {
            path.push(Segment::Map {
                key: field.to_owned(),
            });
        }
        (path, message)
    })
}

/// The field of serde's "missing field `x`".
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// The path in the notation of [`Problem::location`]: `measures[3].title`.
fn location(path: &[Segment]) -> String {
    let mut location = String::new();
    for segment in path {
        match segment {
            Segment::Seq { index } => location.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !location.is_empty() {
                    location.push('.');
                }
                location.push_str(key);
            }
            Segment::Unknown => location.push_str(".?"),
        }
    }
    location
}

/// Replaces the value at `path`, in place, by the first stand-in that moves
/// reading past it: removed (for optional fields and unknown keys), then a
/// value of each JSON type. False when none does (the document is then of
/// no further use).
fn stand_in(document: &mut Value, path: &[Segment], location: &str) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let candidates = [
        None,
        Some(Value::String(String::new())),
        Some(Value::from(0)),
        Some(Value::from(0.5)),
        Some(Value::String("2000-01-01".into())),
        Some(Value::Array(Vec::new())),
        Some(Value::Object(serde_json::Map::new())),
        Some(Value::Bool(false)),
    ];
    for candidate in candidates {
        let Some(parent) = walk(document, parents) else {
            return false;
        };
        if !place(parent, last, candidate) {
            continue;
        }
        let moved_on = match read(document) {
            Ok(_) => true,
            Err((next, _)) => self::location(&next) != location,
        };
        if moved_on {
            return true;
        }
    }
    false
}

/// The value `path` leads to.
fn walk<'a>(mut at: &'a mut Value, path: &[Segment]) -> Option<&'a mut Value> {
    for segment in path {
        at = match (segment, at) {
            (Segment::Seq { index }, Value::Array(items)) => items.get_mut(*index)?,
            (Segment::Map { key }, Value::Object(map)) => map.get_mut(key)?,
            _ => return None,
        };
    }
    Some(at)
}

/// Sets (or, with `None`, removes) the member `last` of `parent`; false
/// when it cannot be (an array element cannot be removed).
fn place(parent: &mut Value, last: &Segment, value: Option<Value>) -> bool {
    match (last, parent, value) {
        (Segment::Map { key }, Value::Object(map), None) => {
            map.remove(key);
            true
        }
        (Segment::Map { key }, Value::Object(map), Some(value)) => {
            map.insert(key.clone(), value);
            true
        }
        (Segment::Seq { index }, Value::Array(items), Some(value)) if *index < items.len() => {
            items[*index] = value;
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> Value {
        serde_json::from_str(include_str!(
            "../../data/masterplan-dortmund-arbeiten-4-0.json"
        ))
        .unwrap()
    }

    #[test]
    fn every_wrong_type_is_reported_in_one_read() {
        let mut plan = bundled();
        plan["measures"][1]["title"] = 5.into();
        plan["measures"][2]["status"] = 7.into();
        plan["measures"][4]["goals"][0] = "a goal".into();
        plan["measures"][5]["kpis"][0]["targets"] = serde_json::json!({ "value": 1 });
        plan["measures"][6]["estimates"]["costEur"] = "viel".into();
        plan["measures"][7]["surprise"] = true.into();
        let read = read_plan_file(&plan.to_string()).unwrap_or_else(|p| panic!("{p:?}"));
        let locations: Vec<&str> = read.problems.iter().map(|p| p.location.as_str()).collect();
        assert_eq!(
            locations,
            [
                "measures[1].title",
                "measures[2].status",
                "measures[4].goals[0]",
                "measures[5].kpis[0].targets",
                "measures[6].estimates.costEur",
                "measures[7].surprise",
            ],
            "{:#?}",
            read.problems
        );
        assert!(
            read.problems[0].message.contains("expected a string"),
            "{:?}",
            read.problems[0]
        );
    }

    #[test]
    fn a_good_file_reads_without_problems() {
        let read = read_plan_file(&bundled().to_string()).ok().unwrap();
        assert!(read.problems.is_empty());
    }
}

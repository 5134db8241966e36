//! CSV exports for spreadsheets: one file per entity ([`Entity`]), UTF-8 with
//! a byte-order mark so that Excel shows umlauts, in one of two dialects.

use masterplan_persistence::export::PlanSnapshot;
use masterplan_persistence::{RepoError, RepoResult};

use crate::export_table::{Cell, Entity, table};

/// How a CSV file separates fields and writes decimals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum CsvDialect {
    /// `,` between fields, `.` in decimals (what most tools read).
    #[default]
    Standard,
    /// `;` between fields, `,` in decimals: what Excel with German regional
    /// settings reads.
    ExcelDe,
}

impl CsvDialect {
    /// The dialect called `name` (`standard` or `excel-de`, as on the command
    /// line), or a message naming the dialects there are.
    pub fn parse(name: &str) -> Result<Self, String> {
        <Self as clap::ValueEnum>::from_str(name, false).map_err(|_| {
            format!("unknown CSV dialect {name:?}: the dialects are standard and excel-de")
        })
    }

    fn delimiter(self) -> u8 {
        match self {
            CsvDialect::Standard => b',',
            CsvDialect::ExcelDe => b';',
        }
    }

    fn field(self, cell: &Cell) -> String {
        match cell {
            Cell::Text(text) => text.clone(),
            Cell::Number(number) => match self {
                CsvDialect::Standard => number.to_string(),
                CsvDialect::ExcelDe => number.to_string().replace('.', ","),
            },
            Cell::Date(date) => date.to_string(),
            Cell::Empty => String::new(),
        }
    }
}

const BOM: &str = "\u{feff}";

/// The CSV text of one entity of a plan (read by
/// [`masterplan_persistence::export::read_plan`], as the JSON export is), in
/// the plan's order; fields are quoted where the dialect needs it.
pub fn render(plan: &PlanSnapshot, entity: Entity, dialect: CsvDialect) -> RepoResult<String> {
    let corrupt = |e: &dyn std::fmt::Display| RepoError::Corrupt(format!("CSV: {e}"));
    let table = table(plan, entity);
    let mut out = csv::WriterBuilder::new()
        .delimiter(dialect.delimiter())
        .from_writer(Vec::new());
    out.write_record(table.header).map_err(|e| corrupt(&e))?;
    for row in &table.rows {
        out.write_record(row.iter().map(|cell| dialect.field(cell)))
            .map_err(|e| corrupt(&e))?;
    }
    let bytes = out.into_inner().map_err(|e| corrupt(&e))?;
    let body = String::from_utf8(bytes).map_err(|e| corrupt(&e))?;
    Ok(format!("{BOM}{body}"))
}

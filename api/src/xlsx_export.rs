//! The Excel export: one workbook with a worksheet per entity, with the
//! columns of the CSV files ([`crate::export_table`]) as typed cells: codes
//! and names as text, dates as dates, numbers as numbers. Each sheet's header
//! row is frozen and has an autofilter, and its columns are sized to fit.

use chrono::Datelike;
use masterplan_persistence::export::PlanSnapshot;
use masterplan_persistence::{RepoError, RepoResult};
use rust_xlsxwriter::{ColNum, ExcelDateTime, Format, RowNum, Workbook, Worksheet, XlsxError};

use crate::export_table::{Cell, Entity, Table, table};

/// The media type of an `.xlsx` file.
pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The widest a column is made to fit its texts, in pixels (long
/// descriptions wrap at Excel's cell width instead of filling the screen).
const MAX_COLUMN_PIXELS: u32 = 320;

/// The workbook of a plan (read by
/// [`masterplan_persistence::export::read_plan`], so it holds what the caller
/// may see and nothing more): a sheet per [`Entity`], named as its CSV file
/// without `.csv`.
pub fn render(plan: &PlanSnapshot) -> RepoResult<Vec<u8>> {
    workbook(plan).map_err(|e| RepoError::Corrupt(format!("XLSX: {e}")))
}

fn workbook(plan: &PlanSnapshot) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let header = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for entity in Entity::ALL {
        let sheet = workbook.add_worksheet();
        sheet.set_name(entity.name())?;
        write_table(sheet, &table(plan, entity), &header, &date)?;
    }
    workbook.save_to_buffer()
}

fn write_table(
    sheet: &mut Worksheet,
    table: &Table,
    header: &Format,
    date: &Format,
) -> Result<(), XlsxError> {
    sheet.write_row_with_format(0, 0, table.header.iter().copied(), header)?;
    for (index, cells) in table.rows.iter().enumerate() {
        let row = RowNum::try_from(index + 1).map_err(|_| too_large())?;
        for (col, cell) in (0..).zip(cells) {
            write_cell(sheet, row, col, cell, date)?;
        }
    }
    let last_row = RowNum::try_from(table.rows.len()).map_err(|_| too_large())?;
    let last_col = ColNum::try_from(table.header.len() - 1).map_err(|_| too_large())?;
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, last_row, last_col)?;
    sheet.set_autofit_max_width(MAX_COLUMN_PIXELS);
    sheet.autofit();
    Ok(())
}

fn write_cell(
    sheet: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    cell: &Cell,
    date: &Format,
) -> Result<(), XlsxError> {
    match cell {
        // An empty text is no cell, as in a sheet typed by hand.
        Cell::Empty => {}
        Cell::Text(text) if text.is_empty() => {}
        Cell::Text(text) => {
            sheet.write_string(row, col, fit_cell(text))?;
        }
        Cell::Number(number) => {
            sheet.write_number(row, col, *number)?;
        }
        Cell::Date(day) => {
            let day = excel_date(*day)?;
            sheet.write_date_with_format(row, col, &day, date)?;
        }
    }
    Ok(())
}

/// The most UTF-16 code units that Excel keeps in a cell.
const MAX_CELL_UNITS: usize = 32_767;

/// `text`, or, when it is longer than a cell holds (a description may have
/// 50,000 characters), its start with `…` at the end: the workbook is still
/// written, and the cut is visible.
fn fit_cell(text: &str) -> std::borrow::Cow<'_, str> {
    if text.encode_utf16().count() <= MAX_CELL_UNITS {
        return text.into();
    }
    let mut units = 0;
    let end = text
        .char_indices()
        .find(|(_, c)| {
            units += c.len_utf16();
            units > MAX_CELL_UNITS - 1
        })
        .map_or(text.len(), |(at, _)| at);
    format!("{}…", &text[..end]).into()
}

fn excel_date(day: chrono::NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    // Excel's dates run from 1900 to 9999; chrono's months and days fit u8.
    let year =
        u16::try_from(day.year()).map_err(|_| XlsxError::DateTimeRangeError(day.to_string()))?;
    ExcelDateTime::from_ymd(year, day.month() as u8, day.day() as u8)
}

fn too_large() -> XlsxError {
    XlsxError::RowColumnLimitError
}

//! What a command prints: the answer's `data` as JSON (amounts with the
//! digits and the form Aurpay sent: the text is serialized from the typed
//! answer, whose [`Amount`](crate::Amount)s keep both, never through a
//! float), or as a table for a person. A table is made from the same JSON
//! text, read with every value kept as its raw text.

use std::fmt::Write as _;
use std::io::Write as _;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::Failure;

/// How answers are printed (`--output`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    /// A table, these fields first (the rest in the answer's order).
    Table(&'static [&'static str]),
}

/// The widest cell of a table; longer values are cut with `…`.
const MAX_CELL_CHARS: usize = 48;
/// The most columns a table shows (the first fields of the first row).
const MAX_COLUMNS: usize = 10;
/// The most rows a table collects (a table must be read whole to be
/// aligned; JSON output streams any number).
pub(crate) const MAX_TABLE_ROWS: usize = 10_000;

/// The fields of a JSON object, in order, each value as raw text.
struct Fields(Vec<(String, Box<RawValue>)>);

impl<'de> serde::Deserialize<'de> for Fields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldsVisitor;
        impl<'de> Visitor<'de> for FieldsVisitor {
            type Value = Fields;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
                let mut fields = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, Box<RawValue>>()? {
                    fields.push((key, value));
                }
                Ok(Fields(fields))
            }
        }
        deserializer.deserialize_map(FieldsVisitor)
    }
}

/// The fields of the object in `text`, or `None` when it is not one.
pub(crate) fn object_fields(text: &str) -> Option<Vec<(String, Box<RawValue>)>> {
    serde_json::from_str::<Fields>(text).ok().map(|f| f.0)
}

/// A value as a cell: strings without quotes, numbers with their digits,
/// null as `-`, anything nested as compact JSON; cut to fit.
fn cell(raw: &str) -> String {
    let text = match raw.trim() {
        "null" => "-".to_owned(),
        quoted if quoted.starts_with('"') => {
            serde_json::from_str::<String>(quoted).unwrap_or_else(|_| quoted.to_owned())
        }
        other => other.split_whitespace().collect::<Vec<_>>().join(" "),
    };
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().count() > MAX_CELL_CHARS {
        let cut: String = text.chars().take(MAX_CELL_CHARS - 1).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// Rows under a header, columns aligned.
fn render(header: &[String], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, value) in widths.iter_mut().zip(row) {
            *width = (*width).max(value.chars().count());
        }
    }
    let line = |values: &[String]| {
        let mut out = String::new();
        for (index, (value, width)) in values.iter().zip(&widths).enumerate() {
            if index + 1 == values.len() {
                out.push_str(value);
            } else {
                let _ = write!(out, "{value:<width$}  ");
            }
        }
        out.trim_end().to_owned() + "\n"
    };
    let mut out = line(header);
    for row in rows {
        out.push_str(&line(row));
    }
    out
}

/// A table of objects: the columns are the first row's fields, `first`
/// ahead of the others.
fn table_of_objects(items: &[Box<RawValue>], first: &[&str]) -> String {
    let objects: Vec<Vec<(String, Box<RawValue>)>> = items
        .iter()
        .map(|item| object_fields(item.get()).unwrap_or_default())
        .collect();
    let header: Vec<String> = objects
        .first()
        .map(|row| {
            let keys = row.iter().map(|(k, _)| k.as_str());
            let leading = first
                .iter()
                .copied()
                .filter(|k| row.iter().any(|(r, _)| r == k));
            let rest = keys.filter(|k| !first.contains(k));
            leading
                .chain(rest)
                .take(MAX_COLUMNS)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if header.is_empty() {
        return format!("({} items)\n", items.len());
    }
    let rows: Vec<Vec<String>> = objects
        .iter()
        .map(|fields| {
            header
                .iter()
                .map(|column| {
                    fields
                        .iter()
                        .find(|(k, _)| k == column)
                        .map_or_else(|| "-".to_owned(), |(_, v)| cell(v.get()))
                })
                .collect()
        })
        .collect();
    render(&header, &rows)
}

/// `data` as a table: a list as rows; an object holding one list (a page)
/// as that list's rows with the other fields below; any other object as
/// field and value.
pub(crate) fn table(text: &str, first: &[&str]) -> String {
    if let Ok(items) = serde_json::from_str::<Vec<Box<RawValue>>>(text) {
        return table_of_objects(&items, first);
    }
    let Some(fields) = object_fields(text) else {
        return cell(text) + "\n";
    };
    let lists: Vec<(&String, Vec<Box<RawValue>>)> = fields
        .iter()
        .filter_map(|(k, v)| Some((k, serde_json::from_str::<Vec<Box<RawValue>>>(v.get()).ok()?)))
        .filter(|(_, items)| items.iter().all(|i| i.get().trim_start().starts_with('{')))
        .collect();
    if let [(name, items)] = lists.as_slice() {
        let mut out = table_of_objects(items, first);
        let rest: Vec<String> = fields
            .iter()
            .filter(|(k, _)| k != *name)
            .map(|(k, v)| format!("{k}={}", cell(v.get())))
            .collect();
        if !rest.is_empty() {
            let _ = writeln!(out, "{}", rest.join(" "));
        }
        return out;
    }
    let rows: Vec<Vec<String>> = fields
        .iter()
        .map(|(k, v)| vec![k.clone(), cell(v.get())])
        .collect();
    render(&["field".to_owned(), "value".to_owned()], &rows)
}

/// Prints one answer's `data`, given as JSON text.
pub(crate) fn print_data(text: &str, format: Format) -> Result<(), Failure> {
    let shown = match format {
        Format::Json => format!("{text}\n"),
        Format::Table(first) => table(text, first),
    };
    write_stdout(&shown)
}

pub(crate) fn write_stdout(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::failed(format!("cannot write the output: {e}")))
}

/// Prints a stream of items (every page of a list): as one JSON array
/// written as the items arrive, so memory stays bounded; or as a table of
/// at most [`MAX_TABLE_ROWS`] rows. Returns how many items were printed;
/// an error ends the list (the items before it are printed).
pub(crate) async fn print_items<T, S>(items: S, format: Format) -> Result<usize, Failure>
where
    T: serde::Serialize,
    S: futures_util::Stream<Item = Result<T, crate::Error>>,
{
    use futures_util::StreamExt;
    let mut items = std::pin::pin!(items);
    let mut count = 0;
    let mut rows: Vec<Box<RawValue>> = Vec::new();
    if format == Format::Json {
        write_stdout("[")?;
    }
    let mut failure = None;
    while let Some(item) = items.next().await {
        let item = match item {
            Ok(item) => item,
            Err(error) => {
                failure = Some(Failure::Api(error));
                break;
            }
        };
        let text = serde_json::to_string_pretty(&item)
            .map_err(|e| Failure::failed(format!("cannot print an item: {e}")))?;
        count += 1;
        match format {
            Format::Json => {
                let indented = text.replace('\n', "\n  ");
                let separator = if count == 1 { "\n  " } else { ",\n  " };
                write_stdout(&format!("{separator}{indented}"))?;
            }
            Format::Table(_) => {
                if rows.len() == MAX_TABLE_ROWS {
                    failure = Some(Failure::usage(format!(
                        "more than {MAX_TABLE_ROWS} rows: use --output json, which streams any number"
                    )));
                    break;
                }
                rows.push(
                    RawValue::from_string(text)
                        .map_err(|e| Failure::failed(format!("cannot print an item: {e}")))?,
                );
            }
        }
    }
    match format {
        Format::Json => write_stdout(if count == 0 { "]\n" } else { "\n]\n" })?,
        Format::Table(first) => write_stdout(&table_of_objects(&rows, first))?,
    }
    match failure {
        Some(failure) => Err(failure),
        None => Ok(count),
    }
}

#[cfg(test)]
mod tests {
    use super::table;

    #[test]
    fn a_page_is_a_table_of_its_list_with_the_rest_below() {
        let text = r#"{"page":1,"total":2,"data":[{"order_id":"1","amount":0.000000000000000000001,"status":"SUCCESS"},{"order_id":"2","amount":"12.30","status":null}]}"#;
        assert_eq!(
            table(text, &["status", "order_id"]),
            "status   order_id  amount\n\
             SUCCESS  1         0.000000000000000000001\n\
             -        2         12.30\n\
             page=1 total=2\n"
        );
    }

    #[test]
    fn an_object_is_fields_and_values() {
        assert_eq!(
            table(
                r#"{"pay_url":"https://x.example/#/cashier/1","n":[1,2]}"#,
                &[]
            ),
            "field    value\npay_url  https://x.example/#/cashier/1\nn        [1,2]\n"
        );
    }
}

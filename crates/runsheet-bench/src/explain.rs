//! The query plans of the filtered lists the benchmark drives: the store's own list
//! functions run with diesel's instrumentation recording every statement they send, and
//! each statement is explained (`EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN` on PostgreSQL).

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use runsheet_core::job_run::JobRunFilter;
use runsheet_core::step::StepFilter;
use runsheet_store::AnyConnection;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

struct Recorder(Arc<Mutex<Vec<String>>>);

impl Instrumentation for Recorder {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            if let Ok(mut statements) = self.0.lock() {
                statements.push(query.to_string());
            }
        }
    }
}

/// Runs one list through the store; returns how many records it found.
type ListFn = dyn Fn(&mut AnyConnection) -> anyhow::Result<usize>;

struct Silent;

impl Instrumentation for Silent {
    fn on_connection_event(&mut self, _event: InstrumentationEvent<'_>) {}
}

#[derive(QueryableByName)]
struct SqlitePlanRow {
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Integer)]
    parent: i32,
    #[diesel(sql_type = Text)]
    detail: String,
}

#[derive(QueryableByName)]
struct PgPlanRow {
    #[diesel(sql_type = Text)]
    #[diesel(column_name = "QUERY PLAN")]
    plan: String,
}

/// Markdown: for each list, the statements the store sends and the plan of each.
pub fn explain(conn: &mut AnyConnection, request_id: i64, owner_id: i64) -> anyhow::Result<String> {
    let mut out = String::new();
    let lists: Vec<(String, Box<ListFn>)> = vec![
        (
            format!("GET /v1/steps?filters[request_id]={request_id}"),
            Box::new(move |c| {
                let filter = StepFilter {
                    request_id: Some(vec![request_id]),
                    ..StepFilter::default()
                };
                Ok(runsheet_store::steps::list(c, &filter)?.len())
            }),
        ),
        (
            format!("GET /v1/steps?filters[aasm_state]=ready&filters[owner_id]={owner_id}"),
            Box::new(move |c| {
                let filter = StepFilter {
                    aasm_state: Some(vec!["ready".to_string()]),
                    owner_id: Some(vec![owner_id]),
                    ..StepFilter::default()
                };
                Ok(runsheet_store::steps::list(c, &filter)?.len())
            }),
        ),
        (
            "GET /v1/job_runs?filters[currently_running]=true".to_string(),
            Box::new(|c| {
                let filter = JobRunFilter {
                    currently_running: Some(true),
                    ..JobRunFilter::default()
                };
                Ok(runsheet_store::job_runs::list(c, &filter)?.len())
            }),
        ),
    ];
    for (title, list) in lists {
        let recorded = Arc::new(Mutex::new(Vec::new()));
        conn.set_instrumentation(Recorder(recorded.clone()));
        let started = std::time::Instant::now();
        let found = list(conn);
        let elapsed = started.elapsed();
        conn.set_instrumentation(Silent);
        let found = found?;
        let statements = recorded.lock().map(|s| s.clone()).unwrap_or_default();
        writeln!(
            out,
            "#### {title}\n\n{found} records; {} statements; {:.1} ms in the store, once, cold.\n",
            statements.len(),
            elapsed.as_secs_f64() * 1000.0
        )?;
        for statement in statements {
            let (sql, binds) = statement
                .split_once(" -- binds: ")
                .unwrap_or((statement.as_str(), "[]"));
            writeln!(
                out,
                "```sql\n{}\n-- binds: {}\n```\n",
                abbreviate(sql),
                shorten(binds)
            )?;
            writeln!(out, "```text\n{}```\n", plan(conn, sql, binds)?)?;
        }
    }
    // The runner's claim, run after every script's end and every poll: the store's own
    // statement.
    let claim = runsheet_store::execution::claims::claim_statement(conn, 4);
    let (sql, binds) = claim
        .split_once(" -- binds: ")
        .unwrap_or((claim.as_str(), "[]"));
    writeln!(
        out,
        "#### The runner's claim (after each script ends, and every poll)\n\n`claims::claim`'s \
         statement, printed by diesel.\n"
    )?;
    writeln!(
        out,
        "```sql\n{}\n-- binds: {}\n```\n",
        abbreviate(sql),
        shorten(binds)
    )?;
    writeln!(out, "```text\n{}```\n", plan(conn, sql, binds)?)?;
    Ok(out)
}

/// The statement without its column list, and long `IN (?, ?, ...)` lists cut short.
fn abbreviate(sql: &str) -> String {
    let mut text = match (sql.find("SELECT "), top_level_from(sql)) {
        (Some(0), Some(from)) if from > 80 => format!("SELECT ...{}", &sql[from..]),
        _ => sql.to_string(),
    };
    while let Some(start) = text.find("(?, ?, ?, ?") {
        let Some(len) = text[start..].find(')') else {
            break;
        };
        let count = text[start..start + len].matches('?').count();
        text.replace_range(start..=start + len, &format!("(? x {count})"));
    }
    text
}

/// Where the statement's own ` FROM ` is: the first outside parentheses, so that scalar
/// subqueries in the column list stay in the part left out.
fn top_level_from(sql: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (at, c) in sql.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ' ' if depth == 0 && sql[at..].starts_with(" FROM ") => return Some(at),
            _ => {}
        }
    }
    None
}

fn shorten(binds: &str) -> String {
    if binds.len() > 120 {
        format!(
            "{}... ({} characters)",
            &binds[..binds.floor_char_boundary(120)],
            binds.len()
        )
    } else {
        binds.to_string()
    }
}

fn plan(conn: &mut AnyConnection, sql: &str, binds: &str) -> anyhow::Result<String> {
    let mut text = String::new();
    match conn {
        AnyConnection::Sqlite(_) => {
            // Parameters left unbound are NULL: the plan is made when the statement is
            // prepared, whatever their values.
            let rows: Vec<SqlitePlanRow> =
                diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}")).load(conn)?;
            let mut depth: Vec<(i32, usize)> = Vec::new();
            for row in rows {
                let level = depth
                    .iter()
                    .find(|(id, _)| *id == row.parent)
                    .map_or(0, |(_, level)| level + 1);
                depth.push((row.id, level));
                writeln!(text, "{}{}", "  ".repeat(level), row.detail)?;
            }
        }
        AnyConnection::Postgres(_) => {
            let values = parse_debug_list(binds);
            let mut sql = sql.to_string();
            for (i, value) in values.iter().enumerate().rev() {
                sql = sql.replace(&format!("${}", i + 1), value);
            }
            let rows: Vec<PgPlanRow> = diesel::sql_query(format!("EXPLAIN {sql}")).load(conn)?;
            for row in rows {
                writeln!(text, "{}", row.plan)?;
            }
        }
    }
    Ok(text)
}

/// Diesel's `binds: [..]` (Rust's Debug of the values) as SQL literals: numbers as they
/// are, strings quoted, lists as `ARRAY[...]` (an empty one `'{}'`), `None` as NULL.
fn parse_debug_list(text: &str) -> Vec<String> {
    let text = text.trim();
    let inner = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    split_top(inner).into_iter().map(|v| literal(&v)).collect()
}

fn split_top(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut depth = 0;
    let mut quoted = false;
    let mut escaped = false;
    for c in text.chars() {
        if quoted {
            current.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quoted = false;
            }
            continue;
        }
        match c {
            '"' => {
                quoted = true;
                current.push(c);
            }
            '[' | '(' => {
                depth += 1;
                current.push(c);
            }
            ']' | ')' => {
                depth -= 1;
                current.push(c);
            }
            ',' if depth == 0 => {
                parts.push(current.trim().to_string());
                current.clear();
            }
            _ => current.push(c),
        }
    }
    if !current.trim().is_empty() {
        parts.push(current.trim().to_string());
    }
    parts
}

fn literal(value: &str) -> String {
    let value = value.trim();
    if let Some(inner) = value
        .strip_prefix("Some(")
        .and_then(|v| v.strip_suffix(')'))
    {
        return literal(inner);
    }
    if value == "None" {
        return "NULL".into();
    }
    if let Some(inner) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
        let items: Vec<String> = split_top(inner).iter().map(|v| literal(v)).collect();
        // An empty `ARRAY[]` has no type; an untyped '{}' takes the one its place needs.
        if items.is_empty() {
            return "'{}'".into();
        }
        return format!("ARRAY[{}]", items.join(", "));
    }
    if let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        return format!("'{}'", inner.replace("\\\"", "\"").replace('\'', "''"));
    }
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_abbreviated() {
        let sql = format!(
            "SELECT {} FROM t WHERE (t.id IN (?, ?, ?, ?, ?)) AND x IN (?, ?)",
            "t.a, ".repeat(30)
        );
        assert_eq!(
            abbreviate(&sql),
            "SELECT ... FROM t WHERE (t.id IN (? x 5)) AND x IN (?, ?)"
        );
        let sql = format!(
            "SELECT t.id, {}(SELECT name FROM u WHERE u.id = t.u_id) FROM t WHERE t.id = ?",
            "t.a, ".repeat(30)
        );
        assert_eq!(abbreviate(&sql), "SELECT ... FROM t WHERE t.id = ?");
    }

    #[test]
    fn binds_become_literals() {
        assert_eq!(
            parse_debug_list(r#"[5, "ready", [1, 2], ["starting", "running"], None]"#),
            vec![
                "5",
                "'ready'",
                "ARRAY[1, 2]",
                "ARRAY['starting', 'running']",
                "NULL"
            ]
        );
        assert_eq!(parse_debug_list("[[58]]"), vec!["ARRAY[58]"]);
        assert_eq!(parse_debug_list("[[], [7]]"), vec!["'{}'", "ARRAY[7]"]);
    }
}

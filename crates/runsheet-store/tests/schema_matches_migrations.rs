//! `schema.rs` matches what the migrations build, on both backends: the same tables, the
//! same columns with the same nullability and type family, the same primary keys, and a
//! foreign key behind every `joinable!`.
//!
//! schema.rs is read as text (a small parser below), so a new table or column needs no
//! change here. PostgreSQL runs when RUNSHEET_TEST_POSTGRES_URL is set.

use std::collections::{BTreeMap, BTreeSet};

use diesel::sql_types::{Integer, Text};
use diesel::{QueryableByName, RunQueryDsl};
use runsheet_store::testing::TestDb;
use runsheet_store::AnyConnection;

const SCHEMA_RS: &str = include_str!("../src/schema.rs");

// ---------------------------------------------------------------------------------------
// What schema.rs declares

#[derive(Debug, Default, PartialEq)]
struct Table {
    primary_key: Vec<String>,
    /// column -> (type family, nullable)
    columns: BTreeMap<String, (&'static str, bool)>,
}

#[derive(Debug, Default)]
struct Schema {
    tables: BTreeMap<String, Table>,
    /// (child table, parent table, column)
    foreign_keys: BTreeSet<(String, String, String)>,
}

/// Reads the `diesel::table!` and `diesel::joinable!` invocations `diesel print-schema`
/// writes. Honours `#[sql_name = "..."]` on tables and columns; ignores doc comments,
/// `use` lines and other attributes.
fn parse_schema(src: &str) -> Schema {
    let mut schema = Schema::default();
    let mut lines = src.lines().map(str::trim).peekable();
    while let Some(line) = lines.next() {
        if let Some(rest) = line.strip_prefix("diesel::joinable!(") {
            // group_memberships -> groups (group_id));
            let (child, rest) = rest.split_once("->").expect("joinable!: ->");
            let (parent, rest) = rest.trim().split_once('(').expect("joinable!: (");
            let column = rest.split(')').next().expect("joinable!: )");
            schema.foreign_keys.insert((
                child.trim().to_owned(),
                parent.trim().to_owned(),
                unraw(column.trim()),
            ));
            continue;
        }
        if !line.starts_with("diesel::table!") {
            continue;
        }
        // Header: [attributes] name (pk, ...) {
        let mut sql_name = None;
        let header = loop {
            let line = lines.next().expect("table! without a header");
            if let Some(name) = sql_name_of(line) {
                sql_name = Some(name);
            } else if !(line.is_empty() || skippable(line)) {
                break line;
            }
        };
        let (name, rest) = header.split_once('(').expect("table! header: (");
        let name = sql_name.unwrap_or_else(|| unraw(name.trim().rsplit('.').next().unwrap()));
        let primary_key = rest
            .split(')')
            .next()
            .unwrap()
            .split(',')
            .map(|c| unraw(c.trim()))
            .filter(|c| !c.is_empty())
            .collect();
        let mut table = Table {
            primary_key,
            ..Table::default()
        };
        let mut sql_name = None;
        for line in lines.by_ref() {
            if line == "}" {
                break;
            }
            if let Some(name) = sql_name_of(line) {
                sql_name = Some(name);
                continue;
            }
            if line.is_empty() || skippable(line) {
                continue;
            }
            let (column, ty) = line
                .split_once("->")
                .unwrap_or_else(|| panic!("cannot read column line {line:?} of table {name}"));
            let column = sql_name.take().unwrap_or_else(|| unraw(column.trim()));
            let ty = ty.trim().trim_end_matches(',').trim();
            let (nullable, base) = match ty.strip_prefix("Nullable<") {
                Some(inner) => (true, inner.strip_suffix('>').expect("Nullable<...>")),
                None => (false, ty),
            };
            table
                .columns
                .insert(column, (family_of_diesel_type(base), nullable));
        }
        assert!(!table.columns.is_empty(), "table {name} has no columns");
        schema.tables.insert(name, table);
    }
    assert!(!schema.tables.is_empty(), "no tables found in schema.rs");
    schema
}

fn skippable(line: &str) -> bool {
    line.starts_with("//") || line.starts_with("#[") || line.starts_with("use ")
}

fn sql_name_of(line: &str) -> Option<String> {
    let rest = line.strip_prefix("#[sql_name")?.trim_start();
    let rest = rest.strip_prefix('=')?.trim_start().strip_prefix('"')?;
    Some(rest.split('"').next()?.to_owned())
}

fn unraw(ident: &str) -> String {
    ident.strip_prefix("r#").unwrap_or(ident).to_owned()
}

// ---------------------------------------------------------------------------------------
// Type families: what counts as "the same type" across schema.rs and each database.
// Integer widths must match on PostgreSQL (loading an int8 into an Int4 fails); SQLite
// integers are all 64-bit, so any integer column matches any integer type.

const ANY_INTEGER: &str = "integer";

fn family_of_diesel_type(ty: &str) -> &'static str {
    let base = ty.rsplit("::").next().unwrap();
    if base.starts_with("Array<") {
        return "array";
    }
    match base {
        "Int2" | "SmallInt" => "int2",
        "Int4" | "Integer" => "int4",
        "Int8" | "BigInt" => "int8",
        "Text" | "Varchar" | "VarChar" | "Char" | "Bpchar" | "Citext" => "text",
        "Bool" => "bool",
        "Timestamp" => "timestamp",
        "Timestamptz" | "TimestamptzSqlite" => "timestamptz",
        "Date" => "date",
        "Time" => "time",
        "Float4" | "Float" | "Float8" | "Double" => "float",
        "Bytea" | "Binary" | "Blob" => "binary",
        "Numeric" | "Decimal" => "numeric",
        "Json" | "Jsonb" => "json",
        "Uuid" => "uuid",
        other => panic!("schema.rs uses type {other}; teach family_of_diesel_type about it"),
    }
}

fn family_of_postgres_type(udt_name: &str) -> &'static str {
    match udt_name {
        "int2" => "int2",
        "int4" => "int4",
        "int8" => "int8",
        "text" | "varchar" | "bpchar" | "citext" => "text",
        "bool" => "bool",
        "timestamp" => "timestamp",
        "timestamptz" => "timestamptz",
        "date" => "date",
        "time" => "time",
        "float4" | "float8" => "float",
        "bytea" => "binary",
        "numeric" => "numeric",
        "json" | "jsonb" => "json",
        "uuid" => "uuid",
        a if a.starts_with('_') => "array",
        _ => "unknown",
    }
}

/// SQLite keeps the declared type as written; read it the way diesel print-schema does.
fn family_of_sqlite_type(declared: &str) -> &'static str {
    let t = declared.to_ascii_uppercase();
    if t.contains("BOOL") {
        "bool"
    } else if t.contains("TIMESTAMPTZ") {
        "timestamptz"
    } else if t.contains("TIMESTAMP") || t.contains("DATETIME") {
        "timestamp"
    } else if t.contains("DATE") {
        "date"
    } else if t.contains("TIME") {
        "time"
    } else if t.contains("INT") {
        ANY_INTEGER
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        "text"
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        "float"
    } else if t.contains("BLOB") || t.is_empty() {
        "binary"
    } else if t.contains("NUMERIC") || t.contains("DECIMAL") {
        "numeric"
    } else {
        "unknown"
    }
}

fn same_family(declared: &str, actual: &str) -> bool {
    declared == actual || (actual == ANY_INTEGER && declared.starts_with("int"))
}

// ---------------------------------------------------------------------------------------
// What the database has

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    declared_type: String,
    #[diesel(sql_type = Integer)]
    not_null: i32,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

#[derive(QueryableByName)]
struct SqliteForeignKey {
    #[diesel(sql_type = Text)]
    parent: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    udt_name: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

#[derive(QueryableByName)]
struct PgKeyColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    other_table: String,
}

const MIGRATIONS_TABLE: &str = "__diesel_schema_migrations";

fn introspect(conn: &mut AnyConnection) -> Schema {
    match conn {
        AnyConnection::Sqlite(c) => {
            let mut schema = Schema::default();
            let names: Vec<Name> = diesel::sql_query(
                "SELECT name FROM sqlite_master
                 WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> ?",
            )
            .bind::<Text, _>(MIGRATIONS_TABLE)
            .load(c)
            .unwrap();
            for Name { name } in names {
                let columns: Vec<SqliteColumn> = diesel::sql_query(
                    "SELECT name, type AS declared_type, \"notnull\" AS not_null, pk
                     FROM pragma_table_info(?) ORDER BY cid",
                )
                .bind::<Text, _>(&name)
                .load(c)
                .unwrap();
                let pk_count = columns.iter().filter(|col| col.pk > 0).count();
                let mut pk: Vec<&SqliteColumn> = columns.iter().filter(|c| c.pk > 0).collect();
                pk.sort_by_key(|c| c.pk);
                let mut table = Table {
                    primary_key: pk.iter().map(|c| c.name.clone()).collect(),
                    ..Table::default()
                };
                for col in &columns {
                    // An INTEGER PRIMARY KEY is the rowid: never NULL, whatever it declares.
                    let rowid = pk_count == 1
                        && col.pk == 1
                        && col.declared_type.eq_ignore_ascii_case("INTEGER");
                    table.columns.insert(
                        col.name.clone(),
                        (
                            family_of_sqlite_type(&col.declared_type),
                            col.not_null == 0 && !rowid,
                        ),
                    );
                }
                let keys: Vec<SqliteForeignKey> = diesel::sql_query(
                    "SELECT \"table\" AS parent, \"from\" AS column_name
                     FROM pragma_foreign_key_list(?)",
                )
                .bind::<Text, _>(&name)
                .load(c)
                .unwrap();
                for key in keys {
                    schema
                        .foreign_keys
                        .insert((name.clone(), key.parent, key.column_name));
                }
                schema.tables.insert(name, table);
            }
            schema
        }
        AnyConnection::Postgres(c) => {
            let mut schema = Schema::default();
            let columns: Vec<PgColumn> = diesel::sql_query(
                "SELECT table_name::text AS table_name, column_name::text AS column_name,
                        udt_name::text AS udt_name, is_nullable::text AS is_nullable
                 FROM information_schema.columns
                 WHERE table_schema = 'public' AND table_name <> $1
                 ORDER BY table_name, ordinal_position",
            )
            .bind::<Text, _>(MIGRATIONS_TABLE)
            .load(c)
            .unwrap();
            for col in columns {
                schema
                    .tables
                    .entry(col.table_name)
                    .or_default()
                    .columns
                    .insert(
                        col.column_name,
                        (
                            family_of_postgres_type(&col.udt_name),
                            col.is_nullable == "YES",
                        ),
                    );
            }
            let mut key_columns = |kind: &str| -> Vec<PgKeyColumn> {
                diesel::sql_query(
                    "SELECT tc.table_name::text AS table_name, kcu.column_name::text AS column_name,
                            ccu.table_name::text AS other_table
                     FROM information_schema.table_constraints tc
                     JOIN information_schema.key_column_usage kcu
                       ON kcu.constraint_schema = tc.constraint_schema
                      AND kcu.constraint_name = tc.constraint_name
                     JOIN information_schema.constraint_column_usage ccu
                       ON ccu.constraint_schema = tc.constraint_schema
                      AND ccu.constraint_name = tc.constraint_name
                     WHERE tc.table_schema = 'public' AND tc.constraint_type = $1
                       AND tc.table_name <> $2
                     ORDER BY tc.table_name, kcu.ordinal_position",
                )
                .bind::<Text, _>(kind)
                .bind::<Text, _>(MIGRATIONS_TABLE)
                .load(&mut *c)
                .unwrap()
            };
            // A composite key's constraint_column_usage has a row per column: keep the
            // key's columns once each, in order.
            for key in key_columns("PRIMARY KEY") {
                if let Some(table) = schema.tables.get_mut(&key.table_name) {
                    if !table.primary_key.contains(&key.column_name) {
                        table.primary_key.push(key.column_name);
                    }
                }
            }
            for key in key_columns("FOREIGN KEY") {
                schema
                    .foreign_keys
                    .insert((key.table_name, key.other_table, key.column_name));
            }
            schema
        }
    }
}

// ---------------------------------------------------------------------------------------
// The comparison

fn differences(declared: &Schema, actual: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    for (name, table) in &declared.tables {
        let Some(real) = actual.tables.get(name) else {
            out.push(format!(
                "table {name} is in schema.rs but not in the database"
            ));
            continue;
        };
        if table.primary_key != real.primary_key {
            out.push(format!(
                "table {name}: schema.rs has primary key {:?}, the database {:?}",
                table.primary_key, real.primary_key
            ));
        }
        for (column, &(family, nullable)) in &table.columns {
            match real.columns.get(column) {
                None => out.push(format!(
                    "column {name}.{column} is in schema.rs but not in the database"
                )),
                Some(&(real_family, real_nullable)) => {
                    if !same_family(family, real_family) {
                        out.push(format!(
                            "column {name}.{column}: schema.rs says {family}, the database {real_family}"
                        ));
                    }
                    if nullable != real_nullable {
                        out.push(format!(
                            "column {name}.{column}: schema.rs says {}, the database {}",
                            null_word(nullable),
                            null_word(real_nullable)
                        ));
                    }
                }
            }
        }
        for column in real.columns.keys() {
            if !table.columns.contains_key(column) {
                out.push(format!(
                    "column {name}.{column} is in the database but not in schema.rs"
                ));
            }
        }
    }
    for name in actual.tables.keys() {
        if !declared.tables.contains_key(name) {
            out.push(format!(
                "table {name} is in the database but not in schema.rs"
            ));
        }
    }
    for (child, parent, column) in &declared.foreign_keys {
        if !actual
            .foreign_keys
            .contains(&(child.clone(), parent.clone(), column.clone()))
        {
            out.push(format!(
                "schema.rs joins {child}.{column} to {parent}, but the database has no such foreign key"
            ));
        }
    }
    out
}

fn null_word(nullable: bool) -> &'static str {
    if nullable {
        "NULL"
    } else {
        "NOT NULL"
    }
}

fn check(db: &TestDb) {
    let declared = parse_schema(SCHEMA_RS);
    let pool = db.pool();
    let mut conn = pool.get().unwrap();
    let actual = introspect(&mut conn);
    let problems = differences(&declared, &actual);
    assert!(
        problems.is_empty(),
        "schema.rs does not match the {} migrations:\n  {}",
        db.backend_name(),
        problems.join("\n  ")
    );
}

#[test]
fn schema_rs_matches_the_sqlite_migrations() {
    check(&TestDb::sqlite());
}

#[test]
fn schema_rs_matches_the_postgres_migrations() {
    let Some(db) = TestDb::postgres() else {
        eprintln!("skipped: set RUNSHEET_TEST_POSTGRES_URL to test PostgreSQL");
        return;
    };
    check(&db);
}

// ---------------------------------------------------------------------------------------
// The checker checks

#[test]
fn parser_reads_print_schema_output() {
    let schema = parse_schema(
        r#"// @generated automatically by Diesel CLI.

diesel::table! {
    use diesel::sql_types::*;

    /// Things.
    #[sql_name = "things"]
    thing (a, b) {
        a -> Int8,
        /// The kind.
        #[sql_name = "type"]
        kind -> Nullable<Text>,
        #[max_length = 255]
        r#b -> Varchar,
        at -> diesel::sql_types::Timestamp,
    }
}

diesel::joinable!(thing -> other (a));
"#,
    );
    let table = &schema.tables["things"];
    assert_eq!(table.primary_key, vec!["a", "b"]);
    assert_eq!(table.columns["a"], ("int8", false));
    assert_eq!(table.columns["type"], ("text", true));
    assert_eq!(table.columns["b"], ("text", false));
    assert_eq!(table.columns["at"], ("timestamp", false));
    assert!(schema
        .foreign_keys
        .contains(&("thing".into(), "other".into(), "a".into())));
}

#[test]
fn the_real_schema_parses() {
    let schema = parse_schema(SCHEMA_RS);
    assert_eq!(schema.tables["users"].columns["id"], ("int8", false));
    assert_eq!(schema.tables["users"].columns["first_name"], ("text", true));
    assert_eq!(
        schema.tables["group_memberships"].primary_key,
        vec!["group_id", "user_id"]
    );
}

#[test]
fn comparison_reports_each_kind_of_difference() {
    let declared = parse_schema(
        "diesel::table! {\n t (id) {\n id -> Int8,\n a -> Text,\n b -> Nullable<Bool>,\n gone -> Text,\n }\n}\n\
         diesel::table! {\n missing (id) {\n id -> Int8,\n }\n}\n\
         diesel::joinable!(t -> missing (a));\n",
    );
    let mut actual = Schema::default();
    actual.tables.insert(
        "t".into(),
        Table {
            primary_key: vec!["id".into()],
            columns: [
                ("id".to_owned(), ("int4", false)),
                ("a".to_owned(), ("text", true)),
                ("b".to_owned(), ("bool", true)),
                ("extra".to_owned(), ("text", true)),
            ]
            .into(),
        },
    );
    actual.tables.insert("surplus".into(), Table::default());
    let problems = differences(&declared, &actual).join("\n");
    for expected in [
        "column t.id: schema.rs says int8, the database int4",
        "column t.a: schema.rs says NOT NULL, the database NULL",
        "column t.gone is in schema.rs but not in the database",
        "column t.extra is in the database but not in schema.rs",
        "table missing is in schema.rs but not in the database",
        "table surplus is in the database but not in schema.rs",
        "schema.rs joins t.a to missing",
    ] {
        assert!(
            problems.contains(expected),
            "{expected:?} not in:\n{problems}"
        );
    }
    assert!(!problems.contains("t.b"), "{problems}");
    assert!(same_family("int8", ANY_INTEGER));
    assert!(!same_family("text", ANY_INTEGER));
}

//! Issue 6, "Done means": "An end-to-end test (tests/) plays such a client: it sends the
//! headers, query strings and read-modify-write bodies above, creates environments, apps,
//! components, installed components with properties, a request with apps and steps, starts
//! it and polls it to completion, and each call answers as described."
//!
//! The real `runsheet serve` (API and runner in one process) on a free port, once on a SQLite
//! file and once on a fresh PostgreSQL database when `RUNSHEET_TEST_POSTGRES_URL` names a
//! server. The client writes its HTTP/1.1 requests itself on a `TcpStream`, so that what goes
//! on the wire is exactly what an old client sends: no library re-encodes its query strings or
//! adds or drops headers. Quotes are from issue 6 unless said otherwise.

mod support;

use runsheet_store::testing::TestDb;
use serde_json::{json, Map, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};
use support::Process;

/// How long a request may take to complete once started.
const DEADLINE: Duration = Duration::from_secs(30);

/// "A client polls a request (`GET /v1/requests/:id`) every few seconds"; this one is quicker.
const POLL_EVERY: Duration = Duration::from_millis(200);

#[test]
fn an_old_client_runs_a_release_on_sqlite() {
    play_an_old_client(TestDb::sqlite());
}

#[test]
fn an_old_client_runs_a_release_on_postgres() {
    match TestDb::postgres() {
        Some(db) => play_an_old_client(db),
        None => eprintln!("RUNSHEET_TEST_POSTGRES_URL is not set: PostgreSQL not tested"),
    }
}

// ---- the server ----

/// `runsheet serve` with its runner, once it listens.
fn start(dir: &Path, database_url: &str) -> Process {
    let results = dir.join("results").display().to_string();
    let settings = [
        ("RUNSHEET_RESULTS_DIR", results.as_str()),
        ("RUNSHEET_RUNNER_POLL_SECONDS", "0.05"),
    ];
    support::serve(dir, database_url, &settings, &[])
}

// ---- the old client ----

/// An old client's HTTP: one connection per call, its request written by hand.
struct Client {
    addr: String,
    token: String,
}

/// What came back: the status, the head (for headers) and the body.
struct Answer {
    call: String,
    status: u16,
    head: String,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {}", self.call, self.body))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then_some(value.trim())
        })
    }

    /// "They treat any status under 300 as success": the client's test, then the exact code
    /// the original documented (GET 200, POST 201, PUT 202, DELETE 202).
    fn success(&self, expected: u16) -> Value {
        assert!(
            self.status < 300,
            "{}: {} {}",
            self.call,
            self.status,
            self.body
        );
        assert_eq!(self.status, expected, "{}: {}", self.call, self.body);
        if self.body.is_empty() {
            return Value::Null;
        }
        let content_type = self.header("content-type").unwrap_or_default();
        assert!(
            content_type.starts_with("application/json"),
            "{}: {content_type}",
            self.call
        );
        self.json()
    }

    /// A list as the client reads it: "a 404 (or an empty array) on a list as nothing found".
    fn found(&self) -> Vec<Value> {
        match self.status {
            404 => {
                assert_eq!(self.body, "", "{}: a 404 has an empty body", self.call);
                Vec::new()
            }
            _ => match self.success(200) {
                Value::Array(list) => list,
                other => panic!("{}: not a list: {other}", self.call),
            },
        }
    }

    /// "A 422 body in JSON is always an object of arrays of strings".
    fn errors(&self) -> Map<String, Value> {
        assert_eq!(self.status, 422, "{}: {}", self.call, self.body);
        let Value::Object(errors) = self.json() else {
            panic!("{}: a 422 that is not an object: {}", self.call, self.body)
        };
        assert!(!errors.is_empty(), "{}: no errors named", self.call);
        for (attribute, messages) in &errors {
            let messages = messages.as_array().unwrap_or_else(|| {
                panic!("{}: {attribute}: not an array: {}", self.call, self.body)
            });
            assert!(
                !messages.is_empty() && messages.iter().all(Value::is_string),
                "{}: {attribute}: not a list of strings: {}",
                self.call,
                self.body
            );
        }
        errors
    }
}

impl Client {
    /// "Every call carries `Accept: application/json` and `Content-Type: application/json`,
    /// also GET and DELETE with no body at all." The token goes last: after `?` alone, or
    /// after `&&` when there is a query already ("empty parameters from a trailing `&`
    /// (`...=Jo&&token=T`)").
    fn send(&self, method: &str, path: &str, body: Option<&Value>) -> Answer {
        let target = match path.contains('?') {
            true => format!("{path}&&token={}", self.token),
            false => format!("{path}?token={}", self.token),
        };
        assert!(
            target.is_ascii() && !target.contains(' '),
            "a request line is ASCII without spaces: {target}"
        );
        let body = body.map(Value::to_string);
        let mut request = format!(
            "{method} {target} HTTP/1.1\r\n\
             Host: {}\r\n\
             User-Agent: old-client/1.0\r\n\
             Accept: application/json\r\n\
             Content-Type: application/json\r\n\
             Connection: close\r\n",
            self.addr
        );
        if let Some(body) = &body {
            request.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        request.push_str("\r\n");
        request.push_str(body.as_deref().unwrap_or(""));

        let call = format!("{method} {path}");
        let mut stream = TcpStream::connect(&self.addr).unwrap_or_else(|e| panic!("{call}: {e}"));
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        stream
            .write_all(request.as_bytes())
            .unwrap_or_else(|e| panic!("{call}: {e}"));
        let mut raw = Vec::new();
        stream
            .read_to_end(&mut raw)
            .unwrap_or_else(|e| panic!("{call}: {e}"));
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("{call}: no end of head in {raw:?}"));
        let head = String::from_utf8(raw[..split].to_vec()).expect("an ASCII head");
        let rest = &raw[split + 4..];
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("{call}: no status in {head}"));
        let mut answer = Answer {
            call,
            status,
            head,
            body: String::new(),
        };
        let bytes = match answer.header("transfer-encoding") {
            Some(te) if te.eq_ignore_ascii_case("chunked") => unchunk(rest),
            _ => match answer.header("content-length") {
                Some(n) => rest[..n.parse::<usize>().expect("a length")].to_vec(),
                None => rest.to_vec(),
            },
        };
        answer.body = String::from_utf8(bytes).expect("a UTF-8 body");
        answer
    }

    fn get(&self, path: &str) -> Answer {
        self.send("GET", path, None)
    }

    fn delete(&self, path: &str) -> Answer {
        self.send("DELETE", path, None)
    }

    fn post(&self, path: &str, body: Value) -> Answer {
        self.send("POST", path, Some(&body))
    }

    fn put(&self, path: &str, body: Value) -> Answer {
        self.send("PUT", path, Some(&body))
    }

    /// GET a record that must be there.
    fn record(&self, path: &str) -> Value {
        self.get(path).success(200)
    }

    /// "Updates are read-modify-write: the client GETs a record, changes a field and PUTs
    /// the whole record back, so the body holds `id` (sometimes as a string), `created_at`,
    /// `updated_at`, `number`, and nested objects". `change` edits the record read.
    fn read_modify_write(&self, path: &str, root: &str, change: impl FnOnce(&mut Value)) -> Answer {
        let mut record = self.record(path);
        let id = record["id"].as_i64().expect("an id");
        record["id"] = json!(id.to_string());
        change(&mut record);
        self.put(path, json!({ root: record }))
    }
}

fn unchunk(mut rest: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let eol = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("a chunk size");
        let size = std::str::from_utf8(&rest[..eol]).expect("ASCII");
        let size = usize::from_str_radix(size.split(';').next().unwrap().trim(), 16).unwrap();
        rest = &rest[eol + 2..];
        if size == 0 {
            return body;
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

/// A query value as Ruby's `CGI.escape` (and so most old clients' form encoders) makes it:
/// "UTF-8 percent-encoded, `+` meaning a space".
fn form(value: &str) -> String {
    escape(value, "+")
}

/// A query value as `URI.escape` makes it: "spaces as `%20`".
fn uri(value: &str) -> String {
    escape(value, "%20")
}

fn escape(value: &str, space: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b' ' => space.to_string(),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn id(record: &Value) -> i64 {
    record["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no id: {record}"))
}

fn ids(list: &[Value]) -> Vec<i64> {
    list.iter().map(id).collect()
}

/// A record without what every write changes.
fn unstamped(mut record: Value) -> Value {
    record
        .as_object_mut()
        .expect("an object")
        .remove("updated_at");
    record
}

// ---- names with spaces and UTF-8, as people type them ----

const PRODUCTION: &str = "production";
const STAGING: &str = "pre production";
const APP: &str = "Billing Système";
const WEB: &str = "web server";
const DATABASE: &str = "database";
const PORT: &str = "port";
const SCRIPT: &str = "Déploiement web";
const REQUEST: &str = "Release 2026.1 – café";

/// What the client set up before it asks for a release.
#[derive(Debug, PartialEq)]
struct Catalog {
    admin: i64,
    production: i64,
    staging: i64,
    app: i64,
    web: i64,
    database: i64,
    /// web server in production, port 8443.
    web_production: i64,
    /// web server in pre production, port 8080.
    web_staging: i64,
    /// database in production.
    database_production: i64,
    script: i64,
}

/// Makes a record; when its name is taken, finds the one there: "'already exists' is
/// recognised by the first message being exactly 'has already been taken'", and a list
/// found by `lookup` (a query string) holds it. Returns the record and whether it was made.
fn ensure(
    client: &Client,
    plural: &str,
    root: &str,
    attrs: Value,
    taken: &str,
    lookup: &str,
) -> (Value, bool) {
    let answer = client.post(&format!("/v1/{plural}"), json!({ root: attrs }));
    if answer.status == 422 {
        let errors = answer.errors();
        assert_eq!(
            errors.get(taken).and_then(|m| m[0].as_str()),
            Some("has already been taken"),
            "{}: {}",
            answer.call,
            answer.body
        );
        let found = client.get(&format!("/v1/{plural}?{lookup}")).found();
        assert_eq!(found.len(), 1, "{plural}?{lookup}: {found:?}");
        return (found.into_iter().next().unwrap(), false);
    }
    (answer.success(201), true)
}

/// The setup script of a client: run on an empty database it makes everything; run again it
/// finds everything by name, each POST answered by a 422 "has already been taken".
fn set_up(client: &Client, first_time: bool) -> Catalog {
    let mut made = Vec::new();
    let mut ensure_named = |plural: &str, root: &str, attrs: Value| -> Value {
        let name = attrs["name"].as_str().expect("a name").to_string();
        let (record, created) = ensure(
            client,
            plural,
            root,
            attrs,
            "name",
            &format!("filters[name]={}", form(&name)),
        );
        assert_eq!(record["name"], name.as_str(), "{plural}");
        made.push((plural.to_string(), created));
        record
    };

    // "Every resource's list takes a `name` filter (exact)": a user's name is its login.
    let admins = client.get("/v1/users?filters[name]=admin").found();
    assert_eq!(admins.len(), 1, "{admins:?}");
    let admin = id(&admins[0]);

    let production = id(&ensure_named(
        "environments",
        "environment",
        json!({"name": PRODUCTION}),
    ));
    let staging = id(&ensure_named(
        "environments",
        "environment",
        json!({"name": STAGING}),
    ));
    // "Apps list their environments (`environment_ids` on write)"
    let app = ensure_named(
        "apps",
        "app",
        json!({"name": APP, "app_version": "2026.1", "environment_ids": [production, staging]}),
    );
    let mut environments = ids(app["environments"].as_array().expect("environments"));
    environments.sort();
    assert_eq!(environments, [production, staging], "{app}");
    let app = id(&app);
    let web = id(&ensure_named(
        "components",
        "component",
        json!({"name": WEB}),
    ));
    let database = id(&ensure_named(
        "components",
        "component",
        json!({"name": DATABASE}),
    ));
    ensure_named(
        "properties",
        "property",
        json!({"name": PORT, "default_value": "80"}),
    );
    // The script the automated step runs prints the property's value: a runner tells a
    // script its step's properties as RUNSHEET_PROPERTY_<NAME>.
    let script = id(&ensure_named(
        "scripts",
        "script",
        json!({
            "name": SCRIPT, "script_type": "General", "aasm_state": "released",
            "content": "#!/bin/sh\necho \"deploying $RUNSHEET_STEP_NAME\"\necho \"port=$RUNSHEET_PROPERTY_PORT\"\n",
        }),
    ));

    // "Installed components: ... name lookups `app_name`, `component_name`,
    // `environment_name` both as filters and on write; `properties_with_values`
    // (`{"name": "value"}`) on write sets its property values."
    let mut installed = |component: &str, environment: &str, properties: Value| -> Value {
        let attrs = json!({
            "app_name": APP, "component_name": component, "environment_name": environment,
            "version": "1.0", "properties_with_values": properties,
        });
        // Spaces as `%20` here, and the filters separated by `&&` too.
        let lookup = format!(
            "filters[app_name]={}&&filters[component_name]={}&filters[environment_name]={}",
            uri(APP),
            uri(component),
            uri(environment)
        );
        // "an installed component's (app, component, environment)" is taken on `component_id`
        // (docs/compatibility.md).
        let (record, created) = ensure(
            client,
            "installed_components",
            "installed_component",
            attrs,
            "component_id",
            &lookup,
        );
        assert_eq!(
            (
                &record["app"]["name"],
                &record["component"]["name"],
                &record["environment"]["name"]
            ),
            (&json!(APP), &json!(component), &json!(environment)),
            "{record}"
        );
        made.push(("installed_components".to_string(), created));
        record
    };
    let web_production = installed(WEB, PRODUCTION, json!({ PORT: "8443" }));
    if first_time {
        assert_eq!(web_production["property_values"], json!({ PORT: "8443" }));
    }
    let web_staging = installed(WEB, STAGING, json!({ PORT: "8080" }));
    assert_eq!(web_staging["property_values"], json!({ PORT: "8080" }));
    let database_production = installed(DATABASE, PRODUCTION, json!({}));

    assert!(
        made.iter().all(|(_, created)| *created == first_time),
        "first time: everything is made; again: everything is found ({made:?})"
    );
    Catalog {
        admin,
        production,
        staging,
        app,
        web,
        database,
        web_production: id(&web_production),
        web_staging: id(&web_staging),
        database_production: id(&database_production),
        script,
    }
}

// ---- the scenario ----

fn play_an_old_client(db: TestDb) {
    let began = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), &db.url);
    let client = Client {
        addr: server.ready.trim_start_matches("http://").to_string(),
        token: server.token(),
    };

    // Nothing yet: "a 404 (or an empty array) on a list as nothing found".
    let answer = client.get(&format!(
        "/v1/environments?filters[name]={}",
        form(PRODUCTION)
    ));
    assert_eq!((answer.status, answer.body.as_str()), (404, ""));

    let catalog = set_up(&client, true);
    // "Names that identify a record are unique, with the 422 above": the same setup again
    // makes nothing and finds the same records.
    assert_eq!(set_up(&client, false), catalog);
    let c = &catalog;
    // Names are taken in any case (docs/compatibility.md).
    let answer = client.post(
        "/v1/apps",
        json!({"app": {"name": APP.to_ascii_uppercase()}}),
    );
    assert_eq!(answer.errors()["name"][0], "has already been taken");

    // Name lookups with "`%20` and `+` for spaces, UTF-8 percent-encoded names", brackets
    // raw, empty pieces from `&&`.
    for query in [
        format!("filters[name]={}", form(APP)),
        format!("filters[name]={}", uri(APP)),
        format!("&filters[name]={}&", uri(APP)),
    ] {
        assert_eq!(
            ids(&client.get(&format!("/v1/apps?{query}")).found()),
            [c.app],
            "{query}"
        );
    }
    assert!(
        client
            .get(&format!(
                "/v1/apps?filters[name]={}",
                form("Billing Systeme")
            ))
            .found()
            .is_empty(),
        "the name filter is exact"
    );
    // "Installed components: filters `app_id`, `component_id`, `environment_id`, and name
    // lookups `app_name`, `component_name`, `environment_name`"
    let by_names = format!(
        "filters[app_name]={}&filters[component_name]={}&&filters[environment_name]={}",
        form(APP),
        form(WEB),
        form(STAGING)
    );
    assert_eq!(
        ids(&client
            .get(&format!("/v1/installed_components?{by_names}"))
            .found()),
        [c.web_staging]
    );
    let by_ids = format!(
        "filters[app_id]={}&filters[component_id]={}&filters[environment_id]={}",
        c.app, c.web, c.production
    );
    assert_eq!(
        ids(&client
            .get(&format!("/v1/installed_components?{by_ids}"))
            .found()),
        [c.web_production]
    );
    let database_in_staging = format!(
        "filters[component_name]={}&filters[environment_name]={}",
        form(DATABASE),
        uri(STAGING)
    );
    assert!(client
        .get(&format!("/v1/installed_components?{database_in_staging}"))
        .found()
        .is_empty());

    // "Apps list their environments ... and components": the installed components linked
    // the app to its components. Read-modify-write of the app: one field changed.
    let app_path = format!("/v1/apps/{}", c.app);
    let before = client.record(&app_path);
    let mut components = ids(before["components"].as_array().expect("components"));
    components.sort();
    assert_eq!(components, [c.web, c.database], "{before}");
    let after = client
        .read_modify_write(&app_path, "app", |app| app["app_version"] = json!("2026.2"))
        .success(202);
    let mut expected = before.clone();
    expected["app_version"] = json!("2026.2");
    assert_eq!(
        unstamped(after),
        unstamped(expected),
        "only app_version changed"
    );

    // Read-modify-write of an installed component: the record read holds `property_values`
    // (read only: "Attributes that are read-only or part of the representation are accepted
    // and ignored"); the client changes the port with `properties_with_values`. The script
    // must print this new value.
    let ic_path = format!("/v1/installed_components/{}", c.web_production);
    let before = client.record(&ic_path);
    let after = client
        .read_modify_write(&ic_path, "installed_component", |ic| {
            ic["properties_with_values"] = json!({ PORT: "9443" });
        })
        .success(202);
    let mut expected = before.clone();
    expected["property_values"] = json!({ PORT: "9443" });
    assert_eq!(
        unstamped(after),
        unstamped(expected),
        "only the port changed"
    );

    // "Requests: `app_ids` on write (the apps of the request)".
    let request = client
        .post(
            "/v1/requests",
            json!({"request": {"name": REQUEST, "environment_id": c.production, "app_ids": [c.app]}}),
        )
        .success(201);
    assert_eq!(request["apps"], json!([{"id": c.app, "name": APP}]));
    // "Request ids are derived from numbers as number - 1000": the client keeps the number.
    let number = request["number"].as_i64().expect("a number");
    let request_id = number - 1000;
    assert_eq!(request_id, id(&request), "number = id + 1000");
    let request_path = format!("/v1/requests/{request_id}");

    // Three phases: a manual step, the automated deploy with the web server's properties, a
    // manual check of the database. Steps need an owner.
    let step = |attrs: Value| -> i64 {
        let mut body = json!({"request_id": request_id, "owner_id": c.admin, "owner_type": "User"});
        body.as_object_mut()
            .unwrap()
            .extend(attrs.as_object().unwrap().clone());
        id(&client
            .post("/v1/steps", json!({ "step": body }))
            .success(201))
    };
    let announce = step(json!({"name": "Announce the release", "manual": true}));
    let deploy = step(json!({
        "name": "Deploy web", "manual": false, "script_id": c.script, "script_type": "General",
        "installed_component_id": c.web_production, "component_id": c.web,
    }));
    let check = step(json!({
        "name": "Check the database", "manual": true,
        "installed_component_id": c.database_production, "component_id": c.database,
    }));

    // "each step in the request's representation carries `component_name`"
    let shown = client.record(&request_path);
    let summary: Vec<Value> = shown["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            json!([
                s["id"],
                s["number"],
                s["manual"],
                s["component_name"],
                s["aasm_state"]
            ])
        })
        .collect();
    assert_eq!(
        summary,
        [
            json!([announce, "1", true, null, "locked"]),
            json!([deploy, "2", false, WEB, "locked"]),
            json!([check, "3", true, DATABASE, "locked"]),
        ]
    );
    // "Requests: ... an `app_id` filter", with the name as a client types it.
    let query = format!(
        "filters[name]={}&filters[app_id]={}&filters[aasm_state]=created",
        form(REQUEST),
        c.app
    );
    assert_eq!(
        ids(&client.get(&format!("/v1/requests?{query}")).found()),
        [request_id]
    );
    // No runs yet: nothing found.
    assert!(client
        .get(&format!("/v1/job_runs?filters[step_id]={deploy}"))
        .found()
        .is_empty());

    // Read-modify-write of the request: the body holds `number`, `apps`, `steps`, `owner`...
    // "A nested object that was sent back does not change the reference; the `*_id` field
    // does": the client also edited the nested environment, which changes nothing.
    let before = client.record(&request_path);
    let after = client
        .read_modify_write(&request_path, "request", |r| {
            r["description"] = json!("Quarterly release, café included");
            r["environment"] = json!({"id": c.staging, "name": STAGING});
        })
        .success(202);
    let mut expected = before;
    expected["description"] = json!("Quarterly release, café included");
    assert_eq!(
        unstamped(after.clone()),
        unstamped(expected),
        "only the description changed"
    );
    // "only names that are neither writable nor part of the representation get the 422",
    // and nothing of that PUT is saved.
    let answer = client.read_modify_write(&request_path, "request", |r| {
        r["description"] = json!("not saved");
        r["colour"] = json!("red");
    });
    assert_eq!(
        Value::Object(answer.errors()),
        json!({"colour": ["is not a known attribute"]})
    );
    assert_eq!(
        unstamped(client.record(&request_path)),
        unstamped(after.clone())
    );

    // Starting it: the whole record sent back with the event, its `aasm_state` the current
    // one ("`aasm_state` ... ignored when it is the current state, as read-modify-write
    // clients send it back", docs/compatibility.md).
    let mut planned = after;
    planned["id"] = json!(request_id.to_string());
    planned["aasm_event"] = json!("plan_it");
    let mut started = client
        .put(&request_path, json!({ "request": planned }))
        .success(202);
    assert_eq!(started["aasm_state"], "planned", "{started}");
    started["id"] = json!(request_id.to_string());
    started["aasm_event"] = json!("start");
    let started = client
        .put(&request_path, json!({ "request": started }))
        .success(202);
    assert_eq!(started["aasm_state"], "started", "{started}");
    let running_since = Instant::now();

    // "A client polls a request (`GET /v1/requests/:id`) every few seconds until its
    // `aasm_state` is complete or problem; with steps' states inside." When a manual step is
    // ready, the client does it: start, then done.
    let mut polls = 0;
    let mut driven = Vec::new();
    let last = loop {
        let request = client.record(&request_path);
        polls += 1;
        let state = request["aasm_state"].as_str().expect("a state").to_string();
        if state == "complete" || state == "problem" {
            break request;
        }
        assert_eq!(state, "started", "{request}");
        let steps = request["steps"].as_array().expect("steps").clone();
        let state_of = |step: i64| -> &str {
            steps
                .iter()
                .find(|s| s["id"] == step)
                .and_then(|s| s["aasm_state"].as_str())
                .expect("the step is listed")
        };
        for manual in [announce, check] {
            if state_of(manual) != "ready" || driven.contains(&manual) {
                continue;
            }
            // The phases run one after the other.
            if manual == announce {
                assert_eq!(
                    (state_of(deploy), state_of(check)),
                    ("locked", "locked"),
                    "{request}"
                );
            } else {
                assert_eq!(
                    (state_of(announce), state_of(deploy)),
                    ("complete", "complete"),
                    "{request}"
                );
            }
            drive(&client, manual);
            driven.push(manual);
        }
        assert!(
            running_since.elapsed() < DEADLINE,
            "not complete after {DEADLINE:?} ({polls} polls): {request}"
        );
        std::thread::sleep(POLL_EVERY);
    };
    let ran_for = running_since.elapsed();
    assert_eq!(last["aasm_state"], "complete", "{last}");
    assert_eq!(
        driven,
        [announce, check],
        "both manual steps were done by the client"
    );
    assert!(!last["completed_at"].is_null(), "{last}");
    let steps = last["steps"].as_array().expect("steps");
    assert!(
        steps.iter().all(|s| s["aasm_state"] == "complete"),
        "{last}"
    );
    // The deploy started after the announcement finished (times are to the second).
    let time = |step: i64, field: &str| -> String {
        let s = steps.iter().find(|s| s["id"] == step).unwrap();
        s[field]
            .as_str()
            .unwrap_or_else(|| panic!("{field}: {s}"))
            .to_string()
    };
    assert!(time(deploy, "work_started_at") >= time(announce, "work_finished_at"));
    assert!(time(check, "work_started_at") >= time(deploy, "work_finished_at"));

    // The automated step's job run: `GET /v1/job_runs?filters[step_id]=N`.
    let runs = client
        .get(&format!("/v1/job_runs?filters[step_id]={deploy}"))
        .found();
    assert_eq!(runs.len(), 1, "{runs:?}");
    let run = &runs[0];
    assert_eq!(
        (&run["status"], &run["job_type"], &run["automation_id"]),
        (&json!("Complete"), &json!("automation"), &json!(c.script)),
        "{run}"
    );
    let stdout = run["stdout"].as_str().unwrap_or_default();
    assert!(
        stdout.contains("port=9443") && stdout.contains("deploying Deploy web"),
        "the script printed the installed component's port: {run}"
    );
    assert_eq!(
        (&run["step"]["id"], &run["step"]["aasm_state"]),
        (&json!(deploy), &json!("complete")),
        "{run}"
    );
    assert_eq!(run["step"]["request"]["id"], request_id, "{run}");
    // Job-run status is matched in any case (behaviour.md).
    let query = format!("filters[step_id]={deploy}&filters[status]=complete");
    assert_eq!(
        ids(&client.get(&format!("/v1/job_runs?{query}")).found()),
        [id(run)]
    );
    // Manual steps run nothing.
    assert!(client
        .get(&format!("/v1/job_runs?filters[step_id]={announce}"))
        .found()
        .is_empty());
    // The request is found among the complete ones of its app.
    let query = format!("filters[aasm_state]=complete&filters[app_id]={}", c.app);
    assert_eq!(
        ids(&client.get(&format!("/v1/requests?{query}")).found()),
        [request_id]
    );

    // DELETE with both headers and no body: a complete request is soft-deleted, left out
    // of lists and still shown by id.
    let deleted = client.delete(&request_path).success(202);
    assert_eq!(deleted["aasm_state"], "deleted", "{deleted}");
    assert!(client
        .get(&format!("/v1/requests?filters[name]={}", uri(REQUEST)))
        .found()
        .is_empty());
    assert_eq!(client.record(&request_path)["aasm_state"], "deleted");

    eprintln!(
        "{}: complete {:.1?} after start ({polls} polls); whole scenario {:.1?}",
        db.backend_name(),
        ran_for,
        began.elapsed()
    );
    drop(server);
}

/// A manual step, moved as a client moves it: the step read and sent back whole with
/// `aasm_event: start` (its `aasm_state` the current one), then the answer sent back with
/// `aasm_event: done`.
fn drive(client: &Client, step: i64) {
    let path = format!("/v1/steps/{step}");
    let started = client
        .read_modify_write(&path, "step", |s| s["aasm_event"] = json!("start"))
        .success(202);
    assert_eq!(started["aasm_state"], "in_process", "{started}");
    let mut done = started;
    done["id"] = json!(step.to_string());
    done["aasm_event"] = json!("done");
    let done = client.put(&path, json!({ "step": done })).success(202);
    assert_eq!(done["aasm_state"], "complete", "{done}");
}

//! Lists at scale (issue 5): paging with `per_page`/`page` and `after`, its headers, time
//! ranges on job runs and steps, and whole lists streamed a chunk at a time (the chunk made
//! small here, so that a few records span several chunks).

mod common;

use actix_web::test::{self, TestRequest};
use actix_web::web;
use chrono::{NaiveDate, NaiveDateTime};
use common::{ids, Resp, TestApp};
use diesel::prelude::*;
use runsheet_core::paging::Window;
use runsheet_core::step::{StepFilter, StepRecord};
use runsheet_server::lists::{ByIds, Chunks};
use runsheet_server::{build_app, AppState, Settings};
use runsheet_store::schema::{requests, steps};
use runsheet_store::testing::fixtures::{self, NewRun};
use runsheet_store::{steps as store, AnyConnection, StoreError};
use serde_json::{json, Value};

fn at(day: u32, h: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2024, 3, day)
        .and_then(|d| d.and_hms_opt(h, 0, 0))
        .expect("valid literal time")
}

/// `n` job runs, created an hour apart from 2024-03-01 00:00 UTC (updated an hour after
/// that, finished at creation for the even ones); their ids in order.
fn job_runs(app: &TestApp, n: u32) -> Vec<i64> {
    let mut conn = app.pool.get().expect("a connection");
    (0..n)
        .map(|i| {
            let created = at(1 + i / 24, i % 24);
            let run = NewRun {
                status: if i % 2 == 0 { "Complete" } else { "Running" },
                run_key: Some(i64::from(i)),
                created_at: Some(created),
                updated_at: Some(created + chrono::Duration::hours(1)),
                finished_at: (i % 2 == 0).then_some(created),
                ..NewRun::default()
            };
            fixtures::insert_job_run(&mut conn, &run).expect("job run inserted")
        })
        .collect()
}

/// The ids a query selects, or none on a 404.
async fn listed(app: &TestApp, path: &str) -> Vec<i64> {
    let res = app.get_json(path).await;
    if res.status == 404 {
        assert!(res.body.is_empty(), "{}", res.text());
        return Vec::new();
    }
    ids(&res)
}

async fn listed_owned(app: &TestApp, path: String) -> Vec<i64> {
    listed(app, &path).await
}

/// The `Link` header's targets by relation.
fn links(res: &Resp) -> Vec<(String, String)> {
    let Some(header) = res.header("link") else {
        return Vec::new();
    };
    header
        .split(", ")
        .map(|link| {
            let (target, rel) = link.split_once("; rel=").expect("a rel");
            let target = target.trim_start_matches('<').trim_end_matches('>');
            (rel.trim_matches('"').to_string(), target.to_string())
        })
        .collect()
}

fn link(res: &Resp, rel: &str) -> Option<String> {
    links(res)
        .into_iter()
        .find(|(r, _)| r == rel)
        .map(|(_, target)| target)
}

/// GET `path` (with the token) on an app whose streamed lists load `chunk` records at a time.
async fn get_chunked(app: &TestApp, chunk: usize, path: &str, accept: &str) -> Resp {
    let mut state = AppState::new(app.pool.clone(), &Settings::default()).expect("settings");
    state.list_chunk = chunk;
    let service = test::init_service(build_app(web::Data::new(state))).await;
    let req = TestRequest::get()
        .uri(&app.path(path))
        .insert_header(("Accept", accept))
        .to_request();
    let res = test::call_service(&service, req).await;
    let status = res.status();
    let headers = res.headers().clone();
    let body = test::read_body(res).await;
    Resp {
        status,
        headers,
        body,
    }
}

fn assert_422(res: &Resp, expected: Value) {
    assert_eq!(res.status, 422, "{}", res.text());
    assert_eq!(res.json(), expected);
}

/// Steps in two requests and in none, made out of position order: a list of steps comes
/// by request and position, not by id. Returns their ids in list order.
fn steps_out_of_id_order(app: &TestApp) -> Vec<i64> {
    let mut conn = app.pool.get().expect("a connection");
    let late = fixtures::request(&mut conn, "late", "created").expect("request");
    let early = fixtures::request(&mut conn, "early", "created").expect("request");
    let mut step = |request: Option<i64>, name: &str, position: i64| {
        let id = fixtures::named_step(&mut conn, request, name, "locked").expect("step");
        diesel::update(steps::table.find(id))
            .set(steps::position.eq(position))
            .execute(&mut **conn)
            .expect("positioned");
        id
    };
    let loose = step(None, "loose", 1);
    let late_2 = step(Some(late), "late 2", 2);
    let late_1 = step(Some(late), "late 1", 1);
    let early_3 = step(Some(early), "early 3", 3);
    let early_1 = step(Some(early), "early 1", 1);
    let early_2 = step(Some(early), "early 2", 2);
    vec![late_1, late_2, early_1, early_2, early_3, loose]
}

/// The list's page, after which another client adds a step at the head of the request
/// "late" (so first in the list), as if between a streamed list's first chunk and its ids.
fn page_then_add_first(
    conn: &mut AnyConnection,
    filter: &StepFilter,
    window: &Window,
) -> Result<Vec<StepRecord>, StoreError> {
    let page = store::page(conn, filter, window)?;
    let late: i64 = requests::table
        .filter(requests::name.eq("late"))
        .select(requests::id)
        .first(conn)?;
    let added = fixtures::named_step(conn, Some(late), "late 0", "locked")?;
    diesel::update(steps::table.find(added))
        .set(steps::position.eq(0))
        .execute(conn)?;
    Ok(page)
}

on_every_backend! {
    // A step added while a list streams, before what was listed: listed once, after the
    // chunk it missed; no step listed twice.
    async fn a_step_added_while_a_list_streams_is_listed_once(app: TestApp) {
        let in_order = steps_out_of_id_order(&app);
        let mut conn = app.pool.get().expect("a connection");
        let id = |r: &StepRecord| r.step.id;
        let filter = StepFilter::default();
        let mut chunks =
            ByIds::new(filter, 2, page_then_add_first, id, store::ids, store::by_ids);
        let mut listed = Vec::new();
        while !chunks.done() {
            let chunk = chunks.next(&mut conn).expect("a chunk");
            listed.extend(chunk.iter().map(|r| r.step.id));
        }
        let added = *listed.get(2).expect("the added step");
        assert!(!in_order.contains(&added), "{listed:?}");
        let mut expected = in_order[..2].to_vec();
        expected.push(added);
        expected.extend(&in_order[2..]);
        assert_eq!(listed, expected);
    }

    // No paging parameter: the whole list, without paging headers, as before.
    async fn no_paging_is_the_whole_list(app: TestApp) {
        let runs = job_runs(&app, 5);
        let res = app.get_json("/v1/job_runs").await;
        assert_eq!(ids(&res), runs);
        assert!(res.header("x-total-count").is_none());
        assert!(res.header("link").is_none());
        assert!(res.header("etag").is_some(), "a list in one chunk keeps its ETag");
    }

    async fn pages_with_counts_and_links(app: TestApp) {
        let runs = job_runs(&app, 7);
        let first = app.get_json("/v1/job_runs.json?filters[job_type]=automation&per_page=3").await;
        assert_eq!(ids(&first), runs[..3]);
        assert_eq!(first.header("x-total-count"), Some("7"));
        assert_eq!(
            link(&first, "next"),
            Some(format!("/v1/job_runs.json?filters[job_type]=automation&per_page=3&token={}&page=2", app.token))
        );
        assert_eq!(link(&first, "prev"), None);
        assert!(first.header("etag").is_some());

        let second = app.get_json("/v1/job_runs?per_page=3&page=2").await;
        assert_eq!(ids(&second), runs[3..6]);
        assert!(link(&second, "next").is_some_and(|l| l.ends_with("&page=3")));
        assert!(link(&second, "prev").is_some_and(|l| l.ends_with("&page=1")));

        let last = app.get_json("/v1/job_runs?page=3&per_page=3").await;
        assert_eq!(ids(&last), runs[6..]);
        assert_eq!(last.header("x-total-count"), Some("7"));
        assert_eq!(link(&last, "next"), None);
        assert_eq!(
            link(&last, "prev"),
            Some(format!("/v1/job_runs?per_page=3&token={}&page=2", app.token))
        );

        // Past the end: an empty list, which is a 404 as ever.
        let past = app.get_json("/v1/job_runs?per_page=3&page=4").await;
        assert_eq!(past.status, 404);
        assert!(past.body.is_empty());
        assert_eq!(app.get_json("/v1/job_runs?per_page=3&page=9223372036854775807").await.status, 404);

        // `page` alone: pages of 100.
        assert_eq!(listed(&app, "/v1/job_runs?page=1").await, runs);
        // A page's count is the filtered list's.
        let running = app.get_json("/v1/job_runs?filters[currently_running]=true&per_page=1").await;
        assert_eq!(ids(&running), vec![runs[1]]);
        assert_eq!(running.header("x-total-count"), Some("3"));
    }

    async fn keyset_pages_follow_ids(app: TestApp) {
        let runs = job_runs(&app, 5);
        let res = app.get_json(&format!("/v1/job_runs?per_page=2&after={}", runs[0])).await;
        assert_eq!(ids(&res), runs[1..3]);
        assert_eq!(res.header("x-total-count"), Some("5"), "the whole list's count");
        assert_eq!(
            link(&res, "next"),
            Some(format!("/v1/job_runs?per_page=2&token={}&after={}", app.token, runs[2]))
        );
        assert_eq!(link(&res, "prev"), None, "keyset pages link forward only");
        let next = app.get_json(&format!("/v1/job_runs?per_page=2&after={}", runs[2])).await;
        assert_eq!(ids(&next), runs[3..]);
        assert_eq!(link(&next, "next"), None, "no page follows the last");
        assert_eq!(listed(&app, "/v1/job_runs?after=0").await, runs);
        assert_eq!(app.get_json(&format!("/v1/job_runs?after={}", runs[4])).await.status, 404);
    }

    async fn bad_paging_is_a_422_that_names_it(app: TestApp) {
        job_runs(&app, 2);
        for (query, expected) in [
            ("per_page=1001", json!({"per_page": ["must be less than or equal to 1000"]})),
            ("per_page=0", json!({"per_page": ["must be a positive integer"]})),
            ("per_page=ten", json!({"per_page": ["must be a positive integer"]})),
            ("per_page=2.5", json!({"per_page": ["must be a positive integer"]})),
            ("page=0", json!({"page": ["must be a positive integer"]})),
            ("page=-1", json!({"page": ["must be a positive integer"]})),
            ("after=x", json!({"after": ["must be a non-negative integer"]})),
            ("page=2&after=1", json!({"after": ["can't be combined with page"]})),
            (
                "filters[colour]=red&per_page=0",
                json!({"colour": ["is not a supported filter"], "per_page": ["must be a positive integer"]}),
            ),
        ] {
            assert_422(&app.get_json(&format!("/v1/job_runs?{query}")).await, expected.clone());
            assert_422(&app.get_json(&format!("/v1/users?{query}")).await, expected);
        }
        let xml = app
            .send(TestRequest::get().uri(&app.path("/v1/steps.xml?per_page=5000")))
            .await;
        assert_eq!(xml.status, 422);
        assert!(xml.text().contains("<error>Per page must be less than or equal to 1000</error>"), "{}", xml.text());
    }

    // Every list pages the same way: here users, scripts and requests.
    async fn every_list_pages(app: TestApp) {
        for name in ["a", "b", "c"] {
            app.user(name, false);
        }
        let users = listed(&app, "/v1/users").await;
        assert_eq!(users.len(), 4);
        let page = app.get_json("/v1/users?per_page=3&page=2").await;
        assert_eq!(ids(&page), users[3..]);
        assert_eq!(page.header("x-total-count"), Some("4"));
        assert_eq!(listed(&app, &format!("/v1/users?after={}&per_page=1", users[1])).await, users[2..3]);

        let mut scripts = Vec::new();
        for name in ["s1", "s2", "s3"] {
            let res = app.post_json("/v1/scripts", json!({"script": {"name": name}})).await;
            scripts.push(res.json()["id"].as_i64().expect("an id"));
        }
        assert_eq!(listed(&app, "/v1/scripts?per_page=2&page=2").await, scripts[2..]);

        let mut requests = Vec::new();
        for name in ["r1", "r2", "r3"] {
            let res = app.post_json("/v1/requests", json!({"request": {"name": name}})).await;
            assert_eq!(res.status, 201, "{}", res.text());
            requests.push(res.json()["id"].as_i64().expect("an id"));
        }
        let page = app.get_json("/v1/requests?per_page=2").await;
        assert_eq!(ids(&page), requests[..2]);
        assert_eq!(page.header("x-total-count"), Some("3"));
        assert_eq!(listed(&app, &format!("/v1/requests?after={}", requests[0])).await, requests[1..]);
        assert_eq!(listed(&app, "/v1/requests?filters[name]=r3&per_page=1").await, requests[2..]);
    }

    // Steps page in their list's order (by request, then position); `after` in id order.
    async fn steps_page_in_list_order_and_after_by_id(app: TestApp) {
        let in_order = steps_out_of_id_order(&app);
        assert_eq!(listed(&app, "/v1/steps").await, in_order);
        assert_eq!(listed(&app, "/v1/steps?per_page=4&page=1").await, in_order[..4]);
        assert_eq!(listed(&app, "/v1/steps?per_page=4&page=2").await, in_order[4..]);
        let mut by_id = in_order.clone();
        by_id.sort();
        assert_eq!(listed(&app, &format!("/v1/steps?per_page=3&after={}", by_id[1])).await, by_id[2..5]);
    }

    async fn job_runs_by_time(app: TestApp) {
        // Created hourly from 2024-03-01 00:00: runs[i] at hour i.
        let runs = job_runs(&app, 6);
        let list = |q: &str| listed_owned(&app, format!("/v1/job_runs?{q}"));
        // `_after` includes its time, `_before` excludes it: ranges tile.
        assert_eq!(list("filters[created_after]=2024-03-01T02:00:00Z").await, runs[2..]);
        assert_eq!(list("filters[created_before]=2024-03-01T02:00:00Z").await, runs[..2]);
        assert_eq!(
            list("filters[created_after]=2024-03-01T01:00:00Z&filters[created_before]=2024-03-01T03:00:00Z").await,
            runs[1..3]
        );
        // An offset is honoured; without one the time is in the configured zone (UTC here).
        assert_eq!(list("filters[created_after]=2024-03-01T04:00:00%2B02:00").await, runs[2..]);
        assert_eq!(list("filters[created_before]=2024-03-01%2001:00:00").await, runs[..1]);
        // updated = created + 1h.
        assert_eq!(list("filters[updated_after]=2024-03-01T05:00:00Z").await, runs[4..]);
        assert_eq!(list("filters[updated_before]=2024-03-01T02:00:00Z").await, runs[..1]);
        // Only finished runs (the even ones) have a finishing time.
        assert_eq!(list("filters[finished_after]=2024-03-01T01:00:00Z").await, vec![runs[2], runs[4]]);
        assert_eq!(list("filters[finished_before]=2024-03-01T03:00:00Z").await, vec![runs[0], runs[2]]);
        assert_eq!(list("filters[finished_after]=2024-03-02").await, Vec::<i64>::new());
        // With other filters, paging and in a body.
        let res = app.get_json("/v1/job_runs?filters[created_after]=2024-03-01T01:00:00Z&filters[currently_running]=false&per_page=1").await;
        assert_eq!(ids(&res), vec![runs[2]]);
        assert_eq!(res.header("x-total-count"), Some("2"));
        let res = app
            .send_xml(
                TestRequest::get().uri(&app.path("/v1/job_runs.json")),
                "<filters><created-before>2024-03-01T01:00:00Z</created-before></filters>",
            )
            .await;
        assert_eq!(ids(&res), runs[..1]);
    }

    async fn bad_times_are_a_422(app: TestApp) {
        job_runs(&app, 1);
        for name in ["created_after", "created_before", "updated_after", "updated_before", "finished_after", "finished_before"] {
            let res = app.get_json(&format!("/v1/job_runs?filters[{name}]=yesterday")).await;
            assert_422(&res, json!({name: ["is not a valid time"]}));
        }
        let res = app.get_json("/v1/steps?filters[created_after]=2024-13-01").await;
        assert_422(&res, json!({"created_after": ["is not a valid time"]}));
        let res = app.get_json("/v1/steps?filters[finished_after]=2024-03-01").await;
        assert_422(&res, json!({"finished_after": ["is not a supported filter"]}));
        let res = app.get_json("/v1/users?filters[created_after]=2024-03-01").await;
        assert_422(&res, json!({"created_after": ["is not a supported filter"]}));
    }

    async fn steps_by_time(app: TestApp) {
        let in_order = steps_out_of_id_order(&app);
        let mut conn = app.pool.get().expect("a connection");
        for (i, id) in in_order.iter().enumerate() {
            let hour = u32::try_from(i).expect("small");
            diesel::update(steps::table.find(*id))
                .set((steps::created_at.eq(at(1, hour)), steps::updated_at.eq(at(2, hour))))
                .execute(&mut **conn)
                .expect("timed");
        }
        drop(conn);
        let list = |q: &str| listed_owned(&app, format!("/v1/steps?{q}"));
        assert_eq!(list("filters[created_after]=2024-03-01T03:00:00Z").await, in_order[3..]);
        assert_eq!(list("filters[created_before]=2024-03-01T03:00:00Z").await, in_order[..3]);
        assert_eq!(
            list("filters[updated_after]=2024-03-02T01:00:00Z&filters[updated_before]=2024-03-02T02:00:00Z").await,
            in_order[1..2]
        );
        assert_eq!(list("filters[updated_after]=2024-03-03").await, Vec::<i64>::new());
    }

    // A list longer than a chunk is streamed; its bytes are those of the list rendered at once.
    async fn streamed_job_runs_are_the_list_rendered_at_once(app: TestApp) {
        let runs = job_runs(&app, 7);
        for accept in ["application/json", "application/xml"] {
            let at_once = get_chunked(&app, 1000, "/v1/job_runs", accept).await;
            assert_eq!(at_once.status, 200);
            assert!(at_once.header("etag").is_some());
            for chunk in [1, 2, 3, 7] {
                let streamed = get_chunked(&app, chunk, "/v1/job_runs", accept).await;
                assert_eq!(streamed.status, 200, "{}", streamed.text());
                assert_eq!(streamed.text(), at_once.text(), "{accept} in chunks of {chunk}");
                assert_eq!(streamed.content_type(), at_once.content_type());
                assert!(streamed.header("etag").is_none(), "a stream has no ETag");
                assert!(streamed.header("cache-control").is_some());
            }
        }
        let json = get_chunked(&app, 2, "/v1/job_runs", "application/json").await;
        assert_eq!(ids(&json), runs);
        let xml = get_chunked(&app, 2, "/v1/job_runs", "application/xml").await;
        assert!(xml.text().starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<job-runs type=\"array\">\n  <job-run>\n"), "{}", xml.text());
        assert_eq!(xml.text().matches("<job-run>").count(), 7);

        // Filters still apply, across chunks.
        let running = get_chunked(&app, 2, "/v1/job_runs?filters[currently_running]=true", "application/json").await;
        assert_eq!(ids(&running), vec![runs[1], runs[3], runs[5]]);
        let late = get_chunked(&app, 2, "/v1/job_runs?filters[created_after]=2024-03-01T02:00:00Z", "application/json").await;
        assert_eq!(ids(&late), runs[2..]);
        // An empty list is still a 404.
        let none = get_chunked(&app, 2, "/v1/job_runs?filters[status]=Cancelled", "application/xml").await;
        assert_eq!(none.status, 404);
        assert!(none.body.is_empty());
        // A page is never streamed.
        let page = get_chunked(&app, 2, "/v1/job_runs?per_page=5", "application/json").await;
        assert_eq!(ids(&page), runs[..5]);
        assert!(page.header("etag").is_some());
    }

    async fn streamed_steps_keep_their_order(app: TestApp) {
        let in_order = steps_out_of_id_order(&app);
        for accept in ["application/json", "application/xml"] {
            let at_once = get_chunked(&app, 1000, "/v1/steps", accept).await;
            // 6 and 7: a list that fits in its first chunk is answered at once, with its tag.
            for chunk in [1, 2, 4, 6, 7] {
                let streamed = get_chunked(&app, chunk, "/v1/steps", accept).await;
                assert_eq!(streamed.text(), at_once.text(), "{accept} in chunks of {chunk}");
                let fits = chunk >= in_order.len();
                assert_eq!(streamed.header("etag").is_some(), fits, "{accept}, {chunk}");
            }
        }
        let json = get_chunked(&app, 2, "/v1/steps", "application/json").await;
        assert_eq!(ids(&json), in_order);
        let named = get_chunked(&app, 1, "/v1/steps?filters[name][]=early%201&filters[name][]=loose", "application/json").await;
        assert_eq!(ids(&named), vec![in_order[2], in_order[5]]);
        let none = get_chunked(&app, 2, "/v1/steps?filters[name]=nobody", "application/json").await;
        assert_eq!(none.status, 404);
    }
}

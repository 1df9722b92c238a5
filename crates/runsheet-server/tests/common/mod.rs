//! The in-process API test harness: the real application over a real database (a SQLite
//! file, or a fresh PostgreSQL database when `RUNSHEET_TEST_POSTGRES_URL` is set).
#![allow(dead_code)]

use actix_web::http::header::HeaderMap;
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::web::{self, Bytes};
use runsheet_core::user::UserChanges;
use runsheet_server::{build_app, AppState, Settings};
use runsheet_store::testing::TestDb;
use runsheet_store::Pool;
use serde_json::Value;

pub struct TestApp {
    pub db: TestDb,
    pub pool: Pool,
    pub state: web::Data<AppState>,
    /// The token of an active admin.
    pub token: String,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// The ids of a JSON list answered with 200.
#[allow(dead_code)]
pub fn ids(res: &Resp) -> Vec<i64> {
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {}", res.text()))
        .iter()
        .map(|r| r["id"].as_i64().expect("an id"))
        .collect()
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or("")
    }
}

impl TestApp {
    pub fn new(db: TestDb) -> TestApp {
        Self::with_settings(db, Settings::default())
    }

    pub fn with_settings(db: TestDb, settings: Settings) -> TestApp {
        let pool = db.pool();
        let token = create_user(&pool, "admin", true);
        let state = web::Data::new(AppState::new(pool.clone(), &settings).expect("valid settings"));
        TestApp {
            db,
            pool,
            state,
            token,
        }
    }

    /// `path` with this app's token in the query string.
    pub fn path(&self, path: &str) -> String {
        let separator = if path.contains('?') { '&' } else { '?' };
        format!("{path}{separator}token={}", self.token)
    }

    pub async fn send(&self, req: TestRequest) -> Resp {
        let app = test::init_service(build_app(self.state.clone())).await;
        let res = test::call_service(&app, req.to_request()).await;
        let status = res.status();
        let headers = res.headers().clone();
        let body = test::read_body(res).await;
        Resp {
            status,
            headers,
            body,
        }
    }

    /// GET with the token, asking for JSON.
    pub async fn get_json(&self, path: &str) -> Resp {
        self.send(
            TestRequest::get()
                .uri(&self.path(path))
                .insert_header(("Accept", "application/json")),
        )
        .await
    }

    pub async fn post_json(&self, path: &str, body: Value) -> Resp {
        self.send(
            TestRequest::post()
                .uri(&self.path(path))
                .insert_header(("Accept", "application/json"))
                .set_json(body),
        )
        .await
    }

    pub async fn put_json(&self, path: &str, body: Value) -> Resp {
        self.send(
            TestRequest::put()
                .uri(&self.path(path))
                .insert_header(("Accept", "application/json"))
                .set_json(body),
        )
        .await
    }

    pub async fn send_xml(&self, req: TestRequest, xml: &str) -> Resp {
        self.send(
            req.insert_header(("Accept", "application/xml"))
                .insert_header(("Content-Type", "application/xml"))
                .set_payload(xml.to_string()),
        )
        .await
    }

    /// A user made directly in the store; returns its token.
    pub fn user(&self, login: &str, admin: bool) -> String {
        create_user(&self.pool, login, admin)
    }
}

fn create_user(pool: &Pool, login: &str, admin: bool) -> String {
    let changes = UserChanges {
        login: Some(login.into()),
        email: Some(format!("{login}@example.com")),
        admin: Some(admin),
        ..UserChanges::default()
    };
    let mut conn = pool.get().expect("a connection");
    runsheet_store::users::create_with_token(&mut conn, &changes)
        .expect("user created")
        .1
}

/// Runs each test on SQLite, and on PostgreSQL when `RUNSHEET_TEST_POSTGRES_URL` is set.
#[macro_export]
macro_rules! on_every_backend {
    ($(async fn $name:ident($app:ident: TestApp) $body:block)*) => {
        $(
            mod $name {
                use super::*;

                #[actix_web::test]
                async fn sqlite() {
                    let $app = TestApp::new(runsheet_store::testing::TestDb::sqlite());
                    $body
                }

                #[actix_web::test]
                async fn postgres() {
                    let Some(db) = runsheet_store::testing::TestDb::postgres() else {
                        eprintln!("RUNSHEET_TEST_POSTGRES_URL is not set: PostgreSQL case skipped");
                        return;
                    };
                    let $app = TestApp::new(db);
                    $body
                }
            }
        )*
    };
}

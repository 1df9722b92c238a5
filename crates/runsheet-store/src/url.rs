//! Which database to use, as written in configuration: the URL's scheme picks the backend.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::error::StoreError;

/// What a database URL may look like, for error messages.
pub const ACCEPTED_FORMS: &str = "sqlite://PATH, sqlite:PATH, a plain file path (SQLite), \
     or postgres://USER@HOST[:PORT]/DATABASE (postgresql:// also works)";

/// A parsed database URL.
///
/// | written as                                   | means                          |
/// |----------------------------------------------|--------------------------------|
/// | `sqlite://runsheet.db`, `sqlite:runsheet.db` | SQLite file `runsheet.db`      |
/// | `sqlite:///var/lib/runsheet.db`              | SQLite file `/var/lib/runsheet.db` |
/// | `runsheet.db`, `/var/lib/runsheet.db`        | SQLite file (no `scheme://`)   |
/// | `postgres://...`, `postgresql://...`         | PostgreSQL, handed to libpq as is |
///
/// `sqlite::memory:` works, but every pooled connection then has a database of its own.
///
/// Anything else with a `scheme://` (`mysql://`, `http://`), an empty string, or
/// `postgres:` without `//` is refused rather than taken for a file name.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite database file (created when missing; its directory must exist).
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL, exactly as given (libpq parses it).
    Postgres(String),
}

impl DatabaseUrl {
    /// Parses a database URL; see the type's documentation for the accepted forms.
    pub fn parse(input: &str) -> Result<Self, StoreError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(invalid("the database URL is empty"));
        }
        if let Some(rest) = s.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() {
                return Err(invalid(format!("`{s}` names no SQLite file")));
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        match scheme_of(s) {
            Some("postgres" | "postgresql") => Ok(DatabaseUrl::Postgres(s.to_owned())),
            Some(scheme) => Err(invalid(format!("unsupported scheme `{scheme}://`"))),
            None if s.starts_with("postgres:") || s.starts_with("postgresql:") => Err(invalid(
                "a PostgreSQL URL must start with postgres:// or postgresql://",
            )),
            None => Ok(DatabaseUrl::Sqlite(PathBuf::from(s))),
        }
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend_name(&self) -> &'static str {
        match self {
            DatabaseUrl::Sqlite(_) => "sqlite",
            DatabaseUrl::Postgres(_) => "postgres",
        }
    }

    /// The SQLite file, if this is a SQLite URL.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            DatabaseUrl::Sqlite(path) => Some(path),
            DatabaseUrl::Postgres(_) => None,
        }
    }
}

/// The scheme of `scheme://...` if the string starts that way (RFC 3986 scheme characters).
fn scheme_of(s: &str) -> Option<&str> {
    let (scheme, _) = s.split_once("://")?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    let valid = first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then_some(scheme)
}

fn invalid(cause: impl fmt::Display) -> StoreError {
    StoreError::InvalidUrl(format!(
        "invalid database URL: {cause}; expected {ACCEPTED_FORMS}"
    ))
}

impl FromStr for DatabaseUrl {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for DatabaseUrl {
    type Error = StoreError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

/// Safe to log: a PostgreSQL password is shown as `***`.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => f.write_str(&redact_password(url)),
        }
    }
}

/// Same as `Display`: never prints a password.
impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// `postgres://user:secret@host/db` -> `postgres://user:***@host/db`.
pub(crate) fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(s: &str) -> DatabaseUrl {
        DatabaseUrl::Sqlite(PathBuf::from(s))
    }

    fn error_of(s: &str) -> String {
        DatabaseUrl::parse(s).unwrap_err().to_string()
    }

    #[test]
    fn sqlite_forms() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://runsheet.db").unwrap(),
            sqlite("runsheet.db")
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:runsheet.db").unwrap(),
            sqlite("runsheet.db")
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/r.db").unwrap(),
            sqlite("/var/lib/r.db")
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:/var/lib/r.db").unwrap(),
            sqlite("/var/lib/r.db")
        );
        assert_eq!(
            DatabaseUrl::parse("runsheet.db").unwrap(),
            sqlite("runsheet.db")
        );
        assert_eq!(
            DatabaseUrl::parse("./data/r.db").unwrap(),
            sqlite("./data/r.db")
        );
        assert_eq!(
            DatabaseUrl::parse("/tmp/x/r.db").unwrap(),
            sqlite("/tmp/x/r.db")
        );
        assert_eq!(DatabaseUrl::parse("  r.db\n").unwrap(), sqlite("r.db"));
        assert_eq!(DatabaseUrl::parse("r.db").unwrap().backend_name(), "sqlite");
        assert_eq!(
            DatabaseUrl::parse("r.db").unwrap().sqlite_path(),
            Some(Path::new("r.db"))
        );
    }

    #[test]
    fn postgres_forms() {
        for s in [
            "postgres://postgres@127.0.0.1:5432/runsheet",
            "postgresql://u:p@db.example.com/runsheet?sslmode=require",
            "postgres://localhost",
        ] {
            let url = DatabaseUrl::parse(s).unwrap();
            assert_eq!(url, DatabaseUrl::Postgres(s.to_owned()));
            assert_eq!(url.backend_name(), "postgres");
            assert_eq!(url.sqlite_path(), None);
        }
    }

    #[test]
    fn other_schemes_are_refused_with_the_accepted_forms() {
        for (input, cause) in [
            ("mysql://x", "unsupported scheme `mysql://`"),
            ("http://example.com/db", "unsupported scheme `http://`"),
            ("file://r.db", "unsupported scheme `file://`"),
            ("", "the database URL is empty"),
            ("   ", "the database URL is empty"),
            ("sqlite://", "`sqlite://` names no SQLite file"),
            ("sqlite:", "`sqlite:` names no SQLite file"),
            ("postgres:localhost", "must start with postgres://"),
        ] {
            let message = error_of(input);
            assert!(message.contains(cause), "{input:?}: {message}");
            assert!(message.contains("sqlite://PATH"), "{input:?}: {message}");
            assert!(message.contains("postgres://"), "{input:?}: {message}");
        }
    }

    #[test]
    fn refused_urls_do_not_leak_passwords() {
        let message = error_of("mysql://root:hunter2@db/x");
        assert!(!message.contains("hunter2"), "{message}");
    }

    #[test]
    fn display_hides_the_password() {
        let url = DatabaseUrl::parse("postgres://runsheet:s3cret@db:5432/rs?x=@y").unwrap();
        assert_eq!(url.to_string(), "postgres://runsheet:***@db:5432/rs?x=@y");
        assert!(!format!("{url:?}").contains("s3cret"));
        let url = DatabaseUrl::parse("postgres://runsheet@db/rs").unwrap();
        assert_eq!(url.to_string(), "postgres://runsheet@db/rs");
        assert_eq!(sqlite("/tmp/r.db").to_string(), "sqlite:///tmp/r.db");
    }

    #[test]
    fn from_str_and_try_from() {
        let a: DatabaseUrl = "r.db".parse().unwrap();
        let b = DatabaseUrl::try_from("sqlite:r.db").unwrap();
        assert_eq!(a, b);
    }
}

//! The one error type of this crate.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// Everything that can go wrong in the store.
///
/// Messages are meant for the person running runsheet: they say what failed and why,
/// and never contain a database password.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL could not be understood. The message names the cause and
    /// lists the accepted forms.
    #[error("{0}")]
    InvalidUrl(String),

    /// A connection could not be made; the string is the cause, e.g. libpq's
    /// "connection to server at ... failed: Connection refused", or the SQLite path.
    #[error("could not connect to the database: {0}")]
    Connection(String),

    /// No pooled connection became available in time (the pool could not make one,
    /// or all are in use).
    #[error("no database connection available: {0}")]
    Pool(#[from] r2d2::Error),

    /// A query failed. Diesel's `NotFound` becomes [`StoreError::NotFound`] instead.
    #[error("database query failed: {0}")]
    Query(#[source] DieselError),

    /// Applying or reverting migrations failed.
    #[error("database migration failed: {0}")]
    Migration(String),

    /// The record asked for does not exist.
    #[error("record not found")]
    NotFound,

    /// The record is invalid; the errors say which attributes and why.
    #[error("validation failed: {0}")]
    Invalid(runsheet_core::Errors),
}

impl From<DieselError> for StoreError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => StoreError::NotFound,
            other => StoreError::Query(other),
        }
    }
}

impl From<runsheet_core::Errors> for StoreError {
    fn from(errors: runsheet_core::Errors) -> Self {
        StoreError::Invalid(errors)
    }
}

impl StoreError {
    /// True when a query broke a unique constraint (on either backend), so callers can
    /// report "has already been taken" instead of an internal error.
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            StoreError::Query(DieselError::DatabaseError(
                DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }

    /// True when a query broke a foreign key constraint.
    pub fn is_foreign_key_violation(&self) -> bool {
        matches!(
            self,
            StoreError::Query(DieselError::DatabaseError(
                DatabaseErrorKind::ForeignKeyViolation,
                _
            ))
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diesel_not_found_becomes_not_found() {
        assert!(matches!(
            StoreError::from(DieselError::NotFound),
            StoreError::NotFound
        ));
        assert!(matches!(
            StoreError::from(DieselError::RollbackTransaction),
            StoreError::Query(_)
        ));
    }

    #[test]
    fn messages() {
        let mut errors = runsheet_core::Errors::new();
        errors.add("login", "can't be blank");
        assert_eq!(
            StoreError::from(errors).to_string(),
            "validation failed: Login can't be blank"
        );
        assert_eq!(StoreError::NotFound.to_string(), "record not found");
        assert_eq!(
            StoreError::Connection("connection refused".into()).to_string(),
            "could not connect to the database: connection refused"
        );
    }
}

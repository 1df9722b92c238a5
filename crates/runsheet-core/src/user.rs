//! Users: the people who own steps and whose API keys open the API.

use crate::errors::{messages, Errors};
use crate::filters::{self, activity, FilterSpec, Filters};
use crate::params::Params;
use chrono::NaiveDateTime;
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: i64,
    pub login: String,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub admin: bool,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl User {
    /// Only an active admin may use the API.
    pub fn may_use_api(&self) -> bool {
        self.active && self.admin
    }
}

/// A group as listed inside a user.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRef {
    pub id: i64,
    pub name: String,
}

/// A user with what its representation shows of its groups.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRecord {
    pub user: User,
    pub groups: Vec<GroupRef>,
}

/// The writable attributes of a user, validated together before they are saved.
#[derive(Debug, Clone, PartialEq)]
pub struct UserFields {
    pub login: String,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub admin: bool,
    pub active: bool,
}

impl Default for UserFields {
    fn default() -> Self {
        UserFields {
            login: String::new(),
            email: String::new(),
            first_name: None,
            last_name: None,
            admin: false,
            active: true,
        }
    }
}

impl From<&User> for UserFields {
    fn from(user: &User) -> Self {
        UserFields {
            login: user.login.clone(),
            email: user.email.clone(),
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            admin: user.admin,
            active: user.active,
        }
    }
}

impl UserFields {
    /// The rules that need no database; uniqueness is checked where the records are.
    pub fn validate(&self) -> Errors {
        let mut errors = Errors::new();
        validate_name(&mut errors, "login", &self.login);
        if self.email.trim().is_empty() {
            errors.add("email", messages::BLANK);
        } else if !looks_like_email(&self.email) {
            errors.add("email", messages::INVALID);
        }
        for (name, value) in [
            ("first_name", &self.first_name),
            ("last_name", &self.last_name),
        ] {
            if value.as_ref().is_some_and(|v| v.chars().count() > 255) {
                errors.add(name, messages::TOO_LONG);
            }
        }
        errors
    }
}

/// A required, identifying name: present and at most 255 characters.
pub fn validate_name(errors: &mut Errors, attribute: &str, value: &str) {
    if value.trim().is_empty() {
        errors.add(attribute, messages::BLANK);
    } else if value.chars().count() > 255 {
        errors.add(attribute, messages::TOO_LONG);
    }
}

/// One `@` with something on both sides and no spaces, as Rails apps commonly checked.
pub fn looks_like_email(email: &str) -> bool {
    let mut parts = email.split('@');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(local), Some(domain), None)
            if !local.is_empty() && !domain.is_empty() && !email.chars().any(char::is_whitespace)
    ) && email.chars().count() <= 255
}

/// The attributes a POST or PUT may change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserChanges {
    pub login: Option<String>,
    pub email: Option<String>,
    pub first_name: Option<Option<String>>,
    pub last_name: Option<Option<String>>,
    pub admin: Option<bool>,
    pub active: Option<bool>,
    pub group_ids: Option<Vec<i64>>,
}

/// What a user's representation shows that cannot be written: sent back, it is ignored.
const READ_ONLY: &[&str] = &["id", "created_at", "updated_at", "groups"];

impl UserChanges {
    pub fn parse(body: Option<&Value>) -> Result<UserChanges, Errors> {
        let mut p = Params::from_body(body, "user")?;
        let changes = UserChanges {
            login: p.string("login"),
            email: p.string("email"),
            first_name: p.opt_string("first_name"),
            last_name: p.opt_string("last_name"),
            admin: p.bool("admin"),
            active: p.bool("active"),
            group_ids: p.ids("group_ids"),
        };
        p.finish(READ_ONLY)?;
        Ok(changes)
    }

    pub fn apply(&self, fields: &mut UserFields) {
        set(&mut fields.login, &self.login);
        set(&mut fields.email, &self.email);
        set(&mut fields.first_name, &self.first_name);
        set(&mut fields.last_name, &self.last_name);
        set(&mut fields.admin, &self.admin);
        set(&mut fields.active, &self.active);
    }
}

pub(crate) fn set<T: Clone>(field: &mut T, change: &Option<T>) {
    if let Some(value) = change {
        *field = value.clone();
    }
}

pub const FILTERS: &[FilterSpec] = &[
    filters::text("name"),
    filters::text("first_name"),
    filters::text("last_name"),
    filters::text("email"),
    filters::text("keyword"),
    filters::boolean("active"),
    filters::boolean("inactive"),
    filters::boolean("root"),
];

/// What GET /v1/users may ask for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserFilter {
    /// `name`, which every list takes (issue 6): a user's name is its login, the name that
    /// identifies it (unique); exact, as every `name` filter is. The person's names have
    /// their own filters, first_name and last_name.
    pub name: Option<Vec<String>>,
    pub first_name: Option<Vec<String>>,
    pub last_name: Option<Vec<String>>,
    pub email: Option<Vec<String>>,
    /// Part of the login, either name or the email, in any case.
    pub keyword: Option<String>,
    /// The `active` values shown (active users only unless asked).
    pub active: Vec<bool>,
    /// `root`: admins only (true) or everybody else (false).
    pub admin: Option<bool>,
}

impl UserFilter {
    pub fn parse(raw: &Map<String, Value>) -> Result<UserFilter, Errors> {
        let f = Filters::parse(raw, FILTERS)?;
        Ok(UserFilter {
            name: f.strs("name"),
            first_name: f.strs("first_name"),
            last_name: f.strs("last_name"),
            email: f.strs("email"),
            keyword: f.strs("keyword").and_then(|k| k.into_iter().next()),
            active: activity(&f),
            admin: f.bool("root"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn valid() -> UserFields {
        UserFields {
            login: "jo".into(),
            email: "jo@example.com".into(),
            ..UserFields::default()
        }
    }

    #[test]
    fn a_complete_user_is_valid() {
        assert!(valid().validate().is_empty());
    }

    #[test]
    fn login_and_email_are_required() {
        let errors = UserFields::default().validate();
        assert_eq!(
            errors.grouped(),
            vec![
                ("login", vec!["can't be blank"]),
                ("email", vec!["can't be blank"])
            ]
        );
        let blank = UserFields {
            login: "  ".into(),
            ..valid()
        };
        assert!(blank.validate().has("login"));
    }

    #[test]
    fn email_must_look_like_one() {
        for bad in ["jo", "jo@", "@example.com", "a@b@c", "jo @example.com"] {
            let user = UserFields {
                email: bad.into(),
                ..valid()
            };
            assert_eq!(
                user.validate().grouped(),
                vec![("email", vec!["is invalid"])],
                "{bad}"
            );
        }
    }

    #[test]
    fn long_names_are_refused() {
        let user = UserFields {
            login: "x".repeat(256),
            first_name: Some("y".repeat(256)),
            ..valid()
        };
        assert_eq!(
            user.validate().grouped(),
            vec![
                ("login", vec![messages::TOO_LONG]),
                ("first_name", vec![messages::TOO_LONG])
            ]
        );
    }

    #[test]
    fn changes_apply_only_what_was_sent() {
        let changes = UserChanges::parse(Some(
            &json!({"user": {"first_name": "Jo", "last_name": null, "admin": "1"}}),
        ))
        .unwrap();
        let mut fields = UserFields {
            last_name: Some("Old".into()),
            ..valid()
        };
        changes.apply(&mut fields);
        assert_eq!(fields.first_name.as_deref(), Some("Jo"));
        assert_eq!(fields.last_name, None);
        assert!(fields.admin);
        assert_eq!(fields.login, "jo");
    }

    #[test]
    fn a_record_sent_back_is_accepted_but_unknown_names_are_not() {
        let back = json!({"user": {"id": "4", "login": "jo", "created_at": "2012-01-01T00:00:00Z", "groups": [{"id": 1}]}});
        assert!(UserChanges::parse(Some(&back)).is_ok());
        let err = UserChanges::parse(Some(&json!({"user": {"api_key": "x", "password": "y"}})))
            .unwrap_err();
        assert_eq!(
            err.grouped(),
            vec![
                ("api_key", vec!["is not a known attribute"]),
                ("password", vec!["is not a known attribute"])
            ]
        );
    }

    #[test]
    fn filters_default_to_active_users() {
        let filter = UserFilter::parse(json!({}).as_object().unwrap()).unwrap();
        assert_eq!(filter.active, vec![true]);
        let filter = UserFilter::parse(
            json!({"root": "true", "keyword": "jo", "inactive": "t"})
                .as_object()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(filter.admin, Some(true));
        assert_eq!(filter.keyword.as_deref(), Some("jo"));
        assert_eq!(filter.active, vec![false]);
        assert!(UserFilter::parse(json!({"login": "x"}).as_object().unwrap()).is_err());
        let filter =
            UserFilter::parse(json!({"name": ["jo", "ann"]}).as_object().unwrap()).unwrap();
        assert_eq!(filter.name, Some(vec!["jo".to_string(), "ann".to_string()]));
    }

    #[test]
    fn only_active_admins_use_the_api() {
        let t = crate::time::now();
        let user = |admin, active| User {
            id: 1,
            login: "a".into(),
            email: "a@b".into(),
            first_name: None,
            last_name: None,
            admin,
            active,
            created_at: t,
            updated_at: t,
        };
        assert!(user(true, true).may_use_api());
        assert!(!user(true, false).may_use_api());
        assert!(!user(false, true).may_use_api());
    }
}

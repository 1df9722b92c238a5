//! Rails-style validation errors: an ordered list of (attribute, message) pairs.

use std::fmt;

/// The errors of one record, in the order they were found.
///
/// Rendered as `{"attribute": ["message", ...]}` in JSON and as full messages
/// ("Login can't be blank") in XML, the way the original Rails API did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Errors {
    entries: Vec<(String, String)>,
}

/// Rails' standard messages, so that every resource words them the same way.
pub mod messages {
    pub const BLANK: &str = "can't be blank";
    pub const TAKEN: &str = "has already been taken";
    pub const NOT_INCLUDED: &str = "is not included in the list";
    pub const INVALID: &str = "is invalid";
    pub const NOT_A_NUMBER: &str = "is not a number";
    pub const NOT_A_TIME: &str = "is not a valid time";
    pub const DOES_NOT_EXIST: &str = "does not exist";
    pub const UNKNOWN_ATTRIBUTE: &str = "is not a known attribute";
    pub const UNKNOWN_FILTER: &str = "is not a supported filter";
    pub const NOT_A_LIST: &str = "is not a list";
    pub const TOO_LONG: &str = "is too long (maximum is 255 characters)";
    pub const NOT_A_POSITIVE_INTEGER: &str = "must be a positive integer";
    pub const NOT_A_NON_NEGATIVE_INTEGER: &str = "must be a non-negative integer";
}

impl Errors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, attribute: impl Into<String>, message: impl Into<String>) {
        self.entries.push((attribute.into(), message.into()));
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn extend(&mut self, other: Errors) {
        self.entries.extend(other.entries);
    }

    /// `Ok(())` when there are none, so validation can end with `errors.into_result()?`.
    pub fn into_result(self) -> Result<(), Errors> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }

    pub fn has(&self, attribute: &str) -> bool {
        self.entries.iter().any(|(a, _)| a == attribute)
    }

    /// Attributes with their messages, attributes in first-seen order.
    pub fn grouped(&self) -> Vec<(&str, Vec<&str>)> {
        let mut out: Vec<(&str, Vec<&str>)> = Vec::new();
        for (attribute, message) in &self.entries {
            match out.iter_mut().find(|(a, _)| a == attribute) {
                Some((_, messages)) => messages.push(message),
                None => out.push((attribute, vec![message])),
            }
        }
        out
    }

    /// Messages prefixed with the humanized attribute, as Rails' `full_messages`.
    pub fn full_messages(&self) -> Vec<String> {
        self.entries
            .iter()
            .map(|(attribute, message)| match attribute.as_str() {
                "base" => message.clone(),
                _ => format!("{} {}", humanize(attribute), message),
            })
            .collect()
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full_messages().join(", "))
    }
}

impl std::error::Error for Errors {}

/// Rails' `humanize`: drops a trailing `_id`, turns underscores into spaces,
/// capitalizes the first letter (`owner_id` -> "Owner", `first_name` -> "First name").
pub fn humanize(attribute: &str) -> String {
    let base = attribute.strip_suffix("_id").unwrap_or(attribute);
    let spaced = base.replace('_', " ");
    let mut chars = spaced.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn humanize_follows_rails() {
        assert_eq!(humanize("owner_id"), "Owner");
        assert_eq!(humanize("first_name"), "First name");
        assert_eq!(humanize("login"), "Login");
        assert_eq!(humanize("aasm_event"), "Aasm event");
        assert_eq!(humanize(""), "");
    }

    #[test]
    fn groups_messages_by_attribute_in_order() {
        let mut errors = Errors::new();
        errors.add("login", messages::BLANK);
        errors.add("email", messages::INVALID);
        errors.add("login", messages::TAKEN);
        assert_eq!(
            errors.grouped(),
            vec![
                ("login", vec![messages::BLANK, messages::TAKEN]),
                ("email", vec![messages::INVALID]),
            ]
        );
        assert_eq!(
            errors.full_messages(),
            vec![
                "Login can't be blank",
                "Email is invalid",
                "Login has already been taken"
            ]
        );
    }

    #[test]
    fn base_messages_stand_alone() {
        let mut errors = Errors::new();
        errors.add("base", "Something is wrong");
        assert_eq!(errors.full_messages(), vec!["Something is wrong"]);
    }

    #[test]
    fn into_result() {
        assert!(Errors::new().into_result().is_ok());
        let mut errors = Errors::new();
        errors.add("a", "b");
        assert_eq!(errors.clone().into_result(), Err(errors));
    }
}

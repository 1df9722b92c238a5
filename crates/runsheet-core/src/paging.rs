//! Paging a list: `per_page` with `page` (1-based, in the list's own order), or `after`
//! (keyset: the records with a greater id, in id order). With no paging parameter a list is
//! the whole list, as it was before paging existed, so old clients see no change.

use crate::errors::{messages, Errors};
use crate::params::read_count;
use serde_json::{Map, Value};

pub const PER_PAGE: &str = "per_page";
pub const PAGE: &str = "page";
pub const AFTER: &str = "after";

/// The most records one page may hold.
pub const MAX_PER_PAGE: i64 = 1000;
/// A page's size when `page` or `after` come without `per_page`.
pub const DEFAULT_PER_PAGE: i64 = 100;

pub const TOO_MANY_PER_PAGE: &str = "must be less than or equal to 1000";
pub const PAGE_WITH_AFTER: &str = "can't be combined with page";

/// What part of a list a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// No paging parameter: the whole list.
    All,
    /// The `page`th (from 1) run of `per_page` records, in the list's order.
    Page { per_page: i64, page: i64 },
    /// `per_page` records with an id greater than `after`, by id.
    After { per_page: i64, after: i64 },
}

/// The rows a list query loads: what the store applies to its filtered query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Only rows with a greater id, ordered by id instead of the list's own order.
    pub after: Option<i64>,
    pub offset: i64,
    pub limit: Option<i64>,
}

impl Window {
    /// The whole list, in its own order.
    pub const ALL: Window = Window {
        after: None,
        offset: 0,
        limit: None,
    };

    /// At most `limit` rows with an id greater than `after` (none: from the first), by id.
    pub fn after(after: Option<i64>, limit: i64) -> Window {
        Window {
            after: Some(after.unwrap_or(i64::MIN)),
            offset: 0,
            limit: Some(limit),
        }
    }
}

impl Paging {
    /// Reads `per_page`, `page` and `after` from a query string; other names are not ours to
    /// judge. A blank value is no value, as with filters.
    pub fn parse(query: &Map<String, Value>) -> Result<Paging, Errors> {
        let mut errors = Errors::new();
        let mut read = |name: &'static str, least: u64, message: &'static str| {
            let value = query.get(name).filter(|v| !is_blank(v))?;
            match read_count(value).filter(|n| *n >= least) {
                Some(n) => i64::try_from(n).ok(),
                None => {
                    errors.add(name, message);
                    None
                }
            }
        };
        let per_page = read(PER_PAGE, 1, messages::NOT_A_POSITIVE_INTEGER);
        let page = read(PAGE, 1, messages::NOT_A_POSITIVE_INTEGER);
        let after = read(AFTER, 0, messages::NOT_A_NON_NEGATIVE_INTEGER);
        if per_page.is_some_and(|n| n > MAX_PER_PAGE) {
            errors.add(PER_PAGE, TOO_MANY_PER_PAGE);
        }
        if page.is_some() && after.is_some() {
            errors.add(AFTER, PAGE_WITH_AFTER);
        }
        let asked = [PER_PAGE, PAGE, AFTER]
            .iter()
            .any(|name| query.get(*name).is_some_and(|v| !is_blank(v)));
        errors.into_result()?;
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        Ok(match (asked, after) {
            (false, _) => Paging::All,
            (true, Some(after)) => Paging::After { per_page, after },
            (true, None) => Paging::Page {
                per_page,
                page: page.unwrap_or(1),
            },
        })
    }

    /// The rows to load: one more than a page, so that the answer knows whether another page
    /// follows without counting.
    pub fn window(self) -> Window {
        match self {
            Paging::All => Window::ALL,
            Paging::Page { per_page, page } => Window {
                after: None,
                // Saturates: a page far past the end is an empty page, not an overflow.
                offset: (page - 1).saturating_mul(per_page),
                limit: Some(per_page + 1),
            },
            Paging::After { per_page, after } => Window::after(Some(after), per_page + 1),
        }
    }

    /// The page out of the rows [`Paging::window`] loaded, and whether more follow.
    pub fn page_of<T>(self, mut rows: Vec<T>) -> (Vec<T>, bool) {
        match self {
            Paging::All => (rows, false),
            Paging::Page { per_page, .. } | Paging::After { per_page, .. } => {
                let per_page = usize::try_from(per_page).unwrap_or(usize::MAX);
                let more = rows.len() > per_page;
                rows.truncate(per_page);
                (rows, more)
            }
        }
    }

    /// The page after this one, when `more` records follow; `last_id` is the id of this
    /// page's last record (what `after` goes on from).
    pub fn next(self, more: bool, last_id: Option<i64>) -> Option<Paging> {
        if !more {
            return None;
        }
        match self {
            Paging::All => None,
            Paging::Page { per_page, page } => Some(Paging::Page {
                per_page,
                page: page.checked_add(1)?,
            }),
            Paging::After { per_page, .. } => Some(Paging::After {
                per_page,
                after: last_id?,
            }),
        }
    }

    /// The page before this one. Keyset pages have none: going back would need the ids
    /// before, which `after` does not name.
    pub fn prev(self) -> Option<Paging> {
        match self {
            Paging::Page { per_page, page } if page > 1 => Some(Paging::Page {
                per_page,
                page: page - 1,
            }),
            _ => None,
        }
    }

    /// The parameter that moves to this page (`page=3` or `after=120`), for links.
    pub fn position(self) -> Option<(&'static str, i64)> {
        match self {
            Paging::All => None,
            Paging::Page { page, .. } => Some((PAGE, page)),
            Paging::After { after, .. } => Some((AFTER, after)),
        }
    }
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(query: Value) -> Result<Paging, Errors> {
        Paging::parse(query.as_object().unwrap())
    }

    #[test]
    fn no_paging_parameter_is_the_whole_list() {
        assert_eq!(parse(json!({})), Ok(Paging::All));
        assert_eq!(
            parse(json!({"token": "x", "per_page": "", "filters": {"a": 1}})),
            Ok(Paging::All)
        );
        assert_eq!(Paging::All.window(), Window::ALL);
    }

    #[test]
    fn pages_and_keysets() {
        assert_eq!(
            parse(json!({"per_page": "10"})),
            Ok(Paging::Page {
                per_page: 10,
                page: 1
            })
        );
        assert_eq!(
            parse(json!({"page": "3"})),
            Ok(Paging::Page {
                per_page: DEFAULT_PER_PAGE,
                page: 3
            })
        );
        assert_eq!(
            parse(json!({"per_page": "1000", "after": "0"})),
            Ok(Paging::After {
                per_page: 1000,
                after: 0
            })
        );
    }

    #[test]
    fn bad_values_are_named() {
        let grouped = |q: Value| {
            parse(q)
                .unwrap_err()
                .grouped()
                .into_iter()
                .map(|(a, m)| (a.to_string(), m.join("|")))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            grouped(json!({"per_page": "1001"})),
            vec![("per_page".into(), TOO_MANY_PER_PAGE.into())]
        );
        for bad in [
            json!("0"),
            json!("-1"),
            json!("1.5"),
            json!("x"),
            json!(["2"]),
        ] {
            assert_eq!(
                grouped(json!({"per_page": bad.clone(), "page": bad})),
                vec![
                    ("per_page".into(), messages::NOT_A_POSITIVE_INTEGER.into()),
                    ("page".into(), messages::NOT_A_POSITIVE_INTEGER.into())
                ]
            );
        }
        assert_eq!(
            grouped(json!({"after": "-3"})),
            vec![("after".into(), messages::NOT_A_NON_NEGATIVE_INTEGER.into())]
        );
        assert_eq!(
            grouped(json!({"after": "3", "page": "2"})),
            vec![("after".into(), PAGE_WITH_AFTER.into())]
        );
        assert_eq!(
            grouped(json!({"page": "99999999999999999999"})),
            vec![("page".into(), messages::NOT_A_POSITIVE_INTEGER.into())]
        );
    }

    #[test]
    fn windows_load_one_more_than_a_page() {
        let page = Paging::Page {
            per_page: 10,
            page: 3,
        };
        assert_eq!(
            page.window(),
            Window {
                after: None,
                offset: 20,
                limit: Some(11)
            }
        );
        let far = Paging::Page {
            per_page: 1000,
            page: i64::MAX,
        };
        assert_eq!(far.window().offset, i64::MAX);
        let keyset = Paging::After {
            per_page: 5,
            after: 7,
        };
        assert_eq!(keyset.window(), Window::after(Some(7), 6));
    }

    #[test]
    fn next_and_previous_pages() {
        let page = Paging::Page {
            per_page: 2,
            page: 1,
        };
        let (rows, more) = page.page_of(vec![1, 2, 3]);
        assert_eq!((rows, more), (vec![1, 2], true));
        assert_eq!(
            page.next(true, Some(2)),
            Some(Paging::Page {
                per_page: 2,
                page: 2
            })
        );
        assert_eq!(page.next(false, Some(2)), None);
        assert_eq!(page.prev(), None);
        assert_eq!(
            Paging::Page {
                per_page: 2,
                page: 2
            }
            .prev(),
            Some(page)
        );
        let keyset = Paging::After {
            per_page: 2,
            after: 0,
        };
        assert_eq!(keyset.page_of(vec![4, 9]), (vec![4, 9], false));
        assert_eq!(
            keyset.next(true, Some(9)),
            Some(Paging::After {
                per_page: 2,
                after: 9
            })
        );
        assert_eq!(keyset.prev(), None);
        assert_eq!(Paging::All.page_of(vec![1, 2, 3]), (vec![1, 2, 3], false));
    }
}

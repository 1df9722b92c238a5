//! Writing a representation straight into its text, in JSON or in XML.
//!
//! A resource writes its fields into an [`Out`] one by one; its two implementations,
//! `JsonOut` and `XmlOut`, hold each format's rules (keys and commas, element
//! names, `type` and `nil` attributes, escaping). A [`crate::Node`] tree is written through
//! the same calls, so the two ways of rendering cannot differ. The hot resources (steps, job
//! runs) are written without a tree: building, writing and dropping one was a quarter of a
//! 50-step list's time (docs/benchmarks.md).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use crate::node::ScalarType;

/// A field's key in a record, or an item's element name in a list (JSON writes no key there).
///
/// A name written in the code (`"created_at"`, [`Key::code`], what a `&'static str` becomes)
/// is a plain identifier, which JSON copies as it is; a name that comes from data (a
/// property's name, a server level's, [`Key::data`]) is escaped like any string. Looking
/// for characters to escape in every key was half the cost of writing it, 7% of a 50-step
/// list's instructions (docs/benchmarks.md, 16).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key<'a> {
    text: &'a str,
    from_data: bool,
}

impl<'a> Key<'a> {
    /// A name written in the code: an ASCII letter, then letters, digits and `_` (checked
    /// in debug builds, where every test writes its names), which each format writes as
    /// it is (JSON) or with `-` for `_` (XML).
    pub const fn code(text: &'static str) -> Key<'static> {
        debug_assert!(
            is_code_name(text),
            "a name written in the code is a letter, then letters, digits and _"
        );
        Key {
            text,
            from_data: false,
        }
    }

    /// A name that comes from data, escaped wherever it is written.
    pub const fn data(text: &'a str) -> Key<'a> {
        Key {
            text,
            from_data: true,
        }
    }

    pub const fn as_str(&self) -> &'a str {
        self.text
    }

    /// Whether the name may hold characters a format must escape.
    pub(crate) const fn is_from_data(&self) -> bool {
        self.from_data
    }
}

/// What [`Key::code`] takes: `[A-Za-z][A-Za-z0-9_]*`.
const fn is_code_name(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.is_empty() || !bytes[0].is_ascii_alphabetic() {
        return false;
    }
    let mut index = 1;
    while index < bytes.len() {
        if !(bytes[index].is_ascii_alphanumeric() || bytes[index] == b'_') {
            return false;
        }
        index += 1;
    }
    true
}

impl<'a> From<&'static str> for Key<'a> {
    fn from(text: &'static str) -> Key<'a> {
        Key::code(text)
    }
}

impl<'a> From<&'a String> for Key<'a> {
    fn from(text: &'a String) -> Key<'a> {
        Key::data(text)
    }
}

/// Where a representation is written.
pub trait Out {
    /// A nil; `ty` is its column's type, which XML keeps (`type="datetime" nil="true"`).
    fn null(&mut self, name: Key<'_>, ty: Option<ScalarType>);
    fn str(&mut self, name: Key<'_>, value: &str);
    fn int(&mut self, name: Key<'_>, value: i64);
    fn bool(&mut self, name: Key<'_>, value: bool);
    fn float(&mut self, name: Key<'_>, value: f64);
    /// A decimal kept as its text so that no precision is lost; a string in JSON, as Rails did.
    fn decimal(&mut self, name: Key<'_>, value: &str);
    fn date(&mut self, name: Key<'_>, value: NaiveDate);
    /// A UTC time, written in the configured zone.
    fn time(&mut self, name: Key<'_>, value: NaiveDateTime);
    /// A record's start: its fields follow, then [`Out::close_record`] with the same name.
    fn open_record(&mut self, name: Key<'_>);
    fn close_record(&mut self, name: Key<'_>);
    /// A list with items: they follow, then [`Out::close_list`]. An empty list is
    /// [`Out::empty_list`], which XML writes differently (`<x type="array"/>`).
    fn open_list(&mut self, name: Key<'_>);
    fn close_list(&mut self, name: Key<'_>);
    fn empty_list(&mut self, name: Key<'_>);
}

impl dyn Out + '_ {
    /// A scalar field; `None` is a nil of the value's type.
    pub fn field<'k>(&mut self, name: impl Into<Key<'k>>, value: impl Scalar) {
        value.write(self, name.into());
    }

    /// A nested record whose fields `fields` writes.
    pub fn record<'k>(&mut self, name: impl Into<Key<'k>>, fields: impl FnOnce(&mut dyn Out)) {
        let name = name.into();
        self.open_record(name);
        fields(self);
        self.close_record(name);
    }

    /// A nested record only when there is one: a missing `belongs_to` record is left out,
    /// not written as a nil.
    pub fn opt_record<'k, T>(
        &mut self,
        name: impl Into<Key<'k>>,
        value: Option<T>,
        fields: impl FnOnce(&mut dyn Out, T),
    ) {
        if let Some(value) = value {
            self.record(name, |out| fields(out, value));
        }
    }

    /// A list of `items`, each written by `item` under the element name `item_name`.
    pub fn list<'k, T>(
        &mut self,
        name: impl Into<Key<'k>>,
        item_name: impl Into<Key<'k>>,
        items: impl IntoIterator<Item = T>,
        mut item: impl FnMut(&mut dyn Out, Key<'k>, T),
    ) {
        let (name, item_name) = (name.into(), item_name.into());
        let mut items = items.into_iter().peekable();
        if items.peek().is_none() {
            self.empty_list(name);
            return;
        }
        self.open_list(name);
        for value in items {
            item(self, item_name, value);
        }
        self.close_list(name);
    }
}

/// A value written as one field: what [`Out::field`] takes.
pub trait Scalar {
    /// The type a nil of this value keeps in XML.
    const NULL: Option<ScalarType>;
    fn write(self, out: &mut dyn Out, name: Key<'_>);
}

impl<T: Scalar> Scalar for Option<T> {
    const NULL: Option<ScalarType> = T::NULL;
    fn write(self, out: &mut dyn Out, name: Key<'_>) {
        match self {
            Some(value) => value.write(out, name),
            None => out.null(name, T::NULL),
        }
    }
}

macro_rules! scalar {
    ($($ty:ty => |$out:ident, $name:ident, $v:ident| $write:expr, null: $null:expr;)*) => {$(
        impl Scalar for $ty {
            const NULL: Option<ScalarType> = $null;
            fn write(self, $out: &mut dyn Out, $name: Key<'_>) {
                let $v = self;
                $write
            }
        }
    )*};
}

scalar! {
    i64 => |out, name, v| out.int(name, v), null: Some(ScalarType::Integer);
    i32 => |out, name, v| out.int(name, i64::from(v)), null: Some(ScalarType::Integer);
    u32 => |out, name, v| out.int(name, i64::from(v)), null: Some(ScalarType::Integer);
    bool => |out, name, v| out.bool(name, v), null: Some(ScalarType::Boolean);
    f64 => |out, name, v| out.float(name, v), null: Some(ScalarType::Float);
    NaiveDate => |out, name, v| out.date(name, v), null: Some(ScalarType::Date);
    NaiveDateTime => |out, name, v| out.time(name, v), null: Some(ScalarType::Time);
    DateTime<Utc> => |out, name, v| out.time(name, v.naive_utc()), null: Some(ScalarType::Time);
    &str => |out, name, v| out.str(name, v), null: None;
    &String => |out, name, v| out.str(name, v), null: None;
}

/// What a body's buffer starts with: a step takes about 3 KB in JSON, more in XML, and a
/// buffer grown by doubling from empty copies itself at each step.
pub(crate) const FIRST_CAPACITY: usize = 8 * 1024;

/// The most a list's chunk reserves ahead, whatever its first item's length.
const MOST_RESERVED: usize = 4 << 20;

/// A writer's text so far.
pub(crate) trait Buffered {
    fn buffer(&mut self) -> &mut String;
}

/// Writes `items` into `out`, each named `name`, reserving room for the rest once the first
/// is written as if each took as much as it (a 50-step list's body grew by doubling from
/// empty, copying itself a dozen times).
pub(crate) fn write_items<O: Out + Buffered, T>(
    out: &mut O,
    name: &str,
    items: &[T],
    write: impl Fn(&mut dyn Out, &str, &T),
) {
    let Some((first, rest)) = items.split_first() else {
        return;
    };
    let before = out.buffer().len();
    write(out, name, first);
    let length = out.buffer().len() - before;
    out.buffer()
        .reserve(length.saturating_mul(rest.len()).min(MOST_RESERVED));
    for item in rest {
        write(out, name, item);
    }
}

/// An integer in decimal, without the formatting machinery (itoa: two digits at a time, one
/// copy).
pub(crate) fn push_int(buf: &mut String, value: i64) {
    buf.push_str(itoa::Buffer::new().format(value));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        for value in [0, 7, -7, 10, 1_346_787_283, i64::MAX, i64::MIN] {
            let mut ours = String::new();
            push_int(&mut ours, value);
            assert_eq!(ours, value.to_string());
        }
    }
}

//! The representation tree every resource is rendered from, in JSON and in XML alike.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use crate::out::{Key, Out};

/// A field's name or a list item's element name: almost always a literal, so not allocated.
pub type Name = Cow<'static, str>;

/// One value of a representation.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A nil without a column type: `null`, `<x nil="true"></x>`.
    Null,
    /// A nil of a typed column: `null`, `<x type="datetime" nil="true"></x>`, as ActiveRecord's
    /// `to_xml` kept the column type on nils.
    TypedNull(ScalarType),
    Str(String),
    Int(i64),
    Bool(bool),
    Float(f64),
    /// A decimal kept as its text so that no precision is lost; a string in JSON, as Rails did.
    Decimal(String),
    Date(NaiveDate),
    /// A UTC time, rendered in the configured zone.
    Time(NaiveDateTime),
    Record(Record),
    List(List),
}

/// The typed scalars, named as in the XML `type` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScalarType {
    Integer,
    Boolean,
    Float,
    Decimal,
    Date,
    Time,
}

impl ScalarType {
    /// The `type` attribute Rails' `to_xml` gives values of this type.
    pub fn xml_type(self) -> &'static str {
        match self {
            ScalarType::Integer => "integer",
            ScalarType::Boolean => "boolean",
            ScalarType::Float => "float",
            ScalarType::Decimal => "decimal",
            ScalarType::Date => "date",
            ScalarType::Time => "datetime",
        }
    }
}

impl Node {
    pub fn decimal(text: impl Into<String>) -> Node {
        Node::Decimal(text.into())
    }

    /// Writes this value as `name`: the one place a tree becomes text, in either format.
    /// A tree's names are escaped wherever they are written ([`Key::data`]): trees serve
    /// the resources read less often, and their keys may come from data (property names).
    pub fn write(&self, out: &mut dyn Out, name: &str) {
        let name = Key::data(name);
        match self {
            Node::Null => out.null(name, None),
            Node::TypedNull(ty) => out.null(name, Some(*ty)),
            Node::Str(text) => out.str(name, text),
            Node::Int(number) => out.int(name, *number),
            Node::Bool(value) => out.bool(name, *value),
            Node::Float(number) => out.float(name, *number),
            Node::Decimal(text) => out.decimal(name, text),
            Node::Date(date) => out.date(name, *date),
            Node::Time(time) => out.time(name, *time),
            Node::Record(record) => out.record(name, |out| {
                for (key, value) in record.fields() {
                    value.write(out, key);
                }
            }),
            Node::List(list) => out.list(
                name,
                Key::data(list.item_name()),
                list.items(),
                |out, item_name, item| item.write(out, item_name.as_str()),
            ),
        }
    }
}

/// Named values in the order they are rendered.
///
/// Callers list scalar attributes alphabetically, then nested records, as the original did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record {
    fields: Vec<(Name, Node)>,
}

impl Record {
    pub fn new() -> Record {
        Record::default()
    }

    /// An empty record with room for `fields` fields.
    pub fn with_capacity(fields: usize) -> Record {
        Record {
            fields: Vec::with_capacity(fields),
        }
    }

    /// Adds a field; `None` becomes a null. The builder's keys are literals, each written once
    /// (checked in debug builds): looking for the key first, as [`Record::push`] does, was
    /// 3% of a step list's time.
    pub fn field(mut self, key: impl Into<Name>, value: impl Into<Node>) -> Record {
        let key = key.into();
        debug_assert!(self.get(&key).is_none(), "field {key} set twice");
        self.fields.push((key, value.into()));
        self
    }

    /// Adds a field only when there is a value: a missing `belongs_to` record is left out, not
    /// rendered as null.
    pub fn opt<T: Into<Node>>(self, key: impl Into<Name>, value: Option<T>) -> Record {
        match value {
            Some(value) => self.field(key, value),
            None => self,
        }
    }

    /// Adds a field to a record being built in place. Setting a key again replaces its value
    /// in place, so a JSON object never carries a key twice (keys from data, such as property
    /// names, may repeat).
    pub fn push(&mut self, key: impl Into<Name>, value: impl Into<Node>) {
        let key = key.into();
        let value = value.into();
        match self.fields.iter_mut().find(|(k, _)| *k == key) {
            Some((_, existing)) => *existing = value,
            None => self.fields.push((key, value)),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn fields(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.fields.iter().map(|(k, v)| (k.as_ref(), v))
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

impl<K: Into<Name>, V: Into<Node>> FromIterator<(K, V)> for Record {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Record {
        let mut record = Record::new();
        for (key, value) in iter {
            record.push(key, value);
        }
        record
    }
}

/// A sequence of values; `item_name` names each item's XML element (`job_run` in `job_runs`).
#[derive(Debug, Clone, PartialEq)]
pub struct List {
    item_name: Name,
    items: Vec<Node>,
}

impl List {
    pub fn new<T: Into<Node>>(
        item_name: impl Into<Name>,
        items: impl IntoIterator<Item = T>,
    ) -> List {
        List {
            item_name: item_name.into(),
            items: items.into_iter().map(Into::into).collect(),
        }
    }

    pub fn push(&mut self, item: impl Into<Node>) {
        self.items.push(item.into());
    }

    pub fn item_name(&self) -> &str {
        &self.item_name
    }

    pub fn items(&self) -> &[Node] {
        &self.items
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// What a `None` of a type becomes, so that `Option<NaiveDateTime>` renders a nil with
/// `type="datetime"` while `Option<String>` renders a plain nil.
pub trait NullAs {
    const NULL: Node;
}

impl<T: Into<Node> + NullAs> From<Option<T>> for Node {
    fn from(value: Option<T>) -> Node {
        value.map_or(T::NULL, Into::into)
    }
}

macro_rules! node_from {
    ($($ty:ty => |$v:ident| $node:expr, null: $null:expr;)*) => {$(
        impl From<$ty> for Node {
            fn from($v: $ty) -> Node {
                $node
            }
        }
        impl NullAs for $ty {
            const NULL: Node = $null;
        }
    )*};
}

node_from! {
    i64 => |v| Node::Int(v), null: Node::TypedNull(ScalarType::Integer);
    i32 => |v| Node::Int(i64::from(v)), null: Node::TypedNull(ScalarType::Integer);
    u32 => |v| Node::Int(i64::from(v)), null: Node::TypedNull(ScalarType::Integer);
    bool => |v| Node::Bool(v), null: Node::TypedNull(ScalarType::Boolean);
    f64 => |v| Node::Float(v), null: Node::TypedNull(ScalarType::Float);
    NaiveDate => |v| Node::Date(v), null: Node::TypedNull(ScalarType::Date);
    NaiveDateTime => |v| Node::Time(v), null: Node::TypedNull(ScalarType::Time);
    DateTime<Utc> => |v| Node::Time(v.naive_utc()), null: Node::TypedNull(ScalarType::Time);
    String => |v| Node::Str(v), null: Node::Null;
    &str => |v| Node::Str(v.to_owned()), null: Node::Null;
    &String => |v| Node::Str(v.clone()), null: Node::Null;
    Record => |v| Node::Record(v), null: Node::Null;
    List => |v| Node::List(v), null: Node::Null;
}

impl NullAs for Node {
    const NULL: Node = Node::Null;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn time() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2012, 9, 4)
            .and_then(|d| d.and_hms_opt(19, 34, 44))
            .expect("valid literal time")
    }

    #[test]
    fn builder_keeps_order() {
        let record = Record::new().field("b", 1).field("a", "x").field("c", true);
        let keys: Vec<&str> = record.fields().map(|(k, _)| k).collect();
        assert_eq!(keys, ["b", "a", "c"]);
        assert_eq!(record.len(), 3);
        assert!(!record.is_empty());
    }

    #[test]
    fn setting_a_key_again_replaces_in_place() {
        let mut record = Record::new().field("a", 1).field("b", 2);
        record.push("a", 3);
        let fields: Vec<(&str, &Node)> = record.fields().collect();
        assert_eq!(fields, [("a", &Node::Int(3)), ("b", &Node::Int(2))]);
        let from_data: Record = [("x", 1), ("y", 2), ("x", 3)].into_iter().collect();
        assert_eq!(from_data.len(), 2);
        assert_eq!(from_data.get("x"), Some(&Node::Int(3)));
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "field a set twice")]
    fn the_builder_refuses_a_key_twice() {
        let _ = Record::new().field("a", 1).field("a", 2);
    }

    #[test]
    fn conversions() {
        assert_eq!(Node::from(5i64), Node::Int(5));
        assert_eq!(Node::from(-5i32), Node::Int(-5));
        assert_eq!(Node::from(u32::MAX), Node::Int(4_294_967_295));
        assert_eq!(Node::from("x"), Node::Str("x".into()));
        assert_eq!(Node::from(String::from("y")), Node::Str("y".into()));
        assert_eq!(Node::from(&String::from("z")), Node::Str("z".into()));
        assert_eq!(Node::from(true), Node::Bool(true));
        assert_eq!(Node::from(1.5), Node::Float(1.5));
        assert_eq!(Node::from(time()), Node::Time(time()));
        assert_eq!(Node::from(time().and_utc()), Node::Time(time()));
        assert_eq!(Node::from(time().date()), Node::Date(time().date()));
        assert_eq!(Node::decimal("1.50"), Node::Decimal("1.50".into()));
    }

    #[test]
    fn none_keeps_the_column_type() {
        assert_eq!(Node::from(None::<String>), Node::Null);
        assert_eq!(Node::from(None::<&str>), Node::Null);
        assert_eq!(Node::from(None::<Record>), Node::Null);
        assert_eq!(Node::from(None::<Node>), Node::Null);
        assert_eq!(
            Node::from(None::<i64>),
            Node::TypedNull(ScalarType::Integer)
        );
        assert_eq!(
            Node::from(None::<NaiveDateTime>),
            Node::TypedNull(ScalarType::Time)
        );
        assert_eq!(
            Node::from(None::<bool>),
            Node::TypedNull(ScalarType::Boolean)
        );
        assert_eq!(Node::from(Some(7i32)), Node::Int(7));
    }

    #[test]
    fn opt_leaves_out_missing_values() {
        let record = Record::new()
            .opt("step", None::<Record>)
            .opt("name", Some("x"))
            .field("stderr", None::<String>);
        assert_eq!(record.get("step"), None);
        assert_eq!(record.get("name"), Some(&Node::Str("x".into())));
        assert_eq!(record.get("stderr"), Some(&Node::Null));
    }

    #[test]
    fn list_builder() {
        let mut list = List::new("id", [1i64, 2]);
        list.push(3i64);
        assert_eq!(list.item_name(), "id");
        assert_eq!(list.items(), [Node::Int(1), Node::Int(2), Node::Int(3)]);
        assert_eq!(list.len(), 3);
        assert!(List::new("x", Vec::<Node>::new()).is_empty());
    }

    #[test]
    fn record_from_iterator() {
        let record: Record = [("a", 1i64), ("b", 2)].into_iter().collect();
        assert_eq!(record.get("b"), Some(&Node::Int(2)));
    }

    #[test]
    fn xml_types() {
        assert_eq!(ScalarType::Time.xml_type(), "datetime");
        assert_eq!(ScalarType::Integer.xml_type(), "integer");
        assert_eq!(ScalarType::Boolean.xml_type(), "boolean");
        assert_eq!(ScalarType::Float.xml_type(), "float");
        assert_eq!(ScalarType::Decimal.xml_type(), "decimal");
        assert_eq!(ScalarType::Date.xml_type(), "date");
    }
}

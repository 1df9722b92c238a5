//! A top-level list rendered a piece at a time, for answers streamed in chunks: the bytes of
//! all the pieces together are exactly what [`to_json`](crate::to_json) and
//! [`to_xml`](crate::to_xml) give for the whole list, so that a client cannot tell the two
//! apart.

use crate::json_render::JsonOut;
use crate::negotiation::Format;
use crate::out::{write_items, Key, Out};
use crate::render_options::RenderOptions;
use crate::xml_out::XmlOut;

pub struct ListWriter {
    format: Format,
    /// The list's XML element and each item's.
    root: String,
    item: String,
    options: RenderOptions,
    /// Whether the list's opening has been written (with its first item).
    started: bool,
}

impl ListWriter {
    /// A list with `root` as its XML element (`job_runs`) and `item` as each item's (`job_run`).
    pub fn new(format: Format, root: &str, item: &str, options: RenderOptions) -> ListWriter {
        ListWriter {
            format,
            root: root.to_owned(),
            item: item.to_owned(),
            options,
            started: false,
        }
    }

    /// The bytes of `items`, following those written before, each written by `write` under
    /// the item's name. The opening waits for the first item, because an empty list is
    /// written differently (`<x type="array"/>`).
    pub fn items<T>(&mut self, items: &[T], write: impl Fn(&mut dyn Out, &str, &T)) -> Vec<u8> {
        if items.is_empty() {
            return Vec::new();
        }
        let first = !self.started;
        self.started = true;
        let tz = self.options.tz;
        match self.format {
            Format::Json => {
                let mut out = JsonOut::list_items(tz, if first { '[' } else { ',' });
                write_items(&mut out, &self.item, items, write);
                out.finish()
            }
            Format::Xml => {
                let mut out = if first {
                    let mut out = XmlOut::document(tz);
                    out.open_list(Key::data(&self.root));
                    out
                } else {
                    XmlOut::fragment(tz, 1)
                };
                write_items(&mut out, &self.item, items, write);
                out.finish()
            }
        }
    }

    /// The end of the list (the whole of it, when it had no items).
    pub fn finish(self) -> Vec<u8> {
        match (self.format, self.started) {
            (Format::Json, true) => b"]".to_vec(),
            (Format::Json, false) => b"[]".to_vec(),
            (Format::Xml, true) => {
                let mut out = XmlOut::fragment(self.options.tz, 1);
                out.close_list(Key::data(&self.root));
                out.finish()
            }
            (Format::Xml, false) => {
                let mut out = XmlOut::document(self.options.tz);
                out.empty_list(Key::data(&self.root));
                out.finish()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::{List, Node, Record};
    use crate::{to_json, to_xml};
    use chrono::NaiveDate;

    fn items(n: i64) -> Vec<Node> {
        let at = NaiveDate::from_ymd_opt(2012, 9, 4)
            .and_then(|d| d.and_hms_opt(19, 34, 44))
            .expect("time");
        (1..=n)
            .map(|id| {
                Record::new()
                    .field("id", id)
                    .field("name", format!("run <{id}> \"quoted\""))
                    .field("finished_at", None::<chrono::NaiveDateTime>)
                    .field("created_at", at)
                    .field("steps", List::new("step", vec![Node::Int(id)]))
                    .field("step", Record::new().field("id", id * 10))
                    .into()
            })
            .collect()
    }

    /// Written in chunks of `size`, the list is byte for byte the one rendered at once.
    fn same_both_ways(format: Format, n: i64, size: usize) {
        let options = RenderOptions::new(chrono_tz::Tz::America__New_York);
        let nodes = items(n);
        let whole = Node::List(List::new("job_run", nodes.clone()));
        let expected = match format {
            Format::Json => to_json(&whole, &options),
            Format::Xml => to_xml("job_runs", &whole, &options),
        };
        let mut writer = ListWriter::new(format, "job_runs", "job_run", options);
        let mut streamed = Vec::new();
        for chunk in nodes.chunks(size.max(1)) {
            streamed.extend(writer.items(chunk, |out, name, node| node.write(out, name)));
            streamed.extend(writer.items(&[], |out, name, node: &Node| node.write(out, name)));
        }
        streamed.extend(writer.finish());
        assert_eq!(
            String::from_utf8(streamed).expect("utf-8"),
            String::from_utf8(expected).expect("utf-8"),
            "{format:?}, {n} items in chunks of {size}"
        );
    }

    #[test]
    fn chunks_make_the_whole_list() {
        for format in [Format::Json, Format::Xml] {
            for (n, size) in [(0, 2), (1, 2), (2, 2), (5, 2), (7, 3), (10, 1000)] {
                same_both_ways(format, n, size);
            }
        }
    }
}

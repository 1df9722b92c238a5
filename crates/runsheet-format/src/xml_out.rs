//! XML as Rails' `to_xml` wrote it through Builder: 2 spaces per level, one element per line,
//! start and end tag of a leaf on the same line; dasherized names, `type` attributes on typed
//! values, `nil="true"` on nils, `type="array"` on lists, nested records without a type.
//!
//! Hand-written rather than quick-xml's `Writer` because its indenting puts the end tag of an
//! empty element on its own line, and Rails wrote `<stderr nil="true"></stderr>`.

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;

use crate::node::ScalarType;
use crate::out::{push_int, Key, Out};
use crate::timestamp::{push_date, push_time};
use crate::xml_name::{push_code_name, push_xml_name};
use crate::xml_text::push_escaped_text;

/// Attributes are always our own constants (`type="integer"`, `nil="true"`), never input, so
/// their values need no escaping.
type Attributes<'a> = &'a [(&'static str, &'static str)];

const ARRAY: Attributes = &[("type", "array")];

/// XML being written; names are dasherized and made valid element names as they are written
/// ([`crate::xml_name`]).
pub(crate) struct XmlOut {
    buf: String,
    tz: Tz,
    /// How deep the next element is: its indentation.
    depth: usize,
    /// Where the names of the elements open in this buffer were written, innermost last: an
    /// end tag copies its start tag's name rather than making it again (15 in
    /// docs/benchmarks.md).
    open_names: Vec<std::ops::Range<usize>>,
}

impl XmlOut {
    /// A document, starting with the declaration Rails wrote.
    pub(crate) fn document(tz: Tz) -> XmlOut {
        XmlOut {
            buf: {
                let mut buf = String::with_capacity(crate::out::FIRST_CAPACITY);
                buf.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
                buf
            },
            tz,
            depth: 0,
            open_names: Vec::new(),
        }
    }

    /// A piece of a document: what follows the declaration, its next element `depth` deep.
    pub(crate) fn fragment(tz: Tz, depth: usize) -> XmlOut {
        XmlOut {
            buf: String::new(),
            tz,
            depth,
            open_names: Vec::new(),
        }
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        self.buf.into_bytes()
    }

    /// `<name/>`.
    pub(crate) fn empty_element(&mut self, name: &str) {
        self.start_tag(Key::data(name), &[]);
        self.buf.push_str("/>\n");
    }

    /// `<name attrs>` + what `text` writes + `</name>`, on one line.
    fn leaf(&mut self, name: Key<'_>, attributes: Attributes, text: impl FnOnce(&mut String)) {
        let written = self.start_tag(name, attributes);
        self.buf.push('>');
        text(&mut self.buf);
        self.end_tag(name, Some(written));
    }

    /// `<name attrs>` on its own line; children follow one level deeper.
    fn open(&mut self, name: Key<'_>, attributes: Attributes) {
        let written = self.start_tag(name, attributes);
        self.open_names.push(written);
        self.buf.push_str(">\n");
        self.depth += 1;
    }

    /// `</name>` closing an element opened by [`XmlOut::open`], in this buffer or, for a
    /// streamed list's root, in an earlier one.
    fn close(&mut self, name: Key<'_>) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        let written = self.open_names.pop();
        self.end_tag(name, written);
    }

    /// `<name attrs` (unclosed); where in the buffer the element's name was written.
    fn start_tag(&mut self, name: Key<'_>, attributes: Attributes) -> std::ops::Range<usize> {
        self.indent();
        self.buf.push('<');
        let start = self.buf.len();
        push_name(&mut self.buf, name);
        let written = start..self.buf.len();
        for (key, value) in attributes {
            self.buf.push(' ');
            self.buf.push_str(key);
            self.buf.push_str("=\"");
            self.buf.push_str(value);
            self.buf.push('"');
        }
        written
    }

    /// `</name>`, its name copied from where the start tag wrote it when that is in this
    /// buffer: names, each made twice, were a quarter of a step's XML.
    fn end_tag(&mut self, name: Key<'_>, written: Option<std::ops::Range<usize>>) {
        self.buf.push_str("</");
        match written {
            Some(written) => self.buf.extend_from_within(written),
            None => push_name(&mut self.buf, name),
        }
        self.buf.push_str(">\n");
    }

    fn indent(&mut self) {
        const SPACES: &str = "                                ";
        let mut width = self.depth * 2;
        while width > 0 {
            let piece = width.min(SPACES.len());
            self.buf.push_str(&SPACES[..piece]);
            width -= piece;
        }
    }
}

/// An element's name, made from a name of the code or from data.
fn push_name(buf: &mut String, name: Key<'_>) {
    if name.is_from_data() {
        push_xml_name(buf, name.as_str());
    } else {
        push_code_name(buf, name.as_str());
    }
}

impl crate::out::Buffered for XmlOut {
    fn buffer(&mut self) -> &mut String {
        &mut self.buf
    }
}

impl Out for XmlOut {
    fn null(&mut self, name: Key<'_>, ty: Option<ScalarType>) {
        match ty {
            Some(ty) => self.leaf(name, &[("type", ty.xml_type()), ("nil", "true")], |_| {}),
            None => self.leaf(name, &[("nil", "true")], |_| {}),
        }
    }

    fn str(&mut self, name: Key<'_>, value: &str) {
        self.leaf(name, &[], |buf| push_escaped_text(buf, value));
    }

    fn int(&mut self, name: Key<'_>, value: i64) {
        self.leaf(name, &[("type", "integer")], |buf| push_int(buf, value));
    }

    fn bool(&mut self, name: Key<'_>, value: bool) {
        let text = if value { "true" } else { "false" };
        self.leaf(name, &[("type", "boolean")], |buf| buf.push_str(text));
    }

    /// An xs:float: serde_json's shortest round-trip form for finite values (`1.0`,
    /// `1e+20`), and `NaN` / `INF` / `-INF` otherwise.
    fn float(&mut self, name: Key<'_>, value: f64) {
        let text = if value.is_nan() {
            "NaN".to_owned()
        } else if value.is_infinite() {
            if value > 0.0 { "INF" } else { "-INF" }.to_owned()
        } else {
            serde_json::to_string(&value).unwrap_or_else(|_| value.to_string())
        };
        self.leaf(name, &[("type", "float")], |buf| buf.push_str(&text));
    }

    fn decimal(&mut self, name: Key<'_>, value: &str) {
        self.leaf(name, &[("type", "decimal")], |buf| {
            push_escaped_text(buf, value)
        });
    }

    fn date(&mut self, name: Key<'_>, value: NaiveDate) {
        self.leaf(name, &[("type", "date")], |buf| push_date(buf, value));
    }

    fn time(&mut self, name: Key<'_>, value: NaiveDateTime) {
        let tz = self.tz;
        self.leaf(name, &[("type", "datetime")], |buf| {
            push_time(buf, value, tz)
        });
    }

    /// Builder wrote a block element's tags on separate lines even when it had no children.
    fn open_record(&mut self, name: Key<'_>) {
        self.open(name, &[]);
    }

    fn close_record(&mut self, name: Key<'_>) {
        self.close(name);
    }

    fn open_list(&mut self, name: Key<'_>) {
        self.open(name, ARRAY);
    }

    fn close_list(&mut self, name: Key<'_>) {
        self.close(name);
    }

    fn empty_list(&mut self, name: Key<'_>) {
        self.start_tag(name, ARRAY);
        self.buf.push_str("/>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_builder_layout() {
        let mut xml = XmlOut::document(Tz::UTC);
        let out: &mut dyn Out = &mut xml;
        out.open_list(Key::code("root"));
        out.null(Key::code("a"), None);
        out.str(Key::code("b_c"), "x<y");
        out.empty_list(Key::code("c"));
        out.record("d", |_| {});
        out.close_list(Key::code("root"));
        let text = String::from_utf8(xml.finish()).expect("utf-8");
        assert_eq!(
            text,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <root type=\"array\">\n\
             \x20 <a nil=\"true\"></a>\n\
             \x20 <b-c>x&lt;y</b-c>\n\
             \x20 <c type=\"array\"/>\n\
             \x20 <d>\n\
             \x20 </d>\n\
             </root>\n"
        );
    }
}

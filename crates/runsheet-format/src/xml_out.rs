//! A small indenting writer for the XML Rails' Builder produced: 2 spaces per level, one element
//! per line, start and end tag of a leaf on the same line.
//!
//! Hand-written rather than quick-xml's `Writer` because its indenting puts the end tag of an
//! empty element on its own line, and Rails wrote `<stderr nil="true"></stderr>`.

use crate::xml_text::push_escaped_text;

/// Attributes are always our own constants (`type="integer"`, `nil="true"`), never input, so
/// their values need no escaping.
pub(crate) type Attributes<'a> = &'a [(&'static str, &'static str)];

pub(crate) struct XmlOut {
    buf: String,
}

impl XmlOut {
    /// A document, starting with the declaration Rails wrote.
    pub(crate) fn document() -> XmlOut {
        XmlOut {
            buf: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
        }
    }

    /// A piece of a document: what follows the declaration.
    pub(crate) fn fragment() -> XmlOut {
        XmlOut { buf: String::new() }
    }

    /// `<name attrs>` on its own line; children follow one level deeper.
    pub(crate) fn open(&mut self, depth: usize, name: &str, attributes: Attributes) {
        self.start_tag(depth, name, attributes);
        self.buf.push_str(">\n");
    }

    /// `</name>` closing an element opened by [`XmlOut::open`] at the same depth.
    pub(crate) fn close(&mut self, depth: usize, name: &str) {
        self.indent(depth);
        self.end_tag(name);
    }

    /// `<name attrs>text</name>` on one line.
    pub(crate) fn leaf(&mut self, depth: usize, name: &str, attributes: Attributes, text: &str) {
        self.start_tag(depth, name, attributes);
        self.buf.push('>');
        push_escaped_text(&mut self.buf, text);
        self.end_tag(name);
    }

    /// `<name attrs/>`.
    pub(crate) fn empty(&mut self, depth: usize, name: &str, attributes: Attributes) {
        self.start_tag(depth, name, attributes);
        self.buf.push_str("/>\n");
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        self.buf.into_bytes()
    }

    fn start_tag(&mut self, depth: usize, name: &str, attributes: Attributes) {
        self.indent(depth);
        self.buf.push('<');
        self.buf.push_str(name);
        for (key, value) in attributes {
            self.buf.push(' ');
            self.buf.push_str(key);
            self.buf.push_str("=\"");
            self.buf.push_str(value);
            self.buf.push('"');
        }
    }

    fn end_tag(&mut self, name: &str) {
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push_str(">\n");
    }

    fn indent(&mut self, depth: usize) {
        self.buf.extend(std::iter::repeat_n(' ', depth * 2));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_builder_layout() {
        let mut out = XmlOut::document();
        out.open(0, "root", &[("type", "array")]);
        out.leaf(1, "a", &[("nil", "true")], "");
        out.leaf(1, "b", &[], "x<y");
        out.empty(1, "c", &[("type", "array")]);
        out.open(1, "d", &[]);
        out.close(1, "d");
        out.close(0, "root");
        let text = String::from_utf8(out.finish()).expect("utf-8");
        assert_eq!(
            text,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <root type=\"array\">\n\
             \x20 <a nil=\"true\"></a>\n\
             \x20 <b>x&lt;y</b>\n\
             \x20 <c type=\"array\"/>\n\
             \x20 <d>\n\
             \x20 </d>\n\
             </root>\n"
        );
    }
}

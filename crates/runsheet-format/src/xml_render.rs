//! A `Node` tree as Rails' `to_xml` wrote it; the format's rules are `XmlOut`'s
//! (`xml_out.rs`).

use crate::negotiation::Format;
use crate::node::Node;
use crate::render::render;
use crate::render_options::RenderOptions;

/// The XML document for `node` with root element `root` (`job-run`, or `job-runs` for a list;
/// underscores are dasherized here, so `job_runs` works too).
pub fn to_xml(root: &str, node: &Node, options: &RenderOptions) -> Vec<u8> {
    render(Format::Xml, root, options, |out, name| {
        node.write(out, name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::{List, Record, ScalarType};
    use chrono::{NaiveDate, NaiveDateTime};

    const DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

    fn xml(root: &str, node: impl Into<Node>) -> String {
        xml_in(root, node, chrono_tz::Tz::UTC)
    }

    fn xml_in(root: &str, node: impl Into<Node>, tz: chrono_tz::Tz) -> String {
        let bytes = to_xml(root, &node.into(), &RenderOptions::new(tz));
        String::from_utf8(bytes).expect("utf-8")
    }

    /// The document without the declaration, for terse expectations.
    fn body(root: &str, node: impl Into<Node>) -> String {
        let text = xml(root, node);
        assert!(text.starts_with(DECL), "{text}");
        text[DECL.len()..].to_owned()
    }

    fn time(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|date| date.and_hms_opt(h, mi, s))
            .expect("valid literal time")
    }

    #[test]
    fn every_scalar_variant() {
        let record = Record::new()
            .field("nothing", Node::Null)
            .field("finished_at", None::<NaiveDateTime>)
            .field("count", None::<i64>)
            .field("name", "x")
            .field("empty", "")
            .field("id", 5i64)
            .field("negative", -7i64)
            .field("active", true)
            .field("deleted", false)
            .field("ratio", 0.25)
            .field("whole", 2.0)
            .field("price", Node::decimal("10.50"))
            .field("due_on", NaiveDate::from_ymd_opt(2012, 9, 4).expect("date"))
            .field("at", time(2012, 9, 4, 19, 34, 44));
        assert_eq!(
            body("thing", record),
            "<thing>\n\
             \x20 <nothing nil=\"true\"></nothing>\n\
             \x20 <finished-at type=\"datetime\" nil=\"true\"></finished-at>\n\
             \x20 <count type=\"integer\" nil=\"true\"></count>\n\
             \x20 <name>x</name>\n\
             \x20 <empty></empty>\n\
             \x20 <id type=\"integer\">5</id>\n\
             \x20 <negative type=\"integer\">-7</negative>\n\
             \x20 <active type=\"boolean\">true</active>\n\
             \x20 <deleted type=\"boolean\">false</deleted>\n\
             \x20 <ratio type=\"float\">0.25</ratio>\n\
             \x20 <whole type=\"float\">2.0</whole>\n\
             \x20 <price type=\"decimal\">10.50</price>\n\
             \x20 <due-on type=\"date\">2012-09-04</due-on>\n\
             \x20 <at type=\"datetime\">2012-09-04T19:34:44Z</at>\n\
             </thing>\n"
        );
    }

    #[test]
    fn typed_nulls_of_every_type() {
        let types = [
            (ScalarType::Integer, "integer"),
            (ScalarType::Boolean, "boolean"),
            (ScalarType::Float, "float"),
            (ScalarType::Decimal, "decimal"),
            (ScalarType::Date, "date"),
            (ScalarType::Time, "datetime"),
        ];
        for (ty, name) in types {
            assert_eq!(
                body("v", Node::TypedNull(ty)),
                format!("<v type=\"{name}\" nil=\"true\"></v>\n")
            );
        }
    }

    #[test]
    fn non_finite_floats() {
        assert_eq!(body("f", f64::NAN), "<f type=\"float\">NaN</f>\n");
        assert_eq!(body("f", f64::INFINITY), "<f type=\"float\">INF</f>\n");
        assert_eq!(body("f", f64::NEG_INFINITY), "<f type=\"float\">-INF</f>\n");
        assert_eq!(body("f", 1e20), "<f type=\"float\">1e+20</f>\n");
    }

    #[test]
    fn scalar_at_the_root() {
        assert_eq!(xml("name", "x"), format!("{DECL}<name>x</name>\n"));
        assert_eq!(body("id", 3i64), "<id type=\"integer\">3</id>\n");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(body("note", r#"<&>"'"#), "<note>&lt;&amp;&gt;\"'</note>\n");
        assert_eq!(
            body("note", "bell\u{7}end\u{0}"),
            "<note>bell\u{FFFD}end\u{FFFD}</note>\n"
        );
    }

    #[test]
    fn names_are_dasherized_and_sanitized() {
        let record = Record::new()
            .field("run_key", 1i64)
            .field("my property", "a")
            .field("ns:key", "b")
            .field("2nd", "c")
            .field("<evil>", "d");
        assert_eq!(
            body("job_run", record),
            "<job-run>\n\
             \x20 <run-key type=\"integer\">1</run-key>\n\
             \x20 <my-property>a</my-property>\n\
             \x20 <ns-key>b</ns-key>\n\
             \x20 <_2nd>c</_2nd>\n\
             \x20 <_-evil->d</_-evil->\n\
             </job-run>\n"
        );
    }

    #[test]
    fn nested_records_have_no_type() {
        let record = Record::new().field("id", 1i64).field(
            "step",
            Record::new()
                .field("id", 35i64)
                .field("request", Record::new().field("name", "R")),
        );
        assert_eq!(
            body("job-run", record),
            "<job-run>\n\
             \x20 <id type=\"integer\">1</id>\n\
             \x20 <step>\n\
             \x20   <id type=\"integer\">35</id>\n\
             \x20   <request>\n\
             \x20     <name>R</name>\n\
             \x20   </request>\n\
             \x20 </step>\n\
             </job-run>\n"
        );
    }

    #[test]
    fn empty_record() {
        assert_eq!(body("thing", Record::new()), "<thing>\n</thing>\n");
    }

    #[test]
    fn has_many_lists() {
        let empty = Record::new().field("steps", List::new("step", Vec::<Node>::new()));
        assert_eq!(
            body("request", empty),
            "<request>\n  <steps type=\"array\"/>\n</request>\n"
        );
        let full = Record::new().field(
            "steps",
            List::new(
                "step",
                [
                    Record::new().field("id", 1i64),
                    Record::new().field("id", 2i64),
                ],
            ),
        );
        assert_eq!(
            body("request", full),
            "<request>\n\
             \x20 <steps type=\"array\">\n\
             \x20   <step>\n\
             \x20     <id type=\"integer\">1</id>\n\
             \x20   </step>\n\
             \x20   <step>\n\
             \x20     <id type=\"integer\">2</id>\n\
             \x20   </step>\n\
             \x20 </steps>\n\
             </request>\n"
        );
    }

    #[test]
    fn top_level_lists() {
        assert_eq!(
            body("job_runs", List::new("job_run", Vec::<Node>::new())),
            "<job-runs type=\"array\"/>\n"
        );
        assert_eq!(
            body(
                "job-runs",
                List::new("job_run", [Record::new().field("id", 1i64)])
            ),
            "<job-runs type=\"array\">\n\
             \x20 <job-run>\n\
             \x20   <id type=\"integer\">1</id>\n\
             \x20 </job-run>\n\
             </job-runs>\n"
        );
    }

    #[test]
    fn lists_of_scalars_and_lists() {
        assert_eq!(
            body("names", List::new("name", ["a", "b<"])),
            "<names type=\"array\">\n  <name>a</name>\n  <name>b&lt;</name>\n</names>\n"
        );
        assert_eq!(
            body("ids", List::new("id", [Node::Int(1), Node::Null])),
            "<ids type=\"array\">\n  <id type=\"integer\">1</id>\n  <id nil=\"true\"></id>\n</ids>\n"
        );
        assert_eq!(
            body(
                "rows",
                List::new(
                    "row",
                    [
                        List::new("cell", ["x"]),
                        List::new("cell", Vec::<Node>::new())
                    ]
                )
            ),
            "<rows type=\"array\">\n\
             \x20 <row type=\"array\">\n\
             \x20   <cell>x</cell>\n\
             \x20 </row>\n\
             \x20 <row type=\"array\"/>\n\
             </rows>\n"
        );
    }

    #[test]
    fn times_follow_the_zone() {
        let ny = chrono_tz::Tz::America__New_York;
        let summer = xml_in("at", time(2012, 9, 4, 19, 34, 44), ny);
        assert!(
            summer.ends_with("<at type=\"datetime\">2012-09-04T15:34:44-04:00</at>\n"),
            "{summer}"
        );
        let winter = xml_in("at", time(2012, 12, 4, 19, 34, 44), ny);
        assert!(
            winter.ends_with("<at type=\"datetime\">2012-12-04T14:34:44-05:00</at>\n"),
            "{winter}"
        );
    }

    #[test]
    fn output_is_well_formed_for_hostile_keys_and_text() {
        let record = Record::new()
            .field("a b:c", "\u{1}<![CDATA[x]]>&amp;")
            .field("", "]]>")
            .field("xml", "\u{FFFF}");
        let bytes = to_xml("x y", &record.into(), &RenderOptions::default());
        let mut reader = quick_xml::Reader::from_reader(bytes.as_slice());
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("ill-formed output: {e}"),
            }
        }
    }
}

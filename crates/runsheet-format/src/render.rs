//! A whole answer's body, in either format, written by the caller through an [`Out`].

use crate::json_render::JsonOut;
use crate::negotiation::Format;
use crate::out::Out;
use crate::render_options::RenderOptions;
use crate::xml_out::XmlOut;

/// The body in `format` that `write` writes as its one value, `root` naming the value
/// (the XML root element: `step`, `job_runs`).
pub fn render(
    format: Format,
    root: &str,
    options: &RenderOptions,
    write: impl FnOnce(&mut dyn Out, &str),
) -> Vec<u8> {
    match format {
        Format::Json => {
            let mut out = JsonOut::new(options.tz);
            write(&mut out, root);
            out.finish()
        }
        Format::Xml => {
            let mut out = XmlOut::document(options.tz);
            write(&mut out, root);
            out.finish()
        }
    }
}

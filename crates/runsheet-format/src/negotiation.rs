//! Which format a response is rendered in: a `.json`/`.xml` extension, or the Accept header.

/// The two formats the API speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json; charset=utf-8",
            Format::Xml => "application/xml; charset=utf-8",
        }
    }

    /// The path extension that names it: `json`, `xml`.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Xml => "xml",
        }
    }

    /// The format named by a path extension (`json` / `xml`, any case).
    pub fn from_extension(extension: &str) -> Option<Format> {
        if extension.eq_ignore_ascii_case("json") {
            Some(Format::Json)
        } else if extension.eq_ignore_ascii_case("xml") {
            Some(Format::Xml)
        } else {
            None
        }
    }

    fn other(self) -> Format {
        match self {
            Format::Json => Format::Xml,
            Format::Xml => Format::Json,
        }
    }
}

/// The Accept header names no media type we can produce (answered with 406).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("none of the media types in the Accept header can be produced; use application/json or application/xml")]
pub struct NotAcceptable;

/// Picks the response format from an Accept header.
///
/// The range with the highest q wins, the earlier one on ties. Wildcards (`*/*`, `application/*`)
/// and a missing or empty header give `default`; `text/*` gives XML, as text/xml is the only text
/// type we have. A format refused explicitly (`application/json;q=0`) is never picked, not even
/// through a wildcard, so `application/json;q=0, */*` gives XML whatever the default.
pub fn negotiate(accept: Option<&str>, default: Format) -> Result<Format, NotAcceptable> {
    let Some(header) = accept.filter(|h| !h.trim().is_empty()) else {
        return Ok(default);
    };
    let ranges: Vec<MediaRange> = header
        .split(',')
        .filter_map(|range| MediaRange::parse(range, default))
        .collect();
    let refused: Vec<Format> = ranges
        .iter()
        .filter(|range| range.quality == 0 && range.exact)
        .flat_map(|range| range.candidates.iter().copied())
        .collect();

    let mut best: Option<(u16, Format)> = None;
    for range in ranges.iter().filter(|range| range.quality > 0) {
        let Some(format) = range.candidates.iter().find(|f| !refused.contains(f)) else {
            continue;
        };
        // Strictly greater: on a tie the earlier range keeps its place.
        if best.is_none_or(|(quality, _)| range.quality > quality) {
            best = Some((range.quality, *format));
        }
    }
    best.map(|(_, format)| format).ok_or(NotAcceptable)
}

/// One comma-separated element of an Accept header, reduced to what we can serve for it.
struct MediaRange {
    /// Formats this range accepts, the preferred one first; empty for types we cannot produce.
    candidates: Vec<Format>,
    /// Names one concrete type (not a wildcard), so q=0 on it refuses that format.
    exact: bool,
    /// The q-value in thousandths (0..=1000), so that comparisons are exact.
    quality: u16,
}

impl MediaRange {
    fn parse(range: &str, default: Format) -> Option<MediaRange> {
        let mut parts = range.split(';');
        let media_type = parts.next()?.trim().to_ascii_lowercase();
        if media_type.is_empty() {
            return None;
        }
        let quality = parts
            .filter_map(|param| param.split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
            .map_or(1000, |(_, value)| parse_quality(value.trim()));
        let (candidates, exact) = match media_type.as_str() {
            "application/json" => (vec![Format::Json], true),
            "application/xml" | "text/xml" => (vec![Format::Xml], true),
            "*/*" | "*" | "application/*" => (vec![default, default.other()], false),
            "text/*" => (vec![Format::Xml], false),
            _ => (Vec::new(), true),
        };
        Some(MediaRange {
            candidates,
            exact,
            quality,
        })
    }
}

/// Parses a qvalue (`0`, `0.5`, `1.000`) into thousandths. A malformed one counts as 1, so that a
/// sloppy client still gets an answer rather than a 406.
fn parse_quality(value: &str) -> u16 {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || whole.len() > 1 || !digits_only(whole) {
        return 1000;
    }
    if fraction.len() > 3 || !digits_only(fraction) {
        return 1000;
    }
    let whole: u16 = if whole == "1" {
        1000
    } else if whole == "0" {
        0
    } else {
        return 1000;
    };
    let thousandths = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0u16, |acc, b| acc * 10 + u16::from(b - b'0'));
    (whole + thousandths).min(1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Format::{Json, Xml};

    fn pick(accept: &str, default: Format) -> Result<Format, NotAcceptable> {
        negotiate(Some(accept), default)
    }

    #[test]
    fn content_types() {
        assert_eq!(Json.content_type(), "application/json; charset=utf-8");
        assert_eq!(Xml.content_type(), "application/xml; charset=utf-8");
    }

    #[test]
    fn extensions() {
        assert_eq!(Format::from_extension("json"), Some(Json));
        assert_eq!(Format::from_extension("xml"), Some(Xml));
        assert_eq!(Format::from_extension("XML"), Some(Xml));
        assert_eq!(Format::from_extension("html"), None);
        assert_eq!(Format::from_extension(""), None);
    }

    #[test]
    fn missing_or_empty_header_gives_default() {
        assert_eq!(negotiate(None, Json), Ok(Json));
        assert_eq!(negotiate(None, Xml), Ok(Xml));
        assert_eq!(pick("", Xml), Ok(Xml));
        assert_eq!(pick("   ", Json), Ok(Json));
    }

    #[test]
    fn concrete_types() {
        assert_eq!(pick("application/json", Xml), Ok(Json));
        assert_eq!(pick("application/xml", Json), Ok(Xml));
        assert_eq!(pick("text/xml", Json), Ok(Xml));
    }

    #[test]
    fn wildcards_give_default() {
        assert_eq!(pick("*/*", Json), Ok(Json));
        assert_eq!(pick("*/*", Xml), Ok(Xml));
        assert_eq!(pick("application/*", Xml), Ok(Xml));
        assert_eq!(pick("application/*", Json), Ok(Json));
        assert_eq!(pick("*", Xml), Ok(Xml));
    }

    #[test]
    fn text_wildcard_gives_xml() {
        assert_eq!(pick("text/*", Json), Ok(Xml));
    }

    #[test]
    fn unsupported_types_are_not_acceptable() {
        assert_eq!(pick("text/html", Json), Err(NotAcceptable));
        assert_eq!(pick("image/png", Xml), Err(NotAcceptable));
        assert_eq!(pick("text/html, image/png;q=0.5", Xml), Err(NotAcceptable));
        assert_eq!(pick("garbage", Json), Err(NotAcceptable));
        assert_eq!(pick(",,", Json), Err(NotAcceptable));
    }

    #[test]
    fn unsupported_types_are_skipped_when_a_supported_one_follows() {
        assert_eq!(pick("text/html, application/json", Xml), Ok(Json));
        assert_eq!(
            pick(
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                Json
            ),
            Ok(Xml)
        );
    }

    #[test]
    fn highest_quality_wins() {
        assert_eq!(
            pick("application/xml;q=0.5, application/json", Xml),
            Ok(Json)
        );
        assert_eq!(
            pick("application/json;q=0.5, application/xml;q=0.9", Json),
            Ok(Xml)
        );
        assert_eq!(pick("application/json;q=0.8, */*;q=0.9", Xml), Ok(Xml));
        assert_eq!(
            pick("application/json;q=0.999, text/xml;q=1.0", Json),
            Ok(Xml)
        );
    }

    #[test]
    fn ties_go_to_the_earlier_range() {
        assert_eq!(pick("application/xml, application/json", Json), Ok(Xml));
        assert_eq!(pick("application/json, application/xml", Xml), Ok(Json));
        assert_eq!(
            pick("application/json;q=0.5, application/xml;q=0.5", Xml),
            Ok(Json)
        );
        assert_eq!(pick("*/*, application/json", Xml), Ok(Xml));
    }

    #[test]
    fn zero_quality_is_not_acceptable() {
        assert_eq!(pick("application/json;q=0", Json), Err(NotAcceptable));
        assert_eq!(pick("*/*;q=0", Json), Err(NotAcceptable));
        assert_eq!(pick("application/json;q=0.000", Json), Err(NotAcceptable));
        assert_eq!(
            pick("application/json;q=0, application/xml;q=0.1", Json),
            Ok(Xml)
        );
    }

    #[test]
    fn refused_format_is_not_picked_through_a_wildcard() {
        assert_eq!(pick("application/json;q=0, */*", Json), Ok(Xml));
        assert_eq!(pick("*/*, application/xml;q=0", Xml), Ok(Json));
        assert_eq!(
            pick("application/json;q=0, text/xml;q=0, application/*", Json),
            Err(NotAcceptable)
        );
        assert_eq!(pick("text/xml;q=0, text/*", Json), Err(NotAcceptable));
    }

    #[test]
    fn case_spaces_and_parameters_are_tolerated() {
        assert_eq!(pick("Application/JSON", Xml), Ok(Json));
        assert_eq!(pick("  application/json ; charset=utf-8 ", Xml), Ok(Json));
        assert_eq!(pick("TEXT/XML;Charset=UTF-8", Json), Ok(Xml));
        assert_eq!(pick("application/json; Q=0", Json), Err(NotAcceptable));
        assert_eq!(
            pick("application/xml ; q = 0.2 , application/json;q=0.1", Json),
            Ok(Xml)
        );
    }

    #[test]
    fn malformed_quality_counts_as_one() {
        assert_eq!(
            pick("application/xml;q=0.5, application/json;q=abc", Xml),
            Ok(Json)
        );
        assert_eq!(
            pick("application/xml;q=0.5, application/json;q=NaN", Xml),
            Ok(Json)
        );
        assert_eq!(
            pick("application/xml;q=0.5, application/json;q=", Xml),
            Ok(Json)
        );
        assert_eq!(
            pick("application/xml;q=0.5, application/json;q=2", Xml),
            Ok(Json)
        );
        assert_eq!(
            pick("application/xml;q=0.5, application/json;q", Xml),
            Ok(Json)
        );
    }

    #[test]
    fn quality_values() {
        assert_eq!(parse_quality("0"), 0);
        assert_eq!(parse_quality("0.5"), 500);
        assert_eq!(parse_quality("0.05"), 50);
        assert_eq!(parse_quality("0.123"), 123);
        assert_eq!(parse_quality("1"), 1000);
        assert_eq!(parse_quality("1.000"), 1000);
        assert_eq!(parse_quality("1.5"), 1000);
        assert_eq!(parse_quality("0."), 0);
        assert_eq!(parse_quality("0.1234"), 1000);
        assert_eq!(parse_quality("-0.5"), 1000);
        assert_eq!(parse_quality(".5"), 1000);
    }
}

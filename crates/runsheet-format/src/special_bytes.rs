//! Finding the next byte a writer must escape, eight bytes at a time: every string of every
//! record is scanned, and every name from data (`Key::data`), and nearly all of them have
//! nothing to escape (a byte at a time, this scan was a tenth of a 50-step list's
//! instructions).

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether any byte of `word` is below `n` (`n` at most 0x80): exact, not an estimate.
const fn any_below(word: u64, n: u8) -> bool {
    word.wrapping_sub(ONES * n as u64) & !word & HIGHS != 0
}

/// Whether any byte of `word` is `byte`.
const fn any_equal(word: u64, byte: u8) -> bool {
    any_below(word ^ (ONES * byte as u64), 1)
}

/// The bytes a writer must escape: control characters (below 0x20) and its `stops`, both as
/// the list the word scan tests and as a table for the bytes after the last whole word (keys
/// and short values are mostly such bytes).
pub(crate) struct Specials {
    stops: &'static [u8],
    table: [bool; 256],
}

impl Specials {
    pub(crate) const fn new(stops: &'static [u8]) -> Specials {
        let mut table = [false; 256];
        let mut byte = 0;
        while byte < 0x20 {
            table[byte] = true;
            byte += 1;
        }
        let mut index = 0;
        while index < stops.len() {
            table[stops[index] as usize] = true;
            index += 1;
        }
        Specials { stops, table }
    }
}

/// The index of the first byte of `bytes` that is one of `specials`; `bytes.len()` when there
/// is none.
pub(crate) fn next_special(bytes: &[u8], specials: &Specials) -> usize {
    let (words, _) = bytes.as_chunks::<8>();
    let mut index = 0;
    for word in words {
        let word = u64::from_le_bytes(*word);
        if any_below(word, 0x20) || specials.stops.iter().any(|&stop| any_equal(word, stop)) {
            break;
        }
        index += 8;
    }
    bytes[index..]
        .iter()
        .position(|&byte| specials.table[usize::from(byte)])
        .map_or(bytes.len(), |found| index + found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every byte value at every offset of a word and beyond, against a byte-by-byte search.
    #[test]
    fn finds_the_first_special_byte_wherever_it_is() {
        const SPECIALS: Specials = Specials::new(&[b'"', b'\\', 0xef]);
        let stops = [b'"', b'\\', 0xef];
        for byte in 0..=255u8 {
            for at in 0..20 {
                let mut bytes = vec![b'a'; 20];
                bytes[at] = byte;
                // A second candidate later on: the first one must win.
                bytes[19] = b'\\';
                let expected = bytes
                    .iter()
                    .position(|&b| b < 0x20 || stops.contains(&b))
                    .unwrap_or(bytes.len());
                assert_eq!(
                    next_special(&bytes, &SPECIALS),
                    expected,
                    "{byte:#x} at {at}"
                );
            }
        }
    }

    #[test]
    fn plain_text_of_any_length_has_none() {
        let text = "plain text, with ümlauts and 漢字 but nothing to escape";
        for end in 0..=text.len() {
            let bytes = &text.as_bytes()[..end];
            assert_eq!(next_special(bytes, &Specials::new(b"\"\\&<>")), bytes.len());
        }
        assert_eq!(next_special(b"", &Specials::new(b"\"")), 0);
    }
}

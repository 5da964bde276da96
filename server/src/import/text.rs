//! Reading an import file's bytes as text, with one stated rule:
//!
//! - UTF-8 is the format; a UTF-8 byte-order mark is dropped.
//! - UTF-16 with a byte-order mark (what Excel's "Unicode Text" and some Windows tools write)
//!   is decoded: the mark says which byte order, so nothing is guessed.
//! - Anything else that is not UTF-8 is refused, naming the line and the first bad byte, unless
//!   the importer says the file is Windows-1252 (`--encoding windows-1252`, `encoding=` over
//!   HTTP). Latin-1 (ISO 8859-1) files are read the same way: Windows-1252 agrees with Latin-1
//!   on every printable character. No guessing between encodings: a wrong guess silently turns
//!   "Café" into "CafÃ©" in a directory families read.
//! - UTF-16 without a mark (many NUL bytes) is refused with how to fix it.

use std::borrow::Cow;

/// The encoding an import file is read in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (a byte-order mark is fine), or UTF-16 with a byte-order mark.
    #[default]
    Utf8,
    /// Windows-1252 (and so Latin-1), as older Excel versions save "CSV".
    Windows1252,
}

impl Encoding {
    /// Parses `utf-8` or `windows-1252` (also `cp1252`, `latin-1`, `latin1`, `iso-8859-1`).
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Ok(Self::Utf8),
            "windows-1252" | "cp1252" | "latin-1" | "latin1" | "iso-8859-1" => Ok(Self::Windows1252),
            _ => Err(format!("'{raw}' is not an encoding assetmap reads (utf-8 or windows-1252)")),
        }
    }
}

/// The characters Windows-1252 puts at 0x80–0x9F (`None`: undefined there).
const CP1252_HIGH: [Option<char>; 32] = [
    Some('€'),
    None,
    Some('‚'),
    Some('ƒ'),
    Some('„'),
    Some('…'),
    Some('†'),
    Some('‡'),
    Some('ˆ'),
    Some('‰'),
    Some('Š'),
    Some('‹'),
    Some('Œ'),
    None,
    Some('Ž'),
    None,
    None,
    Some('‘'),
    Some('’'),
    Some('“'),
    Some('”'),
    Some('•'),
    Some('–'),
    Some('—'),
    Some('˜'),
    Some('™'),
    Some('š'),
    Some('›'),
    Some('œ'),
    None,
    Some('ž'),
    Some('Ÿ'),
];

fn line_of(bytes: &[u8], at: usize) -> usize {
    bytes[..at.min(bytes.len())].iter().filter(|b| **b == b'\n').count() + 1
}

/// Decodes an import file; the error is a sentence for the person who made the file.
pub fn decode(bytes: &[u8], encoding: Encoding) -> Result<Cow<'_, str>, String> {
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, u16::from_le_bytes).map(Cow::Owned);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, u16::from_be_bytes).map(Cow::Owned);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let nuls = bytes.iter().take(4096).filter(|b| **b == 0).count();
    if nuls > 0 && nuls * 4 >= bytes.len().min(4096) {
        return Err("looks like UTF-16 text without a byte-order mark; save it as UTF-8 (in Excel: \
                    'CSV UTF-8') and try again"
            .to_owned());
    }
    match encoding {
        Encoding::Utf8 => std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|e| {
            let at = e.valid_up_to();
            let line = line_of(bytes, at);
            let byte = bytes.get(at).copied().unwrap_or(0);
            let hint = if byte >= 0xA0 || (0x80..0xA0).contains(&byte) {
                " It looks like Windows-1252 or Latin-1 (older Excel 'CSV'): save it as UTF-8 ('CSV UTF-8') \
                 and try again, or import it with --encoding windows-1252 (encoding=windows-1252 over HTTP)."
            } else {
                " Save it as UTF-8 and try again."
            };
            format!("is not UTF-8 text (first bad byte 0x{byte:02X} on line {line}).{hint}")
        }),
        Encoding::Windows1252 => {
            if let Ok(s) = std::str::from_utf8(bytes) {
                if s.bytes().any(|b| b >= 0x80) {
                    return Err("is UTF-8, not Windows-1252: import it without --encoding".to_owned());
                }
                return Ok(Cow::Borrowed(s));
            }
            let mut out = String::with_capacity(bytes.len() + bytes.len() / 8);
            for (i, &b) in bytes.iter().enumerate() {
                let c = match b {
                    0x80..=0x9F => CP1252_HIGH[usize::from(b - 0x80)].ok_or_else(|| {
                        format!(
                            "byte 0x{b:02X} on line {} is not a Windows-1252 character; check the file's encoding",
                            line_of(bytes, i)
                        )
                    })?,
                    _ => char::from(b),
                };
                out.push(c);
            }
            Ok(Cow::Owned(out))
        }
    }
}

fn utf16(bytes: &[u8], read: fn([u8; 2]) -> u16) -> Result<String, String> {
    if bytes.len() & 1 == 1 {
        return Err("is UTF-16 with an odd number of bytes (cut short?); save it again as UTF-8".to_owned());
    }
    let units = bytes.chunks_exact(2).map(|c| read([c[0], c[1]]));
    let mut out = String::with_capacity(bytes.len() / 2);
    let mut line = 1;
    for c in char::decode_utf16(units) {
        match c {
            Ok(c) => {
                if c == '\n' {
                    line += 1;
                }
                out.push(c);
            }
            Err(_) => {
                return Err(format!(
                    "is UTF-16 with a broken character on line {line}; save it again as UTF-8"
                ))
            }
        }
    }
    Ok(out.strip_prefix('\u{feff}').map(str::to_owned).unwrap_or(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_a_mark() {
        assert_eq!(decode(b"\xEF\xBB\xBFname\nCaf\xC3\xA9\n", Encoding::Utf8).unwrap(), "name\nCafé\n");
        assert_eq!(decode("Café".as_bytes(), Encoding::Utf8).unwrap(), "Café");
    }

    #[test]
    fn utf16_with_a_mark_is_decoded_either_way_round() {
        let text = "name,city\nCafé,Miami\n";
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for u in text.encode_utf16() {
            le.extend(u.to_le_bytes());
            be.extend(u.to_be_bytes());
        }
        assert_eq!(decode(&le, Encoding::Utf8).unwrap(), text);
        assert_eq!(decode(&be, Encoding::Utf8).unwrap(), text);
        // Without the mark: refused, saying what it is.
        let err = decode(&le[2..], Encoding::Utf8).unwrap_err();
        assert!(err.contains("UTF-16") && err.contains("byte-order mark"), "{err}");
        // Cut in the middle of a unit.
        assert!(decode(&le[..le.len() - 1], Encoding::Utf8).unwrap_err().contains("odd number"));
    }

    #[test]
    fn windows_1252_is_refused_unless_asked_for() {
        let bytes = b"name\nCaf\xe9 \x93Esperanza\x94\n";
        let err = decode(bytes, Encoding::Utf8).unwrap_err();
        assert!(err.contains("line 2") && err.contains("0xE9") && err.contains("windows-1252"), "{err}");
        assert_eq!(decode(bytes, Encoding::Windows1252).unwrap(), "name\nCafé “Esperanza”\n");
        assert!(decode(b"x\n\x81", Encoding::Windows1252).unwrap_err().contains("line 2"));
        assert!(decode("Café".as_bytes(), Encoding::Windows1252).unwrap_err().contains("is UTF-8"));
        assert_eq!(Encoding::parse("Latin-1").unwrap(), Encoding::Windows1252);
        assert!(Encoding::parse("ebcdic").is_err());
    }
}

//! A `.zip` of a folder source (an Ohana CSV folder, an HSDS data package) sent over HTTP.
//!
//! A small reader of the ZIP format's central directory (PKWARE APPNOTE 4.3): entries stored
//! (method 0) or deflated (method 8), as every zip tool writes by default. Zip64, encryption and
//! other methods are refused with a message. Only the files' own names are kept (folders inside
//! the archive are flattened; `__MACOSX/` and hidden files are skipped), so no name can reach
//! outside the folder the files are written to. The uncompressed total is capped, so a small
//! "zip bomb" cannot fill memory.

use std::collections::BTreeMap;
use std::io::Read;

/// Largest total size of the files in an archive, uncompressed: 200 MiB.
pub const MAX_UNCOMPRESSED: u64 = 200 * 1024 * 1024;

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

const BROKEN: &str = "is not a readable zip archive (cut short or damaged?)";

/// The files of a zip archive by their lower-case base names. The error is a sentence.
pub fn read_zip(bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, String> {
    // The end-of-central-directory record: 22 bytes plus a comment of up to 65,535.
    let from = bytes.len().saturating_sub(22 + 65_535);
    let eocd = (from..bytes.len().saturating_sub(21))
        .rev()
        .find(|&i| u32_at(bytes, i) == Some(0x0605_4b50))
        .ok_or_else(|| "is not a zip archive (no end-of-central-directory record)".to_owned())?;
    let entries = u16_at(bytes, eocd + 10).ok_or(BROKEN)?;
    let cd_offset = u32_at(bytes, eocd + 16).ok_or(BROKEN)?;
    if cd_offset == u32::MAX || entries == u16::MAX {
        return Err("is a Zip64 archive, which assetmap does not read; zip the folder again with a \
                    plain zip tool"
            .to_owned());
    }
    let mut at = cd_offset as usize;
    let mut files = BTreeMap::new();
    let mut total: u64 = 0;
    for _ in 0..entries {
        if u32_at(bytes, at) != Some(0x0201_4b50) {
            return Err(BROKEN.to_owned());
        }
        let flags = u16_at(bytes, at + 8).ok_or(BROKEN)?;
        let method = u16_at(bytes, at + 10).ok_or(BROKEN)?;
        let size = u32_at(bytes, at + 20).ok_or(BROKEN)? as usize;
        let name_len = u16_at(bytes, at + 28).ok_or(BROKEN)? as usize;
        let extra_len = u16_at(bytes, at + 30).ok_or(BROKEN)? as usize;
        let comment_len = u16_at(bytes, at + 32).ok_or(BROKEN)? as usize;
        let local = u32_at(bytes, at + 42).ok_or(BROKEN)? as usize;
        let name = bytes.get(at + 46..at + 46 + name_len).ok_or(BROKEN)?;
        let name = String::from_utf8_lossy(name).into_owned();
        at += 46 + name_len + extra_len + comment_len;
        let base = name.rsplit(['/', '\\']).next().unwrap_or("").to_ascii_lowercase();
        if name.ends_with('/') || base.is_empty() || base.starts_with('.') || name.starts_with("__MACOSX") {
            continue;
        }
        if flags & 1 == 1 {
            return Err(format!("has an encrypted entry ({name}); zip it again without a password"));
        }
        if u32_at(bytes, local) != Some(0x0403_4b50) {
            return Err(BROKEN.to_owned());
        }
        let local_name = u16_at(bytes, local + 26).ok_or(BROKEN)? as usize;
        let local_extra = u16_at(bytes, local + 28).ok_or(BROKEN)? as usize;
        let start = local + 30 + local_name + local_extra;
        let data = bytes.get(start..start.saturating_add(size)).ok_or(BROKEN)?;
        let left = MAX_UNCOMPRESSED.saturating_sub(total);
        let mut out = Vec::new();
        match method {
            0 => out.extend_from_slice(data),
            8 => {
                flate2::read::DeflateDecoder::new(data)
                    .take(left + 1)
                    .read_to_end(&mut out)
                    .map_err(|_| format!("has a damaged entry ({name})"))?;
            }
            m => {
                return Err(format!(
                    "has an entry ({name}) compressed with method {m}; assetmap reads stored and deflated entries \
                     (what zip tools write by default)"
                ))
            }
        }
        total += out.len() as u64;
        if total > MAX_UNCOMPRESSED {
            return Err(format!("unpacks to more than {} MiB", MAX_UNCOMPRESSED / (1024 * 1024)));
        }
        if files.insert(base.clone(), out).is_some() {
            return Err(format!("has two files named {base} (in different folders); send one folder"));
        }
    }
    Ok(files)
}

/// Reads a folder source from a zip: an Ohana folder in memory, an HSDS data package through a
/// private temporary folder (removed afterwards). `name` stands for the archive in messages.
/// An Ohana folder without `opts.mapping` is read with `ohana_mapping`.
pub fn parse_zip(
    name: &str,
    bytes: &[u8],
    opts: &super::Options,
    ohana_mapping: Option<super::mapping::CategoryMapping>,
) -> Result<super::Parsed, super::ImportError> {
    let files = read_zip(bytes).map_err(|m| super::file_err(name, m))?;
    if !files.contains_key("datapackage.json") && !files.contains_key("service_at_location.csv") {
        if files.contains_key("locations.csv") || files.contains_key("organizations.csv") {
            if opts.mapping.is_none() {
                let opts = super::Options { mapping: ohana_mapping, ..opts.clone() };
                return super::ohana::parse_files(name, &files, &opts);
            }
            return super::ohana::parse_files(name, &files, opts);
        }
        return Err(super::file_err(
            name,
            "holds neither a datapackage.json (an HSDS data package) nor organizations.csv and locations.csv \
             (the Ohana API layout)",
        ));
    }
    // The package's folder name prefixes its records' source ids (`<folder>:location:<id>`), so
    // it is unpacked into a folder named after the archive (`miami.zip` → `miami/`), inside a
    // private temporary one: importing the zip again, or the folder it came from, then finds
    // the same records instead of adding them twice.
    let parent = std::env::temp_dir().join(format!("assetmap-import-{}", uuid::Uuid::new_v4().simple()));
    let dir = parent.join(package_name(name));
    let internal =
        |e: std::io::Error| super::file_err(name, format!("could not be unpacked on the server: {e}"));
    std::fs::create_dir_all(&dir).map_err(internal)?;
    let written = files.iter().try_for_each(|(f, data)| std::fs::write(dir.join(f), data));
    let parsed = written.map_err(internal).and_then(|()| super::parse_path(&dir, opts));
    let _ = std::fs::remove_dir_all(&parent);
    // Messages name the archive, not the server's temporary folder.
    let shown = dir.display().to_string();
    let rename = |f: &mut String| *f = f.replace(&shown, name);
    match parsed {
        Ok(mut p) => {
            rename(&mut p.file);
            p.errors.iter_mut().chain(p.warnings.iter_mut()).for_each(|e| rename(&mut e.file));
            Ok(p)
        }
        Err(super::ImportError::File { mut file, message }) => {
            rename(&mut file);
            Err(super::ImportError::File { file, message: message.replace(&shown, name) })
        }
        Err(e) => Err(e),
    }
}

/// The folder name a zipped package stands for: the archive's name without `.zip`, kept to
/// letters, digits, `.`, `-` and `_` (`hsds` if nothing is left).
fn package_name(archive: &str) -> String {
    let stem = std::path::Path::new(archive).file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let clean: String =
        stem.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')).collect();
    if clean.trim_matches('.').is_empty() {
        "hsds".to_owned()
    } else {
        clean
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    #[test]
    fn a_zipped_package_is_named_after_its_archive() {
        assert_eq!(package_name("/tmp/x/miami_open211_2019.zip"), "miami_open211_2019");
        assert_eq!(package_name("Miami 211 (2019).zip"), "Miami2112019");
        assert_eq!(package_name("../..zip"), "hsds");
        assert_eq!(package_name(""), "hsds");
    }

    /// Written by Python's `zipfile`: `sample/` (a folder entry), `sample/Locations.csv`
    /// (deflated), `sample/phones.csv` (stored) and a `__MACOSX/` resource file.
    pub(crate) const SAMPLE: &[u8] =
        b"\x50\x4b\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x21\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\
          \x00\x00\x07\x00\x00\x00\x73\x61\x6d\x70\x6c\x65\x2f\x50\x4b\x03\x04\x14\x00\x00\x00\x08\x00\xe8\
          \x9b\x7d\x5d\xac\x56\x3d\xd3\x0e\x00\x00\x00\x14\x00\x00\x00\x14\x00\x00\x00\x73\x61\x6d\x70\x6c\
          \x65\x2f\x4c\x6f\x63\x61\x74\x69\x6f\x6e\x73\x2e\x63\x73\x76\xcb\x4c\xd1\xc9\x4b\xcc\x4d\xe5\x32\
          \xd4\xa9\x80\x63\x00\x50\x4b\x03\x04\x14\x00\x00\x00\x00\x00\xe8\x9b\x7d\x5d\x52\x50\xc2\x34\x0b\
          \x00\x00\x00\x0b\x00\x00\x00\x11\x00\x00\x00\x73\x61\x6d\x70\x6c\x65\x2f\x70\x68\x6f\x6e\x65\x73\
          \x2e\x63\x73\x76\x6e\x75\x6d\x62\x65\x72\x0a\x35\x35\x35\x0a\x50\x4b\x03\x04\x14\x00\x00\x00\x00\
          \x00\xe8\x9b\x7d\x5d\x39\x9c\xfb\x06\x04\x00\x00\x00\x04\x00\x00\x00\x1c\x00\x00\x00\x5f\x5f\x4d\
          \x41\x43\x4f\x53\x58\x2f\x73\x61\x6d\x70\x6c\x65\x2f\x2e\x5f\x70\x68\x6f\x6e\x65\x73\x2e\x63\x73\
          \x76\x6a\x75\x6e\x6b\x50\x4b\x01\x02\x14\x03\x14\x00\x00\x00\x00\x00\x00\x00\x21\x00\x00\x00\x00\
          \x00\x00\x00\x00\x00\x00\x00\x00\x00\x07\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x01\x00\
          \x00\x00\x00\x73\x61\x6d\x70\x6c\x65\x2f\x50\x4b\x01\x02\x14\x03\x14\x00\x00\x00\x08\x00\xe8\x9b\
          \x7d\x5d\xac\x56\x3d\xd3\x0e\x00\x00\x00\x14\x00\x00\x00\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00\
          \x00\x00\x80\x01\x25\x00\x00\x00\x73\x61\x6d\x70\x6c\x65\x2f\x4c\x6f\x63\x61\x74\x69\x6f\x6e\x73\
          \x2e\x63\x73\x76\x50\x4b\x01\x02\x14\x03\x14\x00\x00\x00\x00\x00\xe8\x9b\x7d\x5d\x52\x50\xc2\x34\
          \x0b\x00\x00\x00\x0b\x00\x00\x00\x11\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x01\x65\x00\
          \x00\x00\x73\x61\x6d\x70\x6c\x65\x2f\x70\x68\x6f\x6e\x65\x73\x2e\x63\x73\x76\x50\x4b\x01\x02\x14\
          \x03\x14\x00\x00\x00\x00\x00\xe8\x9b\x7d\x5d\x39\x9c\xfb\x06\x04\x00\x00\x00\x04\x00\x00\x00\x1c\
          \x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x01\x9f\x00\x00\x00\x5f\x5f\x4d\x41\x43\x4f\x53\
          \x58\x2f\x73\x61\x6d\x70\x6c\x65\x2f\x2e\x5f\x70\x68\x6f\x6e\x65\x73\x2e\x63\x73\x76\x50\x4b\x05\
          \x06\x00\x00\x00\x00\x04\x00\x04\x00\x00\x01\x00\x00\xdd\x00\x00\x00\x00\x00";

    #[test]
    fn a_zipped_folder_reads_back_flat() {
        let files = read_zip(SAMPLE).unwrap();
        assert_eq!(files.keys().collect::<Vec<_>>(), ["locations.csv", "phones.csv"]);
        assert_eq!(files["locations.csv"], b"id,name\n1,x\n1,x\n1,x\n");
        assert_eq!(files["phones.csv"], b"number\n555\n");
        assert!(read_zip(b"PK not really").is_err());
        for cut in [0, 10, SAMPLE.len() / 2, SAMPLE.len() - 5] {
            assert!(read_zip(&SAMPLE[..cut]).is_err(), "cut at {cut}");
        }
    }
}

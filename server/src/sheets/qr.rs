//! QR codes as one SVG path, so they print sharp at any size and need no image file.

use qrcode::{Color, EcLevel, QrCode};

/// Quiet zone around the code, in modules (the QR standard asks for four).
const QUIET: usize = 4;

/// A QR code ready to draw: a path of unit squares in a `size` × `size` viewBox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Qr {
    /// Width and height in modules, quiet zone included.
    pub size: usize,
    /// SVG path data: one rectangle per horizontal run of dark modules.
    pub path: String,
}

impl Qr {
    /// Encodes `data` with error correction level M (15 % of the code may be damaged — a
    /// folded or smudged sheet still scans). `None` if the data is too long for any QR version.
    pub fn encode(data: &str) -> Option<Self> {
        let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M).ok()?;
        let width = code.width();
        let colors = code.to_colors();
        let mut path = String::new();
        for y in 0..width {
            let row = &colors[y * width..(y + 1) * width];
            let mut x = 0;
            while x < width {
                if row[x] == Color::Dark {
                    let start = x;
                    while x < width && row[x] == Color::Dark {
                        x += 1;
                    }
                    let run = x - start;
                    path.push_str(&format!("M{} {}h{run}v1h-{run}z", start + QUIET, y + QUIET));
                } else {
                    x += 1;
                }
            }
        }
        Some(Self { size: width + 2 * QUIET, path })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_url_fits_a_small_code() {
        let qr = Qr::encode("https://assetmap.example.org/s/4c0f7c5e-3d1f-4f9e-9a59-2f1f3a6b9c10?lang=es")
            .unwrap();
        // Version 5 (37 modules) at most: readable at 22 mm on paper (0.5 mm modules).
        assert!(qr.size <= 37 + 8, "{}", qr.size);
        assert!(qr.path.starts_with("M4 4h7v1h-7z"), "finder pattern top row: {}", &qr.path[..20]);
        assert!(qr.path.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' ' || b == b'-'));
    }
}

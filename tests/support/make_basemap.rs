//! Writes the tests' small basemap archive: `cargo run -p assetmap-tests --example make-basemap -- OUT.pmtiles`
//! (the browser tests run it; see `basemap.rs`).

#[path = "basemap.rs"]
mod basemap;

fn main() -> anyhow::Result<()> {
    let out = std::env::args().nth(1).ok_or_else(|| anyhow::anyhow!("usage: make-basemap OUT.pmtiles"))?;
    basemap::write(std::path::Path::new(&out), 14)?;
    Ok(())
}

//! The deployment's own street map: a PMTiles or MBTiles archive of vector tiles given with
//! `--basemap FILE`, served from this server's origin with a MapLibre style, so the map page
//! never asks an outside tile server for the area a counselor looks at (roughly where a family
//! lives), and the printed sheet draws its streets from the same tiles.
//!
//! - [`TileArchive`] opens and checks the file at start (a missing, unreadable or wrong file is
//!   a start-up error naming it) and reads tiles: PMTiles through the `pmtiles` crate
//!   (memory-mapped, directories cached), MBTiles through the SQLite driver the store already
//!   uses (a read-only pool over the `tiles` and `metadata` tables of the MBTiles 1.3 spec).
//! - [`style`] writes the MapLibre style for the archive's schema (Protomaps basemap layers,
//!   OpenMapTiles layers, or any other vector layers drawn plainly), labels in the page's
//!   language where the tiles carry `name:xx`, text drawn from the Noto fonts shipped with the
//!   page (no glyph server, no sprite: the style uses no icons).
//! - [`streets`] reads the roads and place names of a sheet's frame from the tiles.
//! - [`http`] answers `/basemap/style.json` and `/basemap/tiles/{z}/{x}/{y}`.
//!
//! The archive holds only what the operator put in it (streets, water, place names): the
//! directory's sites never go into a basemap layer, confidential or not.

pub mod http;
pub mod streets;
pub mod style;

use std::io::Read;
use std::path::{Path, PathBuf};

use axum::body::Bytes;
use pmtiles::{AsyncPmTilesReader, Compression, HashMapCache, MmapBackend, TileCoord, TileType};
use serde_json::Value;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::Row;

/// Why `--basemap FILE` cannot be served, or a tile not read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BasemapError {
    /// The file is missing or unreadable.
    #[error("--basemap {path}: cannot read the file: {source}")]
    Unreadable {
        /// The file given.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The file is neither a PMTiles archive nor an SQLite (MBTiles) file.
    #[error(
        "--basemap {path}: not a PMTiles archive (version 3) nor an MBTiles file; \
         give a .pmtiles extract (see the README, \"A street map of your own\")"
    )]
    UnknownFormat {
        /// The file given.
        path: PathBuf,
    },
    /// The file is an archive of the right kind but cannot be served.
    #[error("--basemap {path}: {reason}")]
    Invalid {
        /// The file given.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A tile could not be read from an archive that opened.
    #[error("reading basemap tile {z}/{x}/{y}: {reason}")]
    Tile {
        /// Zoom.
        z: u8,
        /// Column.
        x: u32,
        /// Row (XYZ, from the north).
        y: u32,
        /// What went wrong.
        reason: String,
    },
}

/// What the style and the HTTP answers need to know of an archive.
#[derive(Clone, Debug, PartialEq)]
pub struct ArchiveInfo {
    /// `pmtiles` or `mbtiles`.
    pub format: &'static str,
    /// Lowest zoom with tiles.
    pub min_zoom: u8,
    /// Highest zoom with tiles (the page over-zooms past it).
    pub max_zoom: u8,
    /// West, south, east, north in degrees.
    pub bounds: [f64; 4],
    /// The vector layers the tiles carry (`vector_layers[].id` of the metadata).
    pub layers: Vec<String>,
    /// The credit the archive asks for (its metadata's `attribution`), if any.
    pub attribution: Option<String>,
}

/// One tile as stored: its bytes and whether they are gzip-compressed.
#[derive(Clone, Debug)]
pub struct StoredTile {
    /// The tile, compressed as stored.
    pub bytes: Bytes,
    /// True when `bytes` is gzip.
    pub gzip: bool,
}

impl StoredTile {
    /// The plain Mapbox Vector Tile.
    pub fn inflate(&self) -> std::io::Result<Vec<u8>> {
        if !self.gzip {
            return Ok(self.bytes.to_vec());
        }
        let mut out = Vec::with_capacity(self.bytes.len() * 3);
        flate2::read::GzDecoder::new(&self.bytes[..]).read_to_end(&mut out)?;
        Ok(out)
    }
}

enum Source {
    PmTiles(Box<AsyncPmTilesReader<MmapBackend, HashMapCache>>),
    MbTiles(SqlitePool),
}

/// An opened, checked basemap archive.
pub struct TileArchive {
    source: Source,
    /// Its extent, zooms, layers and credit.
    pub info: ArchiveInfo,
    /// The file, for logs.
    pub path: PathBuf,
    /// A validator of the file's version (size and modification time): tiles and the style
    /// answer `304 Not Modified` to a browser that has this one.
    pub etag: String,
}

impl std::fmt::Debug for TileArchive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TileArchive")
            .field("path", &self.path)
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

const PMTILES_MAGIC: &[u8] = b"PMTiles";
const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";

impl TileArchive {
    /// Opens `path` and checks that it can be served: a PMTiles v3 archive or an MBTiles file
    /// of vector tiles (`pbf`), gzip-compressed or not.
    pub async fn open(path: &Path) -> Result<Self, BasemapError> {
        let unreadable = |source| BasemapError::Unreadable { path: path.to_owned(), source };
        let invalid = |reason: String| BasemapError::Invalid { path: path.to_owned(), reason };
        let meta = std::fs::metadata(path).map_err(unreadable)?;
        if !meta.is_file() {
            return Err(invalid("is not a file".to_owned()));
        }
        let mut head = [0u8; 16];
        let n =
            std::fs::File::open(path).and_then(|mut f| read_up_to(&mut f, &mut head)).map_err(unreadable)?;
        let head = &head[..n];
        let modified = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
        let etag = format!("\"{:x}-{:x}\"", meta.len(), modified.map_or(0, |d| d.as_secs()));
        let (source, info) = if head.starts_with(PMTILES_MAGIC) {
            open_pmtiles(path).await.map_err(invalid)?
        } else if head.starts_with(SQLITE_MAGIC) {
            open_mbtiles(path).await.map_err(invalid)?
        } else {
            return Err(BasemapError::UnknownFormat { path: path.to_owned() });
        };
        if info.layers.is_empty() {
            return Err(invalid("its metadata lists no vector layers (vector_layers)".to_owned()));
        }
        Ok(Self { source, info, path: path.to_owned(), etag })
    }

    /// The tile at `z/x/y` (XYZ numbering, row 0 in the north), `None` where the archive has none.
    pub async fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<StoredTile>, BasemapError> {
        let fail = |reason: String| BasemapError::Tile { z, x, y, reason };
        if z > 30 || u64::from(x) >= 1u64 << z || u64::from(y) >= 1u64 << z {
            return Ok(None);
        }
        match &self.source {
            Source::PmTiles(reader) => {
                let coord = TileCoord::new(z, x, y).map_err(|e| fail(e.to_string()))?;
                let Some(bytes) = reader.get_tile(coord).await.map_err(|e| fail(e.to_string()))? else {
                    return Ok(None);
                };
                let gzip = match reader.get_header().tile_compression {
                    Compression::Gzip => true,
                    Compression::None => false,
                    _ => bytes.starts_with(&[0x1f, 0x8b]),
                };
                Ok(Some(StoredTile { bytes, gzip }))
            }
            Source::MbTiles(pool) => {
                // MBTiles numbers rows from the south (TMS).
                let row = (1i64 << z) - 1 - i64::from(y);
                let found: Option<Vec<u8>> = sqlx::query_scalar(
                    "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                )
                .bind(i64::from(z))
                .bind(i64::from(x))
                .bind(row)
                .fetch_optional(pool)
                .await
                .map_err(|e| fail(e.to_string()))?;
                Ok(found.filter(|b| !b.is_empty()).map(|b| {
                    let gzip = b.starts_with(&[0x1f, 0x8b]);
                    StoredTile { bytes: Bytes::from(b), gzip }
                }))
            }
        }
    }
}

fn read_up_to(f: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

async fn open_pmtiles(path: &Path) -> Result<(Source, ArchiveInfo), String> {
    let reader = AsyncPmTilesReader::new_with_cached_path(HashMapCache::default(), path)
        .await
        .map_err(|e| format!("not a readable PMTiles archive: {e}"))?;
    let h = reader.get_header();
    if h.tile_type != TileType::Mvt {
        return Err(format!(
            "holds {:?} tiles; the map needs vector tiles (Mapbox Vector Tiles, as in a Protomaps or OpenMapTiles extract)",
            h.tile_type
        ));
    }
    if !matches!(h.tile_compression, Compression::Gzip | Compression::None | Compression::Unknown) {
        return Err(format!(
            "its tiles are compressed with {:?}; this server reads gzip or uncompressed tiles (re-extract with pmtiles)",
            h.tile_compression
        ));
    }
    let (min_zoom, max_zoom) = (h.min_zoom, h.max_zoom);
    let bounds = [h.min_longitude, h.min_latitude, h.max_longitude, h.max_latitude];
    let metadata = reader.get_metadata().await.map_err(|e| format!("its metadata cannot be read: {e}"))?;
    let meta: Value = if metadata.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&metadata).map_err(|e| format!("its metadata is not JSON: {e}"))?
    };
    let info = ArchiveInfo {
        format: "pmtiles",
        min_zoom,
        max_zoom,
        bounds,
        layers: vector_layers(&meta),
        attribution: meta["attribution"].as_str().map(str::to_owned),
    };
    Ok((Source::PmTiles(Box::new(reader)), info))
}

async fn open_mbtiles(path: &Path) -> Result<(Source, ArchiveInfo), String> {
    let options = SqliteConnectOptions::new().filename(path).read_only(true).immutable(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .map_err(|e| format!("not a readable SQLite file: {e}"))?;
    let rows = sqlx::query("SELECT name, value FROM metadata")
        .fetch_all(&pool)
        .await
        .map_err(|e| format!("not an MBTiles file (no metadata table): {e}"))?;
    let get = |key: &str| {
        rows.iter()
            .find(|r| r.try_get::<String, _>(0).is_ok_and(|n| n == key))
            .and_then(|r| r.try_get::<String, _>(1).ok())
    };
    match get("format").as_deref() {
        Some("pbf") => {}
        other => {
            return Err(format!(
                "its metadata format is {}; the map needs vector tiles (pbf)",
                other.map_or("missing".to_owned(), |f| format!("'{f}'"))
            ))
        }
    }
    sqlx::query("SELECT 1 FROM tiles LIMIT 1")
        .fetch_optional(&pool)
        .await
        .map_err(|e| format!("not an MBTiles file (no tiles table): {e}"))?;
    let zoom = |key: &str, default: u8| get(key).and_then(|v| v.trim().parse().ok()).unwrap_or(default);
    let bounds = get("bounds")
        .and_then(|b| {
            let v: Vec<f64> = b.split(',').filter_map(|n| n.trim().parse().ok()).collect();
            <[f64; 4]>::try_from(v).ok()
        })
        .unwrap_or([-180.0, -85.051_129, 180.0, 85.051_129]);
    let json: Value = get("json").and_then(|j| serde_json::from_str(&j).ok()).unwrap_or(Value::Null);
    let info = ArchiveInfo {
        format: "mbtiles",
        min_zoom: zoom("minzoom", 0),
        max_zoom: zoom("maxzoom", 14),
        bounds,
        layers: vector_layers(&json),
        attribution: get("attribution"),
    };
    Ok((Source::MbTiles(pool), info))
}

fn vector_layers(meta: &Value) -> Vec<String> {
    meta["vector_layers"]
        .as_array()
        .map(|l| l.iter().filter_map(|v| v["id"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

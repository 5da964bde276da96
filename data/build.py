#!/usr/bin/env python3
"""Build assetmap's shipped demo data (everything under data/) from the shared
read-only data directory.

    python3 data/build.py                       # normal rebuild (no network)
    python3 data/build.py --shared ../shared/data
    python3 data/build.py --make-boundary /tmp/us-atlas/package/counties-10m.json
                                               # regenerate data/boundaries/miami-dade.geojson
                                               # from an unpacked `npm pack us-atlas@3`

Standard library only; deterministic (same inputs -> byte-identical outputs);
idempotent; never touches the network. See data/README.md for sources,
licences and every transformation applied here.

Outputs (relative to data/):
  zcta_centroids.csv           byte copy of shared zcta/zcta_centroids_gaz2020.csv
  census_tracts.csv.gz         byte copy of shared census/CenPop2020_Mean_TR.txt.gz
  demo/miami-dade.geojson      the demo seed (one Point feature per partner site)
  README.md                    only the block between the GENERATED STATS markers

Inputs kept in data/ (hand-maintained, read by this script):
  mappings/open211-miami-categories.csv   AIRS taxonomy -> our nine categories
  boundaries/miami-dade.geojson           county polygon (from us-atlas, see --make-boundary)
"""

from __future__ import annotations

import argparse
import collections
import csv
import gzip
import io
import json
import math
import os
import re
import shutil
import sys

# --------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------

DATA_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(DATA_DIR)
DEFAULT_SHARED = os.path.join(REPO_ROOT, "..", "shared", "data")

CATEGORIES = ("legal", "health", "housing", "library", "faith", "advocacy",
              "food", "education", "employment")

COUNTY_FIPS = "12086"  # Miami-Dade County, FL
TIMEZONE = "America/New_York"

# The Open211 export carries no per-record verification date; the only date we
# have is the export itself (datapackage-1566177582.zip, exported 2019-07-29).
OPEN211_VERIFIED = "2019-07-29T00:00:00Z"
# IMLS PLS FY2018 describes each library's own fiscal year 2018 (which ends
# between mid- and late 2018 depending on the local fiscal calendar). We use
# the earliest common FY end, 2018-06-30, so we never overstate freshness.
IMLS_VERIFIED = "2018-06-30T00:00:00Z"

OPEN211_PREFIX = "open211-miami"
IMLS_PREFIX = "imls-pls-fy18"

# Feature property order (the server's seed contract). Keep in sync with README.
PROPERTY_ORDER = (
    "source_id", "partner_source_id", "partner_name", "partner_description",
    "partner_website", "partner_email", "name", "description",
    "description_lang", "street", "city", "state", "postal_code", "phones",
    "hours", "languages", "categories", "services", "cost", "cost_note",
    "eligibility", "required_documents", "accessibility", "walk_in",
    "appointment_required", "no_id_required", "confidential",
    "last_verified_at",
)

# Language names as written in the Open211 `languages.language` column ->
# ISO 639-1 code (ISO 639-3 only where no 639-1 code exists). Matching is
# case-insensitive on whole words; longer names are tried first, so
# "American Sign Language" wins over "Sign Language" and "Haitian Creole"
# over "Creole". Names not in this table are reported by the build, never
# guessed.
LANGUAGE_NAMES = {
    "english": "en",
    "ingles": "en",              # Spanish for English
    "inglés": "en",
    "spanish": "es",
    "español": "es",
    "espanol": "es",
    "haitian creole": "ht",
    "haitian-creole": "ht",
    "creole": "ht",              # 211 Miami's "Creole" is Haitian Creole (Kreyòl)
    "kreyol": "ht",
    "kreyòl": "ht",
    "french": "fr",
    "portuguese": "pt",
    "hebrew": "he",
    "yiddish": "yi",
    "russian": "ru",
    "arabic": "ar",
    "italian": "it",
    "greek": "el",
    "german": "de",
    "dutch": "nl",
    "danish": "da",
    "swedish": "sv",
    "norwegian": "no",
    "icelandic": "is",
    "romanian": "ro",
    "polish": "pl",
    "japanese": "ja",
    "korean": "ko",
    "chinese": "zh",
    "mandarin": "zh",            # macrolanguage code, as for "Chinese"
    "cantonese": "yue",          # ISO 639-3 (no 639-1 code)
    "taiwanese": "nan",          # Taiwanese Hokkien = Min Nan, ISO 639-3; not Mandarin
    "vietnamese": "vi",
    "thai": "th",
    "tagalog": "tl",
    "hindi": "hi",
    "urdu": "ur",
    "gujarati": "gu",
    "sindhi": "sd",
    "american sign language": "ase",   # ISO 639-3 (no 639-1 code)
    "sign language": "ase",            # US directory: taken as ASL
    "asl": "ase",
}

# Fragments of the languages column that name no language but are known
# interpretation / availability notes. They yield no code and are not reported
# as unknown.
LANGUAGE_NOISE = re.compile(
    r"interpret|translat|tranlat|language line|languages?\b|upon request|"
    r"available|availability|as needed|if needed|when needed|tele-?interpret|"
    r"bi-?lingual|staff|volunteers?|counseling|group|program|retreat|"
    r"tax prep|materials|applications|publications|please look|consulate|"
    r"hearing|profile|depend|\bothers?\b|\band\b|\bis\b|\bwith\b|\bmay\b|"
    r"^\W*$",
    re.I,
)

# A language mentioned only for written material / website is not spoken.
LANGUAGE_WRITTEN_ONLY = re.compile(
    r"\(\s*website\s*\)|publications? only|written materials?|"
    r"materials? available in|applications? available in",
    re.I,
)

# Mojibake repair. The export's text went UTF-8 -> CP437 -> ASCII-ish fold, so
# e.g. U+2019 (E2 80 99) became "GÇÖ" and "ñ" (C3 B1) became "+¦". The mapping
# is lossy for "+¦" (ó/ñ/ú all fold to it), so that one is repaired per word
# from the words that actually occur in the 2019 export.
MOJIBAKE = (
    ("GÇÖ", "\u2019"), ("GÇ£", "\u201c"), ("GÇ¥", "\u201d"), ("GÇô", "\u2013"),
    ("GÇö", "\u2014"), ("GÇæ", "-"), ("GÇï", ""), ("GÇª", "\u2026"),
    ("GÇÿ", "\u2018"), ("GÇó", "\u2022"),
    ("-Ç-£", "\u201c"), ("-Ç-¥", "\u201d"), ("-Ç-Ö", "\u2019"),
    ("-á", " "), ("-«", "\u00ae"), ("-¬", "\u00a9"), ("-Æ", "\u2019"),
    ("-ô", "\u201c"), ("-ö", "\u201d"), ("-û", "\u2013"),
    ("+í", "á"), ("+¡", "í"), ("+¬", "é"), ("+º", "ç"), ("+Æ", "Ò"),
)
MOJIBAKE_WORDS = {
    "+¦tiles": "útiles", "Aar+¦n": "Aarón", "C+¦nsul": "Cónsul",
    "Espa+¦ol": "Español", "espa+¦ol": "español", "Mu+¦oz": "Muñoz",
    "Nu+¦ez": "Nuñez", "c+¦mo": "cómo", "ni+¦os": "niños",
    "p+¦blico": "público", "pr+¦xima": "próxima", "re+¦ne": "reúne",
}
MOJIBAKE_WORD_SUFFIX = (("ci+¦n", "ción"), ("si+¦n", "sión"))
MOJIBAKE_RESIDUE = re.compile(r"GÇ|\+[¦¡¬ºÆí]|-[á«¬ÆôöûÇ]")

DAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# AIRS terms whose locations are treated as confidential: Domestic Violence
# Shelters and Human Trafficking Shelters. (The export has no confidentiality
# flag; the one address literally "Confidential" is also honoured.)
CONFIDENTIAL_CODES = frozenset({"BH-1800.1500-100", "BH-1800.1500-308"})


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------

def fail(msg: str) -> None:
    print(f"build.py: error: {msg}", file=sys.stderr)
    sys.exit(1)


def read_csv(path: str, encoding: str = "utf-8") -> list[dict]:
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh))


def fix_mojibake(text: str) -> str:
    for bad, good in MOJIBAKE:
        text = text.replace(bad, good)
    if "+¦" in text:
        for bad, good in MOJIBAKE_WORD_SUFFIX:
            text = text.replace(bad, good)
        text = re.sub(r"[\w+¦]*\+¦[\w+¦]*",
                      lambda m: MOJIBAKE_WORDS.get(m.group(0), m.group(0)), text)
    return text


MARKER_RE = re.compile(r"#{2,}\s*[A-Z]{2,4}\s*#{2,}")


def clean_text(raw: str | None) -> str | None:
    """Source free text -> display text: literal \\n/\\r/\\t escape sequences to
    real whitespace, ###MON###/###COL### service-area markers removed, mojibake
    repaired, trailing spaces and runs of blank lines collapsed, trimmed."""
    if raw is None:
        return None
    text = raw.replace("\\r", "").replace("\\n", "\n").replace("\\t", " ")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = MARKER_RE.sub("", text)
    text = fix_mojibake(text)
    text = text.replace("\u00a0", " ")
    lines = [re.sub(r"[ \t]+", " ", ln).strip() for ln in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return text or None


def one_line(raw: str | None) -> str:
    return re.sub(r"\s+", " ", fix_mojibake(raw or "")).strip()


def website(raw: str | None) -> str | None:
    url = one_line(raw)
    if not url:
        return None
    if not re.match(r"^[a-z][a-z0-9+.-]*://", url, re.I):
        url = "http://" + url  # source stores bare host names ("www.x.org")
    return url


def postal5(raw: str | None) -> str | None:
    m = re.match(r"^\s*(\d{5})(?:-?\d{4})?\s*$", raw or "")
    return m.group(1) if m else None


def haversine_km(lat1, lon1, lat2, lon2) -> float:
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


# --------------------------------------------------------------------------
# County polygon
# --------------------------------------------------------------------------

def topojson_county(path: str, fips: str) -> dict:
    """Decode one county of us-atlas counties-10m.json (quantized, delta-encoded
    arcs) into a GeoJSON MultiPolygon geometry (lon/lat, 6 decimals)."""
    with open(path, encoding="utf-8") as fh:
        topo = json.load(fh)
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((round(x * sx + tx, 6), round(y * sy + ty, 6)))
        arcs.append(pts)

    def ring(indexes):
        out = []
        for i in indexes:
            pts = arcs[i] if i >= 0 else arcs[~i][::-1]
            out.extend(pts if not out else pts[1:])
        return [list(p) for p in out]

    geoms = [g for g in topo["objects"]["counties"]["geometries"] if g.get("id") == fips]
    if len(geoms) != 1:
        fail(f"county {fips} not found exactly once in {path}")
    g = geoms[0]
    polys = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
    return {
        "name": g["properties"]["name"],
        "geometry": {"type": "MultiPolygon",
                     "coordinates": [[ring(r) for r in poly] for poly in polys]},
    }


def make_boundary(topo_path: str, out_path: str) -> None:
    county = topojson_county(topo_path, COUNTY_FIPS)
    fc = {
        "type": "FeatureCollection",
        "features": [{
            "type": "Feature",
            "id": COUNTY_FIPS,
            "properties": {
                "fips": COUNTY_FIPS,
                "name": county["name"],
                "state": "FL",
                "source": "us-atlas 3.0.1 counties-10m.json (ISC licence), derived "
                          "from US Census Bureau 2017 cartographic boundary files "
                          "(public domain); quantized and simplified",
            },
            "geometry": county["geometry"],
        }],
    }
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(fc, fh, ensure_ascii=False, separators=(",", ":"))
        fh.write("\n")
    n = sum(len(r) for p in county["geometry"]["coordinates"] for r in p)
    print(f"wrote {out_path} ({county['name']}, {n} vertices)")


def load_boundary(path: str) -> list:
    with open(path, encoding="utf-8") as fh:
        fc = json.load(fh)
    geom = fc["features"][0]["geometry"]
    if geom["type"] == "Polygon":
        return [geom["coordinates"]]
    return geom["coordinates"]


def _in_ring(x: float, y: float, ring) -> bool:
    inside = False
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i]
        x2, y2 = ring[(i + 1) % n]
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def in_polygons(lon: float, lat: float, polys) -> bool:
    for poly in polys:
        if _in_ring(lon, lat, poly[0]) and not any(_in_ring(lon, lat, h) for h in poly[1:]):
            return True
    return False


# --------------------------------------------------------------------------
# Category mapping
# --------------------------------------------------------------------------

class CategoryMapping:
    """Rules from mappings/open211-miami-categories.csv. Semantics (also in the
    README; the server's importer must implement the same):

    * code_prefix  (field taxonomy_code): a code matches a pattern if it equals
      it or continues it at a segment boundary ("FT-3600" matches "FT-3600" and
      "FT-3600.1500", not "FT-36001"). For each code only the LONGEST matching
      pattern counts; all rows with that pattern apply; category "none" means
      "deliberately unmapped" and blocks shorter patterns.
    * regex        (field name | organization_name | taxonomy_name):
      case-insensitive search; adds the category.
    * exclude_code_prefix / exclude_regex: if any code / the name matches,
      remove the category ("*" = every category) from that location.
    """

    def __init__(self, path: str):
        self.code_rules: dict[str, set[str]] = collections.defaultdict(set)
        self.regex_rules: list[tuple[str, re.Pattern, str]] = []
        self.exclude_code: list[tuple[str, str]] = []
        self.exclude_regex: list[tuple[str, re.Pattern, str]] = []
        self.rows = read_csv(path)
        valid = set(CATEGORIES)
        for i, r in enumerate(self.rows, start=2):
            match, field, pattern, cat = r["match"], r["field"], r["pattern"], r["category"]
            if match == "code_prefix":
                if field != "taxonomy_code" or (cat not in valid and cat != "none"):
                    fail(f"{path}:{i}: bad code_prefix rule")
                self.code_rules[pattern].add(cat)
            elif match == "regex":
                if field not in ("name", "organization_name", "taxonomy_name") or cat not in valid:
                    fail(f"{path}:{i}: bad regex rule")
                self.regex_rules.append((field, re.compile(pattern, re.I), cat))
            elif match == "exclude_code_prefix":
                if field != "taxonomy_code" or (cat not in valid and cat != "*"):
                    fail(f"{path}:{i}: bad exclude_code_prefix rule")
                self.exclude_code.append((pattern, cat))
            elif match == "exclude_regex":
                if field not in ("name", "organization_name") or (cat not in valid and cat != "*"):
                    fail(f"{path}:{i}: bad exclude_regex rule")
                self.exclude_regex.append((field, re.compile(pattern, re.I), cat))
            else:
                fail(f"{path}:{i}: unknown match type {match!r}")

    @staticmethod
    def prefix_matches(code: str, pattern: str) -> bool:
        if pattern.endswith("*"):
            return code.startswith(pattern[:-1])
        return code == pattern or (code.startswith(pattern) and code[len(pattern)] in ".-")

    def categories(self, codes, names: dict[str, str]) -> set[str]:
        cats: set[str] = set()
        for code in codes:
            best = None
            for pattern in self.code_rules:
                if self.prefix_matches(code, pattern) and (best is None or len(pattern) > len(best)):
                    best = pattern
            if best is not None:
                cats |= self.code_rules[best] - {"none"}
        for field, rx, cat in self.regex_rules:
            values = names.get(field) or []
            if isinstance(values, str):
                values = [values]
            if any(rx.search(v) for v in values):
                cats.add(cat)
        for pattern, cat in self.exclude_code:
            if any(self.prefix_matches(c, pattern) for c in codes):
                cats = set() if cat == "*" else cats - {cat}
        for field, rx, cat in self.exclude_regex:
            value = names.get(field) or ""
            if rx.search(value):
                cats = set() if cat == "*" else cats - {cat}
        return cats


# --------------------------------------------------------------------------
# Languages
# --------------------------------------------------------------------------

_LANG_RE = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(k) for k in
                              sorted(LANGUAGE_NAMES, key=len, reverse=True)) + r")(?![\w-])",
    re.I,
)


def parse_languages(raw: str, unknown: collections.Counter) -> list[str]:
    text = clean_text(raw) or ""
    codes = []
    # a fragment is one line of the (comma-split upstream) value
    for frag in re.split(r"[\n;]|\.\s", text):
        frag = frag.strip()
        if not frag:
            continue
        found = False
        for m in _LANG_RE.finditer(frag):
            found = True
            # "Spanish (website)", "Chinese (website)", "(Portuguese - publications only)"
            tail = frag[m.end():m.end() + 30]
            head = frag[max(0, m.start() - 40):m.start()]
            if re.match(r"\s*\(\s*website\s*\)|\s*-\s*publications? only", tail, re.I):
                continue
            if re.search(r"(materials?|applications?|written)\s+(available\s+)?(in\s*:?)?\s*$",
                         head, re.I):
                continue
            codes.append(LANGUAGE_NAMES[m.group(1).lower()])
        if not found and not LANGUAGE_NOISE.search(frag):
            unknown[frag] += 1
    return codes


# --------------------------------------------------------------------------
# Hours
# --------------------------------------------------------------------------

_DAY = (r"(mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|"
        r"fri(?:day)?|sat(?:urday)?|sun(?:day)?)\.?")
_TIME = r"(\d{1,2})(?::(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)"
_SPAN = _TIME + r"\s*(?:-|\u2013|\u2014|to)\s*" + _TIME
_SPAN_RE = re.compile(_SPAN, re.I)
_DAYSPEC = _DAY + r"(?:\s*(?:-|\u2013|to)\s*" + _DAY + r")?"
_DAYLIST_RE = re.compile(r"^\s*(?:" + _DAYSPEC + r")(?:\s*(?:,|&|and)\s*(?:" + _DAYSPEC + r"))*\s*$", re.I)
_LINE_RE = re.compile(
    r"^\s*(?P<spans>" + _SPAN + r"(?:\s*(?:/|&|and|,)\s*" + _SPAN + r")*)\s*,?\s*"
    r"(?P<days>.+?)\s*[;:.]?\s*$", re.I)
_LINE_DAYS_FIRST_RE = re.compile(
    r"^\s*(?P<days>.+?)\s*[:,]?\s+(?P<spans>" + _SPAN + r"(?:\s*(?:/|&|and|,)\s*" + _SPAN + r")*)"
    r"\s*[;.]?\s*$", re.I)
_ALWAYS_RE = re.compile(r"^\s*(24 hours(?: a day)?,? 7 days(?: a week)?|24 hours|24/7|"
                        r"24 hours a day, seven days a week)\s*[.;]?\s*$", re.I)


def _day_index(tok: str) -> int:
    return DAY_CODES.index(tok.lower()[:3])


def _expand_days(spec: str) -> list[int] | None:
    if not _DAYLIST_RE.match(spec):
        return None
    days: list[int] = []
    for part in re.split(r"\s*(?:,|&|\band\b)\s*", spec.strip()):
        m = re.match(r"^" + _DAYSPEC + r"$", part.strip(), re.I)
        if not m:
            return None
        a = _day_index(m.group(1))
        if m.group(2):
            b = _day_index(m.group(2))
            i = a
            while True:
                days.append(i)
                if i == b:
                    break
                i = (i + 1) % 7
        else:
            days.append(a)
    return days


def _hhmm(h: str, m: str | None, ampm: str) -> str | None:
    hour, minute = int(h), int(m or 0)
    if not (1 <= hour <= 12 and 0 <= minute <= 59):
        return None
    pm = ampm.lower().startswith("p")
    hour = hour % 12 + (12 if pm else 0)
    return f"{hour:02d}:{minute:02d}"


def parse_hours(raw: str | None) -> dict | None:
    """Open211 `regular_schedules.original_text` -> hours object.

    weekly is filled only when every line of the text is a plain schedule line
    ("9:00am-5:00pm, Mon-Fri", "8:00am-1:00pm / 2:00pm-5:00pm, Mon, Tue",
    "24 hours, 7 days") with at most one leading heading ("Office Hours:").
    Anything else (several headed sections, dates, typos, free text) keeps
    weekly empty and the cleaned text goes to notes: we never guess. The
    exporter's own weekday/opens_at/closes_at rows are not used: they mis-
    assign hours whenever the text has more than one section.
    """
    text = clean_text(raw)
    if not text:
        return None
    segments = [s.strip() for s in re.split(r"[\n;]", text) if s.strip()]
    headings = 0
    spans: list[tuple[int, str, str]] = []
    ok = True
    always = False
    for seg in segments:
        if seg.endswith(":") and not _SPAN_RE.search(seg):
            headings += 1
            if headings > 1 or spans:
                ok = False
            continue
        if _ALWAYS_RE.match(seg):
            always = True
            spans.extend((d, "00:00", "23:59") for d in range(7))
            continue
        m = _LINE_RE.match(seg) or _LINE_DAYS_FIRST_RE.match(seg)
        days = _expand_days(m.group("days")) if m else None
        if not m or days is None:
            ok = False
            break
        for sm in _SPAN_RE.finditer(m.group("spans")):
            opens = _hhmm(sm.group(1), sm.group(2), sm.group(3))
            closes = _hhmm(sm.group(4), sm.group(5), sm.group(6))
            if opens is None or closes is None:
                ok = False
                break
            if closes == "00:00":
                closes = "23:59"  # "...-12:00am" = until midnight
            if closes <= opens:
                ok = False  # overnight spans: keep as notes rather than guess
                break
            spans.extend((d, opens, closes) for d in days)
    if not ok or not spans:
        return {"timezone": TIMEZONE, "weekly": [], "notes": text}
    spans = sorted(set(spans))
    weekly = [{"day": DAY_CODES[d], "opens": o, "closes": c} for d, o, c in spans]
    notes = text if (headings or always) else None
    return {"timezone": TIMEZONE, "weekly": weekly, "notes": notes}


# --------------------------------------------------------------------------
# Phones, intake text
# --------------------------------------------------------------------------

def parse_phone(raw: str | None) -> dict | None:
    s = (raw or "").strip()
    if not s:
        return None
    m = re.match(r"^(\d{3})[-. ]?(\d{3})[-. ]?(\d{4})(?:\s*(?:x|ext\.?)\s*(\w+))?$", s, re.I)
    if m:
        ext = m.group(4)
        if ext and re.match(r"^opt(\d+)$", ext, re.I):
            ext = "option " + re.match(r"^opt(\d+)$", ext, re.I).group(1)
        return {"number": f"{m.group(1)}-{m.group(2)}-{m.group(3)}", "type": "voice",
                "extension": ext, "languages": []}
    if re.match(r"^[2-9]11$", s):  # 211 / 311 / 511 service numbers
        return {"number": s, "type": "voice", "extension": None, "languages": []}
    return None  # e.g. "000-000-*347": reported, not shipped


_WALKIN_NEG = re.compile(r"\bno walk[\s-]*ins?\b|walk[\s-]*ins? (?:are )?not (?:accepted|allowed|"
                         r"available|permitted|taken)", re.I)
_WALKIN_POS = re.compile(r"\bwalk[\s-]*ins?\b", re.I)
_APPT_NO = re.compile(r"\bno appointments? (?:is |are )?(?:required|necessary|needed)|"
                      r"\bappointments? (?:is |are )?not (?:required|necessary|needed)|"
                      r"\bwithout (?:an )?appointment", re.I)
_APPT_YES = re.compile(r"\bby appointment\b|\bappointments? only\b|"
                       r"\bappointments? (?:is |are )?(?:required|necessary|mandatory)\b|"
                       r"\brequires? an appointment\b|"
                       r"\bmust (?:first )?(?:call|make|schedule|set ?up|have)\b[^.\n]{0,40}\bappointment", re.I)
_NOID_YES = re.compile(r"\bno (?:photo |picture )?(?:id|identification|documents?)\b(?: is| are)? "
                       r"(?:required|needed|necessary)|"
                       r"\b(?:id|identification) (?:is |are )?not (?:required|needed|necessary)", re.I)
_NOID_NO = re.compile(r"\b(?:must|need to|required to|please) (?:bring|provide|present|show|take|have)\b"
                      r"[^.\n]{0,60}\b(?:id|i\.d\.|identification|driver'?s licen[cs]e)\b|"
                      r"\b(?:photo|picture|valid|government[- ]issued) (?:id|i\.d\.|identification)\b[^.\n]{0,20}"
                      r"\b(?:required|must)\b|"
                      r"\b(?:requires|required:?) (?:a |an )?(?:valid |photo |picture )?(?:id|identification)\b", re.I)


def intake_flags(text: str | None) -> tuple:
    """(walk_in, appointment_required, no_id_required) from application_process
    text; None unless the text states it."""
    if not text:
        return None, None, None
    walk = False if _WALKIN_NEG.search(text) else (True if _WALKIN_POS.search(text) else None)
    appt = None
    if _APPT_NO.search(text):
        appt = False
    elif _APPT_YES.search(text) and walk is not True:
        appt = True
    noid = True if _NOID_YES.search(text) else (False if _NOID_NO.search(text) else None)
    return walk, appt, noid


_BRING_RE = re.compile(r"(?:\b(?:must|please|need to|should|required to|will need to)\s+(?:bring|take)|\bbring)\b"
                       r"(?:\s+(?:the following|these)(?:\s+(?:documents?|items?|information))?"
                       r"|\s+with\s+(?:you|them))?\s*:?[ \t]*", re.I)
_DOCS_HEAD_RE = re.compile(r"\b(?:documents? (?:needed|required)(?: to bring)?|required documents?(?: to bring)?)"
                           r"\s*:[ \t]*", re.I)
_BULLET_RE = re.compile(r"^[*\-\u2022]\s*")


def _split_top_level(sentence: str) -> list[str]:
    """Split a run-on list on commas/semicolons/"and" outside parentheses."""
    parts, depth, cur, i = [], 0, "", 0
    while i < len(sentence):
        ch = sentence[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if depth == 0 and ch in ",;":
            parts.append(cur)
            cur = ""
        elif depth == 0 and re.match(r"\s+and\s+(?=[a-z])", sentence[i:], re.I) and not cur.endswith(","):
            m = re.match(r"\s+and\s+", sentence[i:], re.I)
            parts.append(cur)
            cur = ""
            i += m.end()
            continue
        else:
            cur += ch
        i += 1
    parts.append(cur)
    return parts


def required_documents(text: str | None) -> list[str]:
    """Documents the source says to bring (application_process). Conservative:
    only text introduced by "[must] bring ..." or "documents needed/required:",
    either a bullet list that follows or the rest of that sentence."""
    if not text:
        return []
    docs: list[str] = []
    matches = sorted([m for rx in (_BRING_RE, _DOCS_HEAD_RE) for m in rx.finditer(text)],
                     key=lambda m: m.start())
    consumed = -1
    for m in matches:
        if m.start() < consumed:
            continue  # inside a list we already took
        rest = text[m.end():]
        if rest.startswith("\n"):
            nxt = rest.lstrip("\n")
            if nxt and not _BULLET_RE.match(nxt):  # "Documents to bring:\nA, B, C"
                rest = nxt
        if rest.startswith("\n") or _BULLET_RE.match(rest):
            items, used = [], 0
            lines = rest.split("\n")
            for line in lines[1:] if rest.startswith("\n") else lines:
                used += len(line) + 1
                line = line.strip()
                if not line:
                    if items:
                        break
                    continue
                if not _BULLET_RE.match(line):
                    break
                items.append(_BULLET_RE.sub("", line))
            consumed = m.end() + used
        else:
            sentence = re.split(r"\.(?=\s+[A-Z*(]|\s*$)|\n", rest, maxsplit=1)[0]
            consumed = m.end() + len(sentence)
            sentence = re.sub(r"\s+(?:to|for) (?:your|the) (?:first |next )?(?:visit|appointment|interview)\b.*$",
                              "", sentence)
            items = _split_top_level(sentence)
        for item in items:
            item = re.sub(r"^(?:and|or|also|a|an|the|your|their|as well as)\s+", "", item.strip(), flags=re.I)
            item = item.strip(" .;:*-")
            if item and len(item) <= 300 and not re.match(r"^(?:in|to|at|for|if)\b", item, re.I):
                docs.append(item[0].upper() + item[1:])
    seen, out = set(), []
    for d in docs:
        if d.lower() not in seen:
            seen.add(d.lower())
            out.append(d)
    return out


# --------------------------------------------------------------------------
# Address normalisation (for grouping programme rows into physical sites)
# --------------------------------------------------------------------------

_ABBREV = {
    "street": "st", "avenue": "ave", "av": "ave", "boulevard": "blvd", "drive": "dr",
    "road": "rd", "court": "ct", "place": "pl", "terrace": "ter", "lane": "ln",
    "highway": "hwy", "parkway": "pkwy", "trail": "trl", "circle": "cir",
    "north": "n", "south": "s", "east": "e", "west": "w", "northwest": "nw",
    "northeast": "ne", "southwest": "sw", "southeast": "se",
}


def street_key(address_1: str) -> str:
    s = fix_mojibake(address_1).lower()
    s = re.sub(r"\b\d+(?:st|nd|rd|th)?\s+floor\b.*$", "", s)
    s = re.sub(r"\b(?:suite|ste|unit|room|rm|floor|bldg|building|apt)\b.*$|#.*$", "", s)
    s = re.sub(r"[^a-z0-9 ]", " ", s)
    toks = [_ABBREV.get(t, t) for t in s.split()]
    toks = [re.sub(r"^(\d+)(?:st|nd|rd|th)$", r"\1", t) for t in toks]
    return " ".join(toks)


# --------------------------------------------------------------------------
# Open211 Miami (HSDS 1.x datapackage)
# --------------------------------------------------------------------------

def build_open211(shared: str, mapping: CategoryMapping, county, zcta, stats, report):
    d = os.path.join(shared, "hsds", "miami_open211_2019")
    locations = read_csv(os.path.join(d, "locations.csv"))
    orgs = {r["id"]: r for r in read_csv(os.path.join(d, "organizations.csv"))}
    services = {r["id"]: r for r in read_csv(os.path.join(d, "services.csv"))}
    sal = read_csv(os.path.join(d, "services_at_location.csv"))
    addrs = {r["location_id"]: r for r in read_csv(os.path.join(d, "physical_addresses.csv"))}
    phones = collections.defaultdict(list)
    for r in read_csv(os.path.join(d, "phones.csv")):
        phones[r["location_id"]].append(r)
    access = {r["location_id"]: r for r in read_csv(os.path.join(d, "accessibility_for_disabilities.csv"))}
    langs = collections.defaultdict(list)
    for r in read_csv(os.path.join(d, "languages.csv")):
        langs[r["location_id"]].append(r["language"])
    schedules = {}
    for r in read_csv(os.path.join(d, "regular_schedules.csv")):
        schedules.setdefault(r["service_id"], r["original_text"])
    taxonomy = {r["id"]: r for r in read_csv(os.path.join(d, "taxonomy.csv"))}
    svc_codes = collections.defaultdict(set)
    for r in read_csv(os.path.join(d, "services_taxonomy.csv")):
        svc_codes[r["service_id"]].add(r["taxonomy_id"])
    n_elig = len(read_csv(os.path.join(d, "eligibility.csv")))

    # The export is one "provider" per row: every location row has exactly one
    # service with the same id (services_at_location is 1:1). locations.
    # organization_id is unusable (always equals the location's own id);
    # services.organization_id is the parent provider, which is either an
    # organization or an intermediate provider (a programme site) whose own
    # parent is the organization. Walk up to the organization.
    svc_of_loc = {}
    for r in sal:
        svc_of_loc[r["location_id"]] = r["service_id"]

    def root_org(sid: str) -> str | None:
        seen = set()
        cur = sid
        while cur not in orgs:
            if cur in seen or cur not in services:
                return None
            seen.add(cur)
            cur = services[cur]["organization_id"]
        return cur

    stats["open211_locations"] = len(locations)
    unknown_langs = collections.Counter()
    bad_phones = []

    def make_row(loc, sid, svc, addr, street1, pc, lat, lon):
        lid = loc["id"]
        org_id = root_org(sid)
        if org_id is None:
            fail(f"location {lid}: cannot resolve organization")
        org = orgs[org_id]
        codes = sorted(svc_codes.get(sid, ()))
        names = {
            "name": one_line(loc["name"]),
            "organization_name": one_line(org["name"]),
            "taxonomy_name": [taxonomy[c]["name"] for c in codes if c in taxonomy],
        }
        cats = mapping.categories(codes, names)
        lang_codes = []
        for raw in langs.get(lid, []):
            lang_codes.extend(parse_languages(raw, unknown_langs))
        phone_list = []
        for p in phones.get(lid, []):
            ph = parse_phone(p["number"])
            if ph:
                phone_list.append(ph)
            elif p["number"].strip():
                bad_phones.append(f"{lid}: {p['number']!r}")
        app_clean = clean_text((svc or {}).get("application_process") or "")
        walk, appt, noid = intake_flags(app_clean)
        a2 = one_line(addr.get("address_2"))
        confidential = bool(CONFIDENTIAL_CODES & set(codes)) \
            or "confidential" in street1.lower()
        return {
            "id": lid,
            "org_id": org_id,
            "lat": lat, "lon": lon,
            "name": one_line(loc["name"]),
            "description": clean_text(loc["description"]),
            "street": street1 + (", " + a2 if a2 else ""),
            "street_key": street_key(street1),
            "city": one_line(addr.get("city")),
            "postal_code": pc,
            "phones": phone_list,
            "hours": parse_hours(schedules.get(sid)),
            "hours_raw": one_line(schedules.get(sid)),
            "languages": lang_codes,
            "categories": cats,
            "codes": codes,
            # services.name is only the last segment of the location name
            # ("WOLFSON CAMPUS"); the full location name is unambiguous.
            "service": {"name": one_line(loc["name"]) or one_line((svc or {}).get("name")),
                        "description": clean_text((svc or {}).get("description"))},
            "accessibility": one_line(access.get(lid, {}).get("accessibility")) or None,
            "walk_in": walk, "appointment_required": appt, "no_id_required": noid,
            "required_documents": required_documents(app_clean),
            "confidential": confidential,
        }

    stats["open211_eligibility_rows"] = n_elig
    drops = collections.Counter()
    dropped_rows = collections.defaultdict(list)
    rows = []
    pending = []  # rows without coordinates: attached to a geocoded sibling below
    for loc in locations:
        lid = loc["id"]
        sid = svc_of_loc.get(lid, lid)
        svc = services.get(sid)
        addr = addrs.get(lid, {})
        has_xy = bool(loc["latitude"].strip() and loc["longitude"].strip())
        lat = float(loc["latitude"]) if has_xy else None
        lon = float(loc["longitude"]) if has_xy else None
        if has_xy and not in_polygons(lon, lat, county):
            drops["outside_county"] += 1
            dropped_rows["outside_county"].append(lid)
            continue
        state = (addr.get("state_province") or "").strip().upper()
        pc = postal5(addr.get("postal_code"))
        street1 = one_line(addr.get("address_1"))
        if not has_xy:
            if state == "FL" and pc and street1:
                pending.append((loc, sid, svc, addr, street1, pc))
            else:
                drops["no_coordinates"] += 1
            continue
        # The point is in the county; does the row's own address agree?
        if state != "FL" or (pc and pc in zcta and not in_polygons(zcta[pc][1], zcta[pc][0], county)):
            drops["address_outside_county"] += 1
            dropped_rows["address_outside_county"].append(
                f"{lid} {one_line(loc['name'])[:60]} | {street1}, {one_line(addr.get('city'))} {state} {pc}")
            continue
        if not street1 or re.match(r"^(?:p\.?\s*o\.?\s*box|box)\b", street1, re.I) \
                or street1.lower() == "confidential":
            drops["no_street_address"] += 1
            dropped_rows["no_street_address"].append(f"{lid} {one_line(loc['name'])[:60]} | {street1!r}")
            continue
        rows.append(make_row(loc, sid, svc, addr, street1, pc, lat, lon))

    # Programme rows without coordinates join a geocoded row of the SAME
    # organisation at the SAME street address (normalised) and ZIP: they are
    # at that physical site; the site's point comes from the geocoded row.
    # Nothing is geocoded; other coordinate-less rows are dropped.
    geocoded_keys = {(r["org_id"], r["street_key"], r["postal_code"]) for r in rows if r["street_key"]}
    attached = 0
    for loc, sid, svc, addr, street1, pc in pending:
        org_id = root_org(sid)
        key = (org_id, street_key(street1), pc)
        shelter = bool(CONFIDENTIAL_CODES & svc_codes.get(sid, set()))
        if org_id is not None and key[1] and key in geocoded_keys and not shelter:
            rows.append(make_row(loc, sid, svc, addr, street1, pc, None, None))
            attached += 1
        else:
            drops["no_coordinates"] += 1
    stats["open211_attached"] = attached

    # Group programme rows into physical sites: same organisation + same
    # street address (normalised, suite/floor ignored) + same 5-digit ZIP.
    groups = collections.defaultdict(list)
    for r in rows:
        # confidential (shelter) rows are never merged into a public site
        if r["confidential"] or not r["street_key"]:
            key = ("row", r["id"])
        else:
            key = (r["org_id"], r["street_key"], r["postal_code"])
        groups[key].append(r)

    features = []
    spread = []
    lang_disagree = 0
    for key, members in groups.items():
        members.sort(key=lambda r: int(r["id"]))
        geo = [r for r in members if r["lat"] is not None]
        # representative: the organisation's own row if it is at this site
        # (even when it is an attached row without coordinates), else the
        # lowest id; the point always comes from a geocoded row.
        rep = next((r for r in members if r["id"] == r["org_id"]), geo[0])
        anchor = rep if rep["lat"] is not None else geo[0]
        ordered = [rep] + [r for r in members if r is not rep]
        cats = set().union(*(r["categories"] for r in members))
        if not cats:
            drops["unmapped_category_rows"] += len(members)
            drops["unmapped_category_sites"] += 1
            continue
        if len(members) > 1:
            far = max(haversine_km(anchor["lat"], anchor["lon"], r["lat"], r["lon"]) for r in geo)
            if far > 0.25:
                spread.append(f"{rep['id']} {rep['name'][:50]}: members up to {far:.2f} km apart")
            if len({tuple(sorted(set(r["languages"]))) for r in members}) > 1:
                lang_disagree += 1
        org = orgs[rep["org_id"]]
        # union of per-row values, representative first
        phones_out, seen = [], set()
        for r in ordered:
            for p in r["phones"]:
                k = (p["number"], p["extension"])
                if k not in seen:
                    seen.add(k)
                    phones_out.append(p)
        langs_out = sorted(set(c for r in members for c in r["languages"]))
        services_out, seen = [], set()
        for r in ordered:
            k = (r["service"]["name"], r["service"]["description"])
            if k not in seen:
                seen.add(k)
                services_out.append(r["service"])
        if len(services_out) > 1 and rep["id"] == rep["org_id"]:
            # the organisation's own row is a generic listing that repeats the
            # site's name and description: not a service of its own
            services_out = [sv for sv in services_out if sv is not rep["service"]]
        docs, seen = [], set()
        for r in ordered:
            for doc in r["required_documents"]:
                if doc.lower() not in seen:
                    seen.add(doc.lower())
                    docs.append(doc)
        hours_texts = {r["hours_raw"] for r in members if r["hours"]}
        if len(hours_texts) == 1:
            hours = next(r["hours"] for r in ordered if r["hours"])
        else:
            hours = rep["hours"]  # programmes differ: the site's own (main) record

        def agree(field):
            vals = {r[field] for r in members if r[field] is not None}
            return vals.pop() if len(vals) == 1 else None

        accessibility = next((r["accessibility"] for r in ordered if r["accessibility"]), None)
        props = {
            "source_id": f"{OPEN211_PREFIX}:location:{rep['id']}",
            "partner_source_id": f"{OPEN211_PREFIX}:organization:{rep['org_id']}",
            "partner_name": one_line(org["name"]) or None,
            "partner_description": clean_text(org["description"]),
            "partner_website": website(org["url"]),
            "partner_email": None,  # organizations.email is empty in the export
            "name": rep["name"] or one_line(org["name"]),
            "description": rep["description"],
            "description_lang": "en",
            "street": rep["street"],
            "city": rep["city"],
            "state": "FL",
            "postal_code": rep["postal_code"],
            "phones": phones_out,
            "hours": hours,
            "languages": langs_out,
            "categories": [c for c in CATEGORIES if c in cats],
            "services": services_out,
            "cost": None,       # services.fees is empty for every row of the export
            "cost_note": None,
            "eligibility": None,  # eligibility.csv has no service_id: cannot be joined
            "required_documents": docs,
            "accessibility": accessibility,
            "walk_in": agree("walk_in"),
            "appointment_required": agree("appointment_required"),
            "no_id_required": agree("no_id_required"),
            "confidential": any(r["confidential"] for r in members),
            "last_verified_at": OPEN211_VERIFIED,
        }
        # categories for which one single programme row also lists Haitian
        # Creole (vs. ht coming from another programme at the same site)
        direct = sorted({c for r in members if "ht" in r["languages"] for c in r["categories"]})
        features.append({"lon": anchor["lon"], "lat": anchor["lat"], "props": props,
                         "rows": [r["id"] for r in members],
                         "ht_direct_categories": direct})

    # Quality indicator only (nothing is dropped or moved): sites whose point
    # lies far from the internal point of their own ZIP's ZCTA. In this export
    # that usually means a stale geocode (the address was updated, the point
    # was not), though large ZCTAs (33034 Florida City) also trip it.
    far_from_zip = []
    for f in features:
        pc = f["props"]["postal_code"]
        if pc in zcta:
            dist = haversine_km(f["lat"], f["lon"], zcta[pc][0], zcta[pc][1])
            if dist > 10:
                far_from_zip.append(f"{f['props']['source_id']} {f['props']['name'][:50]} | "
                                    f"{f['props']['street']}, {pc}: {dist:.1f} km from ZCTA point")
    stats["open211_far_from_zip"] = len(far_from_zip)
    report["far_from_zip"] = far_from_zip
    stats["open211_rows_kept"] = sum(len(f["rows"]) for f in features)
    stats["open211_sites"] = len(features)
    stats["open211_sites_before_dedupe"] = len(features)
    stats["open211_drops"] = dict(drops)
    stats["open211_merged_sites"] = sum(1 for f in features if len(f["rows"]) > 1)
    stats["open211_lang_disagree"] = lang_disagree
    report["unknown_languages"] = unknown_langs
    report["bad_phones"] = bad_phones
    report["dropped_rows"] = dropped_rows
    report["spread"] = spread
    return features


# --------------------------------------------------------------------------
# IMLS Public Libraries Survey FY2018 outlets
# --------------------------------------------------------------------------

# Partner (library system) names by FSCSKEY. The outlet file has no
# administrative-entity name column; FL0025's name is the suffix of its
# central outlet's LIBNAME ("MAIN LIBRARY, MIAMI-DADE PUBLIC LIBRARY SYSTEM").
# FL0023 (City of Hialeah, 6 outlets) is named after the system's own usage;
# single-outlet systems fall back to their central outlet's name.
LIBRARY_SYSTEMS = {
    "FL0025": "Miami-Dade Public Library System",
    "FL0023": "Hialeah Public Libraries",
}

_SMALL = {"of", "and", "the", "at", "in", "for", "de"}
_UPPER = {"NE", "NW", "SE", "SW", "N", "S", "E", "W", "II", "III", "IV", "US", "FL", "JFK", "MLK"}


def smart_title(s: str) -> str:
    words = []
    for i, w in enumerate(s.split()):
        core = re.sub(r"[^\w]", "", w)
        if core.upper() in _UPPER:
            words.append(w.upper())
        elif re.match(r"^\d", w):
            words.append(w.lower())
        elif i > 0 and w.lower() in _SMALL:
            words.append(w.lower())
        else:
            words.append("-".join(p[:1].upper() + p[1:].lower() for p in w.split("-")))
    out = " ".join(words)
    out = re.sub(r"\bMc([a-z])", lambda m: "Mc" + m.group(1).upper(), out)
    return out


def build_imls(shared: str, county, stats):
    rows = read_csv(os.path.join(shared, "libraries", "pls_fy18_outlet_pud18i.csv.gz"))
    fl = [r for r in rows if r["STABR"] == "FL"]
    central = {r["FSCSKEY"]: r for r in fl if r["C_OUT_TY"] == "CE"}
    features = []
    drops = collections.Counter()
    for r in fl:
        lat, lon = float(r["LATITUDE"]), float(r["LONGITUD"])
        if not in_polygons(lon, lat, county):
            continue
        if r["C_OUT_TY"] in ("BS", "MO"):
            drops["bookmobile_or_by_mail"] += 1
            continue
        key = r["FSCSKEY"]
        partner = LIBRARY_SYSTEMS.get(key) or (
            smart_title(central[key]["LIBNAME"]) if key in central else smart_title(r["LIBNAME"]))
        phone = parse_phone(r["PHONE"]) if re.match(r"^\d{10}$", r["PHONE"].strip()) else None
        props = {
            "source_id": f"{IMLS_PREFIX}:{key}-{r['FSCS_SEQ']}",
            "partner_source_id": f"{IMLS_PREFIX}:{key}",
            "partner_name": partner,
            "partner_description": None,
            "partner_website": None,
            "partner_email": None,
            "name": smart_title(r["LIBNAME"]),
            "description": None,
            "description_lang": "en",
            "street": smart_title(r["ADDRESS"]),
            "city": smart_title(r["CITY"]),
            "state": "FL",
            "postal_code": postal5(r["ZIP"]),
            "phones": [phone] if phone else [],
            "hours": None,  # PLS has annual hours only (HOURS), no weekly schedule
            "languages": [],
            "categories": ["library"],
            "services": [],
            "cost": None,
            "cost_note": None,
            "eligibility": None,
            "required_documents": [],
            "accessibility": None,
            "walk_in": None,
            "appointment_required": None,
            "no_id_required": None,
            "confidential": False,
            "last_verified_at": IMLS_VERIFIED,
        }
        features.append({"lon": lon, "lat": lat, "props": props, "rows": [props["source_id"]],
                         "geomatch": r["GEOMATCH"], "cnty": r["CNTY"]})
    stats["imls_fl_outlets"] = len(fl)
    stats["imls_sites"] = len(features)
    stats["imls_drops"] = dict(drops)
    return features


def dedupe_libraries(o211, imls, stats, radius_km=0.15):
    """IMLS is the library layer. An Open211 site tagged `library` within
    radius_km of an IMLS outlet loses `library` (its other categories, e.g.
    literacy programmes -> education, stay); if nothing is left it is dropped
    as a duplicate of the outlet."""
    kept, stripped, dropped = [], 0, 0
    for f in o211:
        cats = f["props"]["categories"]
        if "library" in cats and any(
                haversine_km(f["lat"], f["lon"], g["lat"], g["lon"]) <= radius_km for g in imls):
            cats = [c for c in cats if c != "library"]
            f["props"]["categories"] = cats
            if not cats:
                dropped += 1
                continue
            stripped += 1
        kept.append(f)
    stats["open211_library_stripped"] = stripped
    stats["open211_library_dropped"] = dropped
    stats["open211_sites"] = len(kept)
    return kept


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------

def feature_json(f) -> str:
    props = f["props"]
    if list(props) != list(PROPERTY_ORDER):
        fail(f"{props.get('source_id')}: property order drift")
    obj = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(f["lon"], 6), round(f["lat"], 6)]},
        "properties": props,
    }
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def write_geojson(path: str, features) -> None:
    features = sorted(features, key=lambda f: f["props"]["source_id"])
    buf = io.StringIO()
    buf.write('{"type":"FeatureCollection","features":[\n')
    buf.write(",\n".join(feature_json(f) for f in features))
    buf.write("\n]}\n")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(buf.getvalue())


def copy_file(src: str, dst: str) -> None:
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copyfile(src, dst)


_LANG_CODE_RE = re.compile(r"^[a-z]{2,3}$")
_HHMM_RE = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$")


def validate(path: str, county) -> dict:
    """Re-read the written GeoJSON and check the seed contract."""
    with open(path, encoding="utf-8") as fh:
        fc = json.load(fh)
    assert fc["type"] == "FeatureCollection"
    ids = set()
    cats = collections.Counter()
    langs = collections.Counter()
    extra = collections.Counter()
    for f in fc["features"]:
        p = f["properties"]
        sid = p["source_id"]
        assert sid not in ids, f"duplicate source_id {sid}"
        ids.add(sid)
        assert f["geometry"]["type"] == "Point"
        lon, lat = f["geometry"]["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90, sid
        assert in_polygons(lon, lat, county), f"{sid} outside county"
        assert list(p) == list(PROPERTY_ORDER), sid
        assert p["categories"] and all(c in CATEGORIES for c in p["categories"]), sid
        assert all(_LANG_CODE_RE.match(c) for c in p["languages"]), sid
        assert p["languages"] == sorted(set(p["languages"])), sid
        for ph in p["phones"]:
            assert ph["type"] in ("voice", "fax", "tty", "text", "hotline"), sid
            assert all(_LANG_CODE_RE.match(c) for c in ph["languages"]), sid
        if p["hours"] is not None:
            assert p["hours"]["timezone"] == TIMEZONE
            for w in p["hours"]["weekly"]:
                assert w["day"] in DAY_CODES and _HHMM_RE.match(w["opens"]) \
                    and _HHMM_RE.match(w["closes"]) and w["opens"] < w["closes"], sid
        assert p["state"] == "FL" and re.match(r"^\d{5}$", p["postal_code"] or ""), sid
        assert p["cost"] in (None, "free", "sliding_scale", "fee"), sid
        assert p["description_lang"] == "en"
        assert isinstance(p["confidential"], bool)
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", p["last_verified_at"]), sid
        for c in p["categories"]:
            cats[c] += 1
        for c in p["languages"]:
            langs[c] += 1
        extra["confidential"] += p["confidential"]
        h = p["hours"]
        extra["hours_none" if h is None else "hours_weekly" if h["weekly"] else "hours_notes_only"] += 1
    return {"features": len(fc["features"]), "categories": cats, "languages": langs, **extra}


def flagship(features, zcta, zip5="33125", lang="ht", cat="legal", k=5):
    if zip5 not in zcta:
        return [], k
    zlat, zlon = zcta[zip5]
    hits = [f for f in features if cat in f["props"]["categories"] and lang in f["props"]["languages"]]
    hits.sort(key=lambda f: (haversine_km(zlat, zlon, f["lat"], f["lon"]), f["props"]["source_id"]))
    return [(haversine_km(zlat, zlon, f["lat"], f["lon"]), f) for f in hits], k


STATS_BEGIN = "<!-- BEGIN GENERATED STATS (data/build.py rewrites this block) -->"
STATS_END = "<!-- END GENERATED STATS -->"


def stats_markdown(stats, v, sizes, fl_hits, k) -> str:
    d = stats["open211_drops"]
    lines = [STATS_BEGIN, ""]
    lines.append("| File | Rows | Bytes |")
    lines.append("|---|---|---|")
    for name, rows, size in sizes:
        lines.append(f"| `{name}` | {rows} | {size:,} |")
    lines += ["", f"Demo seed: **{v['features']} sites** "
              f"({stats['open211_sites']} Open211 + {stats['imls_sites']} IMLS library outlets).", ""]
    lines.append("| Category | Sites |")
    lines.append("|---|---|")
    for c in CATEGORIES:
        lines.append(f"| {c} | {v['categories'].get(c, 0)} |")
    lines += ["", "| Language | Sites |", "|---|---|"]
    for c, n in sorted(v["languages"].items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"| {c} | {n} |")
    lines += ["", "Open211 rows (locations.csv) from export to seed:", ""]
    total = stats["open211_locations"]
    lines.append(f"- {total} location rows in the export")
    lines.append(f"- {d.get('no_coordinates', 0)} dropped: no latitude/longitude")
    lines.append(f"- {d.get('outside_county', 0)} dropped: coordinates outside Miami-Dade County")
    lines.append(f"- {d.get('address_outside_county', 0)} dropped: coordinates inside the county "
                 "but the row's own address is elsewhere (state not FL, or its ZIP's ZCTA point outside the county)")
    lines.append(f"- {d.get('no_street_address', 0)} dropped: no street address (P.O. box only)")
    lines.append(f"- {d.get('unmapped_category_rows', 0)} dropped: no category under the mapping "
                 f"(they formed {d.get('unmapped_category_sites', 0)} sites)")
    lines.append(f"- of the rows without coordinates, {stats['open211_attached']} were attached to a geocoded "
                 "row of the same organisation at the same street address (counted as kept below)")
    lines.append(f"- {stats['open211_rows_kept']} kept, merged into {stats['open211_sites_before_dedupe']} sites "
                 f"({stats['open211_merged_sites']} sites combine 2+ programme rows; "
                 f"{stats['open211_lang_disagree']} of those have rows listing different languages)")
    lines.append(f"- {stats['open211_library_stripped']} Open211 sites within 150 m of an IMLS outlet lost the "
                 f"`library` category (kept for their other categories); {stats['open211_library_dropped']} "
                 "dropped as duplicates of an outlet")
    lines.append(f"- quality indicators (all sites): {v.get('confidential', 0)} confidential; hours with a weekly schedule "
                 f"{v.get('hours_weekly', 0)}, text-only hours {v.get('hours_notes_only', 0)}, no hours {v.get('hours_none', 0)} (incl. all IMLS outlets); "
                 f"{stats['open211_far_from_zip']} Open211 sites lie more than 10 km from their ZIP's ZCTA "
                 "internal point (see README, known problems)")
    lines += ["", f"IMLS: {stats['imls_fl_outlets']} Florida outlets; {stats['imls_sites']} in Miami-Dade kept; "
              f"{stats['imls_drops'].get('bookmobile_or_by_mail', 0)} bookmobile/by-mail outlet(s) in the county dropped.", ""]
    lines.append(f"Flagship check — legal sites that list Haitian Creole (`ht`): **{len(fl_hits)}**, "
                 f"by distance from the ZCTA 33125 internal point (the first {k} answer "
                 f"\"the {k} nearest legal services to 33125 that speak Haitian Creole\"):")
    lines.append("")
    for i, (dist, f) in enumerate(fl_hits):
        p = f["props"]
        mark = "" if "legal" in f.get("ht_direct_categories", ["legal"]) else \
            " — ht is listed by another programme at this site, not by the legal one"
        lines.append(f"{i + 1}. {dist:.1f} km — {p['name']} ({p['street']}, {p['city']}) "
                     f"`{p['source_id']}`{mark}")
    lines += ["", STATS_END]
    return "\n".join(lines)


def update_readme(path: str, block: str) -> None:
    if not os.path.exists(path):
        print(f"note: {path} missing; stats block not written")
        return
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    if STATS_BEGIN not in text or STATS_END not in text:
        print(f"note: no stats markers in {path}; not updated")
        return
    pre = text.split(STATS_BEGIN)[0]
    post = text.split(STATS_END, 1)[1]
    new = pre + block + post
    if new != text:
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(new)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default=DEFAULT_SHARED,
                    help="shared data directory (default: ../shared/data relative to the repo root)")
    ap.add_argument("--out", default=DATA_DIR, help="output directory (default: this data/ directory)")
    ap.add_argument("--make-boundary", metavar="COUNTIES_10M_JSON",
                    help="regenerate boundaries/miami-dade.geojson from us-atlas counties-10m.json and exit")
    ap.add_argument("--verbose", action="store_true", help="print per-row drop and merge reports")
    args = ap.parse_args()

    boundary_path = os.path.join(args.out, "boundaries", "miami-dade.geojson")
    if args.make_boundary:
        make_boundary(args.make_boundary, boundary_path)
        return

    shared = os.path.abspath(args.shared)
    if not os.path.isdir(shared):
        fail(f"shared data directory not found: {shared}")
    county = load_boundary(boundary_path)
    mapping = CategoryMapping(os.path.join(args.out, "mappings", "open211-miami-categories.csv"))

    # 1-2: byte copies
    zsrc = os.path.join(shared, "zcta", "zcta_centroids_gaz2020.csv")
    with open(zsrc, encoding="utf-8") as fh:
        if fh.readline().strip() != "zcta,lat,lng":
            fail(f"unexpected header in {zsrc}")
    copy_file(zsrc, os.path.join(args.out, "zcta_centroids.csv"))
    copy_file(os.path.join(shared, "census", "CenPop2020_Mean_TR.txt.gz"),
              os.path.join(args.out, "census_tracts.csv.gz"))
    zcta = {r["zcta"]: (float(r["lat"]), float(r["lng"])) for r in read_csv(zsrc)}

    stats, report = {}, {}
    o211 = build_open211(shared, mapping, county, zcta, stats, report)
    imls = build_imls(shared, county, stats)
    o211 = dedupe_libraries(o211, imls, stats)
    features = o211 + imls
    seed = os.path.join(args.out, "demo", "miami-dade.geojson")
    write_geojson(seed, features)

    v = validate(seed, county)
    fl_hits, k = flagship(features, zcta)

    with gzip.open(os.path.join(args.out, "census_tracts.csv.gz"), "rt", encoding="utf-8-sig") as fh:
        tract_rows = sum(1 for _ in fh) - 1
    with open(os.path.join(args.out, "zcta_centroids.csv"), encoding="utf-8") as fh:
        zcta_rows = sum(1 for _ in fh) - 1
    with open(os.path.join(args.out, "mappings", "open211-miami-categories.csv"), encoding="utf-8") as fh:
        map_rows = sum(1 for _ in csv.DictReader(fh))
    rel = lambda p: os.path.relpath(p, args.out)  # noqa: E731
    sizes = [
        ("zcta_centroids.csv", f"{zcta_rows:,} ZCTAs", os.path.getsize(os.path.join(args.out, "zcta_centroids.csv"))),
        ("census_tracts.csv.gz", f"{tract_rows:,} tracts", os.path.getsize(os.path.join(args.out, "census_tracts.csv.gz"))),
        ("demo/miami-dade.geojson", f"{v['features']:,} features", os.path.getsize(seed)),
        ("mappings/open211-miami-categories.csv", f"{map_rows} rules",
         os.path.getsize(os.path.join(args.out, "mappings", "open211-miami-categories.csv"))),
        (rel(boundary_path), "1 feature", os.path.getsize(boundary_path)),
    ]
    update_readme(os.path.join(args.out, "README.md"), stats_markdown(stats, v, sizes, fl_hits, k))

    # console summary
    print(f"features: {v['features']} (open211 {stats['open211_sites']}, imls {stats['imls_sites']})")
    print("categories: " + ", ".join(f"{c}={v['categories'].get(c, 0)}" for c in CATEGORIES))
    print("languages: " + ", ".join(f"{c}={n}" for c, n in
                                    sorted(v["languages"].items(), key=lambda kv: (-kv[1], kv[0]))))
    print(f"open211 drops: {stats['open211_drops']}")
    print(f"imls drops (in county): {stats['imls_drops']}")
    if report["unknown_languages"]:
        print("UNKNOWN language names (add to LANGUAGE_NAMES or LANGUAGE_NOISE): "
              + "; ".join(f"{k!r} x{n}" for k, n in sorted(report["unknown_languages"].items())))
    else:
        print("unknown language names: none")
    if report["bad_phones"]:
        print("unparseable phone numbers (not shipped): " + "; ".join(report["bad_phones"]))
    print(f"flagship: {len(fl_hits)} legal sites list ht; nearest {k} to ZCTA 33125:")
    for i, (dist, f) in enumerate(fl_hits):
        mark = "" if "legal" in f.get("ht_direct_categories", ["legal"]) else "  (ht listed by another programme at this site)"
        print(f"  {'*' if i < k else ' '} {dist:5.1f} km  {f['props']['name']}  [{f['props']['source_id']}]{mark}")
    if args.verbose:
        for reason, items in sorted(report["dropped_rows"].items()):
            if reason == "outside_county":
                print(f"dropped {reason}: {len(items)} rows")
                continue
            print(f"dropped {reason}:")
            for it in items:
                print(f"  {it}")
        print("merged sites whose rows are >250 m apart (coordinates taken from the representative row):")
        for s in report["spread"]:
            print(f"  {s}")
        print("sites more than 10 km from their ZIP's ZCTA internal point (possible stale geocodes):")
        for s_ in report["far_from_zip"]:
            print(f"  {s_}")
        residue = 0
        with open(seed, encoding="utf-8") as fh:
            residue = len(MOJIBAKE_RESIDUE.findall(fh.read()))
        print(f"mojibake residue sequences left in seed: {residue}")
    for p in (os.path.join(args.out, "zcta_centroids.csv"), os.path.join(args.out, "census_tracts.csv.gz"), seed):
        print(f"wrote {rel(p)} ({os.path.getsize(p):,} bytes)")


if __name__ == "__main__":
    main()

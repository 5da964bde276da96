-- Imports that wait for an admin (issue 19). A service whose taxonomy terms map to none of our
-- categories is held here, whole, instead of being refused or published; an admin says which of
-- our categories a term means (term_mappings), which is applied to every later import.
-- Mirrors sqlite/0006_held_records.sql.

create table held_records (
    key text primary key,          -- the site's source id: a re-import replaces the record
    name text not null,
    file text not null,
    terms jsonb not null,          -- array of {taxonomy, code, name}
    record jsonb not null,         -- {"partner": {...}, "site": {...}}
    held_at timestamptz not null
);

create table term_mappings (
    term text primary key,         -- the term's code, else its name, lower-cased
    label text not null,
    categories jsonb not null,     -- array of category slugs (empty: none of ours)
    updated_at timestamptz not null
);

-- Imports that wait for an admin (issue 19). A service whose taxonomy terms map to none of our
-- categories is held here, whole, instead of being refused or published; an admin says which of
-- our categories a term means (term_mappings), which is applied to every later import.

create table held_records (
    key text primary key,          -- the site's source id: a re-import replaces the record
    name text not null,
    file text not null,
    terms text not null,           -- JSON array of {taxonomy, code, name}
    record text not null,          -- JSON {"partner": {...}, "site": {...}}
    held_at text not null
);

create table term_mappings (
    term text primary key,         -- the term's code, else its name, lower-cased
    label text not null,
    categories text not null,      -- JSON array of category slugs (empty: none of ours)
    updated_at text not null
);

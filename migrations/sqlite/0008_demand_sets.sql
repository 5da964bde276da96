-- Saved demand sets (issue 17): a school's counts of families by ZIP code and home language,
-- saved by an admin under a name so the gap page can reuse them. Only the aggregated cells are
-- held: a ZIP code, a language code and a count — never a record about a person, never the
-- file that was uploaded. Outputs computed from them are suppressed (see the README).

create table demand_sets (
    id integer primary key autoincrement,
    name text not null unique check (length(name) between 1 and 120),
    label text,
    group_column text,
    cells integer not null,
    total integer not null,
    created_at text not null,
    created_by text not null
);

create table demand_set_cells (
    set_id integer not null references demand_sets (id) on delete cascade,
    zip text not null check (length(zip) = 5),
    language text not null check (length(language) between 2 and 3),
    count integer not null check (count >= 0),
    primary key (set_id, zip, language)
);

-- Saved demand sets (issue 17): a school's counts of families by ZIP code and home language,
-- saved by an admin under a name so the gap page can reuse them. Only the aggregated cells are
-- held: a ZIP code, a language code and a count — never a record about a person, never the
-- file that was uploaded. Outputs computed from them are suppressed (see the README).
-- Mirrors sqlite/0006_demand_sets.sql.

create table demand_sets (
    id bigint generated always as identity primary key,
    name text not null unique check (length(name) between 1 and 120),
    label text,
    group_column text,
    cells bigint not null,
    total bigint not null,
    created_at timestamptz not null,
    created_by text not null
);

create table demand_set_cells (
    set_id bigint not null references demand_sets (id) on delete cascade,
    zip text not null check (length(zip) = 5),
    language text not null check (length(language) between 2 and 3),
    count bigint not null check (count >= 0),
    primary key (set_id, zip, language)
);

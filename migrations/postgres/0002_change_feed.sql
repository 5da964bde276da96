-- The change feed: how several `assetmap serve` instances on one database keep their in-memory
-- indexes in step. Every write transaction appends one row per changed record, in the same
-- transaction as the data, and signals `pg_notify('assetmap_changes', head)`, which PostgreSQL
-- delivers only if and when it commits. Instances listen, then read the rows after the last
-- position they applied and fetch those records as they are now.
--
-- Positions are handed out by incrementing the single row of change_head at the very end of the
-- writing transaction. Its row lock is held until commit, so positions are assigned in commit
-- order and a rolled-back transaction gives its numbers back: the positions a reader can see
-- are always 1..head with no gap, and a reader never has to wait for a "hole" to fill.

create table change_head (
    only_row boolean primary key default true check (only_row),
    seq      bigint not null check (seq >= 0)
);

insert into change_head (only_row, seq) values (true, 0);

create table changes (
    seq        bigint primary key,
    entity     text not null check (entity in ('partner', 'site')),
    id         uuid not null,
    op         text not null check (op in ('upsert', 'delete')),
    changed_at timestamptz not null default now()
);

-- Pruning deletes by age.
create index changes_changed_at on changes (changed_at);

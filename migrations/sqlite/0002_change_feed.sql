-- The change feed (postgres/0002_change_feed.sql) lets several server instances share one
-- PostgreSQL database. A SQLite file is served by one process, which sees its own writes, so
-- it needs no feed; this file keeps the two folders numbered alike.
select 1;

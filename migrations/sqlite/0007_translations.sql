-- Translations reviewed by people (issue 18): a translator role (an account that may review one
-- or more languages and nothing else), the languages each translator reviews, and the strings a
-- person reviewed, which apply over the repository's web/i18n files.
--
-- SQLite cannot change a check constraint in place, so `users` is rebuilt: new table, copy,
-- drop, rename. sqlx runs a SQLite migration inside a transaction, where the foreign_keys pragma
-- cannot be turned off, so dropping `users` deletes the rows that refer to it (ON DELETE
-- CASCADE): sessions, API tokens and password-reset links are kept aside in temporary tables
-- and put back once the new `users` stands. The tables that refer to `users` keep referring to
-- it by name.

create temp table keep_sessions as select * from sessions;
create temp table keep_api_tokens as select * from api_tokens;
create temp table keep_invitations as select * from invitations where user_id is not null;

create table users_0006 (
    id             text primary key,
    email          text not null unique check (email = lower(email) and length(email) between 3 and 320),
    password_hash  text not null,
    role           text not null check (role in ('admin', 'editor', 'translator')),
    partner_id     text references partners (id) on delete cascade,
    created_at     text not null,
    deactivated_at text,
    deactivated_by text,
    check ((role = 'editor') = (partner_id is not null))
);

insert into users_0006 (id, email, password_hash, role, partner_id, created_at, deactivated_at, deactivated_by)
    select id, email, password_hash, role, partner_id, created_at, deactivated_at, deactivated_by from users;

drop table users;

alter table users_0006 rename to users;

create index users_partner_id on users (partner_id);

insert into sessions select * from keep_sessions;
insert into api_tokens select * from keep_api_tokens;
insert into invitations select * from keep_invitations;

drop table keep_sessions;
drop table keep_api_tokens;
drop table keep_invitations;

-- The languages (codes of web/i18n files) a translator may review.
create table translator_languages (
    user_id  text not null references users (id) on delete cascade,
    language text not null check (length(language) between 2 and 3 and language = lower(language)),
    primary key (user_id, language)
);

-- One reviewed string per language and key. `source` is the English it translates, as it was
-- when reviewed: when the English changes, the review no longer counts (the entry is exported
-- as fuzzy again). No foreign key to users: history outlives the people it names.
create table translations (
    language       text not null check (length(language) between 2 and 3 and language = lower(language)),
    key            text not null check (length(key) between 1 and 200),
    text           text not null check (length(text) >= 1),
    source         text not null,
    reviewed_by_id text,
    reviewed_by    text not null,
    reviewed_at    text not null,
    primary key (language, key)
);


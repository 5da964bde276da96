-- Translations reviewed by people (issue 18): a translator role (an account that may review one
-- or more languages and nothing else), the languages each translator reviews, and the strings a
-- person reviewed, which apply over the repository's web/i18n files.
-- Mirrors sqlite/0006_translations.sql.

alter table users drop constraint users_role_check;
alter table users add constraint users_role_check check (role in ('admin', 'editor', 'translator'));

-- The languages (codes of web/i18n files) a translator may review.
create table translator_languages (
    user_id  uuid not null references users (id) on delete cascade,
    language text not null check (char_length(language) between 2 and 3 and language = lower(language)),
    primary key (user_id, language)
);

-- One reviewed string per language and key. `source` is the English it translates, as it was
-- when reviewed: when the English changes, the review no longer counts (the entry is exported
-- as fuzzy again). No foreign key to users: history outlives the people it names.
create table translations (
    language       text not null check (char_length(language) between 2 and 3 and language = lower(language)),
    key            text not null check (char_length(key) between 1 and 200),
    text           text not null check (char_length(text) >= 1),
    source         text not null,
    reviewed_by_id uuid,
    reviewed_by    text not null,
    reviewed_at    timestamptz not null,
    primary key (language, key)
);

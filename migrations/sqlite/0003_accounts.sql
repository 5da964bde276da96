-- Partner accounts (issue 7): people who sign in, their sessions and API tokens, invitation and
-- password-reset links, "list your organization" sign-ups, the revision history of every
-- directory change, and the audit log of admin actions.
-- Secrets (session tokens, API tokens, invitation links) are stored only as SHA-256 hashes;
-- passwords only as argon2id PHC strings.

create table users (
    id            text primary key,
    email         text not null unique check (email = lower(email) and length(email) between 3 and 320),
    password_hash text not null,
    role          text not null check (role in ('admin', 'editor')),
    partner_id    text references partners (id) on delete cascade,
    created_at    text not null,
    check ((role = 'editor') = (partner_id is not null))
);

create index users_partner_id on users (partner_id);

create table sessions (
    token_hash text primary key,
    user_id    text not null references users (id) on delete cascade,
    csrf_token text not null,
    created_at text not null,
    expires_at text not null
);

create index sessions_user_id on sessions (user_id);

create table api_tokens (
    id           text primary key,
    user_id      text not null references users (id) on delete cascade,
    name         text not null check (length(name) between 1 and 100),
    token_hash   text not null unique,
    created_at   text not null,
    last_used_at text,
    revoked_at   text
);

create index api_tokens_user_id on api_tokens (user_id);

-- A link for a new editor of `partner_id`, or a password reset for `user_id`.
create table invitations (
    id         text primary key,
    token_hash text not null unique,
    partner_id text references partners (id) on delete cascade,
    user_id    text references users (id) on delete cascade,
    email      text,
    created_by text not null,
    created_at text not null,
    expires_at text not null,
    used_at    text,
    check ((partner_id is null) <> (user_id is null))
);

-- Failed sign-ins per email (hashed), known account or not, so the answers never tell them apart.
create table login_attempts (
    key          text primary key,
    failures     integer not null default 0,
    locked_until text,
    last_at      text not null
);

create table signups (
    partner_id    text primary key references partners (id) on delete cascade,
    contact_name  text,
    contact_email text not null,
    message       text,
    status        text not null default 'pending' check (status in ('pending', 'approved', 'declined')),
    reason        text,
    decided_by    text,
    decided_at    text,
    created_at    text not null
);

-- No foreign keys: history outlives the records and people it names.
create table revisions (
    id         integer primary key autoincrement,
    entity     text not null check (entity in ('partner', 'site')),
    entity_id  text not null,
    partner_id text not null,
    action     text not null,
    version    integer,
    actor_id   text,
    actor      text not null,
    at         text not null,
    changes    text not null check (json_valid(changes)),
    reverts    integer
);

create index revisions_entity on revisions (entity_id, id);
create index revisions_partner on revisions (partner_id, id);

create table audit (
    id       integer primary key autoincrement,
    at       text not null,
    actor_id text,
    actor    text not null,
    action   text not null,
    target   text,
    detail   text not null default '{}' check (json_valid(detail))
);

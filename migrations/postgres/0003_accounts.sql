-- Partner accounts (issue 7): people who sign in, their sessions and API tokens, invitation and
-- password-reset links, "list your organization" sign-ups, the revision history of every
-- directory change, and the audit log of admin actions. Mirrors sqlite/0003_accounts.sql.
-- Secrets (session tokens, API tokens, invitation links) are stored only as SHA-256 hashes;
-- passwords only as argon2id PHC strings.

create table users (
    id            uuid primary key,
    email         text not null unique check (email = lower(email) and char_length(email) between 3 and 320),
    password_hash text not null,
    role          text not null check (role in ('admin', 'editor')),
    partner_id    uuid references partners (id) on delete cascade,
    created_at    timestamptz not null,
    check ((role = 'editor') = (partner_id is not null))
);

create index users_partner_id on users (partner_id);

create table sessions (
    token_hash text primary key,
    user_id    uuid not null references users (id) on delete cascade,
    csrf_token text not null,
    created_at timestamptz not null,
    expires_at timestamptz not null
);

create index sessions_user_id on sessions (user_id);

create table api_tokens (
    id           uuid primary key,
    user_id      uuid not null references users (id) on delete cascade,
    name         text not null check (char_length(name) between 1 and 100),
    token_hash   text not null unique,
    created_at   timestamptz not null,
    last_used_at timestamptz,
    revoked_at   timestamptz
);

create index api_tokens_user_id on api_tokens (user_id);

-- A link for a new editor of `partner_id`, or a password reset for `user_id`.
create table invitations (
    id         uuid primary key,
    token_hash text not null unique,
    partner_id uuid references partners (id) on delete cascade,
    user_id    uuid references users (id) on delete cascade,
    email      text,
    created_by text not null,
    created_at timestamptz not null,
    expires_at timestamptz not null,
    used_at    timestamptz,
    check ((partner_id is null) <> (user_id is null))
);

-- Failed sign-ins per email (hashed), known account or not, so the answers never tell them apart.
create table login_attempts (
    key          text primary key,
    failures     bigint not null default 0,
    locked_until timestamptz,
    last_at      timestamptz not null
);

create table signups (
    partner_id    uuid primary key references partners (id) on delete cascade,
    contact_name  text,
    contact_email text not null,
    message       text,
    status        text not null default 'pending' check (status in ('pending', 'approved', 'declined')),
    reason        text,
    decided_by    text,
    decided_at    timestamptz,
    created_at    timestamptz not null
);

-- No foreign keys: history outlives the records and people it names.
create table revisions (
    id         bigserial primary key,
    entity     text not null check (entity in ('partner', 'site')),
    entity_id  uuid not null,
    partner_id uuid not null,
    action     text not null,
    version    bigint,
    actor_id   uuid,
    actor      text not null,
    at         timestamptz not null,
    changes    jsonb not null check (jsonb_typeof(changes) = 'array'),
    reverts    bigint
);

create index revisions_entity on revisions (entity_id, id);
create index revisions_partner on revisions (partner_id, id);

create table audit (
    id       bigserial primary key,
    at       timestamptz not null,
    actor_id uuid,
    actor    text not null,
    action   text not null,
    target   text,
    detail   jsonb not null default '{}'
);

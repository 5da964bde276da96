-- The directory: a category taxonomy, partner organisations and their sites.
-- Mirrors sqlite/0001_directory.sql column for column, with PostgreSQL's own types: uuid ids,
-- timestamptz, jsonb for the nested lists, booleans. Coordinates are WGS84 degrees in two
-- double precision columns; the in-memory R-tree is the spatial engine, so PostGIS is not needed.

create table categories (
    slug        text primary key check (slug ~ '^[a-z0-9]' and char_length(slug) <= 40),
    name        text not null,
    description text,
    position    integer not null default 0
);

insert into categories (slug, name, description, position) values
    ('legal',      'Legal services',  'Immigration legal aid, legal clinics, lawyer referral, know-your-rights', 1),
    ('health',     'Health',          'Clinics, community health centres, mental health, dental', 2),
    ('housing',    'Housing',         'Shelters, housing help, rent and utility assistance', 3),
    ('library',    'Libraries',       'Public libraries', 4),
    ('faith',      'Faith communities', 'Houses of worship and faith-based services', 5),
    ('advocacy',   'Advocacy',        'Immigrant and refugee advocacy, civil rights, community organising', 6),
    ('food',       'Food',            'Food pantries and meals', 7),
    ('education',  'Education',       'ESL, adult education, tutoring', 8),
    ('employment', 'Employment',      'Job training and placement', 9);

create table partners (
    id                       uuid primary key,
    source_id                text unique,
    name                     text not null check (char_length(name) between 1 and 300),
    description              text,
    description_lang         text,
    description_translations jsonb not null default '{}' check (jsonb_typeof(description_translations) = 'object'),
    website                  text,
    email                    text,
    status                   text not null default 'active' check (status in ('active', 'inactive', 'pending')),
    created_at               timestamptz not null,
    updated_at               timestamptz not null,
    version                  bigint not null default 1
);

create table sites (
    id                       uuid primary key,
    partner_id               uuid not null references partners (id) on delete cascade,
    source_id                text unique,
    name                     text not null check (char_length(name) between 1 and 300),
    description              text,
    description_lang         text,
    description_translations jsonb not null default '{}' check (jsonb_typeof(description_translations) = 'object'),
    street                   text,
    city                     text,
    state                    text,
    postal_code              text,
    lon                      double precision check (lon between -180 and 180),
    lat                      double precision check (lat between -90 and 90),
    phones                   jsonb not null default '[]' check (jsonb_typeof(phones) = 'array'),
    hours                    jsonb check (hours is null or jsonb_typeof(hours) = 'object'),
    languages                jsonb not null default '[]' check (jsonb_typeof(languages) = 'array'),
    categories               jsonb not null default '[]' check (jsonb_typeof(categories) = 'array'),
    services                 jsonb not null default '[]' check (jsonb_typeof(services) = 'array'),
    cost                     text check (cost in ('free', 'sliding_scale', 'fee')),
    cost_note                text,
    eligibility              text,
    required_documents       jsonb not null default '[]' check (jsonb_typeof(required_documents) = 'array'),
    accessibility            text,
    walk_in                  boolean,
    appointment_required     boolean,
    no_id_required           boolean,
    confidential             boolean not null default false,
    last_verified_at         timestamptz,
    created_at               timestamptz not null,
    updated_at               timestamptz not null,
    version                  bigint not null default 1,
    check ((lon is null) = (lat is null))
);

create index sites_partner_id on sites (partner_id);

-- The categories column is what the application reads; this table makes the database refuse a
-- site filed under a category that is not in the taxonomy.
create table site_categories (
    site_id  uuid not null references sites (id) on delete cascade,
    category text not null references categories (slug),
    primary key (site_id, category)
);

create index site_categories_category on site_categories (category);

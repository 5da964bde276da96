-- The directory: a category taxonomy, partner organisations and their sites.
-- Coordinates are WGS84 degrees in two real columns; the in-memory R-tree is the spatial engine.
-- Nested lists (phones, hours, services, translations) are JSON documents: they are always read
-- and written with their site, and JSON keeps the schema the same in SQLite and PostgreSQL.

create table categories (
    slug        text primary key check (slug glob '[a-z0-9]*' and length(slug) <= 40),
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
    id                       text primary key,
    source_id                text unique,
    name                     text not null check (length(name) between 1 and 300),
    description              text,
    description_lang         text,
    description_translations text not null default '{}' check (json_valid(description_translations)),
    website                  text,
    email                    text,
    status                   text not null default 'active' check (status in ('active', 'inactive', 'pending')),
    created_at               text not null,
    updated_at               text not null,
    version                  integer not null default 1
);

create table sites (
    id                       text primary key,
    partner_id               text not null references partners (id) on delete cascade,
    source_id                text unique,
    name                     text not null check (length(name) between 1 and 300),
    description              text,
    description_lang         text,
    description_translations text not null default '{}' check (json_valid(description_translations)),
    street                   text,
    city                     text,
    state                    text,
    postal_code              text,
    lon                      real check (lon between -180 and 180),
    lat                      real check (lat between -90 and 90),
    phones                   text not null default '[]' check (json_valid(phones)),
    hours                    text check (hours is null or json_valid(hours)),
    languages                text not null default '[]' check (json_valid(languages)),
    categories               text not null default '[]' check (json_valid(categories)),
    services                 text not null default '[]' check (json_valid(services)),
    cost                     text check (cost in ('free', 'sliding_scale', 'fee')),
    cost_note                text,
    eligibility              text,
    required_documents       text not null default '[]' check (json_valid(required_documents)),
    accessibility            text,
    walk_in                  integer check (walk_in in (0, 1)),
    appointment_required     integer check (appointment_required in (0, 1)),
    no_id_required           integer check (no_id_required in (0, 1)),
    confidential             integer not null default 0 check (confidential in (0, 1)),
    last_verified_at         text,
    created_at               text not null,
    updated_at               text not null,
    version                  integer not null default 1,
    check ((lon is null) = (lat is null))
);

create index sites_partner_id on sites (partner_id);

-- The categories column is what the application reads; this table makes the database refuse a
-- site filed under a category that is not in the taxonomy.
create table site_categories (
    site_id  text not null references sites (id) on delete cascade,
    category text not null references categories (slug),
    primary key (site_id, category)
);

create index site_categories_category on site_categories (category);

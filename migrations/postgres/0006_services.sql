-- Services under sites (issue 16): see sqlite/0006_services.sql, which this mirrors. Each
-- service the site listed gets the site's categories, languages (its own and its phone
-- lines'), cost, hours, eligibility, what to bring, walk-in / appointment / no-ID answers and
-- last-verified date as its own; a site that listed none gets one service named as the site.
-- Null values are left out (jsonb_strip_nulls), so "not said" stays unknown. The site's
-- columns stay: they are what a service that says nothing falls back to.

with defaults as (
    select id, jsonb_strip_nulls(jsonb_build_object(
        'categories', categories,
        'languages', (
            select coalesce(jsonb_agg(distinct l), '[]'::jsonb) from (
                select jsonb_array_elements_text(sites.languages) as l
                union all
                select jsonb_array_elements_text(coalesce(p -> 'languages', '[]'::jsonb))
                from jsonb_array_elements(sites.phones) as p
            ) as langs
        ),
        'cost', cost,
        'cost_note', cost_note,
        'hours', hours,
        'eligibility', eligibility,
        'required_documents', required_documents,
        'walk_in', walk_in,
        'appointment_required', appointment_required,
        'no_id_required', no_id_required,
        'last_verified_at', to_char(last_verified_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    )) as d
    from sites
)
update sites set services = case
    when jsonb_array_length(sites.services) = 0 then
        jsonb_build_array(jsonb_build_object('name', sites.name, 'description', sites.description) || defaults.d)
    else (
        select jsonb_agg(s.value || defaults.d order by s.ordinality)
        from jsonb_array_elements(sites.services) with ordinality as s
    )
end
from defaults where defaults.id = sites.id;

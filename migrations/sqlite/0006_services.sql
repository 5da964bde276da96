-- Services under sites (issue 16), as Open Referral HSDS models them: a site offers services,
-- and each service has its own categories, languages, cost, hours, eligibility, what to bring,
-- walk-in / appointment / no-ID answers, status and last-verified date. They stay a JSON
-- document of their site (sites.services), read and written with it, as before.
--
-- Until now a site's categories, languages (its own and its phone lines'), cost, hours and the
-- rest were the union of everything offered there, and its services were names only. Nothing
-- is lost and no search finds less: every service the site listed gets the site's values as its
-- own, and a site that listed none gets one service, named as the site, carrying them. The
-- site's columns stay as they were: they are what a service that says nothing falls back to.
-- A null value is left out of the service (json_patch drops it), so "not said" stays unknown.

create temp table m0006_defaults as
select id, json_object(
    'categories', json(categories),
    'languages', (
        select json_group_array(distinct value) from (
            select value from json_each(sites.languages)
            union all
            select l.value from json_each(sites.phones) as p, json_each(p.value, '$.languages') as l
        )
    ),
    'cost', cost,
    'cost_note', cost_note,
    'hours', json(hours),
    'eligibility', eligibility,
    'required_documents', json(required_documents),
    'walk_in', case walk_in when 1 then json('true') when 0 then json('false') end,
    'appointment_required', case appointment_required when 1 then json('true') when 0 then json('false') end,
    'no_id_required', case no_id_required when 1 then json('true') when 0 then json('false') end,
    'last_verified_at', last_verified_at
) as defaults
from sites;

update sites set services = (
    select case
        when json_array_length(sites.services) = 0 then
            json_array(json_patch(json_object('name', sites.name, 'description', sites.description), d.defaults))
        else (
            select json_group_array(json(json_patch(s.value, d.defaults)))
            from json_each(sites.services) as s
        )
    end
    from m0006_defaults as d where d.id = sites.id
);

drop table m0006_defaults;

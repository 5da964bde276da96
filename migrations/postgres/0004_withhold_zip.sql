-- Confidential sites (issue 13): public answers measure a confidential site from a stand-in, the
-- internal point of its ZIP code area, never from its true point. A site whose ZIP code itself
-- would say too much withholds it: the public is not told the ZIP, and the stand-in is the centre
-- of the site's H3 resolution-7 cell instead.
alter table sites add column withhold_zip boolean not null default false;

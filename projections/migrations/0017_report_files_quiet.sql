-- A tenant part of a monthly report made for a tenant that holds an API key but had no
-- activity in the month: it says so. Such parts hold no data of their tenant, so reading
-- the platform report does not need a grant on them.
ALTER TABLE report_files ADD COLUMN quiet BOOLEAN NOT NULL DEFAULT false;

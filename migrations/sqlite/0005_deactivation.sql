-- Removing people (issue 14): an admin deactivates an account (its sessions end and its API
-- tokens are revoked in the same transaction; a deactivated account signs in no more) and may
-- reactivate it; an invitation link can be revoked before it is used.

alter table users add column deactivated_at text;
alter table users add column deactivated_by text;

alter table invitations add column revoked_at text;

//! Partner accounts: signing in, links, API tokens, sign-ups, the admin's side and the
//! revisions (`server/src/accounts/`), with their component schemas.

use serde_json::{json, Value};

use super::build::{int, item, ok_json, one_of, path, query, schema, Access, Op};
use super::paths::Paths;

fn uuid() -> Value {
    json!({"type": "string", "format": "uuid"})
}

fn time() -> Value {
    json!({"type": "string", "format": "date-time"})
}

fn nullable(mut s: Value) -> Value {
    s["nullable"] = json!(true);
    s
}

fn set_cookie(op: Op, status: u16) -> Op {
    op.header(
        status,
        "Set-Cookie",
        "assetmap_session=…; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200 (12 hours); Secure when the public URL is https",
    )
}

/// A JSON body's problems: malformed (400), too large (413), not JSON (415), invalid (422).
const BODY: [u16; 4] = [400, 413, 415, 422];

/// Refused for nobody (401) and for someone who is not an admin, or a cookie request without
/// its CSRF token (403).
const ADMIN: [u16; 2] = [401, 403];

fn codes(lists: &[&[u16]]) -> Vec<u16> {
    let mut all: Vec<u16> = lists.iter().flat_map(|l| l.iter().copied()).collect();
    all.sort_unstable();
    all.dedup();
    all
}

fn admin_op(id: &str, summary: &str) -> Op {
    Op::new("admin", id, summary)
}

/// Signing in and out, links, tokens, sign-ups.
pub(crate) fn auth() -> Paths {
    let token =
        path("token", "The secret of an invitation or reset link (the part after #invite= in its URL)");
    vec![
        ("/api/v1/auth/login", item([("post", set_cookie(
            Op::new("accounts", "login", "Sign in")
                .describe("Sets the session cookie and answers the session's CSRF token, which every state-changing request made with the cookie must send as X-CSRF-Token. A wrong password and an unknown email get the same 401. From the 5th consecutive failure for an email, each further one locks it for 30 s, doubling up to 15 minutes (429 with Retry-After); and each client address may try 20 at once, then 20 a minute, whatever the emails (429 with Retry-After). Too many passwords being checked at once: 503 with Retry-After. A deactivated account with the right password: 403.")
                .body("application/json", schema("Credentials"), true)
                .answer(200, ok_json("Signed in", schema("Me"))),
            200)
            .problems(&codes(&[&BODY, &[401, 403, 429, 503]])))])),
        ("/api/v1/auth/logout", item([("post", Op::new("accounts", "logout", "Sign out")
            .describe("Ends the session of the cookie sent (if any) and clears the cookie. With the cookie, X-CSRF-Token is required (403 without it).")
            .access(Access::OptionalSession)
            .answer(204, json!({"description": "Signed out"}))
            .header(204, "Set-Cookie", "assetmap_session=; Max-Age=0 (clears it)")
            .problems(&[401, 403]))])),
        ("/api/v1/auth/me", item([("get", Op::new("accounts", "me", "Who is signed in")
            .describe("Never refuses the public (user is null); a wrong bearer token is 401. csrf_token is the session's (null through a token). The deployment admin token answers user {role: admin, email: null}.")
            .access(Access::Optional)
            .answer(200, ok_json("The account, its organisation and the CSRF token", schema("Me")))
            .problems(&[401]))])),
        ("/api/v1/auth/reset", item([("post", Op::new("accounts", "requestPasswordReset", "Ask for a new password")
            .describe("There is no mail server: the request goes to the admins' queue (the audit log) and an admin makes a reset link. The answer is the same whether or not the email has an account. Each client address may ask 10 at once, then 1 a minute (429 with Retry-After).")
            .body("application/json", schema("ResetRequest"), true)
            .answer(202, ok_json("Accepted (for any email)", schema("Detail")))
            .problems(&codes(&[&BODY, &[429]])))])),
        ("/api/v1/invitations/{token}", item([("get", Op::new("accounts", "getInvitation", "What a link is for")
            .params([token.clone()])
            .answer(200, ok_json("The link", schema("InvitationInfo")))
            .problems(&[404, 410]))])),
        ("/api/v1/invitations/{token}/accept", item([("post", set_cookie(
            Op::new("accounts", "acceptInvitation", "Use a link: set a password and sign in")
                .describe("An invitation makes an editor account for its organisation (email from the body, else the one the admin gave); a reset link sets the account's new password and ends its other sessions. Single use: a used or expired link is 410, and of two uses at once one wins. A used, revoked or expired link is 410; a reset link of a deactivated account 403. Each client address may use 10 at once, then 2 a minute (429 with Retry-After); too many passwords being hashed at once: 503 with Retry-After.")
                .params([token])
                .body("application/json", schema("AcceptInvitation"), true)
                .answer(201, ok_json("Signed in", schema("Me"))),
            201)
            .problems(&codes(&[&BODY, &[403, 404, 410, 429, 503]])))])),
        ("/api/v1/tokens", item([
            ("get", Op::new("accounts", "listTokens", "API tokens")
                .describe("Admins see every person's tokens (to revoke a lost one); others their own.")
                .access(Access::Read)
                .answer(200, ok_json("The tokens (never their secrets)", schema("ApiTokens")))
                .problems(&[401])),
            ("post", Op::new("accounts", "createToken", "Make an API token")
                .describe("For scripts: the token acts as the person who made it, sent as Authorization: Bearer. The secret is shown once; only its SHA-256 is stored. The deployment admin token cannot make tokens (403). Each client address may make 20 at once, then 2 a minute (429 with Retry-After).")
                .access(Access::Write)
                .body("application/json", schema("NewToken"), true)
                .answer(201, ok_json("The token, with its secret (shown once)", schema("CreatedToken")))
                .problems(&codes(&[&BODY, &ADMIN, &[429]]))),
        ])),
        ("/api/v1/tokens/{id}", item([("delete", Op::new("accounts", "revokeToken", "Revoke an API token")
            .describe("Your own, or any as an admin; another person's is 404. Works at once.")
            .access(Access::Write)
            .params([path("id", "The token's UUID")])
            .answer(204, json!({"description": "Revoked"}))
            .problems(&[401, 403, 404]))])),
        ("/api/v1/signup", item([("post", Op::new("accounts", "signup", "List your organization")
            .describe("Creates the organisation (and its first site, if given) as pending: not public until an admin approves it, which makes an invitation link for the contact. Field errors are named organization.… and site.…. Each client address may send 20 at once, then 20 an hour (429 with Retry-After).")
            .body("application/json", schema("SignupInput"), true)
            .answer(202, ok_json("Waiting for an admin", schema("SignupAccepted")))
            .problems(&codes(&[&BODY, &[429]])))])),
    ]
}

/// The admin's side: links, accounts, the sign-up queue, the stale report, the audit log.
pub(crate) fn admin() -> Paths {
    let admin_only = "Admins only (an admin account or the deployment admin token).";
    vec![
        ("/api/v1/admin/invitations", item([
            ("get", admin_op("listInvitations", "Open invitation and reset links")
                .describe(admin_only).access(Access::Read)
                .answer(200, ok_json("Links neither used nor expired", schema("Invitations")))
                .problems(&ADMIN)),
            ("post", admin_op("createInvitation", "An invitation link for a new editor of an organisation")
                .describe("Admins only. The link works once, for 7 days; its secret is in the URL's fragment.")
                .access(Access::Write)
                .body("application/json", schema("NewInvitation"), true)
                .answer(201, ok_json("The link (its secret shown once)", schema("Link")))
                .problems(&codes(&[&BODY, &ADMIN]))),
        ])),
        ("/api/v1/admin/invitations/{id}", item([("delete", admin_op("revokeInvitation", "Revoke an invitation or reset link")
            .describe("Admins only. No body. An open link (an admin's or an editor's) can no longer be used (410); one used or revoked already, or unknown: 404.")
            .access(Access::Write)
            .params([path("id", "The link's id (not its secret)")])
            .answer(204, json!({"description": "Revoked"}))
            .problems(&[401, 403, 404]))])),
        ("/api/v1/partners/{id}/invitations", item([("post", Op::new("accounts", "inviteColleague", "An invitation link for a colleague")
            .describe("An editor of the organisation (or an admin) invites a new editor of it: the same single-use, 7-day link as an admin's, audited, listed in the admins' open invitations (with who made it) and revocable there. Another organisation's editor: 403.")
            .access(Access::Write)
            .params([path("id", "The organisation's UUID")])
            .body("application/json", schema("NewColleague"), true)
            .answer(201, ok_json("The link (its secret shown once)", schema("Link")))
            .problems(&codes(&[&BODY, &ADMIN, &[404]])))])),
        ("/api/v1/admin/users/{id}/deactivate", item([("post", admin_op("deactivateUser", "Deactivate an account")
            .describe("Admins only. No body. From the next request on, the account's sessions and API tokens are refused (401; they are ended and revoked) and it cannot sign in (403 after a right password); the audit log says who and when. Deactivated already: unchanged. Your own account: 409.")
            .access(Access::Write)
            .params([path("id", "The account's UUID")])
            .answer(200, ok_json("The account", schema("OneUser")))
            .problems(&[401, 403, 404, 409]))])),
        ("/api/v1/admin/users/{id}/reactivate", item([("post", admin_op("reactivateUser", "Reactivate an account")
            .describe("Admins only. No body. The account may sign in again with its password; its old sessions and tokens stay ended. Audited.")
            .access(Access::Write)
            .params([path("id", "The account's UUID")])
            .answer(200, ok_json("The account", schema("OneUser")))
            .problems(&[401, 403, 404]))])),
        ("/api/v1/admin/users", item([("get", admin_op("listUsers", "Accounts")
            .describe(admin_only).access(Access::Read)
            .answer(200, ok_json("Every account", schema("Users")))
            .problems(&ADMIN))])),
        ("/api/v1/admin/users/{id}/reset", item([("post", admin_op("createResetLink", "A link to set a new password")
            .describe("Admins only. No body. Single use, 7 days; using it ends the account's sessions.")
            .access(Access::Write)
            .params([path("id", "The account's UUID")])
            .answer(201, ok_json("The link (its secret shown once)", schema("Link")))
            .problems(&[401, 403, 404]))])),
        ("/api/v1/admin/signups", item([("get", admin_op("listSignups", "\"List your organization\" requests")
            .describe(admin_only).access(Access::Read)
            .params([query("status", one_of(&["pending", "approved", "declined"]), "Only these (default: all)")])
            .answer(200, ok_json("The requests, each with its organisation", schema("Signups")))
            .problems(&codes(&[&[400], &ADMIN])))])),
        ("/api/v1/admin/signups/{id}/approve", item([("post", admin_op("approveSignup", "Approve a sign-up")
            .describe("Admins only. No body. The organisation becomes active, and the answer holds an invitation link for the contact. Not pending: 409.")
            .access(Access::Write)
            .params([path("id", "The pending organisation's UUID")])
            .answer(200, ok_json("Approved", schema("Approved")))
            .problems(&[401, 403, 404, 409]))])),
        ("/api/v1/admin/signups/{id}/decline", item([("post", admin_op("declineSignup", "Decline a sign-up")
            .describe("Admins only. The organisation becomes inactive; the reason is kept. Not pending: 409.")
            .access(Access::Write)
            .params([path("id", "The pending organisation's UUID")])
            .body("application/json", schema("Decline"), true)
            .answer(200, ok_json("Declined", schema("Declined")))
            .problems(&codes(&[&BODY, &ADMIN, &[404, 409]])))])),
        ("/api/v1/admin/stale", item([("get", admin_op("staleReport", "Listings not verified lately, with contacts to chase")
            .describe("Admins only. Oldest first (never verified first).")
            .access(Access::Read)
            .params([query("stale_after_days", int(1, 36_500, None), "Days without a check that make a listing stale (default: the server's --stale-after-days)")])
            .answer(200, ok_json("The report", schema("StaleReport")))
            .problems(&codes(&[&[400], &ADMIN])))])),
        ("/api/v1/admin/audit", item([("get", admin_op("auditLog", "The audit log: every admin action")
            .describe("Admins only. Newest first.")
            .access(Access::Read)
            .params([query("limit", int(1, 5000, Some(200)), "How many entries")])
            .answer(200, ok_json("The entries", schema("AuditLog")))
            .problems(&codes(&[&[400], &ADMIN])))])),
    ]
}

/// Revisions.
pub(crate) fn history() -> Paths {
    vec![
        ("/api/v1/revisions", item([("get", Op::new("history", "listRevisions", "Revisions: who changed what, when, each field before and after")
            .describe("With site_id or partner_id: an admin or the organisation's editors (a deleted site's organisation is taken from its revisions). Without either: admins only, every revision. Newest first.")
            .access(Access::Read)
            .params([
                query("site_id", uuid(), "One site's revisions"),
                query("partner_id", uuid(), "An organisation's and its sites' revisions"),
                query("limit", int(1, 1000, Some(200)), "How many"),
            ])
            .answer(200, ok_json("The revisions", schema("Revisions")))
            .problems(&[400, 401, 403]))])),
        ("/api/v1/revisions/{id}/revert", item([("post", Op::new("history", "revertRevision", "Put a revision's fields back")
            .describe("Admins only. No body. Refused (409) when a field has changed again since, so a later edit is never silently undone; a deleted site comes back from its deletion's revision; an organisation's creation or deletion is not reverted (409).")
            .access(Access::Write)
            .params([{
                let mut p = path("id", "The revision's number");
                p["schema"] = json!({"type": "integer", "format": "int64"});
                p
            }])
            .answer(200, ok_json("Reverted (a new revision records it)", schema("Reverted")))
            .problems(&[401, 403, 404, 409, 422]))])),
    ]
}

/// The component schemas of this area.
pub(crate) fn schemas() -> Value {
    let entity = json!({"type": "string", "enum": ["partner", "site"]});
    let mut all = json!({
        "Credentials": {
            "type": "object", "additionalProperties": false, "required": ["email", "password"],
            "properties": {"email": {"type": "string", "format": "email"}, "password": {"type": "string", "format": "password"}},
        },
        "ResetRequest": {
            "type": "object", "additionalProperties": false, "required": ["email"],
            "properties": {"email": {"type": "string", "format": "email"}},
        },
        "Detail": {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}},
        "User": {
            "type": "object",
            "properties": {
                "id": uuid(), "email": {"type": "string", "format": "email"},
                "role": {"type": "string", "enum": ["admin", "editor"]},
                "partner_id": nullable(uuid()), "created_at": time(),
                "deactivated_at": {"type": "string", "format": "date-time", "nullable": true, "description": "When an admin deactivated the account (null: active)"},
                "deactivated_by": {"type": "string", "nullable": true, "description": "Who deactivated it"},
            },
        },
        "Users": {"type": "object", "properties": {"users": {"type": "array", "items": schema("User")}}},
        "OneUser": {"type": "object", "required": ["user"], "properties": {"user": schema("User")}},
        "Me": {
            "type": "object", "required": ["user", "partner", "csrf_token"],
            "properties": {
                "user": {"allOf": [schema("User")], "nullable": true, "description": "null: nobody is signed in"},
                "partner": {
                    "type": "object", "nullable": true, "description": "The organisation an editor keeps",
                    "properties": {"id": uuid(), "name": {"type": "string"}, "status": {"type": "string", "enum": ["active", "inactive", "pending"]}},
                },
                "csrf_token": {"type": "string", "nullable": true, "description": "Send as X-CSRF-Token with every state-changing cookie request; null without a session"},
            },
        },
        "InvitationInfo": {
            "type": "object",
            "properties": {
                "kind": {"type": "string", "enum": ["editor", "reset"], "description": "A new editor account, or a new password"},
                "partner_name": {"type": "string", "nullable": true},
                "email": {"type": "string", "nullable": true},
                "expires_at": time(),
            },
        },
        "AcceptInvitation": {
            "type": "object", "additionalProperties": false, "required": ["password"],
            "properties": {
                "email": {"type": "string", "format": "email", "description": "The new editor's email (an invitation that names none needs it)"},
                "password": {"type": "string", "format": "password", "minLength": 12, "maxLength": 1024},
            },
        },
    });
    let tokens = json!({
        "ApiToken": {
            "type": "object",
            "properties": {
                "id": uuid(), "user_id": uuid(), "name": {"type": "string"},
                "created_at": time(), "revoked_at": nullable(time()),
            },
        },
        "ApiTokens": {"type": "object", "properties": {"tokens": {"type": "array", "items": schema("ApiToken")}}},
        "NewToken": {
            "type": "object", "additionalProperties": false, "required": ["name"],
            "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 100, "description": "What it is for (trimmed)", "example": "nightly import"}},
        },
        "CreatedToken": {
            "type": "object",
            "properties": {
                "id": uuid(), "name": {"type": "string"}, "created_at": time(),
                "token": {"type": "string", "description": "The secret, shown once: send it as Authorization: Bearer <token>"},
                "note": {"type": "string"},
            },
        },
        "SignupInput": {
            "type": "object", "additionalProperties": false, "required": ["organization", "contact_email"],
            "properties": {
                "organization": {"allOf": [schema("PartnerCreate")], "description": "Its id and status are ignored: it is created pending"},
                "contact_name": {"type": "string", "maxLength": 200, "nullable": true},
                "contact_email": {"type": "string", "format": "email", "description": "Where the approval (an invitation link) goes"},
                "message": {"type": "string", "maxLength": 2000, "nullable": true, "description": "To the admins"},
                "site": {"allOf": [schema("SiteCreate")], "nullable": true, "description": "A first site (its id and partner_id are ignored)"},
            },
        },
        "SignupAccepted": {
            "type": "object",
            "properties": {"partner_id": uuid(), "status": {"type": "string", "enum": ["pending"]}, "detail": {"type": "string"}},
        },
    });
    let admin = json!({
        "Invitation": {
            "type": "object",
            "properties": {
                "id": uuid(), "partner_id": nullable(uuid()), "user_id": nullable(uuid()),
                "email": {"type": "string", "nullable": true}, "created_by": {"type": "string"},
                "created_at": time(), "expires_at": time(), "used_at": nullable(time()),
                "revoked_at": nullable(time()),
                "partner_name": {"type": "string", "nullable": true},
            },
        },
        "Invitations": {"type": "object", "properties": {"invitations": {"type": "array", "items": schema("Invitation")}}},
        "NewInvitation": {
            "type": "object", "additionalProperties": false, "required": ["partner_id"],
            "properties": {
                "partner_id": {"type": "string", "format": "uuid", "description": "The organisation the editor will keep (must exist)"},
                "email": {"type": "string", "format": "email", "nullable": true, "description": "Who it is for, if known"},
            },
        },
        "NewColleague": {
            "type": "object", "additionalProperties": false,
            "properties": {
                "email": {"type": "string", "format": "email", "nullable": true, "description": "Who it is for, if known"},
            },
        },
        "Link": {
            "type": "object",
            "properties": {
                "id": uuid(),
                "url": {"type": "string", "example": "https://map.example.org/account.html#invite=…", "description": "To send to the person; the secret is in the fragment"},
                "token": {"type": "string", "description": "The link's secret (shown once)"},
                "expires_at": time(), "partner_id": nullable(uuid()), "user_id": nullable(uuid()),
                "email": {"type": "string", "nullable": true},
            },
        },
        "Signup": {
            "type": "object",
            "properties": {
                "partner_id": uuid(), "contact_name": {"type": "string", "nullable": true},
                "contact_email": {"type": "string"}, "message": {"type": "string", "nullable": true},
                "status": {"type": "string", "enum": ["pending", "approved", "declined"]},
                "reason": {"type": "string", "nullable": true}, "decided_by": {"type": "string", "nullable": true},
                "decided_at": nullable(time()), "created_at": time(),
                "partner": {"allOf": [schema("Partner")], "nullable": true},
            },
        },
        "Signups": {"type": "object", "properties": {"signups": {"type": "array", "items": schema("Signup")}}},
        "Approved": {
            "type": "object",
            "properties": {"partner_id": uuid(), "status": {"type": "string", "enum": ["active"]}, "invitation": schema("Link")},
        },
        "Decline": {
            "type": "object", "additionalProperties": false, "required": ["reason"],
            "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 2000, "description": "Kept with the decision (trimmed; not blank)"}},
        },
        "Declined": {
            "type": "object",
            "properties": {"partner_id": uuid(), "status": {"type": "string", "enum": ["inactive"]}, "reason": {"type": "string"}},
        },
        "StaleReport": {
            "type": "object",
            "properties": {
                "stale_after_days": {"type": "integer"},
                "hide_after_days": {"type": "integer", "nullable": true, "description": "After this many days a listing is hidden from the public (null: never)"},
                "total": {"type": "integer"},
                "sites": {"type": "array", "items": {
                    "type": "object",
                    "properties": {
                        "site_id": uuid(), "site_name": {"type": "string"}, "partner_id": uuid(),
                        "partner_name": {"type": "string", "nullable": true},
                        "partner_status": {"type": "string", "nullable": true, "enum": ["active", "inactive", "pending"]},
                        "partner_email": {"type": "string", "nullable": true}, "partner_website": {"type": "string", "nullable": true},
                        "phones": {"type": "array", "items": {"type": "string"}},
                        "editors": {"type": "array", "items": {"type": "string"}, "description": "The organisation's editors' emails"},
                        "last_verified_at": nullable(time()),
                        "days_since_verified": {"type": "integer", "nullable": true},
                        "hidden": {"type": "boolean", "description": "The public no longer sees it"},
                    },
                }},
            },
        },
    });
    let history = json!({
        "Actor": {
            "type": "object",
            "properties": {"id": nullable(uuid()), "label": {"type": "string", "description": "Their email, \"admin token\", \"public\" or \"command line\""}},
        },
        "AuditEntry": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"}, "at": time(), "actor": schema("Actor"),
                "action": {"type": "string", "example": "invitation.create"},
                "target": {"type": "string", "nullable": true}, "detail": {"type": "object"},
            },
        },
        "AuditLog": {"type": "object", "properties": {"entries": {"type": "array", "items": schema("AuditEntry")}}},
        "FieldChange": {
            "type": "object",
            "properties": {"field": {"type": "string", "example": "hours"}, "before": {"nullable": true}, "after": {"nullable": true}},
        },
        "Revision": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"}, "entity": entity, "entity_id": uuid(), "partner_id": uuid(),
                "action": {"type": "string", "example": "update", "description": "create, update, delete, verify, revert, signup, approve, decline"},
                "version": {"type": "integer", "nullable": true}, "actor": schema("Actor"), "at": time(),
                "changes": {"type": "array", "items": schema("FieldChange")},
                "reverts": {"type": "integer", "nullable": true},
            },
        },
        "Revisions": {"type": "object", "properties": {"revisions": {"type": "array", "items": schema("Revision")}}},
        "Reverted": {
            "type": "object",
            "properties": {"reverted": {"type": "integer"}, "entity": entity, "entity_id": uuid()},
        },
    });
    if let Some(m) = all.as_object_mut() {
        for part in [tokens, admin, history] {
            if let Value::Object(p) = part {
                m.extend(p);
            }
        }
    }
    all
}

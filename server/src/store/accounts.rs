//! Accounts, sessions, tokens, links, sign-ups, revisions and the audit log, for both databases
//! (`migrations/{sqlite,postgres}/0003_accounts.sql`): the SQL is written once (the dialects
//! agree on all of it, `on conflict … returning` included) and runs through [`Backend`], which
//! says how each database stores ids, moments and JSON.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};

use super::sql::{json, Arg, Backend, Columns, Exec, RowOf, Stmt};
use super::{Accounts, RevisionQuery, StoreError};
use crate::domain::account::{
    Actor, ApiToken, AuditEntry, Entity, Invitation, LoginAttempts, Record, Revision, Role, Signup, User,
};
use uuid::Uuid;

const USER_COLUMNS: &str =
    "u.id, u.email, u.password_hash, u.role, u.partner_id, u.created_at, u.deactivated_at, u.deactivated_by";
const TOKEN_COLUMNS: &str = "t.id, t.user_id, t.name, t.created_at, t.revoked_at";
const INVITATION_COLUMNS: &str =
    "id, partner_id, user_id, email, created_by, created_at, expires_at, used_at, revoked_at";
const SIGNUP_COLUMNS: &str = "partner_id, contact_name, contact_email, message, status, reason, decided_by, \
     decided_at, created_at";
const REVISION_COLUMNS: &str =
    "id, entity, entity_id, partner_id, action, version, actor_id, actor, at, changes, reverts";

fn user_from_row(r: &impl Columns) -> Result<User, StoreError> {
    let role = r.text("role")?;
    Ok(User {
        id: r.id("id")?,
        email: r.text("email")?,
        password_hash: SecretString::from(r.text("password_hash")?),
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role '{role}'")))?,
        partner_id: r.opt_id("partner_id")?,
        created_at: r.time("created_at")?,
        deactivated_at: r.opt_time("deactivated_at")?,
        deactivated_by: r.opt_text("deactivated_by")?,
    })
}

fn token_from_row(r: &impl Columns) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: r.id("id")?,
        user_id: r.id("user_id")?,
        name: r.text("name")?,
        created_at: r.time("created_at")?,
        revoked_at: r.opt_time("revoked_at")?,
    })
}

fn invitation_from_row(r: &impl Columns) -> Result<Invitation, StoreError> {
    Ok(Invitation {
        id: r.id("id")?,
        partner_id: r.opt_id("partner_id")?,
        user_id: r.opt_id("user_id")?,
        email: r.opt_text("email")?,
        created_by: r.text("created_by")?,
        created_at: r.time("created_at")?,
        expires_at: r.time("expires_at")?,
        used_at: r.opt_time("used_at")?,
        revoked_at: r.opt_time("revoked_at")?,
    })
}

fn signup_from_row(r: &impl Columns) -> Result<Signup, StoreError> {
    Ok(Signup {
        partner_id: r.id("partner_id")?,
        contact_name: r.opt_text("contact_name")?,
        contact_email: r.text("contact_email")?,
        message: r.opt_text("message")?,
        status: r.text("status")?,
        reason: r.opt_text("reason")?,
        decided_by: r.opt_text("decided_by")?,
        decided_at: r.opt_time("decided_at")?,
        created_at: r.time("created_at")?,
    })
}

fn revision_from_row(r: &impl Columns) -> Result<Revision, StoreError> {
    let entity = r.text("entity")?;
    Ok(Revision {
        id: r.int("id")?,
        entity: Entity::parse(&entity).ok_or_else(|| StoreError::Corrupt(format!("entity '{entity}'")))?,
        entity_id: r.id("entity_id")?,
        partner_id: r.id("partner_id")?,
        action: r.text("action")?,
        version: r.opt_int("version")?,
        actor: Actor { id: r.opt_id("actor_id")?, label: r.text("actor")? },
        at: r.time("at")?,
        changes: r.json("changes")?,
        reverts: r.opt_int("reverts")?,
    })
}

fn audit_from_row(r: &impl Columns) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        id: r.int("id")?,
        at: r.time("at")?,
        actor: Actor { id: r.opt_id("actor_id")?, label: r.text("actor")? },
        action: r.text("action")?,
        target: r.opt_text("target")?,
        detail: r.json("detail")?,
    })
}

/// One statement of a record's write, and what it means when it changes no row.
struct Step<'a> {
    stmt: Stmt<'a>,
    /// The error when the statement changed nothing (`None`: nothing to change is fine).
    if_none: Option<StoreError>,
}

fn step<'a>(sql: impl Into<String>, args: impl Into<Vec<Arg<'a>>>) -> Step<'a> {
    Step { stmt: Stmt::new(sql, args), if_none: None }
}

impl Step<'_> {
    fn or(mut self, e: StoreError) -> Self {
        self.if_none = Some(e);
        self
    }
}

fn not_found(what: String) -> StoreError {
    StoreError::NotFound(what)
}

/// The statements that write one account or history record, in order.
fn steps(r: &Record) -> Vec<Step<'_>> {
    use Arg::{Id, OptId, OptInt, OptText, OptTime, Text, Time};
    match r {
        Record::Revision(v) => vec![step(
            "insert into revisions (entity, entity_id, partner_id, action, version, actor_id, actor, at, \
             changes, reverts) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            [
                Text(v.entity.as_str()),
                Id(v.entity_id),
                Id(v.partner_id),
                Text(&v.action),
                OptInt(v.version),
                OptId(v.actor.id),
                Text(&v.actor.label),
                Time(v.at),
                json(&v.changes),
                OptInt(v.reverts),
            ],
        )],
        Record::Audit(a) => vec![step(
            "insert into audit (at, actor_id, actor, action, target, detail) values ($1, $2, $3, $4, $5, $6)",
            [
                Time(a.at),
                OptId(a.actor.id),
                Text(&a.actor.label),
                Text(&a.action),
                OptText(a.target.as_deref()),
                json(&a.detail),
            ],
        )],
        Record::CreateUser(u) => vec![step(
            "insert into users (id, email, password_hash, role, partner_id, created_at) \
             values ($1, $2, $3, $4, $5, $6)",
            [
                Id(u.id),
                Text(&u.email),
                Text(u.password_hash.expose_secret()),
                Text(u.role.as_str()),
                OptId(u.partner_id),
                Time(u.created_at),
            ],
        )],
        Record::SetPassword { user_id, password_hash } => vec![
            step(
                "update users set password_hash = $2 where id = $1",
                [Id(*user_id), Text(password_hash.expose_secret())],
            )
            .or(not_found(format!("user {user_id}"))),
            step("delete from sessions where user_id = $1", [Id(*user_id)]),
        ],
        Record::CreateSession(s) => vec![
            // Expired sessions go as new ones come, so the table holds only live ones.
            step("delete from sessions where expires_at <= $1", [Time(s.created_at)]),
            step(
                "insert into sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
                 values ($1, $2, $3, $4, $5)",
                [
                    Text(&s.token_hash),
                    Id(s.user_id),
                    Text(s.csrf_token.expose_secret()),
                    Time(s.created_at),
                    Time(s.expires_at),
                ],
            ),
        ],
        Record::DeleteSession { token_hash } => {
            vec![step("delete from sessions where token_hash = $1", [Text(token_hash)])]
        }
        Record::CreateToken { token, token_hash } => vec![step(
            "insert into api_tokens (id, user_id, name, token_hash, created_at) values ($1, $2, $3, $4, $5)",
            [Id(token.id), Id(token.user_id), Text(&token.name), Text(token_hash), Time(token.created_at)],
        )],
        Record::RevokeToken { id, at } => vec![step(
            "update api_tokens set revoked_at = coalesce(revoked_at, $2) where id = $1",
            [Id(*id), Time(*at)],
        )
        .or(not_found(format!("token {id}")))],
        Record::CreateInvitation { invitation: i, token_hash } => vec![step(
            "insert into invitations (id, token_hash, partner_id, user_id, email, created_by, created_at, \
             expires_at) values ($1, $2, $3, $4, $5, $6, $7, $8)",
            [
                Id(i.id),
                Text(token_hash),
                OptId(i.partner_id),
                OptId(i.user_id),
                OptText(i.email.as_deref()),
                Text(&i.created_by),
                Time(i.created_at),
                Time(i.expires_at),
            ],
        )],
        Record::UseInvitation { id, at } => vec![step(
            "update invitations set used_at = $2 where id = $1 and used_at is null and revoked_at is null \
             and expires_at > $2",
            [Id(*id), Time(*at)],
        )
        .or(StoreError::Conflict(format!("invitation {id}")))],
        Record::RevokeInvitation { id, at } => vec![step(
            "update invitations set revoked_at = $2 where id = $1 and used_at is null and revoked_at is null",
            [Id(*id), Time(*at)],
        )
        .or(not_found(format!("open invitation {id}")))],
        Record::DeactivateUser { user_id, at, by } => vec![
            step(
                "update users set deactivated_at = coalesce(deactivated_at, $2), \
                 deactivated_by = coalesce(deactivated_by, $3) where id = $1",
                [Id(*user_id), Time(*at), Text(by)],
            )
            .or(not_found(format!("user {user_id}"))),
            step("delete from sessions where user_id = $1", [Id(*user_id)]),
            step(
                "update api_tokens set revoked_at = $2 where user_id = $1 and revoked_at is null",
                [Id(*user_id), Time(*at)],
            ),
        ],
        Record::ReactivateUser { user_id } => vec![step(
            "update users set deactivated_at = null, deactivated_by = null where id = $1",
            [Id(*user_id)],
        )
        .or(not_found(format!("user {user_id}")))],
        Record::Signup(s) => vec![step(
            format!("insert into signups ({SIGNUP_COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)"),
            [
                Id(s.partner_id),
                OptText(s.contact_name.as_deref()),
                Text(&s.contact_email),
                OptText(s.message.as_deref()),
                Text(&s.status),
                OptText(s.reason.as_deref()),
                OptText(s.decided_by.as_deref()),
                OptTime(s.decided_at),
                Time(s.created_at),
            ],
        )],
        Record::DecideSignup { partner_id, status, reason, by, at } => vec![step(
            "update signups set status = $2, reason = $3, decided_by = $4, decided_at = $5 \
             where partner_id = $1 and status = 'pending'",
            [Id(*partner_id), Text(status), OptText(reason.as_deref()), Text(by), Time(*at)],
        )
        .or(StoreError::Conflict(format!("sign-up of partner {partner_id}")))],
        // Written by each backend's translations module (see `sqlite_translations`,
        // `postgres_translations`): they replace sets of rows with dialect-specific upserts.
        Record::TranslatorLanguages { .. } | Record::ReviewTranslations(_) | Record::Held(_) => Vec::new(),
    }
}

/// Writes one account or history record inside a batch's transaction.
pub(super) async fn write(tx: &mut impl Exec, r: &Record) -> Result<(), StoreError> {
    for step in steps(r) {
        let changed = tx.execute(&step.stmt).await?;
        if changed == 0 {
            if let Some(e) = step.if_none {
                return Err(e);
            }
        }
    }
    Ok(())
}

/// The row a query answers, if any, decoded.
async fn one<B: Backend, T>(
    store: &B,
    stmt: Stmt<'_>,
    decode: fn(&RowOf<B>) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError> {
    store.acquire().await?.fetch_optional(&stmt).await?.as_ref().map(decode).transpose()
}

/// Every row a query answers, decoded.
async fn all<B: Backend, T>(
    store: &B,
    stmt: Stmt<'_>,
    decode: fn(&RowOf<B>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    store.acquire().await?.fetch_all(&stmt).await?.iter().map(decode).collect()
}

#[async_trait]
impl<B: Backend> Accounts for B {
    async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        let sql = format!("select {USER_COLUMNS} from users u where u.email = $1");
        one(self, Stmt::new(sql, [Arg::Text(email)]), user_from_row).await
    }

    async fn user(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        let sql = format!("select {USER_COLUMNS} from users u where u.id = $1");
        one(self, Stmt::new(sql, [Arg::Id(id)]), user_from_row).await
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        let sql = format!("select {USER_COLUMNS} from users u order by u.email");
        all(self, Stmt::new(sql, []), user_from_row).await
    }

    async fn session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(User, SecretString)>, StoreError> {
        let sql = format!(
            "select {USER_COLUMNS}, s.csrf_token from sessions s join users u on u.id = s.user_id \
             where s.token_hash = $1 and s.expires_at > $2 and u.deactivated_at is null"
        );
        let stmt = Stmt::new(sql, [Arg::Text(token_hash), Arg::Time(now)]);
        one(self, stmt, |r| Ok((user_from_row(r)?, SecretString::from(r.text("csrf_token")?)))).await
    }

    async fn token_user(&self, token_hash: &str) -> Result<Option<(ApiToken, User)>, StoreError> {
        let sql = format!(
            "select {USER_COLUMNS}, t.id as token_id, t.name as token_name, t.created_at as token_created_at \
             from api_tokens t join users u on u.id = t.user_id where t.token_hash = $1 and t.revoked_at is null \
             and u.deactivated_at is null"
        );
        one(self, Stmt::new(sql, [Arg::Text(token_hash)]), |r| {
            let user = user_from_row(r)?;
            let token = ApiToken {
                id: r.id("token_id")?,
                user_id: user.id,
                name: r.text("token_name")?,
                created_at: r.time("token_created_at")?,
                revoked_at: None,
            };
            Ok((token, user))
        })
        .await
    }

    async fn tokens(&self, user_id: Option<Uuid>) -> Result<Vec<ApiToken>, StoreError> {
        let sql = format!(
            "select {TOKEN_COLUMNS} from api_tokens t where $1 is null or t.user_id = $1 order by t.created_at desc"
        );
        all(self, Stmt::new(sql, [Arg::OptId(user_id)]), token_from_row).await
    }

    async fn invitation(&self, token_hash: &str) -> Result<Option<Invitation>, StoreError> {
        let sql = format!("select {INVITATION_COLUMNS} from invitations where token_hash = $1");
        one(self, Stmt::new(sql, [Arg::Text(token_hash)]), invitation_from_row).await
    }

    async fn open_invitations(&self, now: DateTime<Utc>) -> Result<Vec<Invitation>, StoreError> {
        let sql = format!(
            "select {INVITATION_COLUMNS} from invitations where used_at is null and revoked_at is null \
             and expires_at > $1 order by created_at desc"
        );
        all(self, Stmt::new(sql, [Arg::Time(now)]), invitation_from_row).await
    }

    async fn signups(&self, status: Option<&str>) -> Result<Vec<Signup>, StoreError> {
        let sql = format!(
            "select {SIGNUP_COLUMNS} from signups where $1 is null or status = $1 order by created_at desc"
        );
        all(self, Stmt::new(sql, [Arg::OptText(status)]), signup_from_row).await
    }

    async fn revisions(&self, q: RevisionQuery) -> Result<Vec<Revision>, StoreError> {
        let sql = format!(
            "select {REVISION_COLUMNS} from revisions where ($1 is null or entity_id = $1) \
             and ($2 is null or partner_id = $2) order by id desc limit $3"
        );
        let stmt = Stmt::new(sql, [Arg::OptId(q.entity_id), Arg::OptId(q.partner_id), Arg::Int(q.limit)]);
        all(self, stmt, revision_from_row).await
    }

    async fn revision(&self, id: i64) -> Result<Option<Revision>, StoreError> {
        let sql = format!("select {REVISION_COLUMNS} from revisions where id = $1");
        one(self, Stmt::new(sql, [Arg::Int(id)]), revision_from_row).await
    }

    async fn audit(&self, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let sql =
            "select id, at, actor_id, actor, action, target, detail from audit order by id desc limit $1";
        all(self, Stmt::new(sql, [Arg::Int(limit)]), audit_from_row).await
    }

    async fn login_attempts(&self, key: &str) -> Result<LoginAttempts, StoreError> {
        let stmt =
            Stmt::new("select failures, locked_until from login_attempts where key = $1", [Arg::Text(key)]);
        let attempts = one(self, stmt, |r| {
            Ok(LoginAttempts { failures: r.int("failures")?, locked_until: r.opt_time("locked_until")? })
        })
        .await?;
        Ok(attempts.unwrap_or_default())
    }

    async fn login_failed(
        &self,
        key: &str,
        now: DateTime<Utc>,
        lock: &(dyn Fn(i64) -> Option<DateTime<Utc>> + Sync),
    ) -> Result<LoginAttempts, StoreError> {
        let mut tx = self.begin().await?;
        // Failures a day old are forgotten (and the table stays small): the counter is about
        // attempts in a row, not over months.
        tx.execute(&Stmt::new(
            "delete from login_attempts where last_at < $1 and (locked_until is null or locked_until < $2)",
            [Arg::Time(now - chrono::Duration::days(1)), Arg::Time(now)],
        ))
        .await?;
        let counted = tx
            .fetch_optional(&Stmt::new(
                "insert into login_attempts (key, failures, last_at) values ($1, 1, $2) \
                 on conflict (key) do update set failures = login_attempts.failures + 1, last_at = $2 \
                 returning failures",
                [Arg::Text(key), Arg::Time(now)],
            ))
            .await?;
        let failures = match counted {
            Some(row) => row.int("failures")?,
            None => return Err(StoreError::Corrupt("login_attempts: the upsert returned no row".into())),
        };
        let locked_until = lock(failures);
        tx.execute(&Stmt::new(
            "update login_attempts set locked_until = $2 where key = $1",
            [Arg::Text(key), Arg::OptTime(locked_until)],
        ))
        .await?;
        B::commit(tx).await?;
        Ok(LoginAttempts { failures, locked_until })
    }

    async fn login_succeeded(&self, key: &str) -> Result<(), StoreError> {
        self.acquire()
            .await?
            .execute(&Stmt::new("delete from login_attempts where key = $1", [Arg::Text(key)]))
            .await?;
        Ok(())
    }
}

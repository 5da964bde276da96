//! PostgreSQL: accounts, sessions, tokens, links, sign-ups, revisions and the audit log
//! (`migrations/postgres/0003_accounts.sql`); same semantics as `sqlite_accounts.rs`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use sqlx::{Postgres, Row, Transaction};
use uuid::Uuid;

use super::postgres_codec::classify;
use super::{Accounts, PgStore, RevisionQuery, StoreError};
use crate::domain::account::{
    Actor, ApiToken, AuditEntry, Entity, Invitation, LoginAttempts, Record, Revision, Role, Signup, User,
};

const USER_COLUMNS: &str =
    "u.id, u.email, u.password_hash, u.role, u.partner_id, u.created_at, u.deactivated_at, u.deactivated_by";
const TOKEN_COLUMNS: &str = "t.id, t.user_id, t.name, t.created_at, t.revoked_at";
const INVITATION_COLUMNS: &str =
    "id, partner_id, user_id, email, created_by, created_at, expires_at, used_at, revoked_at";
const SIGNUP_COLUMNS: &str = "partner_id, contact_name, contact_email, message, status, reason, decided_by, \
     decided_at, created_at";
const REVISION_COLUMNS: &str =
    "id, entity, entity_id, partner_id, action, version, actor_id, actor, at, changes, reverts";

fn user_from_row(r: &PgRow) -> Result<User, StoreError> {
    let role: String = r.try_get("role")?;
    Ok(User {
        id: r.try_get("id")?,
        email: r.try_get("email")?,
        password_hash: SecretString::from(r.try_get::<String, _>("password_hash")?),
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role '{role}'")))?,
        partner_id: r.try_get("partner_id")?,
        created_at: r.try_get("created_at")?,
        deactivated_at: r.try_get("deactivated_at")?,
        deactivated_by: r.try_get("deactivated_by")?,
    })
}

fn token_from_row(r: &PgRow) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        name: r.try_get("name")?,
        created_at: r.try_get("created_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

fn invitation_from_row(r: &PgRow) -> Result<Invitation, StoreError> {
    Ok(Invitation {
        id: r.try_get("id")?,
        partner_id: r.try_get("partner_id")?,
        user_id: r.try_get("user_id")?,
        email: r.try_get("email")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
        used_at: r.try_get("used_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

fn signup_from_row(r: &PgRow) -> Result<Signup, StoreError> {
    Ok(Signup {
        partner_id: r.try_get("partner_id")?,
        contact_name: r.try_get("contact_name")?,
        contact_email: r.try_get("contact_email")?,
        message: r.try_get("message")?,
        status: r.try_get("status")?,
        reason: r.try_get("reason")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
        created_at: r.try_get("created_at")?,
    })
}

fn revision_from_row(r: &PgRow) -> Result<Revision, StoreError> {
    let entity: String = r.try_get("entity")?;
    Ok(Revision {
        id: r.try_get("id")?,
        entity: Entity::parse(&entity).ok_or_else(|| StoreError::Corrupt(format!("entity '{entity}'")))?,
        entity_id: r.try_get("entity_id")?,
        partner_id: r.try_get("partner_id")?,
        action: r.try_get("action")?,
        version: r.try_get("version")?,
        actor: Actor { id: r.try_get("actor_id")?, label: r.try_get("actor")? },
        at: r.try_get("at")?,
        changes: r.try_get::<Json<_>, _>("changes")?.0,
        reverts: r.try_get("reverts")?,
    })
}

fn audit_from_row(r: &PgRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        actor: Actor { id: r.try_get("actor_id")?, label: r.try_get("actor")? },
        action: r.try_get("action")?,
        target: r.try_get("target")?,
        detail: r.try_get::<Json<_>, _>("detail")?.0,
    })
}

fn not_found(what: String) -> StoreError {
    StoreError::NotFound(what)
}

/// Writes one account or history record inside a batch's transaction.
pub(super) async fn write(tx: &mut Transaction<'_, Postgres>, r: &Record) -> Result<(), StoreError> {
    match r {
        Record::Revision(v) => {
            sqlx::query(
                "insert into revisions (entity, entity_id, partner_id, action, version, actor_id, actor, at, \
                 changes, reverts) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(v.entity.as_str())
            .bind(v.entity_id)
            .bind(v.partner_id)
            .bind(&v.action)
            .bind(v.version)
            .bind(v.actor.id)
            .bind(&v.actor.label)
            .bind(v.at)
            .bind(Json(&v.changes))
            .bind(v.reverts)
            .execute(&mut **tx)
            .await
            .map_err(classify)?;
        }
        Record::Audit(a) => {
            sqlx::query(
                "insert into audit (at, actor_id, actor, action, target, detail) values ($1, $2, $3, $4, $5, $6)",
            )
            .bind(a.at)
            .bind(a.actor.id)
            .bind(&a.actor.label)
            .bind(&a.action)
            .bind(&a.target)
            .bind(Json(&a.detail))
            .execute(&mut **tx)
            .await
            .map_err(classify)?;
        }
        Record::CreateUser(u) => {
            sqlx::query(
                "insert into users (id, email, password_hash, role, partner_id, created_at) \
                 values ($1, $2, $3, $4, $5, $6)",
            )
            .bind(u.id)
            .bind(&u.email)
            .bind(u.password_hash.expose_secret())
            .bind(u.role.as_str())
            .bind(u.partner_id)
            .bind(u.created_at)
            .execute(&mut **tx)
            .await
            .map_err(classify)?;
        }
        Record::SetPassword { user_id, password_hash } => {
            let id = *user_id;
            let done = sqlx::query("update users set password_hash = $2 where id = $1")
                .bind(id)
                .bind(password_hash.expose_secret())
                .execute(&mut **tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(not_found(format!("user {user_id}")));
            }
            sqlx::query("delete from sessions where user_id = $1").bind(id).execute(&mut **tx).await?;
        }
        Record::CreateSession(s) => {
            // Expired sessions go as new ones come, so the table holds only live ones.
            sqlx::query("delete from sessions where expires_at <= $1")
                .bind(s.created_at)
                .execute(&mut **tx)
                .await?;
            sqlx::query(
                "insert into sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
                 values ($1, $2, $3, $4, $5)",
            )
            .bind(&s.token_hash)
            .bind(s.user_id)
            .bind(s.csrf_token.expose_secret())
            .bind(s.created_at)
            .bind(s.expires_at)
            .execute(&mut **tx)
            .await
            .map_err(classify)?;
        }
        Record::DeleteSession { token_hash } => {
            sqlx::query("delete from sessions where token_hash = $1")
                .bind(token_hash)
                .execute(&mut **tx)
                .await?;
        }
        Record::CreateToken { token, token_hash } => {
            sqlx::query(
                "insert into api_tokens (id, user_id, name, token_hash, created_at) values ($1, $2, $3, $4, $5)",
            )
            .bind(token.id)
            .bind(token.user_id)
            .bind(&token.name)
            .bind(token_hash)
            .bind(token.created_at)
            .execute(&mut **tx)
            .await
            .map_err(classify)?;
        }
        Record::RevokeToken { id, at } => {
            let done =
                sqlx::query("update api_tokens set revoked_at = coalesce(revoked_at, $2) where id = $1")
                    .bind(id)
                    .bind(*at)
                    .execute(&mut **tx)
                    .await?;
            if done.rows_affected() == 0 {
                return Err(not_found(format!("token {id}")));
            }
        }
        Record::CreateInvitation { invitation: i, token_hash } => {
            sqlx::query(
                "insert into invitations (id, token_hash, partner_id, user_id, email, created_by, created_at, \
                 expires_at) values ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(i.id)
            .bind(token_hash)
            .bind(i.partner_id)
            .bind(i.user_id)
            .bind(&i.email)
            .bind(&i.created_by)
            .bind(i.created_at)
            .bind(i.expires_at)
            .execute(&mut **tx)
            .await
            .map_err(classify)?;
        }
        Record::UseInvitation { id, at } => {
            let done = sqlx::query(
                "update invitations set used_at = $2 where id = $1 and used_at is null and revoked_at is null \
                 and expires_at > $2",
            )
            .bind(id)
            .bind(*at)
            .execute(&mut **tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Conflict(format!("invitation {id}")));
            }
        }
        Record::RevokeInvitation { id, at } => {
            let done = sqlx::query(
                "update invitations set revoked_at = $2 where id = $1 and used_at is null and revoked_at is null",
            )
            .bind(id)
            .bind(*at)
            .execute(&mut **tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(not_found(format!("open invitation {id}")));
            }
        }
        Record::DeactivateUser { user_id, at, by } => {
            let done = sqlx::query(
                "update users set deactivated_at = coalesce(deactivated_at, $2), \
                 deactivated_by = coalesce(deactivated_by, $3) where id = $1",
            )
            .bind(user_id)
            .bind(*at)
            .bind(by)
            .execute(&mut **tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(not_found(format!("user {user_id}")));
            }
            sqlx::query("delete from sessions where user_id = $1").bind(user_id).execute(&mut **tx).await?;
            sqlx::query("update api_tokens set revoked_at = $2 where user_id = $1 and revoked_at is null")
                .bind(user_id)
                .bind(*at)
                .execute(&mut **tx)
                .await?;
        }
        Record::ReactivateUser { user_id } => {
            let done =
                sqlx::query("update users set deactivated_at = null, deactivated_by = null where id = $1")
                    .bind(user_id)
                    .execute(&mut **tx)
                    .await?;
            if done.rows_affected() == 0 {
                return Err(not_found(format!("user {user_id}")));
            }
        }
        Record::Signup(s) => {
            sqlx::query(&format!(
                "insert into signups ({SIGNUP_COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            ))
            .bind(s.partner_id)
            .bind(&s.contact_name)
            .bind(&s.contact_email)
            .bind(&s.message)
            .bind(&s.status)
            .bind(&s.reason)
            .bind(&s.decided_by)
            .bind(s.decided_at)
            .bind(s.created_at)
            .execute(&mut **tx)
            .await
            .map_err(classify)?;
        }
        Record::DecideSignup { partner_id, status, reason, by, at } => {
            let done = sqlx::query(
                "update signups set status = $2, reason = $3, decided_by = $4, decided_at = $5 \
                 where partner_id = $1 and status = 'pending'",
            )
            .bind(partner_id)
            .bind(status)
            .bind(reason)
            .bind(by)
            .bind(*at)
            .execute(&mut **tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Conflict(format!("sign-up of partner {partner_id}")));
            }
        }
    }
    Ok(())
}

#[async_trait]
impl Accounts for PgStore {
    async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        let sql = format!("select {USER_COLUMNS} from users u where u.email = $1");
        let row = sqlx::query(&sql).bind(email).fetch_optional(&self.pool).await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn user(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        let sql = format!("select {USER_COLUMNS} from users u where u.id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        let sql = format!("select {USER_COLUMNS} from users u order by u.email");
        sqlx::query(&sql).fetch_all(&self.pool).await?.iter().map(user_from_row).collect()
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
        let row = sqlx::query(&sql).bind(token_hash).bind(now).fetch_optional(&self.pool).await?;
        row.map(|r| Ok((user_from_row(&r)?, SecretString::from(r.try_get::<String, _>("csrf_token")?))))
            .transpose()
    }

    async fn token_user(&self, token_hash: &str) -> Result<Option<(ApiToken, User)>, StoreError> {
        let sql = format!(
            "select {USER_COLUMNS}, t.id as token_id, t.name as token_name, t.created_at as token_created_at \
             from api_tokens t join users u on u.id = t.user_id where t.token_hash = $1 and t.revoked_at is null \
             and u.deactivated_at is null"
        );
        let row = sqlx::query(&sql).bind(token_hash).fetch_optional(&self.pool).await?;
        row.map(|r| {
            let user = user_from_row(&r)?;
            let token = ApiToken {
                id: r.try_get("token_id")?,
                user_id: user.id,
                name: r.try_get("token_name")?,
                created_at: r.try_get("token_created_at")?,
                revoked_at: None,
            };
            Ok((token, user))
        })
        .transpose()
    }

    async fn tokens(&self, user_id: Option<Uuid>) -> Result<Vec<ApiToken>, StoreError> {
        let sql = format!(
            "select {TOKEN_COLUMNS} from api_tokens t where $1::uuid is null or t.user_id = $1 order by t.created_at desc"
        );
        let rows = sqlx::query(&sql).bind(user_id).fetch_all(&self.pool).await?;
        rows.iter().map(token_from_row).collect()
    }

    async fn invitation(&self, token_hash: &str) -> Result<Option<Invitation>, StoreError> {
        let sql = format!("select {INVITATION_COLUMNS} from invitations where token_hash = $1");
        let row = sqlx::query(&sql).bind(token_hash).fetch_optional(&self.pool).await?;
        row.as_ref().map(invitation_from_row).transpose()
    }

    async fn open_invitations(&self, now: DateTime<Utc>) -> Result<Vec<Invitation>, StoreError> {
        let sql = format!(
            "select {INVITATION_COLUMNS} from invitations where used_at is null and revoked_at is null \
             and expires_at > $1 \
             order by created_at desc"
        );
        let rows = sqlx::query(&sql).bind(now).fetch_all(&self.pool).await?;
        rows.iter().map(invitation_from_row).collect()
    }

    async fn signups(&self, status: Option<&str>) -> Result<Vec<Signup>, StoreError> {
        let sql = format!(
            "select {SIGNUP_COLUMNS} from signups where $1::text is null or status = $1 order by created_at desc"
        );
        let rows = sqlx::query(&sql).bind(status).fetch_all(&self.pool).await?;
        rows.iter().map(signup_from_row).collect()
    }

    async fn revisions(&self, q: RevisionQuery) -> Result<Vec<Revision>, StoreError> {
        let sql = format!(
            "select {REVISION_COLUMNS} from revisions where ($1::uuid is null or entity_id = $1) \
             and ($2::uuid is null or partner_id = $2) order by id desc limit $3"
        );
        let rows = sqlx::query(&sql)
            .bind(q.entity_id)
            .bind(q.partner_id)
            .bind(q.limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(revision_from_row).collect()
    }

    async fn revision(&self, id: i64) -> Result<Option<Revision>, StoreError> {
        let sql = format!("select {REVISION_COLUMNS} from revisions where id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(revision_from_row).transpose()
    }

    async fn audit(&self, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "select id, at, actor_id, actor, action, target, detail from audit order by id desc limit $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(audit_from_row).collect()
    }

    async fn login_attempts(&self, key: &str) -> Result<LoginAttempts, StoreError> {
        let row = sqlx::query("select failures, locked_until from login_attempts where key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(LoginAttempts { failures: r.try_get("failures")?, locked_until: r.try_get("locked_until")? })
        })
        .transpose()
        .map(Option::unwrap_or_default)
    }

    async fn login_failed(
        &self,
        key: &str,
        now: DateTime<Utc>,
        lock: &(dyn Fn(i64) -> Option<DateTime<Utc>> + Sync),
    ) -> Result<LoginAttempts, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Failures a day old are forgotten (and the table stays small): the counter is about
        // attempts in a row, not over months.
        sqlx::query(
            "delete from login_attempts where last_at < $1 and (locked_until is null or locked_until < $2)",
        )
        .bind(now - chrono::Duration::days(1))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let failures: i64 = sqlx::query_scalar(
            "insert into login_attempts (key, failures, last_at) values ($1, 1, $2) \
             on conflict (key) do update set failures = login_attempts.failures + 1, last_at = $2 returning failures",
        )
        .bind(key)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let locked_until = lock(failures);
        sqlx::query("update login_attempts set locked_until = $2 where key = $1")
            .bind(key)
            .bind(locked_until)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(LoginAttempts { failures, locked_until })
    }

    async fn login_succeeded(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("delete from login_attempts where key = $1").bind(key).execute(&self.pool).await?;
        Ok(())
    }
}

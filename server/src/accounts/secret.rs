//! Secrets: argon2id password hashes, random tokens (shown once, stored as SHA-256), and
//! comparison in constant time.

use std::cell::RefCell;
use std::sync::OnceLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// Shortest password accepted, in characters.
pub const MIN_PASSWORD: usize = 12;
/// Longest password accepted, in characters (argon2 takes any length; this bounds the work).
pub const MAX_PASSWORD: usize = 1024;

/// Checks a new password's length; the message names what is wrong.
pub fn check_password(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_PASSWORD {
        return Err(format!("must be at least {MIN_PASSWORD} characters"));
    }
    if n > MAX_PASSWORD {
        return Err(format!("must be at most {MAX_PASSWORD} characters"));
    }
    Ok(())
}

thread_local! {
    /// This thread's argon2 memory (19 MiB), kept from one hash to the next. Allocating it for
    /// each hash, as the crate's `PasswordHasher` does, made the allocator's arenas grow by
    /// about 19 MiB per hash up to 58 MiB each (measured); the hashes run on a fixed few
    /// threads ([`super::throttle::HashGate`]), so this is a fixed few buffers.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// The raw argon2 output for `password` and `salt` (`len` bytes), computed in this thread's
/// reused memory.
fn argon2_output(
    argon: &Argon2<'_>,
    password: &[u8],
    salt: Salt<'_>,
    len: usize,
) -> argon2::password_hash::Result<Output> {
    let mut salt_bytes = [0u8; 64];
    let salt = salt.decode_b64(&mut salt_bytes)?;
    let blocks = argon.params().block_count();
    MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        Output::init_with(len, |out| {
            Ok(argon.hash_password_into_with_memory(password, salt, out, &mut memory[..blocks])?)
        })
    })
}

/// An argon2id PHC string for `password` (a fresh random salt; the crate's default cost:
/// 19 MiB, 2 passes — OWASP's recommended minimum). The same string the crate's
/// `PasswordHasher` makes.
pub fn hash_password(password: &str) -> Result<SecretString, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    let argon = Argon2::default();
    let output = argon2_output(&argon, password.as_bytes(), salt.as_salt(), Params::DEFAULT_OUTPUT_LEN)?;
    let phc = PasswordHash {
        algorithm: Algorithm::default().ident(),
        version: Some(Version::default().into()),
        params: ParamsString::try_from(argon.params())?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string().into())
}

/// Whether `password` gives the output in `phc`, with the algorithm, version, cost and salt
/// written there (compared in constant time).
fn matches(password: &str, phc: &PasswordHash<'_>) -> argon2::password_hash::Result<bool> {
    let algorithm = Algorithm::try_from(phc.algorithm)?;
    let version = phc.version.map(Version::try_from).transpose()?.unwrap_or_default();
    let argon = Argon2::new(algorithm, version, Params::try_from(phc)?);
    let (Some(salt), Some(expected)) = (phc.salt, phc.hash.as_ref()) else { return Ok(false) };
    Ok(argon2_output(&argon, password.as_bytes(), salt, expected.len())? == *expected)
}

/// Whether `password` matches the PHC string `hash`. With `hash` `None` (no such account) it
/// checks against a fixed dummy hash, so an unknown email costs the same time as a wrong
/// password and the answer's timing does not tell them apart.
pub fn verify_password(password: &str, hash: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| {
        hash_password("not a password of anyone").map(|h| h.expose_secret().to_owned()).unwrap_or_default()
    });
    let known = hash.is_some();
    let Ok(parsed) = PasswordHash::new(hash.unwrap_or(dummy)) else { return false };
    let ok = matches(password, &parsed).unwrap_or(false);
    ok && known
}

/// A new random secret: 32 bytes from the operating system, hex (64 characters).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

/// SHA-256 of a secret, hex: what is stored and looked up. Tokens are 256 random bits, so a
/// plain (unsalted, fast) hash is enough: nothing can be guessed from it.
pub fn sha256_hex(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Compares two secrets in time that depends only on their hashes' fixed length: both are
/// hashed first, so neither a shared prefix nor the length shows in the timing.
pub fn secrets_equal(a: &str, b: &str) -> bool {
    let (x, y) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    x.iter().zip(y.iter()).fold(0u8, |acc, (p, q)| acc | (p ^ q)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let h = hash_password("correct horse battery").unwrap();
        let h = h.expose_secret();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", Some(h)));
        assert!(!verify_password("correct horse batterY", Some(h)));
        assert!(!verify_password("not a password of anyone", None), "the dummy never signs anyone in");
    }

    #[test]
    fn hashes_are_the_argon2_crates_own() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        // Made here, checked by the crate; made by the crate (as every stored hash was before
        // the memory was reused), checked here.
        let ours = hash_password("correct horse battery").unwrap();
        let ours = PasswordHash::new(ours.expose_secret()).unwrap();
        assert!(Argon2::default().verify_password(b"correct horse battery", &ours).is_ok());
        assert!(Argon2::default().verify_password(b"correct horse batterY", &ours).is_err());
        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::default().hash_password(b"correct horse battery", &salt).unwrap().to_string();
        assert!(verify_password("correct horse battery", Some(&theirs)));
        assert!(!verify_password("correct horse batterY", Some(&theirs)));
        // Another cost written in the string is the one used.
        let cheap = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(1024, 1, 1, None).unwrap());
        let cheap = cheap.hash_password(b"correct horse battery", &salt).unwrap().to_string();
        assert!(verify_password("correct horse battery", Some(&cheap)));
        assert!(!verify_password("correct horse battery", Some("$argon2id$v=19$not-a-hash")));
    }

    #[test]
    fn tokens_are_random_and_hashes_fixed_length() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(sha256_hex(&a).len(), 64);
        assert_ne!(sha256_hex(&a), a);
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(secrets_equal("abc", "abc"));
        assert!(!secrets_equal("abc", "abd"));
        assert!(!secrets_equal("abc", "abcd"));
        assert!(!secrets_equal("", "x"));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_password("short").is_err());
        assert!(check_password("twelve chars").is_ok());
    }
}

#[cfg(test)]
mod never_printed {
    use secrecy::SecretString;

    use crate::accounts::principal::{Principal, Via};
    use crate::config::Settings;
    use crate::domain::account::{Role, User};

    /// Settings, people and sessions show no secret in `Debug` output (what a `{:?}` in a log
    /// line or a panic would print).
    #[test]
    fn debug_output_holds_no_secret() {
        let mut settings = Settings::new("postgres://assetmap:pg-password-1@db.internal:5432/assetmap");
        settings.admin_token = Some(SecretString::from("admin-token-2"));
        let user = User {
            id: uuid::Uuid::nil(),
            email: "ana@example.org".to_owned(),
            role: Role::Editor,
            partner_id: None,
            created_at: chrono::Utc::now(),
            deactivated_at: None,
            deactivated_by: None,
            password_hash: SecretString::from("$argon2id$v=19$hash-3"),
        };
        let who = Principal::User {
            user,
            via: Via::Session { csrf_token: SecretString::from("csrf-4"), token_hash: "ab".to_owned() },
        };
        let printed = format!("{settings:?} {who:?}");
        assert!(printed.contains("ana@example.org"), "{printed}");
        for secret in ["pg-password-1", "admin-token-2", "hash-3", "csrf-4"] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
    }
}

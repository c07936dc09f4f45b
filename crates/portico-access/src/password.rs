//! Password hashes as Moodle sites store them in `user.password`.
//!
//! Verification accepts every format a real Moodle database may hold:
//!
//! * SHA-512 crypt, `$6$rounds=N$<salt>$<hash>` (Moodle 4.3 and later; `rounds=` may be absent,
//!   meaning 5,000), checked as PHP's `crypt()` does: rounds clamped to 1,000..=999,999,999, salt
//!   cut at 16 characters;
//! * bcrypt, `$2y$` (also `$2a$`, `$2b$`, `$2x$`; Moodle 2.5 to 4.2), passwords cut at 72 bytes
//!   as PHP does;
//! * the legacy unsalted or site-salted MD5 of Moodle 1.x and 2.x, 32 lowercase hexadecimal
//!   characters: the password alone, the password followed by `passwordsaltmain`, or by one of
//!   `passwordsaltalt1` to `passwordsaltalt20`, each also with PHP's `addslashes` applied to the
//!   password (old sites ran with magic quotes).
//!
//! With site peppers configured (`$CFG->passwordpeppers`, a numbered list in `config.php`), the
//! hashed text is the password followed by a pepper. Verification tries the peppers newest
//! (highest number) first and then the bare password, so hashes made before a pepper was added, or
//! under an older pepper, still verify. Peppers do not apply to MD5 hashes.
//!
//! New hashes are Moodle 4.3's format: SHA-512 crypt with 10,000 rounds, the salt being the first
//! 16 characters of the base64 of 16 random bytes with `+` turned into `.`, and the newest pepper
//! appended to the password. [`Verified::needs_rehash`] reports when a stored hash should be
//! replaced after a successful login: any format other than SHA-512 crypt, fewer rounds than the
//! policy, or a pepper other than the newest.
//!
//! Passwords longer than [`MAX_PASSWORD_CHARACTERS`] never verify and cannot be hashed (Moodle
//! 4.3's limit, which bounds the cost of hashing). Comparisons of hash text run in constant time.

use base64::Engine as _;
use md5::{Digest as _, Md5};
use rand::Rng as _;
use sha_crypt::Params;

/// Longest password, in characters, that Moodle (4.3+) accepts.
pub const MAX_PASSWORD_CHARACTERS: usize = 128;
/// Rounds of SHA-512 crypt in new hashes (Moodle 4.3+).
pub const DEFAULT_ROUNDS: u32 = 10_000;
/// What `user.password` holds for accounts whose authentication method keeps no local password
/// (Moodle's `AUTH_PASSWORD_NOT_CACHED`); it never verifies.
pub const NOT_CACHED: &str = "not cached";

/// The site's password settings: peppers and legacy salts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// `$CFG->passwordpeppers`: `(number, pepper)` pairs in any order; the highest number is the
    /// current pepper.
    pub peppers: Vec<(i64, String)>,
    /// `$CFG->passwordsaltmain`, for legacy MD5 hashes.
    pub saltmain: Option<String>,
    /// `$CFG->passwordsaltalt1` to `passwordsaltalt20`, for legacy MD5 hashes.
    pub saltalts: Vec<String>,
    /// Rounds of new hashes; `None` means [`DEFAULT_ROUNDS`].
    pub rounds: Option<u32>,
}

/// The result of a successful verification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The stored hash should be replaced by [`hash_password`] of the same password.
    pub needs_rehash: bool,
}

/// Why a password cannot be hashed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    /// The password is longer than [`MAX_PASSWORD_CHARACTERS`].
    #[error("password longer than {MAX_PASSWORD_CHARACTERS} characters")]
    TooLong,
}

impl PasswordPolicy {
    fn rounds(&self) -> u32 {
        self.rounds.unwrap_or(DEFAULT_ROUNDS)
    }

    /// Peppers newest first, then the empty pepper.
    fn peppers_to_try(&self) -> Vec<&str> {
        let mut peppers: Vec<&(i64, String)> = self.peppers.iter().collect();
        peppers.sort_by_key(|(number, _)| std::cmp::Reverse(*number));
        peppers.iter().map(|(_, pepper)| pepper.as_str()).chain([""]).collect()
    }

    fn current_pepper(&self) -> &str {
        self.peppers.iter().max_by_key(|(number, _)| *number).map_or("", |(_, p)| p.as_str())
    }
}

/// Whether `password` matches the stored `hash`; `None` when it does not (or cannot: unknown
/// format, [`NOT_CACHED`], an over-long password).
pub fn verify_password(password: &str, hash: &str, policy: &PasswordPolicy) -> Option<Verified> {
    if password.chars().count() > MAX_PASSWORD_CHARACTERS || hash == NOT_CACHED {
        return None;
    }
    if is_legacy_md5(hash) {
        return verify_md5(password, hash, policy).then_some(Verified { needs_rehash: true });
    }
    let current = policy.current_pepper();
    let mut rounds = None;
    for pepper in policy.peppers_to_try() {
        let peppered = format!("{password}{pepper}");
        let matched = if hash.starts_with("$6$") {
            match sha512_crypt_check(peppered.as_bytes(), hash) {
                Some((ok, used)) => {
                    rounds = Some(used);
                    ok
                }
                None => return None,
            }
        } else if is_bcrypt(hash) {
            bcrypt::verify(peppered.as_bytes(), hash).unwrap_or(false)
        } else {
            return None;
        };
        if matched {
            let outdated_format = rounds.is_none_or(|used| used < policy.rounds());
            return Some(Verified { needs_rehash: outdated_format || pepper != current });
        }
    }
    None
}

/// A new hash of `password` in Moodle 4.3's format, with the current pepper.
pub fn hash_password(password: &str, policy: &PasswordPolicy) -> Result<String, PasswordError> {
    if password.chars().count() > MAX_PASSWORD_CHARACTERS {
        return Err(PasswordError::TooLong);
    }
    let mut random = [0u8; 16];
    rand::rng().fill_bytes(&mut random);
    let encoded = base64::engine::general_purpose::STANDARD.encode(random).replace('+', ".");
    let salt = &encoded[..16];
    let peppered = format!("{password}{}", policy.current_pepper());
    Ok(sha512_crypt_string(peppered.as_bytes(), salt, policy.rounds().clamp(1_000, 999_999_999)))
}

fn is_bcrypt(hash: &str) -> bool {
    ["$2y$", "$2a$", "$2b$", "$2x$"].iter().any(|prefix| hash.starts_with(prefix))
}

fn is_legacy_md5(hash: &str) -> bool {
    hash.len() == 32 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn verify_md5(password: &str, hash: &str, policy: &PasswordPolicy) -> bool {
    let slashed = addslashes(password);
    let mut candidates: Vec<String> = vec![password.to_owned(), slashed.clone()];
    let salts = policy.saltmain.iter().chain(policy.saltalts.iter()).filter(|s| !s.is_empty());
    for salt in salts {
        candidates.push(format!("{password}{salt}"));
        candidates.push(format!("{slashed}{salt}"));
    }
    candidates.iter().any(|candidate| {
        let digest = Md5::digest(candidate.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        constant_time_eq(hex.as_bytes(), hash.as_bytes())
    })
}

/// PHP's `addslashes`: a backslash before `'`, `"`, `\` and NUL.
fn addslashes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\'' | '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\0' => out.push_str("\\0"),
            _ => out.push(c),
        }
    }
    out
}

/// Checks `password` against a `$6$` hash as PHP's `crypt()` would recompute it. `None` when the
/// hash is malformed; otherwise whether it matched, and the rounds it uses.
fn sha512_crypt_check(password: &[u8], hash: &str) -> Option<(bool, u32)> {
    let rest = hash.strip_prefix("$6$")?;
    let (rounds, rest) = match rest.strip_prefix("rounds=") {
        Some(after) => {
            let (number, rest) = after.split_once('$')?;
            if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let rounds: u64 = number.parse().unwrap_or(u64::MAX);
            (rounds.clamp(1_000, 999_999_999) as u32, rest)
        }
        None => (5_000, rest),
    };
    let (salt, expected) = rest.split_once('$')?;
    if expected.len() != 86 || salt.contains('$') {
        return None;
    }
    let salt = salt.get(..salt.len().min(16))?;
    let params = Params::new(rounds).ok()?;
    let computed = encode_sha512_crypt(&sha_crypt::sha512_crypt(password, salt.as_bytes(), params));
    Some((constant_time_eq(computed.as_bytes(), expected.as_bytes()), rounds))
}

fn sha512_crypt_string(password: &[u8], salt: &str, rounds: u32) -> String {
    let params = Params::new(rounds).unwrap_or_default();
    let digest = sha_crypt::sha512_crypt(password, salt.as_bytes(), params);
    format!("$6$rounds={rounds}${salt}${}", encode_sha512_crypt(&digest))
}

/// The crypt base64 text of a SHA-512 crypt digest: bytes taken in the algorithm's fixed
/// order, three at a time, little-endian six-bit groups over `./0-9A-Za-z`.
fn encode_sha512_crypt(digest: &[u8; 64]) -> String {
    const ALPHABET: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = String::with_capacity(86);
    let mut push = |mut value: u32, count: usize| {
        for _ in 0..count {
            out.push(char::from(ALPHABET[(value & 0x3f) as usize]));
            value >>= 6;
        }
    };
    for i in 0..21 {
        let (a, b, c) = (i, i + 21, i + 42);
        let (first, second, third) = match i % 3 {
            0 => (a, b, c),
            1 => (b, c, a),
            _ => (c, a, b),
        };
        let value = (u32::from(digest[first]) << 16)
            | (u32::from(digest[second]) << 8)
            | u32::from(digest[third]);
        push(value, 4);
    }
    push(u32::from(digest[63]), 2);
    out
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Vector {
        scheme: String,
        password: String,
        pepper: Option<String>,
        hash: String,
    }

    fn vectors() -> Vec<Vector> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/vectors/password-hashes.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|error| {
            panic!("the password vectors are missing: {} ({error})", path.display())
        });
        let json: serde_json::Value = serde_json::from_str(&text).expect("vectors are JSON");
        let field = |v: &serde_json::Value, name: &str| v[name].as_str().map(str::to_owned);
        json.as_array()
            .expect("vectors are a JSON array")
            .iter()
            .map(|v| Vector {
                scheme: field(v, "scheme").expect("scheme"),
                password: field(v, "password").expect("password"),
                pepper: field(v, "pepper"),
                hash: field(v, "hash").expect("hash"),
            })
            .collect()
    }

    fn policy_with(pepper: Option<&str>) -> PasswordPolicy {
        PasswordPolicy {
            peppers: pepper.map(|p| vec![(1, p.to_owned())]).unwrap_or_default(),
            ..PasswordPolicy::default()
        }
    }

    #[test]
    fn every_php_vector_verifies_and_rejects_other_passwords() {
        let vectors = vectors();
        assert!(vectors.len() >= 25, "expected the full vector set");
        for vector in &vectors {
            let policy = policy_with(vector.pepper.as_deref());
            let verified = verify_password(&vector.password, &vector.hash, &policy);
            assert!(verified.is_some(), "{} {:?} does not verify", vector.scheme, vector.password);
            let rehash = vector.scheme != "sha512-crypt-10000"
                && vector.scheme != "sha512-crypt-10000-peppered";
            assert_eq!(verified.map(|v| v.needs_rehash), Some(rehash), "{}", vector.scheme);
            for other in ["", "Passw0rd!X", "a "] {
                if other != vector.password {
                    assert_eq!(verify_password(other, &vector.hash, &policy), None);
                }
            }
            let mut longer = vector.password.clone();
            longer.push('!');
            assert_eq!(verify_password(&longer, &vector.hash, &policy), None);
            let mut others: Vec<&str> = vectors.iter().map(|v| v.password.as_str()).collect();
            others.sort_unstable();
            others.dedup();
            for other in others.into_iter().filter(|other| *other != vector.password) {
                assert_eq!(verify_password(other, &vector.hash, &policy), None);
            }
        }
    }

    #[test]
    fn peppered_vectors_need_their_pepper() {
        for vector in vectors().iter().filter(|v| v.pepper.is_some()) {
            let bare = PasswordPolicy::default();
            assert_eq!(verify_password(&vector.password, &vector.hash, &bare), None);
            // A newer pepper was added: the old one still verifies, and the hash is rehashed.
            let pepper = vector.pepper.clone().expect("filtered");
            let rotated = PasswordPolicy {
                peppers: vec![(2, "newer".to_owned()), (1, pepper)],
                ..PasswordPolicy::default()
            };
            let verified = verify_password(&vector.password, &vector.hash, &rotated);
            assert_eq!(verified, Some(Verified { needs_rehash: true }));
        }
    }

    #[test]
    fn an_unpeppered_hash_verifies_on_a_peppered_site_and_is_rehashed() {
        let vector = vectors().into_iter().find(|v| v.scheme == "sha512-crypt-10000").expect("v");
        let policy = policy_with(Some("pepper"));
        assert_eq!(
            verify_password(&vector.password, &vector.hash, &policy),
            Some(Verified { needs_rehash: true })
        );
    }

    #[test]
    fn new_hashes_are_moodle_4_3_format_and_verify() {
        for pepper in [None, Some("site-pepper")] {
            let policy = policy_with(pepper);
            let hash = hash_password("Passw0rd!x", &policy).expect("short password");
            assert!(hash.starts_with("$6$rounds=10000$"), "{hash}");
            let salt = hash.split('$').nth(3).expect("salt field");
            assert_eq!(salt.len(), 16);
            assert!(salt.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'/'));
            assert_eq!(hash.len(), "$6$rounds=10000$".len() + 16 + 1 + 86);
            assert_eq!(
                verify_password("Passw0rd!x", &hash, &policy),
                Some(Verified { needs_rehash: false })
            );
            assert_eq!(verify_password("Passw0rd!y", &hash, &policy), None);
        }
        let policy = PasswordPolicy::default();
        assert_ne!(hash_password("a", &policy), hash_password("a", &policy));
    }

    #[test]
    fn legacy_md5_hashes_verify_and_are_rehashed() {
        // md5("password") and md5("pass'word" with magic quotes, then the site salt "salt").
        let policy = PasswordPolicy { saltmain: Some("salt".into()), ..Default::default() };
        let plain = "5f4dcc3b5aa765d61d8327deb882cf99";
        assert_eq!(
            verify_password("password", plain, &policy),
            Some(Verified { needs_rehash: true })
        );
        assert_eq!(verify_password("Password", plain, &policy), None);
        let salted: String =
            Md5::digest(b"pass\\'wordsalt").iter().map(|b| format!("{b:02x}")).collect();
        assert!(verify_password("pass'word", &salted, &policy).is_some());
        let alt = PasswordPolicy { saltalts: vec!["old".into()], ..Default::default() };
        let old: String = Md5::digest(b"secretold").iter().map(|b| format!("{b:02x}")).collect();
        assert!(verify_password("secret", &old, &alt).is_some());
        assert_eq!(verify_password("secret", &old, &PasswordPolicy::default()), None);
    }

    #[test]
    fn bad_input_never_verifies_nor_panics() {
        let policy = PasswordPolicy::default();
        for hash in [
            "",
            NOT_CACHED,
            "$6$",
            "$6$rounds=$salt$x",
            "$6$rounds=99999999999999999999$salt$",
            "$6$salt$short",
            "$2y$10$short",
            "$2y$99$yj3YpillVXUAoNA/HL6YbelNKFHdc9.MNcc1VEDB7.tamuHLlHd0u",
            "$1$md5crypt$abcdefghijklmnopqrstuv",
            "5F4DCC3B5AA765D61D8327DEB882CF99",
            "restored",
        ] {
            assert_eq!(verify_password("password", hash, &policy), None, "{hash:?}");
        }
        let long = "x".repeat(MAX_PASSWORD_CHARACTERS + 1);
        assert_eq!(hash_password(&long, &policy), Err(PasswordError::TooLong));
        let hash = hash_password("x", &policy).expect("short");
        assert_eq!(verify_password(&long, &hash, &policy), None);
    }

    #[test]
    fn rounds_below_the_policy_are_rehashed() {
        let hash = sha512_crypt_string(b"pw", "abcdefghijklmnop", 5_000);
        let policy = PasswordPolicy::default();
        assert_eq!(verify_password("pw", &hash, &policy), Some(Verified { needs_rehash: true }));
        // PHP's crypt() without `rounds=` means 5,000 rounds.
        let implicit = hash.replace("rounds=5000$", "");
        assert_eq!(
            verify_password("pw", &implicit, &policy),
            Some(Verified { needs_rehash: true })
        );
    }
}

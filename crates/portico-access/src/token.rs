//! Token secrets and the reuse-or-create rule of `login/token.php` (spec 02 §2.3, §5.2).
//!
//! Moodle makes tokens with a non-cryptographic generator; Portico keeps the formats and uses the
//! operating system's CSPRNG (through `rand`'s thread generator, seeded from it):
//!
//! * token: 32 lowercase hexadecimal characters (file endpoints strip anything that is not a letter
//!   or digit, so the format must stay alphanumeric);
//! * private token: 64 characters from `A-Z a-z 0-9`;
//! * name: `Webservice-` followed by 5 characters from the same alphabet.
//!
//! [`choose_reusable`] is the pure part of §5.2 steps 4 and 5: given a user's permanent tokens for
//! a service, which ones to delete and which one to hand out. It does no I/O.

use std::net::IpAddr;

use portico_store::model::{EXTERNAL_TOKEN_PERMANENT, ExternalToken};
use rand::RngExt as _;
use rand::distr::Alphanumeric;

use crate::ip::address_in_subnet;

/// Prefix of automatically generated token names (`tokennameprefix`).
pub const TOKEN_NAME_PREFIX: &str = "Webservice-";

/// A new token: 32 lowercase hexadecimal characters.
pub fn generate_token() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new private token: 64 letters and digits.
pub fn generate_private_token() -> String {
    random_alphanumeric(64)
}

/// A new token name: `Webservice-` and 5 letters or digits.
pub fn generate_token_name() -> String {
    format!("{TOKEN_NAME_PREFIX}{}", random_alphanumeric(5))
}

fn random_alphanumeric(len: usize) -> String {
    rand::rng().sample_iter(Alphanumeric).take(len).map(char::from).collect()
}

/// What to do with a user's existing tokens for a service at `login/token.php`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reuse {
    /// Ids of tokens to delete: expired ones.
    pub delete_tokens: Vec<i64>,
    /// Browser sessions that no longer exist: every token with one of these `sid` is deleted.
    pub delete_sessions: Vec<String>,
    /// The token to hand out, if one remains (the most recently created usable one).
    pub reuse: Option<ExternalToken>,
}

/// Applies §5.2 steps 4 and 5 to `tokens`, the user's tokens for the service.
///
/// Tokens that are not permanent are ignored. Discarded are tokens whose browser session is gone
/// (`session_exists` says), expired ones (non-zero `validuntil` before `now`) and, without
/// deleting them, tokens whose IP restriction does not admit `client_ip`. The last remaining token
/// in creation order is reused; its expiry is not extended.
pub fn choose_reusable(
    tokens: &[ExternalToken],
    now: i64,
    client_ip: IpAddr,
    session_exists: impl Fn(&str) -> bool,
) -> Reuse {
    let mut tokens: Vec<&ExternalToken> =
        tokens.iter().filter(|t| t.tokentype == EXTERNAL_TOKEN_PERMANENT).collect();
    tokens.sort_by_key(|t| (t.timecreated, t.id));
    let mut reuse = Reuse::default();
    for token in tokens {
        if let Some(sid) = token.sid.as_deref().filter(|sid| !sid.is_empty())
            && !session_exists(sid)
        {
            if !reuse.delete_sessions.iter().any(|s| s == sid) {
                reuse.delete_sessions.push(sid.to_owned());
            }
            continue;
        }
        if token.validuntil.is_some_and(|until| until != 0 && until < now) {
            reuse.delete_tokens.push(token.id);
            continue;
        }
        // Moodle skips a token whose restriction is set at all (even empty) and does not match.
        if let Some(restriction) = token.iprestriction.as_deref()
            && !address_in_subnet(client_ip, restriction)
        {
            continue;
        }
        reuse.reuse = Some(token.clone());
    }
    reuse
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(id: i64, timecreated: i64) -> ExternalToken {
        ExternalToken {
            id,
            token: format!("{id:032x}"),
            privatetoken: Some("p".repeat(64)),
            tokentype: EXTERNAL_TOKEN_PERMANENT,
            userid: 2,
            externalserviceid: 1,
            sid: None,
            contextid: 1,
            creatorid: 2,
            iprestriction: None,
            validuntil: None,
            timecreated,
            lastaccess: None,
            name: None,
        }
    }

    const NOW: i64 = 1_700_000_000;

    fn check(tokens: &[ExternalToken], expected_reuse: Option<i64>, expected_delete: &[i64]) {
        let ip: IpAddr = "10.0.0.1".parse().expect("valid");
        let reuse = choose_reusable(tokens, NOW, ip, |sid| sid == "live");
        assert_eq!(reuse.reuse.map(|t| t.id), expected_reuse);
        assert_eq!(reuse.delete_tokens, expected_delete);
    }

    #[test]
    fn formats() {
        let value = generate_token();
        assert_eq!(value.len(), 32);
        assert!(value.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
        assert_ne!(value, generate_token());
        let private = generate_private_token();
        assert_eq!(private.len(), 64);
        assert!(private.bytes().all(|b| b.is_ascii_alphanumeric()));
        let name = generate_token_name();
        assert_eq!(name.len(), 16);
        assert!(name.starts_with("Webservice-"));
        assert!(name[11..].bytes().all(|b| b.is_ascii_alphanumeric()));
    }

    #[test]
    fn the_newest_usable_token_is_reused() {
        check(&[], None, &[]);
        check(&[token(1, 100)], Some(1), &[]);
        check(&[token(2, 200), token(1, 100)], Some(2), &[]);
    }

    #[test]
    fn expired_tokens_are_deleted_and_skipped() {
        let mut expired = token(2, 200);
        expired.validuntil = Some(NOW - 1);
        let mut valid = token(1, 100);
        valid.validuntil = Some(NOW);
        check(&[valid.clone(), expired], Some(1), &[2]);
        let mut never = token(3, 300);
        never.validuntil = Some(0);
        check(&[valid, never], Some(3), &[]);
    }

    #[test]
    fn ip_mismatch_is_skipped_but_kept() {
        let mut elsewhere = token(2, 200);
        elsewhere.iprestriction = Some("192.168.0.0/16".into());
        check(&[token(1, 100), elsewhere.clone()], Some(1), &[]);
        let mut here = elsewhere;
        here.iprestriction = Some("10.".into());
        check(&[token(1, 100), here], Some(2), &[]);
    }

    #[test]
    fn tokens_of_ended_sessions_are_deleted_and_embedded_ones_ignored() {
        let mut gone = token(2, 200);
        gone.sid = Some("gone".into());
        let mut live = token(3, 300);
        live.sid = Some("live".into());
        let mut embedded = token(4, 400);
        embedded.tokentype = 1;
        let ip: IpAddr = "10.0.0.1".parse().expect("valid");
        let reuse =
            choose_reusable(&[token(1, 100), gone, live, embedded], NOW, ip, |s| s == "live");
        assert_eq!(reuse.reuse.map(|t| t.id), Some(3));
        assert_eq!(reuse.delete_sessions, vec!["gone".to_owned()]);
    }
}

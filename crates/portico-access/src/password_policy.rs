//! Moodle's site password policy (`check_password_policy`): which rules a new password breaks.
//!
//! The rules and their settings: `minpasswordlength` (default 8 characters),
//! `minpassworddigits`, `minpasswordlower`, `minpasswordupper`, `minpasswordnonalphanum` (1 each)
//! and `maxconsecutiveidentchars` (0, off), all applied only while `passwordpolicy` is on (the
//! default). Character classes are PHP's POSIX classes, which know ASCII only: `é` is neither
//! lower nor upper case, so it counts as a special character. The failure is Moodle's text: each
//! broken rule's English sentence wrapped in `<div>`, in the order above. This module never
//! reads the store; the caller passes the settings.

use crate::Settings;

/// The settings of the policy with Moodle's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordRules {
    /// `passwordpolicy`: whether the rules apply at all.
    pub enabled: bool,
    /// `minpasswordlength`, in characters.
    pub min_length: usize,
    /// `minpassworddigits`.
    pub min_digits: usize,
    /// `minpasswordlower`.
    pub min_lower: usize,
    /// `minpasswordupper`.
    pub min_upper: usize,
    /// `minpasswordnonalphanum`.
    pub min_nonalphanum: usize,
    /// `maxconsecutiveidentchars`; 0 turns the rule off.
    pub max_consecutive: usize,
}

impl PasswordRules {
    /// The rules the site settings `settings` define.
    pub fn from_settings(settings: &Settings) -> PasswordRules {
        let number = |name: &str, default: usize| {
            settings.get(name).and_then(|value| value.trim().parse().ok()).unwrap_or(default)
        };
        PasswordRules {
            enabled: settings.get("passwordpolicy").is_none_or(|value| value.trim() != "0"),
            min_length: number("minpasswordlength", 8),
            min_digits: number("minpassworddigits", 1),
            min_lower: number("minpasswordlower", 1),
            min_upper: number("minpasswordupper", 1),
            min_nonalphanum: number("minpasswordnonalphanum", 1),
            max_consecutive: number("maxconsecutiveidentchars", 0),
        }
    }

    /// `None` when `password` keeps every rule, else Moodle's list of the broken ones.
    pub fn check(&self, password: &str) -> Option<String> {
        if !self.enabled {
            return None;
        }
        let count = |test: fn(&char) -> bool| password.chars().filter(test).count();
        let digits = count(char::is_ascii_digit);
        let lower = count(char::is_ascii_lowercase);
        let upper = count(char::is_ascii_uppercase);
        let others = password.chars().count() - digits - lower - upper;
        let mut broken = Vec::new();
        if password.chars().count() < self.min_length {
            broken.push(format!("Passwords must be at least {} characters long.", self.min_length));
        }
        if digits < self.min_digits {
            broken.push(format!("Passwords must have at least {} digit(s).", self.min_digits));
        }
        if lower < self.min_lower {
            broken.push(format!(
                "Passwords must have at least {} lower case letter(s).",
                self.min_lower
            ));
        }
        if upper < self.min_upper {
            broken.push(format!(
                "Passwords must have at least {} upper case letter(s).",
                self.min_upper
            ));
        }
        if others < self.min_nonalphanum {
            broken.push(format!(
                "The password must have at least {} special character(s) such as as *, -, or #.",
                self.min_nonalphanum
            ));
        }
        if self.max_consecutive > 0 && longest_run(password) > self.max_consecutive {
            broken.push(format!(
                "Passwords must have at most {} consecutive identical characters.",
                self.max_consecutive
            ));
        }
        if broken.is_empty() {
            return None;
        }
        Some(broken.iter().map(|sentence| format!("<div>{sentence}</div>")).collect())
    }
}

/// The length of the longest run of one repeated character.
fn longest_run(password: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    let mut previous = None;
    for c in password.chars() {
        run = if previous == Some(c) { run + 1 } else { 1 };
        longest = longest.max(run);
        previous = Some(c);
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> PasswordRules {
        PasswordRules::from_settings(&Settings::default())
    }

    #[test]
    fn the_default_policy_lists_every_broken_rule_in_moodles_order() {
        assert_eq!(rules().check("Passw0rd!"), None);
        assert_eq!(
            rules().check("abc").as_deref(),
            Some(
                "<div>Passwords must be at least 8 characters long.</div>\
                 <div>Passwords must have at least 1 digit(s).</div>\
                 <div>Passwords must have at least 1 upper case letter(s).</div>\
                 <div>The password must have at least 1 special character(s) such as as *, -, or #.</div>"
            )
        );
        // POSIX classes are ASCII: accented letters are special characters.
        assert_eq!(rules().check("Sécurit1"), None);
    }

    #[test]
    fn settings_change_and_switch_off_the_rules() {
        let mut settings = Settings::default();
        settings.config.insert("maxconsecutiveidentchars".into(), "2".into());
        settings.config.insert("minpasswordlength".into(), "4".into());
        let rules = PasswordRules::from_settings(&settings);
        assert_eq!(
            rules.check("Paaa0!").as_deref(),
            Some("<div>Passwords must have at most 2 consecutive identical characters.</div>")
        );
        settings.config.insert("passwordpolicy".into(), "0".into());
        assert_eq!(PasswordRules::from_settings(&settings).check("a"), None);
    }
}

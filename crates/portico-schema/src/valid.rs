//! [`Valid<T>`]: proof that a value passed validation.
//!
//! Only this crate constructs it (in [`crate::validate_parameters`]), so a function body that takes
//! `Valid<Args>` can never be handed arguments that skipped validation.

use std::ops::Deref;

use crate::exception::Exception;
use crate::typed::FromValue;
use crate::value::Value;

/// A value that has passed parameter validation.
#[derive(Clone, Debug, PartialEq)]
pub struct Valid<T>(T);

impl<T> Valid<T> {
    /// Marks a value as validated; only validation may call this.
    pub(crate) fn new(value: T) -> Valid<T> {
        Valid(value)
    }

    /// The validated value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl Valid<Value> {
    /// The validated arguments as a typed struct; fails only when the struct and the description
    /// it was validated against disagree (a `coding_exception`).
    pub fn into_typed<T: FromValue>(self) -> Result<Valid<T>, Exception> {
        T::from_value(self.0).map(Valid)
    }
}

impl<T> Deref for Valid<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

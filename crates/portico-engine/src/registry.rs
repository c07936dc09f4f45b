//! The registry: every function Portico serves, by wire name.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::function::{DeclarationError, ExternalFunction, Function, Typed};

/// Functions by name, iterated in name order.
#[derive(Clone, Default)]
pub struct Registry {
    functions: BTreeMap<String, Arc<dyn Function>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Registers a typed function.
    ///
    /// # Panics
    /// If the declaration is invalid ([`DeclarationError`]): that is a defect in Portico's own
    /// code, caught by the test that builds the full registry, never a consequence of input.
    pub fn add<F: ExternalFunction>(&mut self) -> &mut Registry {
        if let Err(error) = self.try_add::<F>() {
            panic!("invalid external function declaration: {error}");
        }
        self
    }

    /// Registers a typed function, reporting an invalid declaration.
    pub fn try_add<F: ExternalFunction>(&mut self) -> Result<(), DeclarationError> {
        self.try_add_dyn(Arc::new(Typed::<F>::new()?))
    }

    /// Registers a function with a hand-built description.
    pub fn try_add_dyn(&mut self, function: Arc<dyn Function>) -> Result<(), DeclarationError> {
        let info = function.info();
        if let Some(key) = info.parameters.optional_keys().next() {
            return Err(DeclarationError::OptionalParameter {
                function: info.name.to_string(),
                key: key.to_string(),
            });
        }
        let duplicate = info
            .parameters
            .desc()
            .duplicate_key()
            .or_else(|| info.returns.as_ref()?.duplicate_key());
        if let Some(key) = duplicate {
            return Err(DeclarationError::DuplicateKey {
                function: info.name.to_string(),
                key: key.to_string(),
            });
        }
        if self.functions.contains_key(info.name.as_ref()) {
            return Err(DeclarationError::Duplicate(info.name.to_string()));
        }
        self.functions.insert(info.name.to_string(), function);
        Ok(())
    }

    /// The function with this wire name.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn Function>> {
        self.functions.get(name)
    }

    /// All functions, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<dyn Function>> {
        self.functions.values()
    }

    /// Number of functions.
    pub fn len(&self) -> usize {
        self.functions.len()
    }

    /// Whether no function is registered.
    pub fn is_empty(&self) -> bool {
        self.functions.is_empty()
    }
}

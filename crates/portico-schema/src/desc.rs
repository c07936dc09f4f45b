//! The description model (spec 03 §2): what a function takes and returns.
//!
//! A [`Desc`] is one node: a scalar value of some [`ParamType`], a single structure (named keys,
//! in a significant order) or a multiple structure (a list of one node). Every node carries a
//! text for documentation, a [`Required`] rule and whether `null` is allowed. Builders mirror
//! Moodle's constructors, including their defaults: value nodes are required and **allow null**;
//! structures are required and forbid null.

use std::borrow::Cow;

use crate::param::ParamType;
use crate::value::Value;

/// One node of a description.
#[derive(Clone, Debug, PartialEq)]
pub struct Desc {
    /// What kind of node this is.
    pub kind: DescKind,
    /// Documentation text.
    pub desc: Cow<'static, str>,
    /// What happens when the key is absent.
    pub required: Required,
    /// Whether a present `null` is accepted (and passed on as `null`).
    pub allow_null: bool,
}

/// The three kinds of description node.
#[derive(Clone, Debug, PartialEq)]
pub enum DescKind {
    /// A scalar (`external_value`).
    Value(ParamType),
    /// An object with named keys (`external_single_structure`), in description order.
    Single(Vec<Field>),
    /// A homogeneous list (`external_multiple_structure`).
    Multiple(Box<Desc>),
}

/// A named key of a single structure.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The key.
    pub name: Cow<'static, str>,
    /// Its description.
    pub desc: Desc,
}

/// `VALUE_REQUIRED`, `VALUE_OPTIONAL` or `VALUE_DEFAULT` with its default.
#[derive(Clone, Debug, PartialEq)]
pub enum Required {
    /// Absent is an error.
    Required,
    /// Absent means the key is left out.
    Optional,
    /// Absent means this default is used (for parameters at every level; for return values
    /// only on value nodes).
    Default(Value),
}

impl Desc {
    /// A required scalar of type `param` that allows `null` (`new external_value(param, desc)`).
    pub fn value(param: ParamType, desc: impl Into<Cow<'static, str>>) -> Desc {
        Desc {
            kind: DescKind::Value(param),
            desc: desc.into(),
            required: Required::Required,
            allow_null: true,
        }
    }

    /// A required single structure that forbids `null`.
    pub fn single<N: Into<Cow<'static, str>>>(
        fields: impl IntoIterator<Item = (N, Desc)>,
        desc: impl Into<Cow<'static, str>>,
    ) -> Desc {
        let fields =
            fields.into_iter().map(|(name, desc)| Field { name: name.into(), desc }).collect();
        Desc {
            kind: DescKind::Single(fields),
            desc: desc.into(),
            required: Required::Required,
            allow_null: false,
        }
    }

    /// A required list of `content` that forbids `null`.
    pub fn multiple(content: Desc, desc: impl Into<Cow<'static, str>>) -> Desc {
        Desc {
            kind: DescKind::Multiple(Box::new(content)),
            desc: desc.into(),
            required: Required::Required,
            allow_null: false,
        }
    }

    /// The same node, `VALUE_OPTIONAL`.
    pub fn optional(mut self) -> Desc {
        self.required = Required::Optional;
        self
    }

    /// The same node, `VALUE_DEFAULT` with `default`.
    pub fn with_default(mut self, default: impl Into<Value>) -> Desc {
        self.required = Required::Default(default.into());
        self
    }

    /// The same node with `allownull` set.
    pub fn allow_null(mut self, allow_null: bool) -> Desc {
        self.allow_null = allow_null;
        self
    }

    /// A key that appears twice in one single structure, anywhere in the tree: PHP arrays cannot
    /// hold such a description, so a declaration with one is refused.
    pub fn duplicate_key(&self) -> Option<&str> {
        match &self.kind {
            DescKind::Value(_) => None,
            DescKind::Multiple(content) => content.duplicate_key(),
            DescKind::Single(fields) => fields.iter().enumerate().find_map(|(index, field)| {
                if fields[..index].iter().any(|earlier| earlier.name == field.name) {
                    Some(field.name.as_ref())
                } else {
                    field.desc.duplicate_key()
                }
            }),
        }
    }

    /// The keys of a single structure (empty for other kinds).
    pub fn fields(&self) -> &[Field] {
        match &self.kind {
            DescKind::Single(fields) => fields,
            _ => &[],
        }
    }
}

/// The parameters of a function (`external_function_parameters`): a single structure whose
/// `allownull` is always false. Top-level keys should be required or defaulted, never optional,
/// because Moodle passes them positionally (spec 03 §2.4); [`Parameters::optional_keys`] lists
/// offenders for the registry to refuse.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameters(Desc);

impl Parameters {
    /// Parameters with these keys, in order.
    pub fn new<N: Into<Cow<'static, str>>>(
        fields: impl IntoIterator<Item = (N, Desc)>,
    ) -> Parameters {
        Parameters(Desc::single(fields, ""))
    }

    /// Parameters made from a description, which must be a single structure; its `allownull` is
    /// forced off.
    pub fn from_desc(desc: Desc) -> Option<Parameters> {
        matches!(desc.kind, DescKind::Single(_)).then(|| Parameters(desc.allow_null(false)))
    }

    /// The single structure.
    pub fn desc(&self) -> &Desc {
        &self.0
    }

    /// Top-level keys declared `VALUE_OPTIONAL`.
    pub fn optional_keys(&self) -> impl Iterator<Item = &str> {
        self.0
            .fields()
            .iter()
            .filter(|field| field.desc.required == Required::Optional)
            .map(|f| f.name.as_ref())
    }
}

//! The expansion of `#[derive(Describe)]`: quoting calls to `portico_schema::typed`.
//!
//! Each generated impl is a straight list of calls, one per field or variant, to the traits and
//! helpers of `portico_schema::typed`; what those calls mean is decided and tested there.

use std::collections::HashSet;

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{
    Data, DataEnum, DataStruct, DeriveInput, Error, Fields, GenericParam, Generics, Ident,
    PathArguments, Result, Type,
};

use crate::attr::{self, ContainerAttrs, DefaultValue, FieldAttrs, VariantAttrs};

/// The three impls for a struct with named fields, a unit struct or a fieldless enum.
pub(crate) fn derive(input: &DeriveInput) -> Result<TokenStream> {
    match &input.data {
        Data::Struct(data) => structure(input, data),
        Data::Enum(data) => enumeration(input, data),
        Data::Union(data) => Err(Error::new(
            data.union_token.span,
            "#[derive(Describe)] supports structs with named fields and fieldless enums, \
             not unions",
        )),
    }
}

/// One field of a struct, with everything the three impls need.
struct Field<'a> {
    ident: &'a Ident,
    ty: &'a Type,
    wire: String,
    attrs: FieldAttrs,
}

fn structure(input: &DeriveInput, data: &DataStruct) -> Result<TokenStream> {
    // A part that fails to parse reports its error and is replaced by its default, so that
    // every mistake in the declaration is reported by one build.
    let mut errors = Errors::default();
    let container = errors.check(ContainerAttrs::parse(&input.attrs, false)).unwrap_or_default();
    let named = match &data.fields {
        Fields::Named(fields) => Some(&fields.named),
        Fields::Unit => None,
        Fields::Unnamed(fields) => {
            return Err(Error::new(
                fields.span(),
                "#[derive(Describe)] needs named fields: a structure's keys are its field \
                 names, and a tuple struct has none",
            ));
        }
    };
    let mut fields = Vec::new();
    let mut wires = HashSet::new();
    for field in named.into_iter().flatten() {
        let ident = field.ident.as_ref().expect("named fields have identifiers");
        let Some(attrs) = errors.check(FieldAttrs::parse(&field.attrs)) else { continue };
        let wire = attr::wire_name(attrs.rename.as_ref(), ident);
        if !wires.insert(wire.clone()) {
            errors.push(Error::new(ident.span(), format!("duplicate wire name `{wire}`")));
        }
        fields.push(Field { ident, ty: &field.ty, wire, attrs });
    }
    let generics = errors.check(bounded_generics(&input.generics)).unwrap_or_default();
    errors.finish()?;

    let name = &input.ident;
    let (impl_generics, type_generics, where_clause) = generics.split_for_impl();
    let text = &container.text;
    let nodes = if fields.is_empty() {
        quote!(::core::iter::empty::<(&'static str, ::portico_schema::Desc)>())
    } else {
        let nodes = fields.iter().map(field_desc);
        quote!([#(#nodes),*])
    };
    let takes = fields.iter().map(|Field { ident, ty, wire, .. }| {
        quote_spanned!(ty.span()=>
            #ident: ::portico_schema::typed::take_field::<#ty>(&mut array, #wire)?
        )
    });
    let type_name = syn::ext::IdentExt::unraw(name).to_string();
    let from_value = match named {
        None => quote! {
            ::portico_schema::typed::expect_structure(value, #type_name)?;
            ::core::result::Result::Ok(Self)
        },
        Some(_) if fields.is_empty() => quote! {
            ::portico_schema::typed::expect_structure(value, #type_name)?;
            ::core::result::Result::Ok(Self {})
        },
        Some(_) => quote! {
            let mut array = ::portico_schema::typed::expect_structure(value, #type_name)?;
            ::core::result::Result::Ok(Self { #(#takes,)* })
        },
    };
    let count = proc_macro2::Literal::usize_unsuffixed(fields.len());
    let puts = fields.iter().map(|Field { ident, ty, wire, .. }| {
        quote_spanned!(ty.span()=>
            ::portico_schema::typed::put_field::<#ty>(&mut array, #wire, self.#ident);
        )
    });
    let into_value = if fields.is_empty() {
        quote!(::portico_schema::Value::Array(::portico_schema::Array::new()))
    } else {
        quote! {
            let mut array = ::portico_schema::Array::with_capacity(#count);
            #(#puts)*
            ::portico_schema::Value::Array(array)
        }
    };
    Ok(quote! {
        #[automatically_derived]
        impl #impl_generics ::portico_schema::typed::Describe for #name #type_generics #where_clause {
            fn describe() -> ::portico_schema::Desc {
                ::portico_schema::Desc::single(#nodes, #text)
            }
        }

        #[automatically_derived]
        impl #impl_generics ::portico_schema::typed::FromValue for #name #type_generics #where_clause {
            fn from_value(
                value: ::portico_schema::Value,
            ) -> ::core::result::Result<Self, ::portico_schema::Exception> {
                #from_value
            }
        }

        #[automatically_derived]
        impl #impl_generics ::portico_schema::typed::IntoValue for #name #type_generics #where_clause {
            fn into_value(self) -> ::portico_schema::Value {
                #into_value
            }
        }
    })
}

/// `(wire name, description)` of one field: its type's description with the attributes applied.
fn field_desc(field: &Field<'_>) -> TokenStream {
    let Field { ty, wire, attrs, .. } = field;
    let mut node = quote_spanned!(ty.span()=>
        <#ty as ::portico_schema::typed::Describe>::describe()
    );
    if let Some(text) = &attrs.text {
        node = quote!(::portico_schema::typed::with_text(#node, #text));
    }
    if let Some(param) = &attrs.param {
        node =
            quote!(::portico_schema::typed::with_param(#node, ::portico_schema::ParamType::#param));
    }
    match &attrs.default {
        Some(DefaultValue::Trait) => {
            let default = quote_spanned!(ty.span()=>
                ::portico_schema::typed::IntoValue::into_value(
                    <#ty as ::core::default::Default>::default(),
                )
            );
            node = quote!(#node.with_default(#default));
        }
        Some(DefaultValue::Expr(expr)) => {
            let default = quote_spanned!(expr.span()=>
                ::portico_schema::typed::IntoValue::into_value(#expr)
            );
            node = quote!(#node.with_default(#default));
        }
        None if attrs.optional || is_option(ty) => node = quote!(#node.optional()),
        None => {}
    }
    if let Some(allow_null) = &attrs.allow_null {
        node = quote!(#node.allow_null(#allow_null));
    }
    quote!((#wire, #node))
}

/// Whether `ty` is spelled `Option<…>` (any path ending so); a type alias of an option is not
/// seen through, and needs `#[describe(optional)]`.
fn is_option(ty: &Type) -> bool {
    match ty {
        Type::Path(path) if path.qself.is_none() => {
            path.path.segments.last().is_some_and(|segment| {
                segment.ident == "Option"
                    && matches!(&segment.arguments,
                        PathArguments::AngleBracketed(arguments) if arguments.args.len() == 1)
            })
        }
        Type::Group(group) => is_option(&group.elem),
        Type::Paren(paren) => is_option(&paren.elem),
        _ => false,
    }
}

/// The struct's generics with every type parameter bound by all three traits (the derive needs
/// all three of each field type). Lifetimes and const parameters are refused: validated values
/// are owned, and a const parameter cannot change a description.
fn bounded_generics(generics: &Generics) -> Result<Generics> {
    let mut bounded = generics.clone();
    for param in &mut bounded.params {
        match param {
            GenericParam::Type(param) => {
                param.bounds.push(syn::parse_quote!(::portico_schema::typed::Describe));
                param.bounds.push(syn::parse_quote!(::portico_schema::typed::FromValue));
                param.bounds.push(syn::parse_quote!(::portico_schema::typed::IntoValue));
            }
            GenericParam::Lifetime(param) => {
                return Err(Error::new(
                    param.span(),
                    "#[derive(Describe)] does not support lifetime parameters: values read \
                     from a request are owned",
                ));
            }
            GenericParam::Const(param) => {
                return Err(Error::new(
                    param.span(),
                    "#[derive(Describe)] does not support const parameters",
                ));
            }
        }
    }
    Ok(bounded)
}

fn enumeration(input: &DeriveInput, data: &DataEnum) -> Result<TokenStream> {
    let mut errors = Errors::default();
    let container = errors.check(ContainerAttrs::parse(&input.attrs, true)).unwrap_or_default();
    if !input.generics.params.is_empty() {
        errors.push(Error::new(
            input.generics.span(),
            "#[derive(Describe)] on an enum does not support generics: its variants are strings",
        ));
    }
    let mut variants = Vec::new();
    let mut wires = HashSet::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            errors.push(Error::new(
                variant.fields.span(),
                "#[derive(Describe)] on an enum needs fieldless variants: each is one wire string",
            ));
            continue;
        }
        let Some(attrs) = errors.check(VariantAttrs::parse(&variant.attrs)) else { continue };
        let wire = attrs
            .rename
            .unwrap_or_else(|| attr::wire_name(None, &variant.ident).to_ascii_lowercase());
        if !wires.insert(wire.clone()) {
            errors.push(Error::new(variant.ident.span(), format!("duplicate wire name `{wire}`")));
        }
        let alpha = !wire.is_empty() && wire.bytes().all(|byte| byte.is_ascii_alphabetic());
        if container.param.is_none() && !alpha {
            errors.push(Error::new(
                variant.ident.span(),
                format!(
                    "the wire name `{wire}` is not PARAM_ALPHA (ASCII letters only): name the \
                     enum's type, e.g. #[describe(param = AlphaNumExt)]"
                ),
            ));
        }
        variants.push((&variant.ident, wire));
    }
    errors.finish()?;

    let name = &input.ident;
    let text = &container.text;
    let param = container.param.unwrap_or_else(|| Ident::new("Alpha", Span::call_site()));
    let pairs = variants.iter().map(|(ident, wire)| quote!((#wire, Self::#ident)));
    let arms = variants.iter().map(|(ident, wire)| quote!(Self::#ident => #wire,));
    Ok(quote! {
        #[automatically_derived]
        impl ::portico_schema::typed::Describe for #name {
            fn describe() -> ::portico_schema::Desc {
                ::portico_schema::Desc::value(::portico_schema::ParamType::#param, #text)
            }
        }

        #[automatically_derived]
        impl ::portico_schema::typed::FromValue for #name {
            fn from_value(
                value: ::portico_schema::Value,
            ) -> ::core::result::Result<Self, ::portico_schema::Exception> {
                ::portico_schema::typed::variant_from_value(value, [#(#pairs),*])
            }
        }

        #[automatically_derived]
        impl ::portico_schema::typed::IntoValue for #name {
            fn into_value(self) -> ::portico_schema::Value {
                ::portico_schema::typed::IntoValue::into_value(match self {
                    #(#arms)*
                })
            }
        }
    })
}

/// Errors gathered over all fields or variants, so one build reports every mistake.
#[derive(Default)]
struct Errors(Option<Error>);

impl Errors {
    fn push(&mut self, error: Error) {
        match &mut self.0 {
            Some(errors) => errors.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn check<T>(&mut self, result: Result<T>) -> Option<T> {
        result.map_err(|error| self.push(error)).ok()
    }

    fn finish(self) -> Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::Path;

    use quote::ToTokens;
    use syn::parse_quote;

    use super::*;

    /// Compares the input and its pretty-printed expansion with
    /// `tests/snapshots/<name>.expanded.rs`, or rewrites that file when `PORTICO_BLESS=1`.
    fn check(name: &str, input: DeriveInput) {
        let expansion = derive(&input).unwrap_or_else(Error::into_compile_error);
        let pretty = |tokens: TokenStream| {
            prettyplease::unparse(
                &syn::parse2(tokens).expect("derive inputs and expansions are items"),
            )
        };
        let actual = format!(
            "// Generated by `cargo test -p portico-macros` with PORTICO_BLESS=1: the input,\n\
             // then what #[derive(Describe)] expands it to.\n\n{}\n// Expansion:\n\n{}",
            pretty(input.to_token_stream()),
            pretty(expansion)
        );
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/snapshots")
            .join(format!("{name}.expanded.rs"));
        if std::env::var_os("PORTICO_BLESS").is_some_and(|bless| bless == "1") {
            fs::write(&path, actual).expect("the snapshot directory is writable");
            return;
        }
        let expected = fs::read_to_string(&path).unwrap_or_default();
        assert!(
            actual == expected,
            "{} differs from the expansion; rerun with PORTICO_BLESS=1 and review the diff.\n\
             Expansion:\n{actual}",
            path.display()
        );
    }

    #[test]
    fn site_info() {
        check(
            "site_info",
            parse_quote! {
                /// Return site information and details about the calling user.
                #[derive(Debug, Describe)]
                pub struct SiteInfo {
                    /// Site name, ready to display.
                    #[describe(param = Text)]
                    pub sitename: String,
                    /// Id of the calling user.
                    pub userid: i64,
                    /// Optional: absent from the result when None.
                    pub theme: Option<String>,
                    #[describe(rename = "type", param = Alpha)]
                    pub kind: String,
                    /// Functions the token may call.
                    pub functions: Vec<Function>,
                }
            },
        );
    }

    #[test]
    fn every_field_attribute() {
        check(
            "every_field_attribute",
            parse_quote! {
                /// Get the courses of a category.
                #[describe(desc = "Courses, one page at a time.")]
                pub struct Args {
                    /// Short names of services the client asks about.
                    #[describe(default)]
                    pub serviceshortnames: Vec<String>,
                    /// Page number.
                    #[describe(default = 0)]
                    pub page: i64,
                    /// Search text; null searches nothing.
                    #[describe(default = ::portico_schema::Value::Null, allow_null = true)]
                    pub search: Option<String>,
                    /// Tags of each course, some unset.
                    #[describe(param = tag, desc = "Tags.")]
                    pub tags: Vec<Vec<Option<String>>>,
                    /// Category id, when given.
                    #[describe(optional)]
                    pub categoryid: MaybeId,
                    /// Kind of course.
                    #[describe(allow_null = false)]
                    pub r#type: String,
                }
            },
        );
    }

    #[test]
    fn generic_struct() {
        check(
            "generic_struct",
            parse_quote! {
                /// A page of results.
                pub struct Page<T> where T: Clone {
                    /// The items.
                    pub items: Vec<T>,
                    /// Total number of items.
                    pub total: i64,
                }
            },
        );
    }

    #[test]
    fn structs_without_fields() {
        check("empty_struct", parse_quote! { pub struct Args {} });
        check("unit_struct", parse_quote! { pub struct Args; });
    }

    #[test]
    fn fieldless_enum() {
        check(
            "fieldless_enum",
            parse_quote! {
                /// How a block is displayed.
                pub enum Display {
                    Inline,
                    Popup,
                    #[describe(rename = "newwindow")]
                    NewWindow,
                }
            },
        );
        check(
            "fieldless_enum_with_param",
            parse_quote! {
                /// How a block is displayed.
                #[describe(param = AlphaExt, desc = "Display mode.")]
                pub enum Display {
                    Inline,
                    #[describe(rename = "new_window")]
                    NewWindow,
                }
            },
        );
        check(
            "fieldless_enum_not_alpha",
            parse_quote! {
                pub enum Display {
                    #[describe(rename = "new_window")]
                    NewWindow,
                }
            },
        );
    }

    #[test]
    fn every_mistake_is_reported_at_once() {
        check(
            "mistakes",
            parse_quote! {
                pub struct Args {
                    #[describe(optional, default)]
                    pub a: i64,
                    pub b: String,
                    #[describe(rename = "b")]
                    pub c: String,
                    #[describe(param = Text, param = Raw)]
                    pub d: String,
                }
            },
        );
    }
}

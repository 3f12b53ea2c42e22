//! Finds every user error before anything is emitted, and turns the parsed
//! options and signature into a [`Plan`] that `expand` only has to print.
//! The key's checks live in `key`, the generic tag's in `tag`.

use proc_macro2::{Span, TokenStream};
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, Ident, Path, ReturnType, Type};

use crate::attr::{LeaderDrop, Options};
use crate::item::{Body, Function};
use crate::span::SpanRange;
use crate::{detached, key, tag};

/// Everything `expand` needs, already checked.
pub(crate) struct Plan<'a> {
    pub krate: Path,
    pub key: Key,
    /// Where the in-flight map lives: the user's static, or a hidden per-fn map.
    pub group: GroupSource,
    /// The return type for the fake return edge, `impl Trait` erased to `_`.
    pub fake_return: Type,
    /// Where errors about the output's bounds point: the return type, or the
    /// function's name when there is none.
    pub output_span: SpanRange,
    pub body: &'a Body,
    /// `on_leader_drop`: hand off to a follower, or let the flight own the body.
    pub leader_drop: LeaderDrop,
}

/// The key: one element, or a tuple converted element by element.
pub(crate) struct Key {
    pub elements: Vec<Expr>,
    pub tuple: bool,
    pub span: SpanRange,
}

pub(crate) enum GroupSource {
    /// `group = PATH`.
    User(Path),
    /// A `static TypeMap` in the body, tagged with these types (`Self`, `T`)
    /// and the types of these values (`impl Trait` arguments).
    PerFunction {
        types: Vec<TokenStream>,
        values: Vec<TokenStream>,
    },
}

/// Collects every error instead of stopping at the first one.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, span: Span, message: impl std::fmt::Display) {
        self.0 = Some(combine(self.0.take(), syn::Error::new(span, message)));
    }

    /// An error underlining all of `tokens`, not only their first token.
    pub(crate) fn push_spanned(
        &mut self,
        tokens: impl quote::ToTokens,
        message: impl std::fmt::Display,
    ) {
        self.0 = Some(combine(
            self.0.take(),
            syn::Error::new_spanned(tokens, message),
        ));
    }
}

pub(crate) fn validate(options: Options, function: &Function) -> syn::Result<Plan<'_>> {
    let mut errors = Errors::default();
    let sig = &function.sig;
    let name = &sig.ident;
    if sig.asyncness.is_none() {
        errors.push(
            sig.fn_token.span,
            format!(
                "`#[coalesce]` only works on an `async fn`: write `async fn {name}` \
                 (concurrent awaits of its future are what it coalesces)"
            ),
        );
    }
    if function.body.is_none() {
        errors.0 = Some(combine(errors.0.take(), missing_body(name)));
    }

    let receiver = sig.receiver().is_some();
    let arguments = key::argument_names(sig);
    let key = match options.key {
        Some((expr, span)) => {
            key::check_key_names(&expr, name, &arguments, receiver, &mut errors);
            key::split_key(expr, span)
        }
        None => key::default_key(sig, &arguments),
    };
    let group = match options.group {
        Some(path) => GroupSource::User(path),
        None => tag::tag(function, &mut errors),
    };
    let leader_drop = options
        .on_leader_drop
        .map(|(mode, _)| mode)
        .unwrap_or_default();
    if leader_drop == LeaderDrop::Continue {
        detached::check_owned_inputs(sig, &mut errors);
    }
    let output_span = match &sig.output {
        ReturnType::Default => SpanRange::single(name.span()),
        ReturnType::Type(_, ty) => SpanRange::of(ty),
    };

    if let Some(error) = errors.0 {
        return Err(error);
    }
    let body = function.body.as_ref().ok_or_else(|| missing_body(name))?;
    Ok(Plan {
        krate: options
            .krate
            .unwrap_or_else(|| syn::parse_quote!(::coalesce)),
        key,
        group,
        fake_return: fake_return(&sig.output),
        output_span,
        body,
        leader_drop,
    })
}

fn missing_body(name: &Ident) -> syn::Error {
    syn::Error::new(
        name.span(),
        format!(
            "`#[coalesce]` needs the body of `{name}`: put it on the method in the \
             `impl` block, not on the trait declaration"
        ),
    )
}

fn combine(first: Option<syn::Error>, next: syn::Error) -> syn::Error {
    match first {
        Some(mut first) => {
            first.combine(next);
            first
        }
        None => next,
    }
}

/// The fake return edge's type: the return type with `impl Trait` erased to
/// `_`, as tracing does, since `let x: impl Trait` is not allowed.
fn fake_return(output: &ReturnType) -> Type {
    struct Erase;
    impl VisitMut for Erase {
        fn visit_type_mut(&mut self, ty: &mut Type) {
            if let Type::ImplTrait(impl_trait) = ty {
                *ty = Type::Infer(syn::TypeInfer {
                    underscore_token: syn::Token![_](impl_trait.impl_token.span),
                });
                return;
            }
            visit_mut::visit_type_mut(self, ty);
        }
    }
    match output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, ty) => {
            let mut erased = (**ty).clone();
            Erase.visit_type_mut(&mut erased);
            erased
        }
    }
}

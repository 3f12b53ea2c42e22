//! Finds every user error before anything is emitted, and turns the parsed
//! options and signature into a [`Plan`] that `expand` only has to print.
//! The key's checks live in `validate/key.rs`, the detached mode's in
//! `validate/detached.rs`, the recognition of what `#[async_trait]` made
//! of a method in `validate/async_trait.rs`, and what an `async fn` becomes
//! in `validate/form.rs`.

mod async_trait;
mod detached;
mod form;
mod key;

use proc_macro2::Span;
use quote::ToTokens;
use syn::visit_mut::{self, VisitMut};
use syn::{Ident, LitStr, ReturnType, Signature, Type};

use crate::attr::{Options, WrittenExpr};
use crate::errors::Errors;
use crate::item::Function;
use crate::plan::{AsyncTraitBody, BodyPlan, Fleet, GroupSource, Key, Plan};
use crate::span::{resolved_at_call_site, SpanRange};

pub(crate) fn validate(options: Options, function: &Function) -> syn::Result<Plan<'_>> {
    let mut errors = Errors::default();
    let sig = &function.sig;
    let async_trait = check_shape(function, &mut errors);
    let key = plan_key(options.key, sig, &mut errors);
    let blocking = sig.asyncness.is_none() && async_trait.is_none();
    let detached = options.detached.is_some();
    match options.detached {
        Some(span) if blocking => errors.push(
            span,
            "`detached` has no meaning for a blocking `fn`: its calling thread runs the \
             body to the end and cannot be dropped halfway; remove `detached`",
        ),
        Some(_) => detached::check_owned_inputs(sig, &mut errors),
        None => {}
    }
    if let (Some((_, span)), Some(_)) = (options.log_key, &options.group) {
        errors.push(
            span,
            "`log_key` has no meaning with `group = ...`: the events of a `Group` you \
             declared never carry the key; remove `log_key`",
        );
    }
    let log_key = options.log_key.map(|(log_key, _)| log_key);
    let fleet = plan_fleet(
        options.fleet,
        options.fleet_name,
        blocking,
        &sig.ident,
        &mut errors,
    );
    let output = match (&async_trait, &sig.output) {
        (Some(parts), _) => Some(&parts.output),
        (None, ReturnType::Default) => None,
        (None, ReturnType::Type(_, ty)) => Some(&**ty),
    };
    let output_span = output.map_or(SpanRange::single(sig.ident.span()), SpanRange::of);
    let output_is_result = output.is_some_and(is_result);

    if let Some(error) = errors.into_error() {
        return Err(error);
    }
    let body = function
        .body
        .as_ref()
        .ok_or_else(|| missing_body(&sig.ident))?;
    let body = match async_trait {
        Some(parts) => BodyPlan::AsyncTrait {
            inner_attrs: &body.inner_attrs,
            parts,
        },
        None if blocking => BodyPlan::Blocking {
            body,
            fake_return: fake_return(&sig.output),
        },
        None => BodyPlan::Async {
            body,
            fake_return: fake_return(&sig.output),
            form: form::async_form(function),
        },
    };
    Ok(Plan {
        krate: options
            .krate
            .unwrap_or_else(|| syn::parse_quote!(::coalesce)),
        key,
        group: options
            .group
            .map_or(GroupSource::PerFunction, GroupSource::User),
        output_span,
        output_is_result,
        body,
        detached,
        log_key,
        fleet,
    })
}

/// `fleet` on an `async fn`, its expression resolved as the user's, and
/// `fleet_name` only with it.
fn plan_fleet(
    fleet: Option<(Option<WrittenExpr>, Span)>,
    name: Option<LitStr>,
    blocking: bool,
    function: &Ident,
    errors: &mut Errors,
) -> Option<Fleet> {
    if let Some(name) = &name {
        check_fleet_name(name, fleet.is_some(), errors);
    }
    let (expr, span) = fleet?;
    if blocking {
        errors.push(
            span,
            format!(
                "fleet mode needs an async fn: Redis is reached asynchronously; make \
                 `{function}` an `async fn`, or remove `fleet`"
            ),
        );
    }
    let fleet = expr.map(|(expr, span, quoted)| {
        // As for a quoted key: resolved as the user's own tokens.
        let expr = if quoted {
            syn::parse2(resolved_at_call_site(expr.to_token_stream())).unwrap_or(expr)
        } else {
            expr
        };
        (expr, span)
    });
    Some(Fleet { fleet, name })
}

/// `fleet_name` goes with `fleet`, and names something.
fn check_fleet_name(name: &LitStr, fleet: bool, errors: &mut Errors) {
    if !fleet {
        errors.push(
            name.span(),
            "`fleet_name` names the function across a fleet, and this one has none: \
             add `fleet` (or `fleet = EXPR`), or remove `fleet_name`",
        );
    } else if name.value().is_empty() {
        errors.push(
            name.span(),
            "`fleet_name` is empty: give the name every replica knows this function by \
             (`fleet_name = \"users/find\"`), or leave it out to use the function's path",
        );
    }
}

/// The function's kind: `async`, blocking, or the method `#[async_trait]`
/// made of an `async fn`; and it has a body.
fn check_shape(function: &Function, errors: &mut Errors) -> Option<AsyncTraitBody> {
    let sig = &function.sig;
    let name = &sig.ident;
    if let Some(constness) = &sig.constness {
        errors.push(
            constness.span,
            format!(
                "`#[coalesce]` cannot go on a `const fn`: a call evaluated at compile \
                 time has nobody to wait for; remove `const` from `{name}`"
            ),
        );
    }
    if function.body.is_none() {
        errors.add(missing_body(name));
    }
    function
        .body
        .as_ref()
        .and_then(|body| async_trait::recognise(sig, body))
}

/// The key as written, its names checked, or every argument but `self`.
fn plan_key(written: Option<WrittenExpr>, sig: &Signature, errors: &mut Errors) -> Key {
    let arguments = key::argument_names(sig);
    let Some((expr, span, quoted)) = written else {
        return key::default_key(sig, &arguments);
    };
    let receiver = sig.receiver().is_some();
    key::check_key_names(&expr, &sig.ident, &arguments, receiver, errors);
    // A quoted key's tokens all sit on the string: resolved as the macro's
    // own, the compiler does not suggest edits that would replace the whole
    // string with a name.
    let expr = if quoted {
        syn::parse2(resolved_at_call_site(expr.to_token_stream())).unwrap_or(expr)
    } else {
        expr
    };
    key::split_key(expr, span)
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

/// `Result<..>`, under any path (`io::Result`, `anyhow::Result`).
fn is_result(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.path.segments.last().is_some_and(|last| last.ident == "Result"))
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

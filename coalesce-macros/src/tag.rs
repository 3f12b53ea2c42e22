//! The tag that keeps the instantiations of a generic function apart in its
//! static map, and the `'static` bounds that tagging by `TypeId` needs.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{FnArg, GenericParam, Ident, Pat, Token, Type, TypeParamBound, WherePredicate};

use crate::errors::Errors;
use crate::item::Function;
use crate::plan::GroupSource;

/// What tells the instantiations of a generic function apart: its type
/// parameters, `Self` when it has a receiver (the impl's parameters are not
/// visible here), and the types of `impl Trait` arguments, which have no name
/// and are captured from the argument's value.
pub(crate) fn tag(function: &Function, errors: &mut Errors) -> GroupSource {
    let sig = &function.sig;
    let mut types = Vec::new();
    let mut values = Vec::new();
    if let Some(receiver) = sig.receiver() {
        // Spanned on `self`: a `Self` that borrows fails `'static` there.
        types.push(quote_spanned!(receiver.self_token.span=> Self));
    }
    for param in &sig.generics.params {
        match param {
            GenericParam::Type(param) => {
                let ident = &param.ident;
                if !is_static(ident, &param.bounds, sig.generics.where_clause.as_ref()) {
                    errors.push(
                        ident.span(),
                        format!(
                            "`#[coalesce]` keeps one in-flight map per instantiation of `{}`, \
                             told apart by `TypeId`, which needs `{ident}: 'static`; add that \
                             bound, or use your own static with `group = ...`",
                            sig.ident
                        ),
                    );
                }
                types.push(quote!(#ident));
            }
            GenericParam::Const(param) => errors.push(
                param.ident.span(),
                "`#[coalesce]` cannot tell const-generic instantiations apart; \
                 use your own static with `group = ...`",
            ),
            GenericParam::Lifetime(_) => {}
        }
    }
    for input in &sig.inputs {
        let FnArg::Typed(typed) = input else {
            continue;
        };
        let Some(impl_trait) = find_impl_trait(&typed.ty) else {
            continue;
        };
        if !impl_trait
            .bounds
            .iter()
            .any(|bound| matches!(bound, TypeParamBound::Lifetime(l) if l.ident == "static"))
        {
            errors.push(
                impl_trait.impl_token.span,
                "`#[coalesce]` keeps one in-flight map per argument type, told apart by \
                 `TypeId`: write `impl Trait + 'static`, or use your own static with `group = ...`",
            );
        }
        let Pat::Ident(pat) = &*typed.pat else {
            errors.push(
                typed.pat.span(),
                "`#[coalesce]` needs an `impl Trait` argument bound to a plain name",
            );
            continue;
        };
        // `x: &impl Trait` tags with the `impl Trait` itself, which is 'static.
        let mut derefs = TokenStream::new();
        let mut ty = &*typed.ty;
        while let Type::Reference(reference) = ty {
            derefs.extend(quote!(*));
            ty = &reference.elem;
        }
        let ident = &pat.ident;
        values.push(quote_spanned!(ident.span()=> &#derefs #ident));
    }
    GroupSource::PerFunction { types, values }
}

fn is_static(
    ident: &Ident,
    bounds: &Punctuated<TypeParamBound, Token![+]>,
    where_clause: Option<&syn::WhereClause>,
) -> bool {
    let has_static = |bounds: &Punctuated<TypeParamBound, _>| {
        bounds
            .iter()
            .any(|bound| matches!(bound, TypeParamBound::Lifetime(l) if l.ident == "static"))
    };
    has_static(bounds)
        || where_clause.is_some_and(|clause| {
            clause.predicates.iter().any(|predicate| match predicate {
                WherePredicate::Type(predicate) => {
                    matches!(&predicate.bounded_ty, Type::Path(p) if p.qself.is_none() && p.path.is_ident(ident))
                        && has_static(&predicate.bounds)
                }
                _ => false,
            })
        })
}

fn find_impl_trait(ty: &Type) -> Option<&syn::TypeImplTrait> {
    struct Find<'ast>(Option<&'ast syn::TypeImplTrait>);
    impl<'ast> Visit<'ast> for Find<'ast> {
        fn visit_type_impl_trait(&mut self, ty: &'ast syn::TypeImplTrait) {
            self.0.get_or_insert(ty);
        }
    }
    let mut find = Find(None);
    find.visit_type(ty);
    find.0
}

//! Finds every user error before anything is emitted, and turns the parsed
//! options and signature into a [`Plan`] that `expand` only has to print.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::visit_mut::{self, VisitMut};
use syn::{
    Expr, FnArg, GenericParam, Ident, Pat, Path, ReturnType, Type, TypeParamBound, WherePredicate,
};

use crate::attr::Options;
use crate::item::{Body, Function};
use crate::span::SpanRange;

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
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, span: Span, message: impl std::fmt::Display) {
        let error = syn::Error::new(span, message);
        match &mut self.0 {
            Some(first) => first.combine(error),
            None => self.0 = Some(error),
        }
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
        errors.push(
            name.span(),
            format!(
                "`#[coalesce]` needs the body of `{name}`: put it on the method in the \
                 `impl` block, not on the trait declaration"
            ),
        );
    }

    let receiver = sig.receiver().is_some();
    let mut arguments = Vec::new();
    for input in &sig.inputs {
        if let FnArg::Typed(typed) = input {
            bindings(&typed.pat, &mut arguments);
        }
    }

    let key = match options.key {
        Some((expr, span)) => {
            check_key_names(&expr, name, &arguments, receiver, &mut errors);
            split_key(expr, span)
        }
        None => Key {
            elements: arguments
                .iter()
                .map(|ident| Expr::Verbatim(ident.to_token_stream()))
                .collect(),
            tuple: arguments.len() != 1,
            span: SpanRange::single(sig.paren_token.span.join()),
        },
    };

    let group = match options.group {
        Some(path) => GroupSource::User(path),
        None => tag(function, &mut errors),
    };

    let fake_return = fake_return(&sig.output);
    let output_span = match &sig.output {
        ReturnType::Default => SpanRange::single(name.span()),
        ReturnType::Type(_, ty) => SpanRange::of(ty),
    };
    let body = match (&function.body, errors.0) {
        (_, Some(error)) => return Err(error),
        (Some(body), None) => body,
        (None, None) => unreachable!("a missing body is reported above"),
    };
    Ok(Plan {
        krate: options
            .krate
            .unwrap_or_else(|| syn::parse_quote!(::coalesce)),
        key,
        group,
        fake_return,
        output_span,
        body,
    })
}

/// The names a pattern binds, in order: the default key uses them all.
fn bindings(pat: &Pat, out: &mut Vec<Ident>) {
    struct Bindings<'a>(&'a mut Vec<Ident>);
    impl<'ast> Visit<'ast> for Bindings<'_> {
        fn visit_pat_ident(&mut self, pat: &'ast syn::PatIdent) {
            self.0.push(pat.ident.clone());
            visit::visit_pat_ident(self, pat);
        }
        // Paths in patterns (`Point { x, .. }`) name types, not bindings.
        fn visit_path(&mut self, _: &'ast Path) {}
        fn visit_type(&mut self, _: &'ast Type) {}
    }
    Bindings(out).visit_pat(pat);
}

/// Rejects a key that names something other than an argument or `self`.
///
/// Only lowercase single-segment paths are checked: constants (`MAX`),
/// functions called by name and everything inside closures and macros are
/// left to the compiler.
fn check_key_names(
    expr: &Expr,
    function: &Ident,
    arguments: &[Ident],
    receiver: bool,
    errors: &mut Errors,
) {
    struct Names<'a> {
        function: &'a Ident,
        arguments: &'a [Ident],
        receiver: bool,
        errors: &'a mut Errors,
    }
    impl<'ast> Visit<'ast> for Names<'_> {
        fn visit_expr_path(&mut self, path: &'ast syn::ExprPath) {
            let Some(ident) = path.path.get_ident() else {
                return;
            };
            if path.qself.is_some() {
                return;
            }
            let text = ident.to_string();
            if text == "self" {
                if !self.receiver {
                    self.errors.push(
                        ident.span(),
                        format!(
                            "the key uses `self`, but `{}` has no `self` argument",
                            self.function
                        ),
                    );
                }
                return;
            }
            let lowercase = text.starts_with(|c: char| c.is_lowercase() || c == '_');
            if lowercase && !self.arguments.contains(ident) {
                let valid = self
                    .arguments
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .chain(self.receiver.then(|| "`self`".to_owned()))
                    .collect::<Vec<_>>();
                let valid = if valid.is_empty() {
                    "it has none".to_owned()
                } else {
                    valid.join(", ")
                };
                self.errors.push(
                    ident.span(),
                    format!(
                        "the key uses `{ident}`, which is not an argument of `{}`; \
                         a key is an expression over the arguments: {valid}",
                        self.function
                    ),
                );
            }
        }
        fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
            // `normalize(name)`: the callee is a function, not an argument.
            if !matches!(&*call.func, Expr::Path(_)) {
                self.visit_expr(&call.func);
            }
            for arg in &call.args {
                self.visit_expr(arg);
            }
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_block(&mut self, _: &'ast syn::ExprBlock) {}
    }
    Names {
        function,
        arguments,
        receiver,
        errors,
    }
    .visit_expr(expr);
}

/// `(a, b)` is converted element by element; anything else as one value.
fn split_key(expr: Expr, span: SpanRange) -> Key {
    match expr {
        Expr::Tuple(tuple) => Key {
            elements: tuple.elems.into_iter().collect(),
            tuple: true,
            span,
        },
        Expr::Paren(paren) => split_key(*paren.expr, span),
        expr => Key {
            elements: vec![expr],
            tuple: false,
            span,
        },
    }
}

/// What tells the instantiations of a generic function apart: its type
/// parameters, `Self` when it has a receiver (the impl's parameters are not
/// visible here), and the types of `impl Trait` arguments, which have no name
/// and are captured from the argument's value.
fn tag(function: &Function, errors: &mut Errors) -> GroupSource {
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
    bounds: &syn::punctuated::Punctuated<TypeParamBound, syn::Token![+]>,
    where_clause: Option<&syn::WhereClause>,
) -> bool {
    let has_static = |bounds: &syn::punctuated::Punctuated<TypeParamBound, _>| {
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

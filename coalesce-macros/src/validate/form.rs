//! What an `async fn` becomes. As `fn .. -> impl Future<Output = R>`, it
//! returns the group's future itself, and the caller holds exactly what a
//! direct `Group::run` call would; an `async fn` would also hold the
//! arguments, and its own state, around that future. It stays an `async fn`
//! where a plain `fn` would change what the user wrote:
//!
//! - `#[must_use]`: the compiler checks the awaited output only for an
//!   `async fn`;
//! - an attribute that may be a macro, which expands after this one and may
//!   expect an `async fn` (`#[tracing::instrument]` does): only attributes
//!   known to be inert are let through;
//! - an argument bound by `ref` (a plain `fn` cannot return a future that
//!   borrows its own argument), or an owned one with a part left unbound
//!   (`_`, `..`), which a plain `fn` drops when it returns rather than when
//!   the call ends;
//! - an output that borrows (`&str`), which cannot be shared anyway: the
//!   compiler then says so at the value the body returns, where a plain
//!   `fn` gets a confusing error about its `impl Future`.

use proc_macro2::Ident;
use syn::visit::{self, Visit};
use syn::{Attribute, FnArg, Pat, ReturnType, Signature, Type};

use super::detached::borrows;
use crate::item::Function;
use crate::plan::AsyncForm;

/// Attributes that are not macros and mean the same on either form.
const INERT: &[&str] = &[
    "doc",
    "allow",
    "warn",
    "deny",
    "forbid",
    "expect",
    "deprecated",
    "inline",
    "cold",
];

/// What `function`, an `async fn`, becomes.
pub(crate) fn async_form(function: &Function) -> AsyncForm {
    let sig = &function.sig;
    let borrowed_output = matches!(&sig.output, ReturnType::Type(_, ty) if borrows(ty));
    if borrowed_output || !function.attrs.iter().all(is_inert) {
        return AsyncForm::AsyncFn;
    }
    match captures(sig) {
        Some(captures) => AsyncForm::Future { captures },
        None => AsyncForm::AsyncFn,
    }
}

/// A known inert attribute, or a tool's (`clippy::..`, `rustfmt::..`).
fn is_inert(attribute: &Attribute) -> bool {
    let path = attribute.path();
    match path.get_ident() {
        Some(ident) => INERT.iter().any(|inert| ident == inert),
        None => path
            .segments
            .first()
            .is_some_and(|tool| tool.ident == "clippy" || tool.ident == "rustfmt"),
    }
}

/// The names the body block takes: every binding of an owned argument and
/// an owned `self`. References are left out, since dropping one does
/// nothing. `None` when an argument keeps the function an `async fn`.
fn captures(sig: &Signature) -> Option<Vec<Ident>> {
    let mut captures = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) => {
                if !matches!(*receiver.ty, Type::Reference(_)) {
                    captures.push(Ident::new("self", receiver.self_token.span));
                }
            }
            FnArg::Typed(typed) => {
                let mut pattern = Pattern {
                    names: Vec::new(),
                    by_ref: false,
                    unbound: false,
                };
                pattern.visit_pat(&typed.pat);
                let owned = !matches!(*typed.ty, Type::Reference(_));
                if pattern.by_ref || (owned && pattern.unbound) {
                    return None;
                }
                if owned {
                    captures.extend(pattern.names);
                }
            }
        }
    }
    Some(captures)
}

/// What an argument's pattern binds, and how.
struct Pattern {
    names: Vec<Ident>,
    by_ref: bool,
    /// A `_` or `..` somewhere: a part that nothing binds.
    unbound: bool,
}

impl<'ast> Visit<'ast> for Pattern {
    fn visit_pat(&mut self, pat: &'ast Pat) {
        match pat {
            Pat::Wild(_) | Pat::Rest(_) => self.unbound = true,
            Pat::Struct(pat) if pat.rest.is_some() => self.unbound = true,
            _ => {}
        }
        visit::visit_pat(self, pat);
    }

    fn visit_pat_ident(&mut self, pat: &'ast syn::PatIdent) {
        self.by_ref |= pat.by_ref.is_some();
        self.names.push(pat.ident.clone());
        visit::visit_pat_ident(self, pat);
    }

    // Paths in patterns (`Point { x, .. }`) name types, not bindings.
    fn visit_path(&mut self, _: &'ast syn::Path) {}
    fn visit_type(&mut self, _: &'ast Type) {}
}

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;
    use quote::quote;

    use super::async_form;
    use crate::item::Function;
    use crate::plan::AsyncForm;

    /// The names the body block takes, or `None` for an `async fn` kept.
    fn captures(item: TokenStream) -> Option<Vec<String>> {
        let function: Function = syn::parse2(item).unwrap();
        match async_form(&function) {
            AsyncForm::Future { captures } => {
                Some(captures.iter().map(ToString::to_string).collect())
            }
            AsyncForm::AsyncFn => None,
        }
    }

    #[test]
    fn owned_arguments_are_taken_and_references_left() {
        let item = quote! {
            /// Docs.
            #[inline]
            #[allow(clippy::pedantic)]
            async fn f(self: Arc<Self>, a: &str, (b, c): (u64, Guard), mut d: String, _: &[u8]) {}
        };
        assert_eq!(captures(item).unwrap(), ["self", "b", "c", "d"]);
        let item = quote!(
            async fn f(&self, id: u64) -> u64 {
                id
            }
        );
        assert_eq!(captures(item).unwrap(), ["id"]);
    }

    #[test]
    fn an_async_fn_is_kept_where_a_plain_fn_would_change_it() {
        let kept = [
            quote!(
                #[must_use]
                async fn f(id: u64) -> u64 {
                    id
                }
            ),
            quote!(
                #[tracing::instrument(err)]
                async fn f(id: u64) -> u64 {
                    id
                }
            ),
            quote!(
                async fn f(ref id: u64) -> u64 {
                    *id
                }
            ),
            quote!(
                async fn f(id: u64, _: Guard) -> u64 {
                    id
                }
            ),
            quote!(
                async fn f(Point { x, .. }: Point) -> u64 {
                    x
                }
            ),
            quote!(
                async fn f(&self) -> &str {
                    &self.name
                }
            ),
        ];
        for item in kept {
            assert_eq!(captures(item.clone()), None, "{item}");
        }
    }
}

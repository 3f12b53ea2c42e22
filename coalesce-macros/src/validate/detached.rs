//! `detached`: the body outlives the call that started it, so it must own
//! its inputs. A borrowed argument is reported by name, with
//! the ways out.

use quote::ToTokens;
use syn::visit::{self, Visit};
use syn::{FnArg, Signature, Type};

use crate::errors::Errors;

/// Reports every argument whose type borrows (`&T`, `&self`, a lifetime).
pub(crate) fn check_owned_inputs(sig: &Signature, errors: &mut Errors) {
    for input in &sig.inputs {
        let (name, ty, fix) = match input {
            FnArg::Receiver(receiver) => (
                "self".to_owned(),
                &*receiver.ty,
                "take `self: Arc<Self>` (or `self` by value)",
            ),
            FnArg::Typed(typed) => (
                typed.pat.to_token_stream().to_string(),
                &*typed.ty,
                "take an owned type (`String` for `&str`, `Vec<T>` for `&[T]`, `T` or `Arc<T>` for `&T`)",
            ),
        };
        if borrows(ty) {
            // `& str` as tokens print it; `&str` as people write it.
            let ty = ty.to_token_stream().to_string().replace("& ", "&");
            errors.push_spanned(
                input,
                format!(
                    "`detached` keeps the body running after its caller is gone, so it must \
                     own its inputs, but `{name}` borrows (`{ty}`): {fix}, or remove `detached` \
                     (a dropped caller then hands off to a waiting one, which runs its own body)"
                ),
            );
        }
    }
}

/// Whether `ty` holds a reference or a lifetime other than `'static`.
pub(super) fn borrows(ty: &Type) -> bool {
    struct FindBorrow(bool);
    impl<'ast> Visit<'ast> for FindBorrow {
        fn visit_type_reference(&mut self, reference: &'ast syn::TypeReference) {
            let is_static = reference
                .lifetime
                .as_ref()
                .is_some_and(|lifetime| lifetime.ident == "static");
            if !is_static {
                self.0 = true;
            }
            visit::visit_type_reference(self, reference);
        }

        fn visit_lifetime(&mut self, lifetime: &'ast syn::Lifetime) {
            if lifetime.ident != "static" {
                self.0 = true;
            }
        }
    }
    let mut finder = FindBorrow(false);
    finder.visit_type(ty);
    finder.0
}

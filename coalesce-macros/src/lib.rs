//! The `#[coalesce]` attribute. Use it through the `coalesce` crate, whose
//! documentation is canonical; this crate only parses and generates code.

#![forbid(unsafe_code)]

mod attr;
mod expand;
mod item;
mod span;
mod validate;

#[cfg(test)]
mod snapshot_tests;

use proc_macro::TokenStream;

/// Coalesces concurrent calls of an `async fn` with equal keys into one
/// execution. See the `coalesce` crate for the documentation.
#[proc_macro_attribute]
pub fn coalesce(args: TokenStream, item: TokenStream) -> TokenStream {
    coalesce_impl(args.into(), item.into()).into()
}

/// parse → validate → expand; on any error, the original item plus the errors.
fn coalesce_impl(
    args: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    let function = match syn::parse2::<item::Function>(item.clone()) {
        Ok(function) => function,
        Err(error) => {
            let error = syn::Error::new(error.span(), "`#[coalesce]` goes on an `async fn`");
            return fallback(item, error);
        }
    };
    let plan = syn::parse2::<attr::Options>(args)
        .and_then(|options| validate::validate(options, &function));
    match plan {
        Ok(plan) => expand::expand(&function, &plan),
        Err(error) => fallback(item, error),
    }
}

/// The function as written, so its callers still compile, plus the errors.
fn fallback(item: proc_macro2::TokenStream, error: syn::Error) -> proc_macro2::TokenStream {
    let mut tokens = item;
    tokens.extend(error.to_compile_error());
    tokens
}

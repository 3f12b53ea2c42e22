//! Errors collected across every check, so the user sees all of them at once.

use proc_macro2::Span;

/// Collects every error instead of stopping at the first one.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, span: Span, message: impl std::fmt::Display) {
        self.add(syn::Error::new(span, message));
    }

    /// An error underlining all of `tokens`, not only their first token.
    pub(crate) fn push_spanned(
        &mut self,
        tokens: impl quote::ToTokens,
        message: impl std::fmt::Display,
    ) {
        self.add(syn::Error::new_spanned(tokens, message));
    }

    /// Adds an error built elsewhere.
    pub(crate) fn add(&mut self, error: syn::Error) {
        self.0 = Some(match self.0.take() {
            Some(mut first) => {
                first.combine(error);
                first
            }
            None => error,
        });
    }

    /// Every error pushed, combined, or `None` when there was none.
    pub(crate) fn into_error(self) -> Option<syn::Error> {
        self.0
    }
}

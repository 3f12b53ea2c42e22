//! A span from one token to another. `Span::join` is nightly-only, but the
//! compiler joins a generated expression's first and last token spans itself,
//! so an error can underline a whole return type or key on stable.

use proc_macro2::Span;
use quote::ToTokens;

#[derive(Clone, Copy)]
pub(crate) struct SpanRange {
    pub first: Span,
    pub last: Span,
}

impl SpanRange {
    pub(crate) fn single(span: Span) -> Self {
        SpanRange {
            first: span,
            last: span,
        }
    }

    /// From the first to the last token of `tokens`.
    pub(crate) fn of(tokens: &impl ToTokens) -> Self {
        let mut spans = tokens
            .to_token_stream()
            .into_iter()
            .map(|token| token.span());
        let first = spans.next().unwrap_or_else(Span::call_site);
        let last = spans.last().unwrap_or(first);
        SpanRange { first, last }
    }
}

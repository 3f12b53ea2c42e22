//! Where errors land. [`SpanRange`] runs from one token to another:
//! `Span::join` is nightly-only, but the compiler joins a generated
//! expression's first and last token spans itself, so an error can underline
//! a whole return type or key on stable. The functions move generated tokens
//! onto the user's code.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
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

/// `tokens` with the first token spanned at `span.first`, so the compiler
/// points at the user's key when it reports on the whole expression.
pub(crate) fn respan_first(tokens: TokenStream, span: SpanRange) -> TokenStream {
    let mut tokens = tokens.into_iter();
    let mut out = TokenStream::new();
    if let Some(mut first) = tokens.next() {
        // Keep the token's hygiene (a mixed-site local), move only its location.
        first.set_span(first.span().located_at(span.first));
        out.extend([first]);
    }
    out.extend(tokens);
    out
}

/// `tokens`, all shown at `span` but keeping their own hygiene, so an error
/// about the whole expression points where the user can fix it.
pub(crate) fn located_at(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut inner = Group::new(group.delimiter(), located_at(group.stream(), span));
                inner.set_span(group.span().located_at(span));
                token = TokenTree::Group(inner);
            } else {
                token.set_span(token.span().located_at(span));
            }
            token
        })
        .collect()
}

/// `tokens` with every span replaced by `span`, hygiene included: only for
/// absolute paths, which resolve the same from anywhere.
pub(crate) fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            token.set_span(span);
            token
        })
        .collect()
}

/// `( tokens )` with the parentheses at `span`.
pub(crate) fn with_parens_at(tokens: TokenStream, span: Span) -> TokenStream {
    let mut group = Group::new(proc_macro2::Delimiter::Parenthesis, tokens);
    group.set_span(span);
    TokenTree::Group(group).into()
}

/// `tokens` where they are, resolved as the macro's call site's tokens.
pub(crate) fn resolved_at_call_site(tokens: TokenStream) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut inner =
                    Group::new(group.delimiter(), resolved_at_call_site(group.stream()));
                inner.set_span(group.span().resolved_at(Span::call_site()));
                token = TokenTree::Group(inner);
            } else {
                token.set_span(token.span().resolved_at(Span::call_site()));
            }
            token
        })
        .collect()
}

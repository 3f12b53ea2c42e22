//! Parses the annotated item as `attrs vis sig { body }`, keeping the body as
//! tokens: it is moved into an `async` block, never inspected.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::token::Brace;
use syn::{braced, Attribute, Signature, Token, Visibility};

/// A function as written; `body` is `None` for `fn f();` (a trait declaration).
pub(crate) struct Function {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub sig: Signature,
    pub body: Option<Body>,
}

/// The body's inner attributes (`#![allow(...)]`, kept on the function
/// body), its tokens and its braces, whose span the new body reuses.
pub(crate) struct Body {
    pub inner_attrs: Vec<Attribute>,
    pub brace: Brace,
    pub tokens: TokenStream,
}

impl Parse for Function {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let sig = input.parse()?;
        let body = if input.peek(Token![;]) {
            input.parse::<Token![;]>()?;
            None
        } else {
            let content;
            let brace = braced!(content in input);
            Some(Body {
                inner_attrs: content.call(Attribute::parse_inner)?,
                brace,
                tokens: content.parse()?,
            })
        };
        Ok(Function {
            attrs,
            vis,
            sig,
            body,
        })
    }
}

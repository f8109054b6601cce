//! Rendering: Rust tokens → formatted text, a piece at a time.
//!
//! A generated file is a sequence of pieces (an item, or a few items that belong together, such
//! as a type and its impls). Quoting a whole 15 MB file into one token stream and one syntax tree
//! held over a gigabyte for GitHub's description; a piece at a time, memory stays at the size of
//! the output, and the pieces of a big file are shared out among threads. The text does not
//! depend on how the pieces were grouped: prettyplease starts every top-level item on a fresh
//! line at column 0, so rendering items one by one gives the same bytes as rendering the file.

use std::ops::Range;

use proc_macro2::TokenStream;
use syn::parse::{ParseStream, Parser};

use crate::diagnostic::Diagnostic;

/// How many pieces one rendering task takes: enough that a task's cost dwarfs handing it out,
/// few enough that a big file's tasks spread over every core.
pub const PIECES_PER_TASK: usize = 64;

/// Tokens of some pieces of a file, and how they print.
///
/// A block item with a member per operation (`impl Client { … }`, `pub trait Api { … }`) is too
/// big to be one piece, so its members are pieces of their own: each is printed inside a copy of
/// the block's opening line and cut out of it, which gives the bytes prettyplease prints for
/// the whole block, as a member's layout does not depend on its neighbours.
pub enum Segment {
    /// Whole items.
    Items(TokenStream),
    /// Items of which the last is a block left open: its closing line is not printed.
    Open(TokenStream),
    /// Members of the block `opener { … }`, printed as they are inside it. `opener` has no
    /// attributes and prints on one line.
    Members {
        opener: TokenStream,
        members: TokenStream,
    },
    /// The closing brace of the block that [`Segment::Open`] left open.
    Close,
}

/// The pieces in `range` of a file laid out as a head (piece 0: items that end with a block
/// left open), one piece per element of `members` (members of that block), the block's closing
/// brace, then one piece per element of `trailing` (whole items).
pub fn block_with_members<M, T>(
    range: Range<usize>,
    head: impl FnOnce() -> TokenStream,
    opener: impl Fn() -> TokenStream,
    members: (usize, impl Iterator<Item = M>, impl FnMut(M) -> TokenStream),
    trailing: (impl Iterator<Item = T>, impl FnMut(T) -> TokenStream),
) -> Vec<Segment> {
    let (count, members, mut member) = members;
    let (trailing, mut item) = trailing;
    let mut segments = Vec::new();
    if range.start == 0 {
        segments.push(Segment::Open(head()));
    }
    let in_block = range.start.max(1)..range.end.min(1 + count);
    if !in_block.is_empty() {
        let members: TokenStream = members
            .skip(in_block.start - 1)
            .take(in_block.len())
            .map(&mut member)
            .collect();
        segments.push(Segment::Members {
            opener: opener(),
            members,
        });
    }
    if range.contains(&(1 + count)) {
        segments.push(Segment::Close);
    }
    let after = range.start.max(2 + count)..range.end.max(2 + count);
    if !after.is_empty() {
        segments.push(Segment::Items(
            trailing
                .skip(after.start - 2 - count)
                .take(after.len())
                .map(&mut item)
                .collect(),
        ));
    }
    segments
}

/// Formats `segments` (see [`Segment`]).
pub fn render_segments(segments: Vec<Segment>, name: &str) -> Result<String, Diagnostic> {
    let mut text = String::new();
    for segment in segments {
        match segment {
            Segment::Items(tokens) => text.push_str(&render(tokens, name)?),
            Segment::Open(tokens) => {
                let whole = render(tokens, name)?;
                let open = whole
                    .strip_suffix("}\n")
                    .ok_or_else(|| unexpected_layout(name, "a block that does not end with `}`"))?;
                text.push_str(open);
            }
            Segment::Members { opener, members } => {
                let whole = render(quote::quote!(#opener { #members }), name)?;
                let inside = whole
                    .split_once(" {\n")
                    .filter(|(first, _)| !first.contains('\n'))
                    .and_then(|(_, rest)| rest.strip_suffix("}\n"))
                    .ok_or_else(|| {
                        unexpected_layout(name, "a block whose opening is not one line")
                    })?;
                text.push_str(inside);
            }
            Segment::Close => text.push_str("}\n"),
        }
    }
    Ok(text)
}

fn unexpected_layout(name: &str, what: &str) -> Diagnostic {
    Diagnostic::new(
        "#",
        format!("internal error: {what} in the generated {name}; please report this spec"),
    )
}

/// The pieces of a file in `range`, when piece 0 is `head` (the imports and whatever the rest
/// shares) and piece `i` ≥ 1 is what `item` makes of the `i - 1`th element of `elements`.
/// Elements outside the range are skipped without being quoted.
pub fn head_and_items<T>(
    range: Range<usize>,
    head: impl FnOnce() -> TokenStream,
    elements: impl Iterator<Item = T>,
    item: impl FnMut(T) -> TokenStream,
) -> TokenStream {
    let mut tokens = if range.start == 0 {
        head()
    } else {
        TokenStream::new()
    };
    let first = range.start.saturating_sub(1);
    let last = range.end.saturating_sub(1);
    tokens.extend(
        elements
            .skip(first)
            .take(last.saturating_sub(first))
            .map(item),
    );
    tokens
}

/// The elements of `elements` in `range` (pieces numbered from 0), quoted by `item`.
pub fn items<T>(
    range: Range<usize>,
    elements: impl Iterator<Item = T>,
    item: impl FnMut(T) -> TokenStream,
) -> TokenStream {
    elements
        .skip(range.start)
        .take(range.len())
        .map(item)
        .collect()
}

/// Formats `tokens` (inner attributes, then items) as prettyplease does a file, parsing and
/// printing one item at a time so only one item's syntax tree exists at once.
pub fn render(tokens: TokenStream, name: &str) -> Result<String, Diagnostic> {
    let mut text = String::new();
    let parser = |input: ParseStream| {
        let attrs = input.call(syn::Attribute::parse_inner)?;
        if !attrs.is_empty() {
            text.push_str(&unparse(attrs, Vec::new()));
        }
        while !input.is_empty() {
            let item: syn::Item = input.parse()?;
            text.push_str(&unparse(Vec::new(), vec![item]));
        }
        Ok(())
    };
    parser.parse2(tokens).map_err(|e| {
        Diagnostic::new(
            "#",
            format!(
                "internal error: the generated {name} does not parse ({e}); please report this spec"
            ),
        )
    })?;
    Ok(text)
}

fn unparse(attrs: Vec<syn::Attribute>, items: Vec<syn::Item>) -> String {
    prettyplease::unparse(&syn::File {
        shebang: None,
        frontmatter: None,
        attrs,
        items,
    })
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    fn whole(tokens: TokenStream) -> String {
        prettyplease::unparse(&syn::parse2::<syn::File>(tokens).unwrap())
    }

    #[test]
    fn item_by_item_gives_the_bytes_of_the_whole_file() {
        let tokens = quote! {
            //! A module.
            #![allow(non_snake_case)]
            use ::std::fmt;
            /// A type.
            #[derive(Debug)]
            pub struct A { pub x: u8 }
            impl A { pub fn new() -> Self { A { x: 0 } } }
            pub enum B { One, Two(u8) }
            static C: u8 = 1;
        };
        assert_eq!(render(tokens.clone(), "f.rs").unwrap(), whole(tokens));
    }

    #[test]
    fn a_block_rendered_member_by_member_gives_the_bytes_of_the_whole_block() {
        let methods = ["alpha", "beta", "gamma"];
        let method = |name: &&str| {
            let name = quote::format_ident!("{name}");
            quote! {
                /// A method with a body long enough that prettyplease breaks its lines somewhere.
                pub async fn #name(&self, first_argument: ::std::string::String, second: u64) -> ::std::result::Result<u64, ::std::io::Error> {
                    let answer = self.connection.request(first_argument).send(second).await?;
                    Ok(answer)
                }
            }
        };
        let outcome = |name: &&str| {
            let name = quote::format_ident!("Outcome{name}");
            quote!(pub struct #name;)
        };
        let head = || {
            quote! {
                use ::std::fmt;
                /// The client.
                pub struct Client { connection: u8 }
                impl Client {
                    pub fn new() -> Self { Client { connection: 0 } }
                }
            }
        };
        let all: Vec<TokenStream> = methods.iter().map(method).collect();
        let outcomes: Vec<TokenStream> = methods.iter().map(outcome).collect();
        let expected = whole(quote! {
            use ::std::fmt;
            /// The client.
            pub struct Client { connection: u8 }
            impl Client {
                pub fn new() -> Self { Client { connection: 0 } }
                #(#all)*
            }
            #(#outcomes)*
        });
        let count = 2 + 2 * methods.len();
        // Every way of cutting the pieces into tasks gives the same text.
        for chunk in 1..=count {
            let mut text = String::new();
            let mut start = 0;
            while start < count {
                let end = count.min(start + chunk);
                let segments = block_with_members(
                    start..end,
                    head,
                    || quote!(impl Client),
                    (methods.len(), methods.iter(), method),
                    (methods.iter(), outcome),
                );
                text.push_str(&render_segments(segments, "src/client.rs").unwrap());
                start = end;
            }
            assert_eq!(text, expected, "tasks of {chunk} pieces");
        }
    }

    #[test]
    fn an_opener_that_does_not_fit_on_one_line_is_an_internal_error() {
        let long = quote::format_ident!("{}", "A".repeat(120));
        let segments = vec![Segment::Members {
            opener: quote!(impl ::std::fmt::Debug for #long where #long: ::std::clone::Clone + ::std::fmt::Display),
            members: quote!(
                fn f() {}
            ),
        }];
        let err = render_segments(segments, "src/api.rs").unwrap_err();
        assert!(err.to_string().contains("src/api.rs"), "{err}");
    }

    #[test]
    fn a_file_without_inner_attributes_or_items_is_empty() {
        assert_eq!(render(TokenStream::new(), "f.rs").unwrap(), "");
        assert_eq!(render(TokenStream::new(), "f.rs").unwrap(), whole(quote!()));
    }

    #[test]
    fn tokens_that_are_not_items_are_an_internal_error_naming_the_file() {
        let err = render(quote!(let x = 1;), "src/types.rs").unwrap_err();
        assert!(err.to_string().contains("src/types.rs"), "{err}");
    }

    #[test]
    fn ranges_pick_the_head_and_the_elements_in_them() {
        let names = ["a", "b", "c"];
        let pieces = |range: Range<usize>| {
            head_and_items(
                range,
                || quote!(head),
                names.iter(),
                |n| {
                    let n = quote::format_ident!("{n}");
                    quote!(#n)
                },
            )
            .to_string()
        };
        assert_eq!(pieces(0..4), "head a b c");
        assert_eq!(pieces(0..1), "head");
        assert_eq!(pieces(1..3), "a b");
        assert_eq!(pieces(3..4), "c");
        assert_eq!(pieces(4..4), "");
        let picked = items(1..3, names.iter(), |n| {
            let n = quote::format_ident!("{n}");
            quote!(#n)
        });
        assert_eq!(picked.to_string(), "b c");
    }
}

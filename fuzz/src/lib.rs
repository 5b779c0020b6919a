//! What the fuzz targets share: a fixed authority (root key, two certified
//! stations, a trust list and a hotlist), a signer for fuzzed payloads so the
//! parsers behind a signature check are reached, and a card whose answers come
//! from the fuzz input.
//!
//! Every key here is derived from a constant, so the seed corpora (signed with
//! them by `make_seeds`) stay valid from one build to the next. They are test
//! keys: nothing outside these targets trusts them.

pub mod authority;
pub mod card;

/// Reads the fuzz input front to back; past its end every read is zero or empty.
#[derive(Debug)]
pub struct Input<'a> {
    rest: &'a [u8],
}

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { rest: data }
    }

    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    pub fn byte(&mut self) -> Option<u8> {
        let (&first, rest) = self.rest.split_first()?;
        self.rest = rest;
        Some(first)
    }

    /// Up to `len` bytes, fewer at the end of the input.
    pub fn bytes(&mut self, len: usize) -> &'a [u8] {
        let (taken, rest) = self.rest.split_at(len.min(self.rest.len()));
        self.rest = rest;
        taken
    }

    /// A length byte, then that many bytes.
    pub fn chunk(&mut self) -> Option<&'a [u8]> {
        let len = self.byte()?;
        Some(self.bytes(usize::from(len)))
    }

    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.rest)
    }
}

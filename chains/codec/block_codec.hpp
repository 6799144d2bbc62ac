// Canonical msgpack encoding of block headers and blocks (layout in docs/formats.md).
#pragma once

#include "chains/codec/canonical.hpp"
#include "chains/primitives/block.hpp"

namespace bfd::codec {

void encode(const block_header& header, bytes& out);
/// The header without its signature: the preimage of the header hash.
void encode_unsigned(const block_header& header, bytes& out);
void encode(const block& b, bytes& out);
bytes encode(const block_header& header);
bytes encode(const block& b);

result<block_header> read_block_header(const msgpack::object& obj);

/// Decodes exactly one canonical header; never throws.
result<block_header> decode_block_header(byte_view in);
/// Decodes exactly one canonical block; never throws.
result<block> decode_block(byte_view in);

} // namespace bfd::codec

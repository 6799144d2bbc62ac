// Canonical msgpack encoding of transactions (layout in docs/formats.md).
#pragma once

#include "chains/codec/canonical.hpp"
#include "chains/primitives/transaction.hpp"

namespace bfd::codec {

/// Appends the full encoding (with signature).
void encode(const transaction& tx, bytes& out);
/// Appends the encoding without the signature: the signing preimage.
void encode_unsigned(const transaction& tx, bytes& out);
/// The full encoding as a new buffer.
bytes encode(const transaction& tx);

/// Reads a transaction from an already parsed msgpack value (no canonicality check).
result<transaction> read_transaction(const msgpack::object& obj);

/// Decodes exactly one canonical transaction; never throws.
result<transaction> decode_transaction(byte_view in);

} // namespace bfd::codec

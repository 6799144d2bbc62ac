// The three handshake messages and their canonical binary encodings: a version byte, then fixed
// fields; a decoder checks the length before reading anything and refuses trailing bytes.
#pragma once

#include "chains/core/error.hpp"
#include "chains/ush/curve.hpp"

namespace bfd::ush {

/// The version byte that opens every encoding of the membership proofs.
inline constexpr byte encoding_version = 1;

/// Message 1, payer (initiator) to payee (responder): its one-time credential's public part,
/// an ephemeral point and a nonce.
struct hello {
  hash256 pseudonym;
  point w;          ///< the credential's W
  point ephemeral;  ///< E_I = aG
  hash256 nonce;
  friend bool operator==(const hello&, const hello&) = default;
};

/// Message 2, payee to payer: the same fields for the payee, and its key-confirmation code.
struct reply {
  hash256 pseudonym;
  point w;
  point ephemeral;  ///< E_R = bG
  hash256 nonce;
  hash256 confirm;  ///< the responder's confirmation code (random when the payee failed)
  friend bool operator==(const reply&, const reply&) = default;
};

/// Message 3, payer to payee: the payer's key-confirmation code (random when the payer failed).
struct finish {
  hash256 confirm;
  friend bool operator==(const finish&, const finish&) = default;
};

/// Encoded sizes: 131, 163 and 33 bytes.
inline constexpr std::size_t hello_size = 1 + 32 + 33 + 33 + 32;
inline constexpr std::size_t reply_size = hello_size + 32;
inline constexpr std::size_t finish_size = 1 + 32;

bytes encode(const hello& m);
bytes encode(const reply& m);
bytes encode(const finish& m);

/// Decoders: errc::malformed (empty, short, or a field that is not a point), unsupported_version,
/// trailing_bytes; nothing else.
result<hello> decode_hello(byte_view in);
result<reply> decode_reply(byte_view in);
result<finish> decode_finish(byte_view in);

/// The reason a fixed-size encoding of `size` bytes named `what` does not decode from `in`,
/// judged on its version byte and length only.
error layout_error(byte_view in, std::size_t size, std::string_view what);

/// Whether `in` has the version byte and exactly `size` bytes.
inline bool has_layout(byte_view in, std::size_t size) {
  return in.size() == size && in[0] == encoding_version;
}

} // namespace bfd::ush

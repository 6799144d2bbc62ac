// OS randomness (OpenSSL's CSPRNG) for key generation and signing nonces' auxiliary data.
#pragma once

#include "chains/core/bytes.hpp"
#include "chains/crypto/keys.hpp"

namespace bfd::runtime {

/// 32 bytes from the OS CSPRNG; throws std::runtime_error if it is unavailable.
hash256 random_bytes32();

/// A fresh key pair from the OS CSPRNG.
key_pair generate_key_pair();

} // namespace bfd::runtime

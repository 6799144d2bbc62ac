// OS randomness (OpenSSL's CSPRNG) for key generation and signing nonces' auxiliary data.
#pragma once

#include "chains/core/bytes.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/ush/curve.hpp"

namespace bfd::runtime {

/// 32 bytes from the OS CSPRNG; throws std::runtime_error if it is unavailable.
hash256 random_bytes32();

/// A fresh key pair from the OS CSPRNG.
key_pair generate_key_pair();

/// The membership proofs' random source in the CLI and the node: 32 bytes per draw straight from
/// the kernel (getrandom(2), blocking only until the pool is first seeded); throws
/// std::runtime_error if the call fails. Tests use ush::seeded_random instead.
class os_random final : public ush::random_source {
public:
  hash256 next() override;
};

} // namespace bfd::runtime

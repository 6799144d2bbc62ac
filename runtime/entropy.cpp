#include "runtime/entropy.hpp"

#include <stdexcept>

#include <openssl/rand.h>

namespace bfd::runtime {

hash256 random_bytes32() {
  hash256 out;
  if (RAND_bytes(out.data.data(), static_cast<int>(out.size())) != 1)
    throw std::runtime_error("the OS random number generator is unavailable");
  return out;
}

key_pair generate_key_pair() {
  for (;;) {
    secret_key secret;
    secret.data = random_bytes32().data;
    // A random 32-byte value is a valid secret with probability 1 - 2^-128.
    if (auto keys = key_pair_from_secret(secret))
      return *keys;
  }
}

} // namespace bfd::runtime

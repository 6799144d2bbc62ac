#include "runtime/entropy.hpp"

#include <stdexcept>

#include <cerrno>

#include <openssl/rand.h>
#include <sys/random.h>

namespace bfd::runtime {

hash256 random_bytes32() {
  hash256 out;
  if (RAND_bytes(out.data.data(), static_cast<int>(out.size())) != 1)
    throw std::runtime_error("the OS random number generator is unavailable");
  return out;
}

hash256 os_random::next() {
  hash256 out;
  std::size_t got = 0;
  while (got < out.size()) {
    const auto n = ::getrandom(out.data.data() + got, out.size() - got, 0);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      throw std::runtime_error("getrandom failed: the OS random number generator is unavailable");
    }
    got += static_cast<std::size_t>(n);
  }
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

#include "chains/consensus/hash_chain.hpp"

#include <optional>

#include "chains/crypto/hash.hpp"

namespace bfd {

hash256 hash_chain_step(const hash256& x) {
  return tagged_hash(hash_tag::reveal, x.view());
}

hash_chain::hash_chain(const hash256& seed, std::uint64_t length, std::uint64_t checkpoint_every)
  : length_(length), every_(checkpoint_every == 0 ? 1 : checkpoint_every) {
  hash256 x = seed;
  for (std::uint64_t i = 0; i <= length_; ++i) {
    if (i % every_ == 0)
      checkpoints_.push_back(x);
    if (i == length_)
      tip_ = x;
    else
      x = hash_chain_step(x);
  }
}

hash256 hash_chain::element(std::uint64_t i) const {
  hash256 x = checkpoints_[i / every_];
  for (std::uint64_t k = (i / every_) * every_; k < i; ++k)
    x = hash_chain_step(x);
  return x;
}

std::optional<hash256> hash_chain::reveal(std::uint64_t k) const {
  if (k > length_)
    return std::nullopt;
  return element(length_ - k);
}

} // namespace bfd

#include "chains/cache/ring.hpp"

namespace bfd::cache {

std::uint64_t ring_hash(std::string_view text) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  // splitmix64's finalizer: FNV alone leaves "x#1" and "x#2" close on the ring.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

hash_ring::hash_ring(std::uint32_t vnodes) : vnodes_(vnodes == 0 ? 1 : vnodes) {}

bool hash_ring::add(const std::string& name) {
  if (name.empty() || members_.size() >= max_members || members_.count(name))
    return false;
  members_.insert(name);
  rebuild();
  return true;
}

bool hash_ring::remove(const std::string& name) {
  if (members_.erase(name) == 0)
    return false;
  rebuild();
  return true;
}

void hash_ring::assign(const std::vector<std::string>& names) {
  members_.clear();
  for (const auto& n : names)
    if (!n.empty() && members_.size() < max_members)
      members_.insert(n);
  rebuild();
}

void hash_ring::rebuild() {
  // Rebuilt from the member set, so the ring depends only on which shards are in it, never on
  // the order they joined: every node builds the same ring from the same set.
  points_.clear();
  for (const auto& m : members_)
    for (std::uint32_t i = 0; i < vnodes_; ++i) {
      const auto p = ring_hash(m + "#" + std::to_string(i));
      auto [it, fresh] = points_.emplace(p, &m);
      if (!fresh && m < *it->second)  // a collision: the smaller name keeps the point
        it->second = &m;
    }
}

const std::string* hash_ring::owner(std::string_view key) const {
  if (points_.empty())
    return nullptr;
  auto it = points_.lower_bound(ring_hash(key));
  if (it == points_.end())
    it = points_.begin();
  return it->second;
}

} // namespace bfd::cache

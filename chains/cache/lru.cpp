#include "chains/cache/lru.hpp"

#include <algorithm>

namespace bfd::cache {

namespace {
// Bookkeeping per entry besides its strings (list node, index slot, vectors).
constexpr std::size_t entry_overhead = 128;
} // namespace

std::uint64_t generations::of(const std::string& tag) const {
  auto it = gens_.find(tag);
  return it == gens_.end() ? floor_ : it->second;
}

std::vector<std::uint64_t> generations::of(const std::vector<std::string>& tags) const {
  std::vector<std::uint64_t> out;
  out.reserve(tags.size());
  for (const auto& t : tags)
    out.push_back(of(t));
  return out;
}

void generations::bump(const std::string& tag) {
  if (gens_.size() >= max_tags_ && !gens_.count(tag)) {
    // Forget them all: every tag now reads as the highest generation handed out, so an entry
    // read before any of those invalidations no longer matches (a miss, never a stale hit).
    gens_.clear();
    floor_ = counter_;
  }
  gens_[tag] = ++counter_;
}

lru_store::lru_store(cache_limits limits) : limits_(limits), gens_(limits.max_tags) {}

void lru_store::erase(std::list<entry>::iterator it) {
  bytes_ -= it->bytes;
  index_.erase(it->key);
  order_.erase(it);
}

const std::string* lru_store::get(const std::string& key, std::uint64_t now_ms, lookup_result* why) {
  auto set = [&](lookup_result r) {
    if (why)
      *why = r;
  };
  auto found = index_.find(key);
  if (found == index_.end()) {
    set(lookup_result::miss);
    return nullptr;
  }
  auto it = found->second;
  if (it->expires_ms != 0 && now_ms >= it->expires_ms) {
    erase(it);
    set(lookup_result::expired);
    return nullptr;
  }
  if (gens_.of(it->tags) != it->gens) {
    erase(it);
    set(lookup_result::stale);
    return nullptr;
  }
  order_.splice(order_.begin(), order_, it);
  set(lookup_result::hit);
  return &it->value;
}

bool lru_store::put(const std::string& key, const std::vector<std::string>& tags,
                    const std::vector<std::uint64_t>& gens, std::string value, std::uint64_t now_ms) {
  if (key.empty() || key.size() > max_key_bytes || value.size() > limits_.max_value_bytes
      || tags.size() > max_entry_tags || tags.size() != gens.size())
    return false;
  std::size_t size = entry_overhead + key.size() + value.size();
  for (const auto& t : tags) {
    if (t.size() > max_key_bytes)
      return false;
    size += t.size() + sizeof(std::uint64_t);
  }
  if (size > limits_.max_bytes || limits_.max_entries == 0)
    return false;
  if (gens_.of(tags) != gens)
    return false;  // invalidated while it was read: it may hold the value from before the change
  if (auto old = index_.find(key); old != index_.end())
    erase(old->second);
  while (!order_.empty() && (index_.size() >= limits_.max_entries || bytes_ + size > limits_.max_bytes)) {
    erase(std::prev(order_.end()));
    ++evictions_;
  }
  entry e{key, std::move(value), tags, gens, limits_.ttl_ms == 0 ? 0 : now_ms + limits_.ttl_ms, size};
  order_.push_front(std::move(e));
  index_.emplace(key, order_.begin());
  bytes_ += size;
  return true;
}

void lru_store::invalidate(const std::vector<std::string>& tags) {
  for (const auto& t : tags)
    if (!t.empty() && t.size() <= max_key_bytes)
      gens_.bump(t);
}

void lru_store::clear() {
  order_.clear();
  index_.clear();
  bytes_ = 0;
}

} // namespace bfd::cache

#include "actors/cache/read_cache.hpp"

#include <charconv>

namespace bfd {

double cache_snapshot::hit_rate() const {
  std::uint64_t h = 0, m = 0;
  for (std::size_t i = 0; i < cache_kind_count; ++i) {
    h += hits[i];
    m += misses[i];
  }
  return h + m == 0 ? 0.0 : static_cast<double>(h) / static_cast<double>(h + m);
}

cache_result read_cache::get(cache_kind kind, const std::string& key, const std::vector<std::string>& tags) {
  auto r = lookup(key, tags);
  auto& counter = r.value ? hits_ : misses_;
  counter[static_cast<std::size_t>(kind)].fetch_add(1, std::memory_order_relaxed);
  return r;
}

void read_cache::invalidate(const std::vector<std::string>& tags) {
  if (tags.empty())
    return;
  invalidations_.fetch_add(tags.size(), std::memory_order_relaxed);
  drop(tags);
}

void read_cache::advance(std::uint32_t chain, char stage, std::uint64_t height) {
  std::lock_guard guard(heights_mutex_);
  heights_[{chain, stage}] = height;
}

std::uint64_t read_cache::height_of(std::uint32_t chain, char stage) {
  std::lock_guard guard(heights_mutex_);
  auto it = heights_.find({chain, stage});
  return it == heights_.end() ? 0 : it->second;
}

void read_cache::count_error(const std::string& backend) {
  std::lock_guard guard(errors_mutex_);
  ++errors_[backend];
}

cache_snapshot read_cache::snapshot() {
  cache_snapshot s;
  s.backend = backend();
  for (std::size_t i = 0; i < cache_kind_count; ++i) {
    s.hits[i] = hits_[i].load(std::memory_order_relaxed);
    s.misses[i] = misses_[i].load(std::memory_order_relaxed);
  }
  s.invalidations = invalidations_.load(std::memory_order_relaxed);
  auto [entries, shards] = size();
  s.entries = entries;
  s.shards = shards;
  std::lock_guard guard(errors_mutex_);
  s.backend_errors = errors_;
  return s;
}

std::optional<std::pair<std::string, std::uint16_t>> parse_host_port(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 >= text.size() || text.size() > 255)
    return std::nullopt;
  unsigned port = 0;
  const auto digits = text.substr(colon + 1);
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc{} || p != digits.data() + digits.size() || port == 0 || port > 65535)
    return std::nullopt;
  return std::pair{std::string(text.substr(0, colon)), static_cast<std::uint16_t>(port)};
}

} // namespace bfd

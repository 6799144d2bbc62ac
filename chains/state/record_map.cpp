#include "chains/state/record_map.hpp"

#include <algorithm>

namespace bfd {

const bytes* record_map::find(const bytes& key) const {
  auto it = records_.find(key);
  return it == records_.end() ? nullptr : &it->second;
}

void record_map::put(bytes key, std::optional<bytes> value) {
  auto it = records_.find(key);
  journal_.emplace_back(key, it == records_.end() ? std::nullopt : std::optional<bytes>(it->second));
  if (value)
    records_[key] = std::move(*value);
  else if (it != records_.end())
    records_.erase(it);
  dirty_.insert(std::move(key));
  root_.reset();
}

void record_map::rollback(std::size_t mark) {
  while (journal_.size() > mark) {
    auto& [k, old] = journal_.back();
    if (old)
      records_[k] = std::move(*old);
    else
      records_.erase(k);
    dirty_.insert(std::move(k));
    journal_.pop_back();
    root_.reset();
  }
}

void record_map::forget_journal(std::size_t count) {
  journal_.erase(journal_.begin(), journal_.begin() + static_cast<std::ptrdiff_t>(std::min(count, journal_.size())));
}

std::vector<std::pair<bytes, std::optional<bytes>>> record_map::dirty_records() const {
  std::vector<std::pair<bytes, std::optional<bytes>>> out;
  if (all_dirty_)
    for (const auto& [k, v] : records_)
      out.emplace_back(k, v);
  for (const auto& k : dirty_) {
    auto it = records_.find(k);
    if (it == records_.end())
      out.emplace_back(k, std::nullopt);
    else if (!all_dirty_)
      out.emplace_back(k, it->second);
  }
  return out;
}

void record_map::clear_dirty() {
  all_dirty_ = false;
  dirty_.clear();
}

hash256 record_map::root() const {
  if (root_)
    return *root_;
  tagged_hasher h(tag_);
  for (const auto& [k, v] : records_) {
    const byte klen = static_cast<byte>(k.size());
    h.update(byte_view{&klen, 1});
    h.update(byte_view{k.data(), k.size()});
    const byte vlen[4] = {static_cast<byte>(v.size() >> 24), static_cast<byte>(v.size() >> 16),
                          static_cast<byte>(v.size() >> 8), static_cast<byte>(v.size())};
    h.update(byte_view{vlen, 4});
    h.update(byte_view{v.data(), v.size()});
  }
  root_ = h.finish();
  return *root_;
}

} // namespace bfd

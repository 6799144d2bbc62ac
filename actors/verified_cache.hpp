// Entry hashes (id and signature) of transactions whose signatures this node has verified,
// shared by its actors so each signature is verified once per node however many actors see it.
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <unordered_set>

#include "chains/core/bytes.hpp"

namespace bfd {

/// Thread-safe, bounded (oldest entries are forgotten first).
class verified_cache {
public:
  explicit verified_cache(std::size_t capacity = 1'000'000) : capacity_(capacity) {}

  bool contains(const hash256& id) const {
    std::lock_guard guard{mtx_};
    return ids_.count(id) != 0;
  }

  void add(const hash256& id) {
    std::lock_guard guard{mtx_};
    if (!ids_.insert(id).second)
      return;
    order_.push_back(id);
    if (order_.size() > capacity_) {
      ids_.erase(order_.front());
      order_.pop_front();
    }
  }

  std::size_t size() const {
    std::lock_guard guard{mtx_};
    return ids_.size();
  }

private:
  struct hasher {
    std::size_t operator()(const hash256& h) const noexcept {
      std::size_t out = 0;
      for (std::size_t i = 0; i < sizeof out; ++i)
        out = (out << 8) | h.data[i];
      return out;
    }
  };
  mutable std::mutex mtx_;
  std::size_t capacity_;
  std::unordered_set<hash256, hasher> ids_;
  std::deque<hash256> order_;
};

} // namespace bfd

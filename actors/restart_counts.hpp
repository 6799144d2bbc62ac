// Restarts per supervised actor, written by the runtime's supervisors and read by the HTTP
// bridge's /metrics (bfd_actor_restarts_total{actor="..."}). Thread-safe: both sides run on
// threads of their own.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace bfd {

class restart_counts {
public:
  /// Lists `actor` with 0 restarts (so /metrics shows it before its first failure).
  void declare(const std::string& actor) {
    std::lock_guard lock(mutex_);
    counts_.try_emplace(actor, 0);
  }

  /// Counts one restart of `actor` (its supervisor's child name, e.g. "bridge-1-2").
  void add(const std::string& actor) {
    std::lock_guard lock(mutex_);
    ++counts_[actor];
  }

  /// Restarts of `actor` so far (0 when never restarted).
  std::uint64_t of(const std::string& actor) const {
    std::lock_guard lock(mutex_);
    auto i = counts_.find(actor);
    return i == counts_.end() ? 0 : i->second;
  }

  /// Every actor declared or restarted, with its count.
  std::map<std::string, std::uint64_t> snapshot() const {
    std::lock_guard lock(mutex_);
    return counts_;
  }

private:
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t> counts_;
};

} // namespace bfd

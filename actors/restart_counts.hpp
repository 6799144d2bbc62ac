// Counts by name, written by the runtime and read by the HTTP bridge's /metrics: restarts per
// supervised actor (bfd_actor_restarts_total{actor="..."}) and the service triage's health
// reports per outcome (bfd_triage_reports_total{outcome="..."}). Thread-safe: both sides run on
// threads of their own.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace bfd {

class named_counts {
public:
  /// Lists `actor` with 0 (so /metrics shows it before its first event).
  void declare(const std::string& actor) {
    std::lock_guard lock(mutex_);
    counts_.try_emplace(actor, 0);
  }

  /// Counts one event of `actor` (e.g. a restart of the supervisor's child "bridge-1-2").
  void add(const std::string& actor) {
    std::lock_guard lock(mutex_);
    ++counts_[actor];
  }

  /// Events of `actor` so far (0 when none).
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

/// Restarts per supervised actor (its supervisor's child name).
using restart_counts = named_counts;

} // namespace bfd

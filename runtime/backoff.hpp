// Exponential back-off towards a peer that does not answer: the first failure waits `base`,
// each further one twice as long, up to `max`; a success ends it. Pure (the caller passes the
// time), so the schedule is tested without sleeping.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace bfd::runtime {

class backoff {
public:
  using clock = std::chrono::steady_clock;

  backoff(std::chrono::milliseconds base, std::chrono::milliseconds max) : base_(base), max_(std::max(base, max)) {}

  /// The wait after `failures` consecutive failures: 0, base, 2 base, 4 base, ... at most max.
  std::chrono::milliseconds delay_after(std::uint32_t failures) const {
    if (failures == 0)
      return std::chrono::milliseconds(0);
    auto d = base_;
    for (std::uint32_t i = 1; i < failures && d < max_; ++i)
      d *= 2;
    return std::min(d, max_);
  }

  /// Records a failure at `now`; true when it starts a back-off (the first failure).
  bool fail(clock::time_point now) {
    ++failures_;
    not_before_ = now + delay_after(failures_);
    return failures_ == 1;
  }

  /// Records a success; true when it ends a back-off.
  bool succeed() {
    const bool was = failures_ > 0;
    failures_ = 0;
    not_before_ = {};
    return was;
  }

  /// Whether an attempt is due at `now`.
  bool ready(clock::time_point now) const { return now >= not_before_; }
  std::uint32_t failures() const noexcept { return failures_; }
  /// The wait the last failure set (0 when not backing off).
  std::chrono::milliseconds delay() const { return delay_after(failures_); }
  /// Changes the schedule; the wait already set stays.
  void set_bounds(std::chrono::milliseconds base, std::chrono::milliseconds max) {
    base_ = base;
    max_ = std::max(base, max);
  }

private:
  std::chrono::milliseconds base_;
  std::chrono::milliseconds max_;
  std::uint32_t failures_ = 0;
  clock::time_point not_before_{};
};

} // namespace bfd::runtime

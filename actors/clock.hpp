// The injected clock consensus actors read time through: wall time in bfd-node, a manual
// clock in tests and simulations.
#pragma once

#include <atomic>
#include <cstdint>

namespace bfd {

/// Milliseconds since the Unix epoch.
class clock {
public:
  virtual ~clock() = default;
  virtual std::uint64_t now_ms() const = 0;
};

/// The system's wall clock, optionally shifted by a fixed offset (a test-only clock skew:
/// bfd-node sets it from BFD_TEST_CLOCK_OFFSET_MS, docs/chaos.md; 0 by default).
class wall_clock final : public clock {
public:
  explicit wall_clock(std::int64_t offset_ms = 0) : offset_ms_(offset_ms) {}
  std::uint64_t now_ms() const override;
  /// The fixed shift added to the system clock, in milliseconds.
  std::int64_t offset_ms() const { return offset_ms_; }

private:
  std::int64_t offset_ms_;
};

/// A clock that only moves when told to.
class manual_clock final : public clock {
public:
  explicit manual_clock(std::uint64_t start_ms = 0) : now_(start_ms) {}
  std::uint64_t now_ms() const override { return now_.load(); }
  void set(std::uint64_t ms) { now_.store(ms); }
  void advance(std::uint64_t ms) { now_.fetch_add(ms); }

private:
  std::atomic<std::uint64_t> now_;
};

} // namespace bfd

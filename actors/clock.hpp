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

/// The system's wall clock.
class wall_clock final : public clock {
public:
  std::uint64_t now_ms() const override;
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

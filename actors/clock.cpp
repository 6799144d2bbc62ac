#include "actors/clock.hpp"

#include <chrono>

namespace bfd {

std::uint64_t wall_clock::now_ms() const {
  using namespace std::chrono;
  const auto now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  return static_cast<std::uint64_t>(now + offset_ms_);
}

} // namespace bfd

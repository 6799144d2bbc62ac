#include "actors/clock.hpp"

#include <chrono>

namespace bfd {

std::uint64_t wall_clock::now_ms() const {
  using namespace std::chrono;
  return static_cast<std::uint64_t>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

} // namespace bfd

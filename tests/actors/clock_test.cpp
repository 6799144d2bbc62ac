// The node's wall clock (actors/clock.hpp): the test-only offset that bfd-node takes from
// BFD_TEST_CLOCK_OFFSET_MS shifts it by exactly that much, either way.
#include <doctest/doctest.h>

#include <cstdint>

#include "actors/clock.hpp"

TEST_CASE("a wall clock with an offset runs that far ahead of or behind the system clock") {
  const bfd::wall_clock plain;
  const bfd::wall_clock ahead{5000};
  const bfd::wall_clock behind{-5000};
  CHECK(plain.offset_ms() == 0);
  const auto before = static_cast<std::int64_t>(plain.now_ms());
  const auto a = static_cast<std::int64_t>(ahead.now_ms());
  const auto b = static_cast<std::int64_t>(behind.now_ms());
  const auto after = static_cast<std::int64_t>(plain.now_ms());
  // Each shifted reading lies between the plain readings taken before and after it, shifted.
  CHECK(a >= before + 5000);
  CHECK(a <= after + 5000);
  CHECK(b >= before - 5000);
  CHECK(b <= after - 5000);
}

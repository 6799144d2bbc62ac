// Fuzz target: the peer gate's BASP frame guard (runtime/basp_frame_guard.hpp) on arbitrary byte
// streams: the verdict and frame count never depend on how the stream was cut into reads.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "runtime/basp_frame_guard.hpp"
#include "tests/fuzz/fuzz_check.hpp"

/// libFuzzer entry point: byte 0 picks the payload bound (and, in its top bits, the first-frame
/// rule), byte 1 the read sizes, the rest is the stream.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using bfd::runtime::basp_frame_guard;
  if (size < 2)
    return 0;
  const std::uint32_t bound = std::uint32_t{1} << (data[0] % 32);
  const std::size_t step = 1 + data[1] % 64;
  const std::uint8_t* stream = data + 2;
  const std::size_t n = size - 2;
  const auto first = static_cast<basp_frame_guard::first_frame>((data[0] >> 5) % 3);
  basp_frame_guard whole(bound, first);
  const auto v = whole.feed(stream, n);
  basp_frame_guard cut(bound, first);
  auto w = basp_frame_guard::verdict::ok;
  for (std::size_t i = 0; i < n && w == basp_frame_guard::verdict::ok; i += step)
    w = cut.feed(stream + i, std::min(step, n - i));
  bfd::fuzz::require(v == w, "the verdict does not depend on the read sizes");
  bfd::fuzz::require(whole.frames() == cut.frames(), "the frame count does not depend on the read sizes");
  bfd::fuzz::require(whole.frames() <= n / basp_frame_guard::header_size, "every frame has a whole header");
  if (v == basp_frame_guard::verdict::oversized)
    bfd::fuzz::require(whole.last_payload() > bound, "only a payload over the bound is oversized");
  if (v != basp_frame_guard::verdict::ok)
    bfd::fuzz::require(whole.feed(stream, n) == v, "a bad stream stays bad");
  // The first-frame rule only adds a verdict about the first frame.
  basp_frame_guard unchecked(bound);
  const auto u = unchecked.feed(stream, n);
  if (v == basp_frame_guard::verdict::bad_first_frame)
    bfd::fuzz::require(whole.frames() == 0 && first != basp_frame_guard::first_frame::any,
                       "only a checked first frame is a bad first frame");
  else
    bfd::fuzz::require(v == u && whole.frames() == unchecked.frames(), "otherwise the rule changes nothing");
  return 0;
}

// Timing and summary helpers the one-thread benches (codec, contract, handshake) share.
#pragma once

#include <algorithm>
#include <chrono>
#include <vector>

namespace bfd::bench {

/// Seconds elapsed on the steady clock since `start`.
inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// The median of the values (the mean of the middle two for an even count); 0 for none.
inline double median(std::vector<double> values) {
  if (values.empty())
    return 0;
  std::sort(values.begin(), values.end());
  const auto mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

} // namespace bfd::bench

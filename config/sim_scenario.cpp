// The bfd-sim scenario model: the seeded, portable drawing of every VM's amounts (distributions,
// sim_random) and what a scenario derives (VM counts, run paths). The loader that reads TOML into
// scenarios is in sim_scenario_parse.cpp, sim_scenario_events.cpp and sim_scenario_sweep.cpp.
//
// This file is compiled with -ffp-contract=off (config/CMakeLists.txt): the pareto and lognormal
// draws use only IEEE-754 operations that are exact to the bit, and a fused multiply-add on one
// platform but not on another would change them.
#include "config/sim_scenario.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <utility>
#include <variant>

#include <toml++/toml.h>

#include "config/sim_scenario_parser.hpp"
#include "config/toml_support.hpp"

namespace bfd::config {

namespace fs = std::filesystem;
using sim_parse::double_text;

// Portable random values and math -------------------------------------------------------------------

namespace {

constexpr std::uint64_t golden_gamma = 0x9e37'79b9'7f4a'7c15ULL;

/// splitmix64's output function (Steele, Lea, Flood 2014): a bijection that mixes every bit.
constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58'476d'1ce4'e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d0'49bb'1331'11ebULL;
  return z ^ (z >> 31);
}

/// A double in the open interval (0, 1) from the top 53 bits of `r`: never 0 or 1, so its
/// logarithm and inverse normal are finite.
double unit_open(std::uint64_t r) noexcept {
  return (static_cast<double>(r >> 11) + 0.5) * 0x1p-53;
}

// std::exp and std::log are not specified to the bit (libm implementations differ in the last
// place), so the draws use these: +, −, ×, ÷, frexp, ldexp and floor only, all exact in IEEE-754.

constexpr double ln2 = 0.693147180559945309417;
constexpr double ln2_hi = 6.93147180369123816490e-01;  // ln 2 split as in fdlibm: n · ln2_hi is exact
constexpr double ln2_lo = 1.90821492927058770002e-10;

/// ln x for a finite x > 0 (error about 1 ulp).
double portable_log(double x) noexcept {
  int e = 0;
  double m = std::frexp(x, &e);  // x = m · 2^e, m in [0.5, 1)
  if (m < 0.707106781186547524401) {
    m *= 2;
    --e;
  }
  // m in [√½, √2): ln m = 2·atanh(s) = 2·(s + s³/3 + s⁵/5 + …) with |s| < 0.172, s² < 0.0295;
  // 14 terms leave an error below 10⁻²⁰.
  const double s = (m - 1) / (m + 1);
  const double s2 = s * s;
  double series = 1.0 / 27;
  for (int k = 25; k >= 1; k -= 2)
    series = series * s2 + 1.0 / k;
  const double n = e;
  return n * ln2_hi + (n * ln2_lo + 2 * s * series);
}

/// e^y for |y| ≤ 700 (error about 1 ulp).
double portable_exp(double y) noexcept {
  const double n = std::floor(y / ln2 + 0.5);
  const double r = (y - n * ln2_hi) - n * ln2_lo;  // |r| ≤ 0.35
  double sum = 1;                                  // Taylor series, Horner form: 0.35²³/23! < 10⁻³²
  for (int k = 22; k >= 1; --k)
    sum = 1 + sum * r / k;
  return std::ldexp(sum, static_cast<int>(n));
}

/// Φ⁻¹(p) for p in (0, 1): P. J. Acklam's rational approximation (relative error < 1.15·10⁻⁹).
double inverse_normal(double p) noexcept {
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                 1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                 6.680131188771972e+01,  -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                 -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                 3.754408661907416e+00};
  constexpr double p_low = 0.02425;
  auto tail = [&](double q) {
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
           / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  };
  if (p < p_low)
    return tail(std::sqrt(-2 * portable_log(p)));
  if (p > 1 - p_low)
    return -tail(std::sqrt(-2 * portable_log(1 - p)));
  const double q = p - 0.5;
  const double r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
         / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/// ⌊x⌋ as an amount, kept within [lo, hi] (NaN gives lo).
amount clamp_to_amount(double x, amount lo, amount hi) noexcept {
  if (!(x >= static_cast<double>(lo)))
    return lo;
  if (x >= static_cast<double>(hi))
    return hi;
  return std::clamp(static_cast<amount>(x), lo, hi);  // x < 2^64 here
}


} // namespace

std::uint64_t sim_random(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
  // A splitmix64 sequence per (seed, stream): its start mixes both, and value `index` is the
  // sequence's element index + 1.
  const std::uint64_t start = mix64(mix64(seed + golden_gamma) ^ mix64(stream + 2 * golden_gamma));
  return mix64(start + (index + 1) * golden_gamma);
}

amount sim_distribution::sample(std::uint64_t random) const {
  switch (kind) {
    case sim_distribution_kind::fixed:
      return value;
    case sim_distribution_kind::uniform: {
      const amount span = max - min;
      if (span == std::numeric_limits<amount>::max())
        return random;
      // The top bits of random × (span + 1): unbiased to within (span + 1) / 2^64.
      return min + static_cast<amount>((static_cast<unsigned __int128>(random) * (span + 1)) >> 64);
    }
    case sim_distribution_kind::pareto: {
      const double t = -portable_log(unit_open(random)) / alpha;  // > 0
      if (t > 700)
        return max;
      return clamp_to_amount(static_cast<double>(min) * portable_exp(t), std::max<amount>(min, 1), max);
    }
    case sim_distribution_kind::lognormal: {
      const double t = sigma * inverse_normal(unit_open(random));
      if (t > 700)
        return max;
      if (t < -700)
        return 1;
      return clamp_to_amount(static_cast<double>(median) * portable_exp(t), 1, max);
    }
  }
  return value;
}

amount sim_distribution::largest() const {
  return kind == sim_distribution_kind::fixed ? value : max;
}

std::string sim_distribution::label() const {
  switch (kind) {
    case sim_distribution_kind::fixed:
      return format_amount(value);
    case sim_distribution_kind::uniform:
      return "uniform_" + format_amount(min) + "_" + format_amount(max);
    case sim_distribution_kind::pareto:
      return "pareto_" + double_text(alpha) + "_" + format_amount(min) + "_" + format_amount(max);
    case sim_distribution_kind::lognormal:
      return "lognormal_" + format_amount(median) + "_" + double_text(sigma) + "_" + format_amount(max);
  }
  return {};
}

std::string_view to_string(sim_event_kind kind) noexcept {
  switch (kind) {
    case sim_event_kind::join: return "join";
    case sim_event_kind::leave: return "leave";
    case sim_event_kind::crash: return "crash";
    case sim_event_kind::recover: return "recover";
    case sim_event_kind::pause: return "pause";
    case sim_event_kind::slow: return "slow";
    case sim_event_kind::partition: return "partition";
    case sim_event_kind::heal: return "heal";
    case sim_event_kind::equivocate: return "equivocate";
    case sim_event_kind::vote_move: return "vote_move";
    case sim_event_kind::double_vote: return "double_vote";
    case sim_event_kind::surround_vote: return "surround_vote";
  }
  return "unknown";
}

std::uint64_t sim_scenario::genesis_vm_count() const noexcept {
  std::uint64_t n = 0;
  for (const auto& p : pools)
    n += p.count;
  return n;
}

std::uint64_t sim_scenario::vm_count() const noexcept {
  std::uint64_t n = genesis_vm_count();
  for (const auto& e : events)
    if (e.kind == sim_event_kind::join)
      n += e.count;
  return n;
}

std::string sim_scenario::run_path() const {
  return label.empty() ? name : name + "/" + label;
}

namespace {

/// Streams of sim_random: see the header.
constexpr std::uint64_t pool_stream(std::size_t pool, bool votes) { return 4 * pool + (votes ? 1 : 0); }
constexpr std::uint64_t join_stream(std::size_t file_index, bool votes) {
  return (std::uint64_t{1} << 40) + 4 * file_index + (votes ? 1 : 0);
}

} // namespace

std::vector<sim_vm> materialize_vms(const sim_scenario& s) {
  std::vector<sim_vm> out;
  out.reserve(s.vm_count());
  std::vector<std::uint64_t> next(s.params.categories.size(), 0);
  auto add = [&](std::uint32_t category, std::uint64_t count, const sim_distribution& bid,
                 const sim_distribution& votes, std::uint64_t bid_stream, std::uint64_t votes_stream,
                 std::uint64_t join_round) {
    const auto& cat_name = s.params.categories.at(category).name;
    for (std::uint64_t k = 0; k < count; ++k) {
      sim_vm vm;
      vm.category = category;
      vm.index = next[category]++;
      vm.name = cat_name + "/" + std::to_string(vm.index);
      vm.bid = std::max(bid.sample(sim_random(s.seed, bid_stream, k)), s.params.min_bid);
      vm.votes = votes.sample(sim_random(s.seed, votes_stream, k));
      vm.join_round = join_round;
      out.push_back(std::move(vm));
    }
  };
  for (std::size_t p = 0; p < s.pools.size(); ++p) {
    const auto& pool = s.pools[p];
    add(pool.category, pool.count, pool.bid, pool.votes, pool_stream(p, false), pool_stream(p, true), 0);
  }
  for (const auto& e : s.events)
    if (e.kind == sim_event_kind::join)
      add(e.category, e.count, e.bid, e.votes, join_stream(e.file_index, false), join_stream(e.file_index, true),
          e.round);
  return out;
}


namespace sim_parse {
/// Shortest text that reads back as `x` ("1.5", "0.01"): the same on every platform.
std::string double_text(double x) {
  std::array<char, 64> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), x);
  return ec == std::errc{} ? std::string(buf.data(), end) : std::string("nan");
}
} // namespace sim_parse

} // namespace bfd::config

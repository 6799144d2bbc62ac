// The unlinkability experiment: a distinguisher sees the public parts of two handshakes with one
// payee and guesses whether one payer (two of its one-time credentials) or two payers made them.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "tests/chains/ush_fixture.hpp"

using namespace bfd;
using namespace bfd::ush;
using bfd::test::run_handshake;
using bfd::test::seed_of;

namespace {

/// The fixed-size fields of a message after its version byte, in 32/33-byte pieces.
std::vector<bytes> fields(const bytes& m) {
  std::vector<bytes> out;
  const std::size_t widths[] = {32, 33, 33, 32, 32};
  std::size_t at = 1;
  for (auto w : widths) {
    if (at + w > m.size())
      break;
    out.emplace_back(m.begin() + at, m.begin() + at + w);
    at += w;
  }
  return out;
}

int hamming(const bytes& a, const bytes& b) {
  int d = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
    d += __builtin_popcount(a[i] ^ b[i]);
  return d;
}

/// Distinguisher 1: "one payer" iff the two payer messages share any field value.
bool shares_a_value(const test::handshake_run& x, const test::handshake_run& y) {
  for (const auto* m : {&x.m1, &x.m3})
    for (const auto& fx : fields(*m))
      for (const auto* n : {&y.m1, &y.m3})
        for (const auto& fy : fields(*n))
          if (fx == fy)
            return true;
  return false;
}

/// Distinguisher 2: "one payer" iff the pseudonyms and W of the two hellos are closer than half
/// their bits (a statistic a scheme that derived a payer's credentials from one secret could leak).
bool close_in_hamming(const test::handshake_run& x, const test::handshake_run& y) {
  const auto fx = fields(x.m1);
  const auto fy = fields(y.m1);
  return hamming(fx[0], fy[0]) + hamming(fx[1], fy[1]) < (32 + 33) * 8 / 2;
}

struct experiment {
  int trials = 0;
  int correct_shared = 0;   ///< distinguisher 1 right
  int correct_hamming = 0;  ///< distinguisher 2 right
  double rate_shared() const { return static_cast<double>(correct_shared) / trials; }
  double rate_hamming() const { return static_cast<double>(correct_hamming) / trials; }
  /// Half-width of the normal-approximation 99% interval of a binomial rate around 0.5.
  double bound99() const { return 2.576 * std::sqrt(0.25 / trials); }
};

/// Runs `trials` rounds; `reuse` makes the one-payer world reuse one credential (the control).
experiment run(int trials, bool reuse, const hash256& seed) {
  seeded_random rng(seed);
  const auto group = new_group(rng);
  const auto payee = *issue_batch(group, 1, rng);
  std::vector<credential> payer;  // one payer's one-time credentials, used in order
  std::size_t next = 0;
  auto take = [&]() -> const credential& {
    if (next == payer.size()) {
      auto more = *issue_batch(group, max_batch, rng);
      payer.insert(payer.end(), more.begin(), more.end());
    }
    return payer[next++];
  };
  experiment e;
  for (int i = 0; i < trials; ++i) {
    const bool same = (rng.next().data[0] & 1) != 0;
    const credential first = take();
    const credential second = same ? (reuse ? first : take()) : (*issue_batch(group, 1, rng))[0];
    auto x = run_handshake(first, payee[0], rng);
    auto y = run_handshake(second, payee[0], rng);
    REQUIRE(x.payee == handshake_state::succeeded);
    REQUIRE(y.payee == handshake_state::succeeded);
    ++e.trials;
    e.correct_shared += shares_a_value(x, y) == same ? 1 : 0;
    e.correct_hamming += close_in_hamming(x, y) == same ? 1 : 0;
  }
  return e;
}

} // namespace

TEST_CASE("two handshakes of one payer cannot be told from two payers' better than chance") {
  const auto e = run(2000, false, seed_of(0x41));
  std::printf("unlinkability over %d trials (chance 0.5, 99%% binomial bound +-%.4f): shared-value "
              "distinguisher right in %d (rate %.4f), Hamming distinguisher right in %d (rate %.4f)\n",
              e.trials, e.bound99(), e.correct_shared, e.rate_shared(), e.correct_hamming, e.rate_hamming());
  CHECK(std::abs(e.rate_shared() - 0.5) < 0.05);
  CHECK(std::abs(e.rate_hamming() - 0.5) < 0.05);
  CHECK(std::abs(e.rate_hamming() - 0.5) < e.bound99());
}

TEST_CASE("the shared-value distinguisher links a payer that reuses a credential") {
  // The control: the experiment has the power to see a link when there is one.
  const auto e = run(200, true, seed_of(0x42));
  std::printf("unlinkability control (credential reused): shared-value rate %.4f over %d trials\n",
              e.rate_shared(), e.trials);
  CHECK(e.rate_shared() > 0.95);
}

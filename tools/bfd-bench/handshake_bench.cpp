// `bfd-bench handshake`: membership-proof handshakes (chains/ush) against raw Schnorr verification.
#include "tools/bfd-bench/handshake_bench.hpp"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "chains/crypto/keys.hpp"
#include "chains/ush/payment_tag.hpp"
#include "runtime/entropy.hpp"
#include "tools/bfd-bench/bench_stats.hpp"

namespace bfd::bench {
namespace {

struct handshake_options {
  std::size_t handshakes = 1'000;  ///< handshakes (and verifications) per round
  std::size_t rounds = 3;
  bool json_only = false;
};

struct figures {
  double handshakes_per_s = 0;  ///< whole handshakes, both roles, with the payment tag
  double issue_per_s = 0;       ///< credentials issued (in batches of 256)
  double verify_per_s = 0;      ///< BIP340 verifications of a 32-byte message
};

/// Times `n` complete handshakes between members of one group; seconds, or an error.
result<double> time_handshakes(const std::vector<ush::credential>& creds, ush::random_source& rng, std::size_t n) {
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    ush::initiator payer(creds[(2 * i) % creds.size()], nullptr, rng);
    ush::responder payee(creds[(2 * i + 1) % creds.size()], nullptr, rng);
    auto m1 = payer.hello();
    auto m2 = m1 ? payee.on_hello(*m1) : m1;
    auto m3 = m2 ? payer.on_reply(*m2) : m2;
    if (!m3 || !payee.on_finish(*m3) || !payer.session() || !payee.session() ||
        !ush::verify_payment_tag(*payee.session(), ush::payment_tag(*payer.session())))
      return make_error(errc::invalid_argument, fmt::format("handshake {} did not succeed", i));
  }
  return seconds_since(start);
}

/// Times issuing `n` credentials in batches of at most 256.
result<double> time_issue(const ush::group_keys& group, ush::random_source& rng, std::size_t n) {
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t done = 0; done < n;) {
    const auto batch = std::min(n - done, ush::max_batch);
    auto creds = ush::issue_batch(group, batch, rng);
    if (!creds)
      return creds.error();
    done += creds->size();
  }
  return seconds_since(start);
}

/// Times `n` BIP340 verifications of pre-made signatures.
result<double> time_verify(ush::random_source& rng, std::size_t n) {
  constexpr std::size_t distinct = 256;
  std::vector<std::pair<public_key, signature>> sigs;
  std::vector<hash256> messages;
  for (std::size_t i = 0; i < distinct; ++i) {
    secret_key s;
    s.data = ush::random_scalar(rng).data;
    auto keys = key_pair_from_secret(s);
    if (!keys)
      return keys.error();
    messages.push_back(rng.next());
    sigs.emplace_back(keys->pub, sign(*keys, messages.back(), rng.next()));
  }
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < n; ++i)
    if (!verify(sigs[i % distinct].first, messages[i % distinct].view(), sigs[i % distinct].second))
      return make_error(errc::bad_signature, "a benchmark signature does not verify");
  return seconds_since(start);
}

int run(const handshake_options& o) {
  // The runtime's entropy seeds the stream, as a node's would.
  ush::seeded_random rng(runtime::random_bytes32());
  const auto group = ush::new_group(rng);
  auto creds = ush::issue_batch(group, ush::max_batch, rng);
  if (!creds) {
    fmt::print(stderr, "bfd-bench: {}\n", creds.error().message());
    return 1;
  }
  std::vector<double> hs, issue, verify_rates;
  for (std::size_t round = 0; round < o.rounds; ++round) {
    auto h = time_handshakes(*creds, rng, o.handshakes);
    auto i = time_issue(group, rng, o.handshakes);
    auto v = time_verify(rng, o.handshakes);
    for (auto* r : {&h, &i, &v})
      if (!*r) {
        fmt::print(stderr, "bfd-bench: {}\n", r->error().message());
        return 1;
      }
    hs.push_back(static_cast<double>(o.handshakes) / *h);
    issue.push_back(static_cast<double>(o.handshakes) / *i);
    verify_rates.push_back(static_cast<double>(o.handshakes) / *v);
  }
  figures f{median(hs), median(issue), median(verify_rates)};
  if (!o.json_only) {
    fmt::print("bfd-bench handshake: {} per figure, one thread, median of {} rounds\n\n", o.handshakes, o.rounds);
    fmt::print("{:<52}{:>12}{:>12}\n", "", "per s", "us each");
    auto row = [](const char* label, double per_s) {
      fmt::print("{:<52}{:>12.0f}{:>12.1f}\n", label, per_s, 1e6 / per_s);
    };
    row("handshake (payer + payee, 3 messages, tag checked)", f.handshakes_per_s);
    row("credential issue (batches of 256)", f.issue_per_s);
    row("BIP340 verify (raw, same run)", f.verify_per_s);
    fmt::print("\nverify / handshake: {:.1f}x   verify / issue: {:.1f}x\n", f.verify_per_s / f.handshakes_per_s,
               f.verify_per_s / f.issue_per_s);
  }
  nlohmann::ordered_json j;
  j["bench"] = "handshake";
  j["handshakes"] = o.handshakes;
  j["rounds"] = o.rounds;
  j["handshakes_per_s"] = std::llround(f.handshakes_per_s);
  j["credentials_issued_per_s"] = std::llround(f.issue_per_s);
  j["verify_per_s"] = std::llround(f.verify_per_s);
  j["handshake_to_verify"] = std::round(f.handshakes_per_s / f.verify_per_s * 1000) / 1000;
  fmt::print("{}\n", j.dump());
  return 0;
}

} // namespace

bench_command add_handshake_command(CLI::App& app) {
  auto options = std::make_shared<handshake_options>();
  auto* cmd = app.add_subcommand(
    "handshake", "Membership-proof secret handshakes (docs/membership-proofs.md), one thread: complete handshakes "
                 "per second with both roles in this process and the payment tag checked, credentials issued per "
                 "second, and raw BIP340 verification in the same run for the ratio");
  cmd->add_option("--handshakes", options->handshakes, "Handshakes, issued credentials and verifications per round")
    ->check(CLI::Range(1, 10'000'000))
    ->capture_default_str();
  add_round_options(cmd, options->rounds, options->json_only);
  return {cmd, [options] { return run(*options); }};
}

} // namespace bfd::bench

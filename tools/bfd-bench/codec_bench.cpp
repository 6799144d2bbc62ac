// Measures the codec, hashing, verification and ledger stages of transaction processing.
#include "tools/bfd-bench/codec_bench.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "chains/codec/transaction_codec.hpp"
#include "chains/crypto/hash.hpp"
#include "chains/ledger/ledger.hpp"
#include "tools/bfd-bench/bench_stats.hpp"

namespace bfd::bench {

namespace {

using clock_type = std::chrono::steady_clock;

constexpr amount genesis_balance = 1'000'000 * units_per_bfdt;
constexpr amount transfer_fee = 10'000;
constexpr std::uint64_t block_height = 1;

// Deterministic keys: the same run builds the same transactions.
result<key_pair> account_key(std::size_t index) {
  byte seed[24] = {'b', 'f', 'd', '-', 'b', 'e', 'n', 'c', 'h', '-', 'a', 'c', 'c', 'o', 'u', 'n'};
  for (int i = 0; i < 8; ++i)
    seed[16 + i] = static_cast<byte>(static_cast<std::uint64_t>(index) >> (56 - 8 * i));
  secret_key secret;
  secret.data = sha256(byte_view{seed, sizeof seed}).data;
  return key_pair_from_secret(secret);
}

struct workload {
  std::vector<transaction> txs;
  std::vector<hash256> hashes;  ///< signing hash of each transaction
  ledger genesis{mainchain_id};
  address producer;
};

result<workload> build_workload(const codec_bench_options& o) {
  std::vector<key_pair> keys;
  std::vector<address> addrs;
  std::vector<genesis_allocation> allocations;
  for (std::size_t i = 0; i < o.accounts; ++i) {
    auto k = account_key(i);
    if (!k)
      return k.error();
    keys.push_back(*k);
    addrs.push_back(address_of(k->pub));
    allocations.push_back({addrs.back(), genesis_balance});
  }
  auto genesis = ledger::from_genesis(mainchain_id, allocations);
  if (!genesis)
    return genesis.error();
  workload w;
  w.genesis = std::move(*genesis);
  auto producer = account_key(o.accounts);
  if (!producer)
    return producer.error();
  w.producer = address_of(producer->pub);
  w.txs.reserve(o.count);
  w.hashes.reserve(o.count);
  hash256 aux;
  for (std::size_t i = 0; i < o.count; ++i) {
    // Round robin over the senders, so each sender's nonces come in order.
    std::size_t sender = i % o.accounts;
    transaction tx;
    tx.chain = mainchain_id;
    tx.nonce = i / o.accounts;
    tx.fee = transfer_fee;
    tx.expiry = 1'000'000;
    tx.payload = transfer_payload{addrs[(sender * 7 + i + 1) % o.accounts], 1'000 + i % 100'000};
    aux.data[0] = static_cast<byte>(i);
    sign_transaction(tx, keys[sender], aux);
    w.hashes.push_back(signing_hash(tx));
    w.txs.push_back(std::move(tx));
  }
  return w;
}

// Rates of one round, in stage order, then the pipeline and the raw verification.
struct round_rates {
  std::vector<double> stage_seconds;
  double pipeline_seconds = 0;
  double raw_verify_seconds = 0;
};

error stage_failure(const char* stage, std::size_t index, const std::string& detail) {
  return make_error(errc::invalid_argument,
                    fmt::format("{} failed on transaction {}: {}", stage, index, detail));
}

result<round_rates> run_round(const workload& w) {
  const std::size_t n = w.txs.size();
  round_rates r;

  auto start = clock_type::now();
  std::vector<bytes> encoded(n);
  for (std::size_t i = 0; i < n; ++i)
    encoded[i] = codec::encode(w.txs[i]);
  r.stage_seconds.push_back(seconds_since(start));

  std::vector<transaction> decoded;
  decoded.reserve(n);
  start = clock_type::now();
  for (std::size_t i = 0; i < n; ++i) {
    auto tx = codec::decode_transaction(encoded[i]);
    if (!tx)
      return stage_failure("decode", i, tx.error().message());
    decoded.push_back(std::move(*tx));
  }
  r.stage_seconds.push_back(seconds_since(start));

  std::vector<hash256> hashes(n);
  start = clock_type::now();
  for (std::size_t i = 0; i < n; ++i)
    hashes[i] = signing_hash(decoded[i]);
  r.stage_seconds.push_back(seconds_since(start));

  std::size_t verified = 0;
  start = clock_type::now();
  for (std::size_t i = 0; i < n; ++i)
    verified += verify(decoded[i].sender, hashes[i].view(), decoded[i].sig) ? 1 : 0;
  r.stage_seconds.push_back(seconds_since(start));
  if (verified != n)
    return stage_failure("verify", 0, fmt::format("{} of {} signatures verify", verified, n));

  ledger state = w.genesis;
  start = clock_type::now();
  for (std::size_t i = 0; i < n; ++i) {
    if (auto st = state.apply(decoded[i], block_height, w.producer,
                              signature_check::already_verified);
        !st)
      return stage_failure("apply", i, st.error().message());
  }
  r.stage_seconds.push_back(seconds_since(start));
  if (auto st = state.check_conservation(); !st)
    return stage_failure("apply", n, st.error().message());
  const auto staged_root = state.state_root();

  // Every transaction through every stage in one loop, as a node handles it.
  ledger fused = w.genesis;
  start = clock_type::now();
  for (std::size_t i = 0; i < n; ++i) {
    auto wire = codec::encode(w.txs[i]);
    auto tx = codec::decode_transaction(wire);
    if (!tx)
      return stage_failure("pipeline decode", i, tx.error().message());
    auto h = signing_hash(*tx);
    if (!verify(tx->sender, h.view(), tx->sig))
      return stage_failure("pipeline verify", i, "signature does not verify");
    auto st = fused.apply(*tx, block_height, w.producer, signature_check::already_verified);
    if (!st)
      return stage_failure("pipeline apply", i, st.error().message());
  }
  r.pipeline_seconds = seconds_since(start);
  if (fused.state_root() != staged_root)
    return stage_failure("pipeline", n, "state root differs from the staged run");

  verified = 0;
  start = clock_type::now();
  for (std::size_t i = 0; i < n; ++i)
    verified += verify(w.txs[i].sender, w.hashes[i].view(), w.txs[i].sig) ? 1 : 0;
  r.raw_verify_seconds = seconds_since(start);
  if (verified != n)
    return stage_failure("raw verify", 0, fmt::format("{} of {} signatures verify", verified, n));
  return r;
}

double rate(std::size_t count, double seconds) {
  return seconds > 0 ? static_cast<double>(count) / seconds : 0;
}

} // namespace

result<codec_bench_report> run_codec_bench(const codec_bench_options& options) {
  if (options.count == 0 || options.accounts == 0 || options.rounds == 0)
    return make_error(errc::invalid_argument, "count, accounts and rounds must be at least 1");
  auto w = build_workload(options);
  if (!w)
    return w.error();
  static const char* const names[] = {"encode", "decode", "hash", "verify", "apply"};
  static const char* const labels[] = {"encode (canonical msgpack)", "decode (canonical check)",
                                       "hash (tagged signing hash)", "verify (Schnorr)",
                                       "apply (ledger, verified)"};
  constexpr std::size_t stage_count = std::size(names);
  std::vector<std::vector<double>> stage_rates(stage_count);
  std::vector<double> stages_total, pipeline, raw;
  for (std::size_t round = 0; round < options.rounds; ++round) {
    auto r = run_round(*w);
    if (!r)
      return r.error();
    double total = 0;
    for (std::size_t s = 0; s < stage_count; ++s) {
      stage_rates[s].push_back(rate(options.count, r->stage_seconds[s]));
      total += r->stage_seconds[s];
    }
    stages_total.push_back(rate(options.count, total));
    pipeline.push_back(rate(options.count, r->pipeline_seconds));
    raw.push_back(rate(options.count, r->raw_verify_seconds));
  }
  codec_bench_report report;
  report.options = options;
  for (std::size_t s = 0; s < stage_count; ++s)
    report.stages.push_back({names[s], labels[s], median(stage_rates[s])});
  report.stages_per_second = median(stages_total);
  report.pipeline_per_second = median(pipeline);
  report.raw_verify_per_second = median(raw);
  return report;
}

std::string format_table(const codec_bench_report& r) {
  std::string out = fmt::format(
    "bfd-bench codec: {} signed transfers from {} accounts, one thread, median of {} round{}\n\n",
    r.options.count, r.options.accounts, r.options.rounds, r.options.rounds == 1 ? "" : "s");
  auto row = [&](const std::string& label, double per_second) {
    out += fmt::format("{:<34}{:>14.0f}{:>12.3f}\n", label, per_second,
                       per_second > 0 ? 1e6 / per_second : 0.0);
  };
  out += fmt::format("{:<34}{:>14}{:>12}\n", "stage", "tx/s", "us/tx");
  for (const auto& s : r.stages)
    row(s.label, s.per_second);
  row("stages in sequence (sum of times)", r.stages_per_second);
  row("pipeline, end to end", r.pipeline_per_second);
  row("raw Schnorr verify (bfd::verify)", r.raw_verify_per_second);
  out += fmt::format("\npipeline / raw verify: {:.3f}\n",
                     r.raw_verify_per_second > 0 ? r.pipeline_per_second / r.raw_verify_per_second
                                                 : 0.0);
  return out;
}

std::string format_json_line(const codec_bench_report& r) {
  nlohmann::ordered_json j;
  j["bench"] = "codec";
  j["count"] = r.options.count;
  j["accounts"] = r.options.accounts;
  j["rounds"] = r.options.rounds;
  j["threads"] = 1;
  for (const auto& s : r.stages)
    j[s.name + "_per_s"] = std::llround(s.per_second);
  j["stages_per_s"] = std::llround(r.stages_per_second);
  j["pipeline_per_s"] = std::llround(r.pipeline_per_second);
  j["raw_verify_per_s"] = std::llround(r.raw_verify_per_second);
  double ratio = r.raw_verify_per_second > 0 ? r.pipeline_per_second / r.raw_verify_per_second : 0;
  j["pipeline_over_raw_verify"] = std::round(ratio * 1000) / 1000;
  return j.dump();
}

} // namespace bfd::bench

// `bfd-bench e2e --chains N,...`: one node hosting the mainchain and N sidechains, transfers driven
// into every sidechain at once; aggregate and per-chain figures, and the bench's own consistency.
#include <algorithm>
#include <cmath>
#include <optional>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "chains/crypto/hash.hpp"
#include "chains/sidechain/chain_spec.hpp"
#include "chains/storage/rocksdb/node_store.hpp"
#include "runtime/dev_network.hpp"
#include "runtime/dev_sidechains.hpp"
#include "runtime/peg_specs.hpp"
#include "tools/bfd-bench/e2e_bench.hpp"
#include "tools/bfd-bench/e2e_internal.hpp"

namespace bfd::bench {

bool chains_row::complete() const noexcept {
  return std::all_of(chains.begin(), chains.end(), [](const chain_figures& c) { return c.complete; });
}

bool chains_row::consistent() const noexcept {
  return !chains.empty()
         && std::all_of(chains.begin(), chains.end(), [](const chain_figures& c) { return c.consistent(); });
}

namespace {

using namespace detail;

constexpr chain_kind kinds[] = {chain_kind::system_service, chain_kind::daos, chain_kind::ecosystem,
                                chain_kind::consortium};

/// One sidechain during a row: its workload, what was submitted and what became final.
struct chain_run {
  chain_id id = 0;
  std::string name;
  const workload* w = nullptr;
  std::unique_ptr<submissions> subs;
  std::unique_ptr<finality> fin;
  std::uint64_t supply_start = 0;
};

/// The spec of bench sidechain `id`: the registry's default rule (one validator per category,
/// the largest mainchain bids), its own token allocated to the bench accounts.
struct bench_sidechain {
  chain_spec spec;
  std::vector<runtime::delegate_identity> delegates;
};

bench_sidechain make_sidechain(chain_id id, const runtime::dev_network& net, const workload& w,
                               std::uint64_t genesis_time_ms) {
  const auto& main = net.genesis;
  sidechain_entry e;
  e.id = id;
  e.kind = kinds[(id - 2) % std::size(kinds)];
  e.name = fmt::format("bench {}", id);
  e.token.symbol = fmt::format("BN{}", id);
  e.token.allocations = w.allocations;
  e.rule.per_category.assign(main.params.categories.size(), 1);
  e.params.slot_ms = main.params.slot_ms;
  e.params.rounds_per_epoch = main.params.rounds_per_epoch;
  e.params.base_block_txs = main.params.base_block_txs;
  e.params.work_bits = main.params.work_bits;
  e.params.miss_limit = main.params.miss_limit;
  e.genesis_time_ms = genesis_time_ms;
  bench_sidechain out;
  for (auto v : runtime::choose_validators(main, e.rule))
    for (const auto& d : net.delegates)
      if (d.keys.pub == v.key) {
        auto reveals = runtime::delegate_hash_chain(d.keys, runtime::delegate_hash_chain_length, id);
        v.bid = main.params.min_bid;
        v.hash_chain_tip = reveals->tip();
        e.validators.push_back(v);
        out.delegates.push_back({d.keys, reveals});
      }
  out.spec = runtime::sidechain_spec_for(e, main);
  return out;
}

/// After the run: every final block of the chain is read again; each workload transaction must
/// be in exactly one of them, nothing of another chain may be, and the accounts must add up.
void check_chain(caf::actor_system& system, runtime::chain_unit& unit, const chain_run& c,
                 const std::vector<key_pair>& keys, chain_figures& out) {
  caf::scoped_actor self{system};
  const auto timeout = std::chrono::seconds(30);
  std::optional<chain_info> info;
  self->request(unit.chain(), timeout, info_atom::value).receive([&](const chain_info& i) { info = i; },
                                                                  [](const caf::error&) {});
  if (!info)
    return;
  out.final_height = info->final_height;
  out.supply_conserved = info->total_supply == c.supply_start;
  const auto& w = *c.w;
  std::vector<std::uint32_t> seen(w.txs.size(), 0);
  std::vector<std::uint64_t> final_of(w.accounts, 0);
  for (std::uint64_t h = 1; h <= info->final_height; ++h) {
    block_envelope env;
    self->request(unit.chain(), timeout, height_atom::value, h).receive([&](const block_envelope& b) { env = b; },
                                                                        [](const caf::error&) {});
    if (!env) {
      ++out.foreign;  // an unreadable final block: counted against the chain
      continue;
    }
    for (const auto& tx : env->txs) {
      auto i = w.index.find(signing_hash(tx));
      if (tx.chain != c.id || i == w.index.end()) {
        ++out.foreign;
        continue;
      }
      ++seen[i->second];
    }
  }
  std::uint64_t finals = 0;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (seen[i] == 1) {
      ++out.found_once;
      ++final_of[i % w.accounts];
      ++finals;
    } else if (seen[i] > 1) {
      ++out.duplicates;
    }
  }
  // Transfers stay among the bench accounts; only the fees leave them (to the producers).
  bool nonces = true;
  std::uint64_t sum = 0;
  for (std::size_t s = 0; s < w.accounts; ++s) {
    std::optional<account_summary> a;
    self->request(unit.chain(), timeout, account_atom::value, address_of(keys[s].pub))
      .receive([&](const account_summary& x) { a = x; }, [](const caf::error&) {});
    if (!a)
      return;
    sum += a->balance;
    nonces = nonces && a->nonce == final_of[s];
  }
  out.nonces_match = nonces;
  out.balances_conserved = sum == w.accounts * account_balance - finals * transfer_fee;
}

result<chains_row> run_row(const e2e_bench_options& o, std::uint32_t n, const std::vector<workload>& loads,
                           const std::vector<key_pair>& keys) {
  chains_row row;
  row.sidechains = n;
  const auto setup_start = now_ns();
  wall_clock wall;
  auto made = prepare_bench_network(o.delegates, o.slot_ms, o.work_bits, o.block_txs, wall.now_ms());
  if (!made)
    return made.error();
  const auto& dir = (*made)->dir;
  auto* net = &(*made)->net;
  // Hash chains take a moment per validator and chain: the chains start after they are made.
  std::vector<bench_sidechain> sides;
  for (std::uint32_t k = 0; k < n; ++k)
    sides.push_back(make_sidechain(2 + k, *net, loads[k], 0));
  const std::uint64_t genesis_ms = (wall.now_ms() / 1000 + 1) * 1000;
  net->genesis.params.genesis_time_ms = genesis_ms;
  runtime::node_options opts;
  opts.chains.push_back({mainchain_spec(net->genesis), net->delegates});
  for (auto& s : sides) {
    s.spec.genesis.params.genesis_time_ms = genesis_ms;
    opts.chains.push_back({s.spec, s.delegates});
  }
  opts.genesis = net->genesis;
  opts.reporter = net->reporter;
  opts.time = std::make_shared<wall_clock>();
  opts.self_ticking = true;
  auto db = open_bench_store(o.store, o.durability, dir.path.string());
  if (!db)
    return db.error();
  opts.store = std::move(*db);

  bench_config cfg{o.threads};
  caf::actor_system system{cfg};
  auto started = runtime::node::start(system, std::move(opts));
  if (!started)
    return started.error();
  auto node = std::move(*started);
  std::vector<chain_run> runs(n);
  {
    caf::scoped_actor self{system};
    for (std::uint32_t k = 0; k < n; ++k) {
      auto& c = runs[k];
      c.id = 2 + k;
      c.name = sides[k].spec.name;
      c.w = &loads[k];
      c.subs = std::make_unique<submissions>(loads[k].txs.size());
      c.fin = std::make_unique<finality>(loads[k].txs.size());
      auto* unit = node->unit(c.id);
      if (!unit)
        return make_error(errc::invalid_argument, fmt::format("chain {} is not hosted", c.id));
      self->request(unit->chain(), std::chrono::seconds(30), info_atom::value)
        .receive([&](const chain_info& i) { c.supply_start = i.total_supply; }, [](const caf::error&) {});
    }
  }
  std::uint64_t main_final_start = 0;
  auto main_final = [&] {
    std::uint64_t h = 0;
    caf::scoped_actor self{system};
    self->request(node->chain(), std::chrono::seconds(30), info_atom::value)
      .receive([&](const chain_info& i) { h = i.final_height; }, [](const caf::error&) {});
    return h;
  };
  while (wall.now_ms() < genesis_ms)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  main_final_start = main_final();
  row.setup_seconds = seconds_between(setup_start, now_ns());
  reset_peak_rss();
  const double cpu_start = process_cpu_seconds();
  const auto wall_start = now_ns();

  // Every sidechain at once: a submitter and a finality tracker each.
  std::vector<std::thread> trackers;
  std::vector<std::thread> submitters;
  for (auto& c : runs) {
    auto* unit = node->unit(c.id);
    trackers.emplace_back([&, unit] {
      track_finality(system, unit->chain(), unit->mempool(), *c.w, o, fmt::format("N={} chain {}", n, c.id), *c.subs,
                     *c.fin);
    });
    submitters.emplace_back([&, unit] { submit_to_mempool(system, unit->mempool(), *c.w, o, o.rate, *c.subs); });
  }
  for (std::size_t k = 0; k < runs.size(); ++k) {
    submitters[k].join();
    auto& c = runs[k];
    std::size_t expected = 0;
    for (std::size_t s = 0; s < c.w->accounts; ++s)
      for (std::size_t i = s; i < c.w->txs.size() && c.subs->accepted[i]; i += c.w->accounts)
        ++expected;
    c.fin->expected = expected;
    c.fin->deadline_ns = now_ns() + static_cast<std::int64_t>(o.timeout_s * 1e9);
    c.fin->submitted = true;
  }
  for (auto& t : trackers)
    t.join();
  row.peak_rss_mb = peak_rss_mb();
  if (const double secs = seconds_between(wall_start, now_ns()); secs > 0)
    row.cpu_cores = (process_cpu_seconds() - cpu_start) / secs;
  const auto main_final_end = main_final();
  row.mainchain_final_blocks = main_final_end > main_final_start ? main_final_end - main_final_start : 0;

  std::int64_t first_ns = 0;
  std::int64_t last_ns = 0;
  std::vector<double> all_ms;
  for (auto& c : runs) {
    if (!c.fin->failure.empty())
      return make_error(errc::io, fmt::format("chain {}: {}", c.id, c.fin->failure));
    chain_figures f;
    f.chain = c.id;
    f.name = c.name;
    f.submitted = c.subs->sent.load();
    f.accepted = c.subs->admitted.load();
    f.expected_final = c.fin->expected.load();
    f.final_count = c.fin->final_count;
    f.complete = f.final_count >= f.expected_final;
    if (f.final_count > 0) {
      f.final_seconds = seconds_between(c.subs->first_ns, c.fin->last_final_ns);
      f.final_tps = f.final_seconds > 0 ? static_cast<double>(f.final_count) / f.final_seconds : 0;
      last_ns = std::max(last_ns, c.fin->last_final_ns);
    }
    first_ns = first_ns == 0 ? c.subs->first_ns : std::min(first_ns, c.subs->first_ns);
    std::vector<double> ms;
    for (std::size_t i = 0; i < c.w->txs.size(); ++i)
      if (c.fin->final_ns[i] != 0 && c.subs->submit_ns[i] != 0)
        ms.push_back(static_cast<double>(c.fin->final_ns[i] - c.subs->submit_ns[i]) / 1e6);
    all_ms.insert(all_ms.end(), ms.begin(), ms.end());
    f.latency = summarize(std::move(ms));
    row.submitted += f.submitted;
    row.accepted += f.accepted;
    row.expected_final += f.expected_final;
    row.final_count += f.final_count;
    check_chain(system, *node->unit(c.id), c, keys, f);
    row.chains.push_back(std::move(f));
  }
  row.latency = summarize(std::move(all_ms));
  if (last_ns > first_ns) {
    row.final_seconds = seconds_between(first_ns, last_ns);
    row.final_tps = static_cast<double>(row.final_count) / row.final_seconds;
  }
  node->stop();
  node.reset();
  return row;
}

} // namespace

result<chains_bench_report> run_chains_bench(const e2e_bench_options& options, const std::vector<std::uint32_t>& counts) {
  const auto& o = options;
  if (counts.empty())
    return make_error(errc::invalid_argument, "--chains needs at least one count");
  for (auto n : counts)
    if (n < 1 || n > 64)
      return make_error(errc::invalid_argument, fmt::format("--chains {}: a count must be 1..64", n));
  if (o.txs == 0 || o.accounts == 0 || o.threads == 0)
    return make_error(errc::invalid_argument, "--txs, --accounts and --threads must be at least 1");
  if (o.path == "http")
    return make_error(errc::invalid_argument, "--chains submits to each chain's mempool actor: --path http is not supported with it");
  chains_bench_report report;
  report.options = o;
  const std::uint32_t most = *std::max_element(counts.begin(), counts.end());
  // One workload per sidechain id, signed once and reused by every row (a row uses the first N).
  const auto sign_start = now_ns();
  std::vector<workload> loads;
  for (std::uint32_t k = 0; k < most; ++k) {
    auto w = build_workload(o, false, 2 + k);
    if (!w)
      return w.error();
    loads.push_back(std::move(*w));
  }
  report.sign_seconds = seconds_between(sign_start, now_ns());
  std::vector<key_pair> keys;
  for (std::size_t i = 0; i < o.accounts; ++i) {
    auto k = account_key(i);
    if (!k)
      return k.error();
    keys.push_back(*k);
  }
  report.raw_verify_per_second = raw_verify_rate(loads.front(), o.threads);
  if (report.raw_verify_per_second == 0)
    return make_error(errc::bad_signature, "a pre-made signature does not verify");
  for (auto n : counts) {
    auto row = run_row(o, n, loads, keys);
    if (!row)
      return row.error();
    report.rows.push_back(std::move(*row));
  }
  return report;
}

std::string format_table(const chains_bench_report& rep) {
  const auto& o = rep.options;
  std::string out = fmt::format(
    "bfd-bench e2e --chains: {} transfers per sidechain from {} accounts; mainchain of {} delegates, each sidechain "
    "one validator per category; slot {} ms; store {}{}; {} actor thread{}\n",
    o.txs, o.accounts, o.delegates, o.slot_ms, o.store, o.store == "rocksdb" ? " (" + o.durability + ")" : "",
    o.threads, o.threads == 1 ? "" : "s");
  out += fmt::format("raw Schnorr verify on {} thread{}: {:.0f}/s; pre-signing took {:.2f} s (not counted)\n\n",
                     o.threads, o.threads == 1 ? "" : "s", rep.raw_verify_per_second, rep.sign_seconds);
  out += fmt::format("{:>6}{:>10}{:>16}{:>12}{:>10}{:>9}{:>9}{:>9}{:>20}{:>8}{:>8}{:>8}{:>12}\n", "chains", "txs",
                     "final/expected", "final tx/s", "/ verify", "p50 ms", "p90 ms", "p99 ms", "per chain tx/s",
                     "main+", "cores", "RSS", "consistent");
  for (const auto& r : rep.rows) {
    double lo = 0, hi = 0;
    for (const auto& c : r.chains) {
      lo = lo == 0 ? c.final_tps : std::min(lo, c.final_tps);
      hi = std::max(hi, c.final_tps);
    }
    out += fmt::format("{:>6}{:>10}{:>16}{:>12.0f}{:>10.3f}{:>9.0f}{:>9.0f}{:>9.0f}{:>20}{:>8}{:>8.2f}{:>8.0f}{:>12}\n",
                       r.sidechains, r.submitted, fmt::format("{}/{}{}", r.final_count, r.expected_final,
                                                              r.complete() ? "" : "!"),
                       r.final_tps, ratio(r.final_tps, rep.raw_verify_per_second), r.latency.p50_ms,
                       r.latency.p90_ms, r.latency.p99_ms, fmt::format("{:.0f}-{:.0f}", lo, hi),
                       r.mainchain_final_blocks, r.cpu_cores, r.peak_rss_mb, r.consistent() ? "yes" : "NO");
  }
  out += "\nper chain (chains=N: id name: final/expected, final tx/s, latency p50/p90/p99/max ms, final height, checks)\n";
  for (const auto& r : rep.rows)
    for (const auto& c : r.chains)
      out += fmt::format(
        "chains={} {} {}: {}/{}, {:.0f} tx/s, {:.0f}/{:.0f}/{:.0f}/{:.0f} ms, #{}, {}\n", r.sidechains, c.chain,
        c.name, c.final_count, c.expected_final, c.final_tps, c.latency.p50_ms, c.latency.p90_ms, c.latency.p99_ms,
        c.latency.max_ms, c.final_height,
        c.consistent() ? std::string("consistent")
                       : fmt::format("INCONSISTENT (once {}, duplicates {}, foreign {}, supply {}, balances {}, nonces {})",
                                     c.found_once, c.duplicates, c.foreign, c.supply_conserved, c.balances_conserved,
                                     c.nonces_match));
  return out;
}

std::string format_json_line(const chains_bench_report& rep) {
  const auto& o = rep.options;
  auto round1 = [](double v) { return round_to(v, 1); };
  auto round3 = [](double v) { return round_to(v, 3); };
  auto lat = [&](const latency_summary& l) {
    return nlohmann::ordered_json{{"p50", round1(l.p50_ms)}, {"p90", round1(l.p90_ms)}, {"p99", round1(l.p99_ms)},
                                  {"max", round1(l.max_ms)}};
  };
  nlohmann::ordered_json j;
  j["bench"] = "e2e-chains";
  j["txs_per_chain"] = o.txs;
  j["accounts"] = o.accounts;
  j["delegates"] = o.delegates;
  j["slot_ms"] = o.slot_ms;
  j["block_txs"] = o.block_txs;
  j["store"] = o.store;
  j["durability"] = o.store == "rocksdb" ? o.durability : "none";
  j["threads"] = o.threads;
  j["raw_verify_per_s"] = std::llround(rep.raw_verify_per_second);
  j["rows"] = nlohmann::ordered_json::array();
  for (const auto& r : rep.rows) {
    nlohmann::ordered_json x;
    x["sidechains"] = r.sidechains;
    x["submitted"] = r.submitted;
    x["accepted"] = r.accepted;
    x["expected_final"] = r.expected_final;
    x["final"] = r.final_count;
    x["complete"] = r.complete();
    x["consistent"] = r.consistent();
    x["final_tps"] = std::llround(r.final_tps);
    x["final_over_raw_verify"] = round3(ratio(r.final_tps, rep.raw_verify_per_second));
    x["latency_ms"] = lat(r.latency);
    x["mainchain_final_blocks"] = r.mainchain_final_blocks;
    x["cpu_cores"] = round3(r.cpu_cores);
    x["peak_rss_mb"] = round1(r.peak_rss_mb);
    x["setup_s"] = round1(r.setup_seconds);
    x["chains"] = nlohmann::ordered_json::array();
    for (const auto& c : r.chains)
      x["chains"].push_back({{"chain", c.chain},
                             {"name", c.name},
                             {"submitted", c.submitted},
                             {"accepted", c.accepted},
                             {"expected_final", c.expected_final},
                             {"final", c.final_count},
                             {"final_tps", std::llround(c.final_tps)},
                             {"latency_ms", lat(c.latency)},
                             {"final_height", c.final_height},
                             {"found_once", c.found_once},
                             {"duplicates", c.duplicates},
                             {"foreign", c.foreign},
                             {"supply_conserved", c.supply_conserved},
                             {"balances_conserved", c.balances_conserved},
                             {"nonces_match", c.nonces_match},
                             {"consistent", c.consistent()}});
    j["rows"].push_back(std::move(x));
  }
  return j.dump();
}

} // namespace bfd::bench

// `bfd-bench peg`: one node hosting the pegged mainchain and N pegged sidechains, the sidechain
// watcher (anchors) and one peg bridge per pair; pre-signed peg_send transactions timed from
// submission to their final acknowledgement, stage by stage, then the conservation check.
#include "tools/bfd-bench/peg_bench.hpp"
#include "tools/bfd-bench/e2e_internal.hpp"
#include "tools/bfd-bench/peg_internal.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <optional>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "chains/crypto/hash.hpp"
#include "chains/peg/peg_ledger.hpp"
#include "chains/peg/peg_module.hpp"
#include "chains/sidechain/registry_module.hpp"
#include "chains/storage/rocksdb/node_store.hpp"
#include "runtime/dev_network.hpp"
#include "runtime/dev_sidechains.hpp"
#include "runtime/peg_bridge.hpp"
#include "runtime/peg_specs.hpp"
#include "runtime/sidechain_watcher.hpp"

namespace bfd::bench {

bool peg_bench_report::conserved() const noexcept {
  return !pairs.empty() && std::all_of(pairs.begin(), pairs.end(), [](const peg_pair_check& p) { return p.ok(); });
}

namespace {

using namespace detail;

constexpr auto query_timeout = std::chrono::seconds(30);


result<key_pair> bridge_key(std::uint32_t pair) {
  byte seed[24] = {'b', 'f', 'd', '-', 'b', 'e', 'n', 'c', 'h', '-', 'p', 'e', 'g', '-', 'b', 'r'};
  for (int i = 0; i < 4; ++i)
    seed[20 + i] = static_cast<byte>(pair >> (24 - 8 * i));
  secret_key secret;
  secret.data = sha256(byte_view{seed, sizeof seed}).data;
  return key_pair_from_secret(secret);
}


/// Submits the returns whose vouchers are final on their sidechain, in nonce order per account.
void submit_returns(caf::scoped_actor& self, runtime::node& node, const peg_bench_options& o, const peg_workload& w,
                    peg_stamps& s) {
  std::map<chain_id, std::vector<std::size_t>> due;
  for (std::size_t a = 0; a < o.accounts; ++a) {
    if (s.stranded[a])
      continue;
    for (;;) {
      const auto i = a + s.next_return[a] * o.accounts;
      if (i >= o.messages || s.recv_final[i] == 0)
        break;
      due[sidechain_of(o, i)].push_back(i);
      ++s.next_return[a];
    }
  }
  for (auto& [chain, ids] : due) {
    auto* unit = node.unit(chain);
    if (!unit)
      continue;
    std::vector<tx_envelope> batch;
    for (auto i : ids) {
      batch.push_back(w.back.txs[i]);
      s.ret_submit[i] = now_ns();
    }
    s.ret_submitted += ids.size();
    std::vector<admission> verdicts;
    std::string error;
    self->request(unit->mempool(), query_timeout, submit_atom::value, std::move(batch))
      .receive([&](std::vector<admission>& v) { verdicts = std::move(v); },
               [&](const caf::error& e) { error = "actor_error: " + self->system().render(e); });
    for (std::size_t k = 0; k < ids.size(); ++k) {
      if (k < verdicts.size() && verdicts[k].code == 0) {
        ++s.ret_accepted;
        continue;
      }
      ++s.ret_refused[k < verdicts.size() ? std::string(to_string(static_cast<errc>(verdicts[k].code)))
                                          : (error.empty() ? "no_answer" : error)];
      s.stranded[ids[k] % o.accounts] = 1;  // its later nonces can never be admitted
    }
  }
}

/// Bridge pass figures, shared by the bridge loops.
struct bridge_stats {
  std::mutex mutex;
  std::uint64_t passes = 0;
  double pass_ms_total = 0;
  double pass_ms_max = 0;
  std::size_t carried = 0;
  std::size_t problems = 0;
  std::uint32_t client_updates = 0;
  std::map<std::string, std::size_t> distinct;  // the first 64 distinct problem lines, counted
};


std::unique_ptr<peg_module> rebuild_peg(chain_id chain, const peg_records_reply& r) {
  std::vector<std::pair<bytes, bytes>> records;
  for (std::size_t i = 0; i < r.keys.size() && i < r.values.size(); ++i)
    records.emplace_back(r.keys[i], r.values[i]);
  auto m = peg_module::from_records(chain, records);
  return m ? std::move(*m) : nullptr;
}

std::optional<peg_records_reply> peg_records(caf::scoped_actor& self, const chain_actor& chain) {
  std::optional<peg_records_reply> out;
  self->request(chain, query_timeout, pegrec_atom::value)
    .receive([&](peg_records_reply& r) { out = std::move(r); }, [](const caf::error&) {});
  if (out && out->code != 0)
    out.reset();
  return out;
}

/// Both final peg ledgers of the pair, rebuilt from their records: the conservation invariant and
/// the exact escrow and voucher supply the delivered workload implies.
peg_pair_check check_pair(caf::scoped_actor& self, runtime::node& node, chain_id side, amount expected) {
  peg_pair_check c;
  c.sidechain = side;
  c.expected = expected;
  auto* main = node.unit(mainchain_id);
  auto* unit = node.unit(side);
  if (!main || !unit) {
    c.problem = "chain not hosted";
    return c;
  }
  auto s = peg_records(self, unit->chain());
  auto m = peg_records(self, main->chain());
  if (!s || !m) {
    c.problem = "peg records not available";
    return c;
  }
  auto a = rebuild_peg(mainchain_id, *m);
  auto b = rebuild_peg(side, *s);
  if (!a || !b) {
    c.problem = "peg records do not rebuild a module";
    return c;
  }
  auto st = peg::check_conservation(a->peg_ledger(), b->peg_ledger());
  c.conservation_ok = static_cast<bool>(st);
  if (!st)
    c.problem = st.error().detail;
  c.escrowed = a->peg_ledger().escrowed(native_denom, side);
  c.vouchers = b->peg_ledger().voucher_supply(voucher_denom);
  return c;
}

/// Whether the message with this sequence is delivered in `chain`'s final state (it is the source).
bool delivered(caf::scoped_actor& self, const chain_actor& chain, chain_id source, std::uint64_t seq) {
  bool yes = false;
  self->request(chain, query_timeout, pegmsg_atom::value, source, seq)
    .receive([&](const peg_message_view& v) {
      yes = v.code == 0 && v.sent && v.state == static_cast<std::uint8_t>(peg::message_state::delivered);
    }, [](const caf::error&) {});
  return yes;
}

} // namespace

result<peg_bench_report> run_peg_bench(const peg_bench_options& options) {
  const auto& o = options;
  if (o.messages == 0 || o.accounts == 0 || o.threads == 0 || o.sidechains == 0)
    return make_error(errc::invalid_argument, "--messages, --accounts, --sidechains and --threads must be at least 1");
  if (o.accounts < o.sidechains)
    return make_error(errc::invalid_argument, "--accounts must be at least --sidechains (each account sends to one)");
  if (o.sidechains > 7)
    return make_error(errc::invalid_argument, "--sidechains must be 1..7");
  if (o.nodes != 1 && o.nodes != 3)
    return make_error(errc::invalid_argument, "--nodes must be 1 (one process) or 3 (three bfd-node processes)");
  if (o.nodes == 3 && o.return_trip)
    return make_error(errc::invalid_argument, "--return is not supported with --nodes 3 (docs/performance.md, section 13)");
  if (o.nodes == 3 && (o.store != "rocksdb" || o.durability != "sync"))
    return make_error(errc::invalid_argument, "--nodes 3 runs bfd-node, which keeps RocksDB with fsync: "
                                              "--store and --durability do not apply");
  if (o.nodes == 3 && o.bridge_ms != 0)
    return make_error(errc::invalid_argument, "--bridge-ms does not apply with --nodes 3: bfd-node's bridges pass "
                                              "every half slot, at least 200 ms");
  if (o.nodes == 3 && o.delegates < 9)
    return make_error(errc::invalid_argument, "--nodes 3 needs at least 9 --delegates (one of each category per node)");
  if (o.store != "rocksdb" && o.store != "memory")
    return make_error(errc::invalid_argument, "--store must be rocksdb or memory");
  if (o.rate < 0)
    return make_error(errc::invalid_argument, "--rate must not be negative");
  // Each account's sends must fit its balance (and the mempool's per-sender bound).
  if ((o.messages + o.accounts - 1) / o.accounts > 1'000)
    return make_error(errc::invalid_argument, "more than 1,000 messages per account: raise --accounts");

  peg_bench_report rep;
  rep.options = o;
  rep.bridge_interval_ms = o.bridge_ms ? o.bridge_ms : std::max<std::uint64_t>(200, o.slot_ms / 2);
  const auto sign_start = now_ns();
  auto w = build_peg_workload(o);
  if (!w)
    return w.error();
  rep.sign_seconds = seconds_between(sign_start, now_ns());
  rep.raw_verify_per_second = raw_verify_rate(w->out, o.threads);
  if (rep.raw_verify_per_second == 0)
    return make_error(errc::bad_signature, "a pre-made signature does not verify");
  if (o.nodes == 3)
    return run_peg_nodes(std::move(rep), *w);

  // The network: the dev mainchain (registry and peg) with the bench accounts funded, and N dev
  // sidechains in its registry from the genesis, their tokens allocated to the same accounts.
  const auto setup_start = now_ns();
  wall_clock wall;
  auto made = prepare_bench_network(o.delegates, o.slot_ms, o.work_bits, o.block_txs, wall.now_ms());
  if (!made)
    return made.error();
  const auto& dir = (*made)->dir;
  auto* net = &(*made)->net;
  net->accounts = w->keys;
  auto& genesis = net->genesis;
  genesis.allocations.insert(genesis.allocations.end(), w->out.allocations.begin(), w->out.allocations.end());
  // Hash chains and specs take a moment: the chains start on a whole second after that.
  genesis.params.genesis_time_ms = (wall.now_ms() / 1000 + 3) * 1000;
  auto registry = std::make_shared<registry_genesis>(*genesis.registry);
  validator_rule rule;
  rule.per_category.assign(genesis.params.categories.size(), 1);
  const auto validators = runtime::choose_validators(genesis, rule);
  for (std::uint32_t k = 0; k < o.sidechains; ++k) {
    const chain_id id = 2 + k;
    auto e = runtime::dev_sidechain_entry(*net, id, kinds[k % std::size(kinds)], fmt::format("peg bench {}", id),
                                          fmt::format("PB{}", id), validators);
    if (!e)
      return e.error();
    registry->sidechains.push_back(std::move(*e));
  }
  genesis.registry = registry;
  const auto trust = runtime::mainchain_peg_trust(genesis);
  if (!trust)
    return make_error(errc::invalid_argument, "the bench mainchain has no peg trust point");
  std::vector<chain_spec> specs;
  for (const auto& e : registry->sidechains)
    specs.push_back(runtime::sidechain_spec_for(e, genesis.params, trust));

  runtime::node_options opts;
  opts.chains = runtime::dev_hosted_chains(*net, specs);
  opts.genesis = genesis;
  opts.reporter = net->reporter;
  opts.time = std::make_shared<wall_clock>();
  opts.self_ticking = true;
  auto db = open_bench_store(o.store, o.durability, dir.path.string());
  if (!db)
    return db.error();
  opts.store = std::move(*db);
  std::vector<key_pair> bridge_keys;  // derived before the node starts: no early return after it
  for (std::uint32_t k = 0; k < o.sidechains; ++k) {
    auto key = bridge_key(k);
    if (!key)
      return key.error();
    bridge_keys.push_back(*key);
  }
  bench_config cfg{o.threads};
  caf::actor_system system{cfg};
  auto started = runtime::node::start(system, std::move(opts));
  if (!started)
    return started.error();
  auto node = std::move(*started);
  const auto interval = std::chrono::milliseconds(rep.bridge_interval_ms);
  std::shared_ptr<spdlog::logger> log;
  if (o.log_bridge)
    log = std::make_shared<spdlog::logger>("peg-bench", std::make_shared<spdlog::sinks::stderr_sink_mt>());

  // Anchors of the sidechains on the mainchain (the mainchain verifies acknowledgements against them).
  runtime::sidechain_watch_options wo;
  wo.mainchain = genesis.params;
  wo.peg_trust = trust;
  wo.log = log;
  const auto last_side = static_cast<chain_id>(1 + o.sidechains);
  wo.hosts = [last_side](chain_id id) { return id >= 2 && id <= last_side; };
  wo.submit_anchor = runtime::anchor_submitter(system, *node, net->anchorer);
  auto watcher = std::make_unique<runtime::sidechain_watcher>(system, *node, std::move(wo));
  watcher->run(interval);

  // One bridge per pair, each with a key of its own (fee 0: nonces must not collide), each pass
  // timed; the same loop as peg_bridge::run.
  bridge_stats bstats;
  std::atomic<bool> bridging{true};
  std::vector<std::unique_ptr<runtime::peg_bridge>> bridges;
  std::vector<std::thread> bridge_threads;
  for (std::uint32_t k = 0; k < o.sidechains; ++k) {
    runtime::peg_bridge_options bo;
    bo.keys = bridge_keys[k];
    bo.sidechain = 2 + k;
    bo.log = log;
    bridges.push_back(std::make_unique<runtime::peg_bridge>(system, *node, std::move(bo)));
  }
  for (auto& b : bridges)
    bridge_threads.emplace_back([&, bridge = b.get()] {
      while (bridging.load()) {
        const auto t0 = now_ns();
        auto r = bridge->poll_once();
        const double ms = static_cast<double>(now_ns() - t0) / 1e6;
        {
          std::lock_guard lock(bstats.mutex);
          ++bstats.passes;
          bstats.pass_ms_total += ms;
          bstats.pass_ms_max = std::max(bstats.pass_ms_max, ms);
          bstats.carried += r.carried.size();
          bstats.problems += r.problems.size();
          bstats.client_updates += r.client_updates;
          for (const auto& p : r.problems)
            if (bstats.distinct.size() < 64 || bstats.distinct.count(p))
              ++bstats.distinct[p];
        }
        for (auto waited = std::chrono::milliseconds(0); waited < interval && bridging.load();
             waited += std::chrono::milliseconds(50))
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
  auto stop_all = [&] {
    bridging = false;
    for (auto& t : bridge_threads)
      if (t.joinable())
        t.join();
    bridges.clear();
    watcher.reset();
  };

  while (wall.now_ms() < genesis.params.genesis_time_ms)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  {
    caf::scoped_actor self{system};
    self->request(node->chain(), query_timeout, info_atom::value)
      .receive([&](const chain_info& i) { rep.cluster_size = static_cast<std::uint32_t>(i.order.size()); },
               [](const caf::error&) {});
  }
  rep.setup_seconds = seconds_between(setup_start, now_ns());
  reset_peak_rss();
  const double cpu_start = process_cpu_seconds();
  const auto wall_start = now_ns();

  const std::size_t n = o.messages;
  peg_run run(o);
  auto& subs = run.subs;
  auto& st = run.st;

  // The tracker: every chain's new final blocks, stamped; the returns as their vouchers arrive.
  std::thread tracker([&] {
    caf::scoped_actor self{system};
    std::map<chain_id, std::uint64_t> seen;
    std::vector<chain_id> chains{mainchain_id};
    for (std::uint32_t k = 0; k < o.sidechains; ++k)
      chains.push_back(2 + k);
    for (auto id : chains) {
      self->request(node->unit(id)->chain(), query_timeout, info_atom::value)
        .receive([&](const chain_info& i) { seen[id] = i.final_height; },
                 [&](const caf::error& e) { st.failure = "chain actor: " + system.render(e); });
    }
    while (st.failure.empty()) {
      for (auto id : chains) {
        std::optional<chain_info> info;
        const auto& chain = node->unit(id)->chain();
        self->request(chain, query_timeout, info_atom::value)
          .receive([&](const chain_info& i) { info = i; },
                   [&](const caf::error& e) { st.failure = "chain actor: " + system.render(e); });
        if (!info)
          break;
        const auto observed = now_ns();
        for (auto h = seen[id] + 1; h <= info->final_height; ++h) {
          block_envelope env;
          self->request(chain, query_timeout, height_atom::value, h)
            .receive([&](const block_envelope& b) { env = b; }, [](const caf::error&) {});
          if (!env)
            break;  // asked again at the next poll
          seen[id] = h;
          ++(id == mainchain_id ? st.main_blocks : st.side_blocks);
          stamp_block(id, *env, observed, *w, st);
        }
      }
      if (o.return_trip)
        submit_returns(self, *node, o, *w, st);
      if (run.poll_done())
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(o.poll_ms));
    }
  });

  e2e_bench_options so;
  so.window = o.window;
  so.batch = o.batch;
  submit_to_mempool(system, node->mempool(), w->out, so, o.rate, subs);
  const std::size_t exp = run.submission_done();
  tracker.join();
  rep.peak_rss_mb = peak_rss_mb();
  if (const double secs = seconds_between(wall_start, now_ns()); secs > 0)
    rep.cpu_cores = (process_cpu_seconds() - cpu_start) / secs;
  stop_all();
  if (!st.failure.empty()) {
    node->stop();
    return make_error(errc::io, st.failure);
  }

  // The figures.
  fill_figures(rep, subs, st, exp);
  {
    std::lock_guard lock(bstats.mutex);
    rep.bridge_passes = bstats.passes;
    rep.bridge_pass_ms_mean = bstats.passes ? bstats.pass_ms_total / static_cast<double>(bstats.passes) : 0;
    rep.bridge_pass_ms_max = bstats.pass_ms_max;
    rep.bridge_carried = bstats.carried;
    rep.bridge_problems = bstats.problems;
    rep.client_updates = bstats.client_updates;
    rep.bridge_problem_lines.assign(bstats.distinct.begin(), bstats.distinct.end());
    std::stable_sort(rep.bridge_problem_lines.begin(), rep.bridge_problem_lines.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    if (rep.bridge_problem_lines.size() > 5)
      rep.bridge_problem_lines.resize(5);
  }

  // The states, asked of the chains: each message delivered in its source's final state, and the
  // conservation of every pair with the exact amounts the delivered messages imply.
  {
    caf::scoped_actor self{system};
    std::map<chain_id, amount> expected_escrow;
    for (std::size_t i = 0; i < n; ++i) {
      if (st.out_seq[i] == peg_stamps::none)
        continue;
      if (!delivered(self, node->chain(), mainchain_id, st.out_seq[i])) {
        rep.failed += st.ack_final[i] != 0 && !st.ack_ok[i];
        continue;
      }
      ++rep.delivered;
      expected_escrow[sidechain_of(o, i)] += value_of(i);
      if (st.ret_seq[i] != peg_stamps::none) {
        const auto side = sidechain_of(o, i);
        if (delivered(self, node->unit(side)->chain(), side, st.ret_seq[i])) {
          ++rep.return_delivered;
          expected_escrow[side] -= value_of(i);
        }
      }
    }
    rep.complete = rep.complete && rep.delivered >= exp;
    for (std::uint32_t k = 0; k < o.sidechains; ++k) {
      rep.pairs.push_back(check_pair(self, *node, 2 + k, expected_escrow[2 + k]));
      rep.pairs.back().exact = rep.complete;  // with messages in flight only the invariant is checked
    }
  }
  node->stop();
  node.reset();
  return rep;
}

} // namespace bfd::bench

#include "runtime/sim/sim_runner.hpp"
#include "runtime/sim/sim_chains.hpp"
#include "runtime/sim/sim_link.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include "chains/codec/block_codec.hpp"
#include "chains/consensus/chain_state.hpp"
#include "chains/core/hex.hpp"
#include "chains/crypto/hash.hpp"
#include "chains/storage/memory_store.hpp"
#include "runtime/node.hpp"

namespace bfd::sim {

namespace {

using config::sim_event;
using config::sim_event_kind;
using config::sim_scenario;
using config::sim_selector;
using config::sim_selector_kind;
using config::sim_vm;

constexpr std::uint64_t genesis_time_ms = 1'700'000'000'000;
constexpr std::uint64_t far_expiry = 1'000'000'000;
constexpr amount fee_budget = 1'000 * units_per_bfdt;  // for vote, unvote and bid fees
constexpr amount vote_fee = 1'000;
constexpr std::uint64_t stream_keys = std::uint64_t{1} << 48;
constexpr std::uint64_t stream_links = (std::uint64_t{1} << 48) + (std::uint64_t{1} << 32);  // + a·nodes + b
constexpr std::uint64_t stream_forged = (std::uint64_t{1} << 48) + (std::uint64_t{2} << 32);

// Deterministic keys: VM i, load account i, voter of VM i, reporter of node i.
key_pair derive_key(std::uint64_t seed, std::uint64_t domain, std::uint64_t i) {
  for (std::uint64_t attempt = 0;; ++attempt) {
    byte buf[32];
    const std::uint64_t words[4] = {seed, domain, i, attempt};
    for (int w = 0; w < 4; ++w)
      for (int b = 0; b < 8; ++b)
        buf[w * 8 + b] = static_cast<byte>(words[w] >> (56 - 8 * b));
    auto h = tagged_hash(hash_tag::seed, byte_view{buf, sizeof buf});
    secret_key s;
    std::copy(h.begin(), h.end(), s.begin());
    if (auto k = key_pair_from_secret(s))
      return *k;
  }
}

hash256 aux_of(std::uint64_t n) {
  hash256 aux;
  for (int b = 0; b < 8; ++b)
    aux[b] = static_cast<byte>(n >> (56 - 8 * b));
  return aux;
}

struct sim_config : caf::actor_system_config {
  sim_config() {
    register_vocabulary(*this);
    set("scheduler.policy", caf::atom("testing"));
  }
};

// One final block as the records need it.
struct final_block {
  block blk;
  std::uint64_t final_ms = 0;
};

class runner {
public:
  runner(const sim_scenario& sc, const run_options& opts, run_stats& stats)
      : sc_(sc), opts_(opts), stats_(stats), sys_(cfg_),
        sched_(dynamic_cast<caf::scheduler::test_coordinator&>(sys_.scheduler())), self_(sys_) {}

  result<sim_result> run() {
    auto out = run_all();
    shutdown();
    return out;
  }

private:
  result<sim_result> run_all() {
    const auto t0 = std::chrono::steady_clock::now();
    if (auto st = setup(); !st)
      return st.error();
    const auto t1 = std::chrono::steady_clock::now();
    if (auto st = drive(); !st)
      return st.error();
    const auto t2 = std::chrono::steady_clock::now();
    auto out = records();
    const auto t3 = std::chrono::steady_clock::now();
    stats_.setup_seconds = std::chrono::duration<double>(t1 - t0).count();
    stats_.run_seconds = std::chrono::duration<double>(t2 - t1).count();
    stats_.replay_seconds = std::chrono::duration<double>(t3 - t2).count();
    return out;
  }

  /// Stops every actor the run started, so the actor system can shut down.
  void shutdown() {
    for (auto& n : nodes_)
      n->stop();
    // Links may hold messages in flight (delayed sends to themselves): stop them explicitly.
    for (auto& row : link_actors_)
      for (auto& l : row)
        if (l)
          caf::anon_send_exit(l, caf::exit_reason::user_shutdown);
    if (chains_)
      chains_->stop();
    settle();
    if (vote_trace_)
      std::fclose(vote_trace_);
    vote_trace_ = nullptr;
  }

  // --- set-up -------------------------------------------------------------------------------

  status setup() {
    vms_ = config::materialize_vms(sc_);
    if (vms_.empty())
      return make_error(errc::invalid_argument, "the scenario has no VM");
    const std::uint64_t chain_length = sc_.rounds + 2;
    ids_.resize(vms_.size());
    switches_.resize(vms_.size());
    delay_ms_.assign(vms_.size(), 0);
    for (std::size_t i = 0; i < vms_.size(); ++i) {
      auto keys = derive_key(sc_.seed, stream_keys + 0, i);
      ids_[i] = runtime::delegate_identity{keys, runtime::delegate_hash_chain(keys, chain_length)};
      switches_[i] = std::make_shared<delegate_switches>();
      vm_of_key_[keys.pub] = i;
    }
    genesis_.chain = mainchain_id;
    genesis_.params = sc_.params;
    genesis_.params.genesis_time_ms = genesis_time_ms;
    for (std::size_t i = 0; i < vms_.size(); ++i) {
      if (vms_[i].join_round == 0)
        genesis_.vms.push_back({ids_[i].keys.pub, vms_[i].category, vms_[i].bid, ids_[i].reveals->tip()});
      else
        genesis_.allocations.push_back({address_of(ids_[i].keys.pub), vms_[i].bid + fee_budget});
    }
    for (std::uint64_t a = 0; a < sc_.load.accounts; ++a) {
      load_keys_.push_back(derive_key(sc_.seed, stream_keys + 1, a));
      genesis_.allocations.push_back({address_of(load_keys_.back().pub), sc_.load.balance});
    }
    load_nonce_.assign(load_keys_.size(), 0);
    voters_.resize(vms_.size());
    votes_.assign(vms_.size(), 0);
    for (std::size_t i = 0; i < vms_.size(); ++i) {
      if (vms_[i].votes == 0)
        continue;
      voters_[i] = derive_key(sc_.seed, stream_keys + 2, i);
      genesis_.allocations.push_back({address_of(voters_[i]->pub), vms_[i].votes + fee_budget});
    }
    // The genesis state, for the initial cluster (selectors in partitions) and the replay.
    auto g = chain_state::genesis(genesis_);
    if (!g)
      return g.error();
    genesis_state_ = std::make_unique<chain_state>(g->first);
    genesis_block_ = g->second;
    place_nodes();
    clock_ = std::make_shared<manual_clock>(genesis_time_ms - 1);
    std::shared_ptr<spdlog::logger> log;
    if (!opts_.log_file.empty()) {
      try {
        log = spdlog::basic_logger_mt("bfd-sim-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)),
                                      opts_.log_file, true);
        log->set_pattern("%v");
      } catch (const std::exception& e) {
        return make_error(errc::io, std::string("log file: ") + e.what());
      }
    }
    log_ = log;
    if (!sc_.sidechains.empty()) {
      chains_context ctx;
      ctx.sys = &sys_;
      ctx.self = &self_;
      ctx.settle = [this] { settle(); };
      ctx.sc = &sc_;
      ctx.clock = clock_;
      ctx.vms = &vms_;
      ctx.ids = &ids_;
      ctx.node_of = &node_of_;
      ctx.nodes = &nodes_;
      ctx.node_up = &node_up_;
      ctx.mainchain = &genesis_;
      ctx.genesis_time_ms = genesis_time_ms;
      // A sidechain round can be shorter than the mainchain's (fewer validators): give its
      // delegates a reveal for every slot of the run.
      std::uint64_t weight = 1;
      for (const auto& c : sc_.params.categories)
        weight = std::max<std::uint64_t>(weight, c.compute_weight);
      ctx.hash_chain_length = std::min<std::uint64_t>(std::uint64_t{1} << 22, chain_length * vms_.size() * weight);
      ctx.key = [this](std::uint64_t domain, std::uint64_t i) { return derive_key(sc_.seed, stream_keys + domain, i); };
      ctx.lost = &stats_.checks.messages_lost;
      ctx.delayed = &stats_.checks.messages_delayed;
      chains_ = std::make_unique<sim_chains>(std::move(ctx));
      if (auto st = chains_->prepare(); !st)
        return st;
    }
    if (!opts_.vote_trace_file.empty()) {
      vote_trace_ = std::fopen(opts_.vote_trace_file.c_str(), "w");
      if (!vote_trace_)
        return make_error(errc::io, "cannot write " + opts_.vote_trace_file);
      fmt::print(vote_trace_, "sent_ms,due_ms,from_node,to_node,signer,source_height,source,height,target,fate\n");
      for (std::size_t v = 0; v < vms_.size(); ++v)
        fmt::print(vote_trace_, "# {} {} node {}\n", vms_[v].name, to_hex(ids_[v].keys.pub).substr(0, 16), node_of_[v]);
    }
    stores_.resize(node_count_);
    node_up_.assign(node_count_, true);
    crashed_.assign(vms_.size(), false);
    for (std::size_t n = 0; n < node_count_; ++n) {
      stores_[n] = std::make_shared<memory_store>();
      std::vector<std::size_t> hosted;
      for (std::size_t i = 0; i < vms_.size(); ++i)
        if (node_of_[i] == n && vms_[i].join_round == 0)
          hosted.push_back(i);
      auto started = runtime::node::start(sys_, node_options_for(n, hosted));
      if (!started)
        return started.error();
      // node::start spawns the delegates in the order it was given them.
      for (std::size_t k = 0; k < hosted.size(); ++k)
        actor_of_.emplace(hosted[k], (*started)->delegates()[k]);
      nodes_.push_back(std::move(*started));
      if (chains_)
        chains_->node_started(n);
    }
    settle();
    // Full mesh of links, each of which a partition can cut and the network model shapes.
    links_.assign(node_count_, std::vector<std::shared_ptr<link_slot>>(node_count_));
    link_actors_.assign(node_count_, std::vector<caf::actor>(node_count_));
    for (std::size_t a = 0; a < node_count_; ++a)
      for (std::size_t b = 0; b < node_count_; ++b) {
        if (a == b)
          continue;
        auto slot = std::make_shared<link_slot>();
        slot->target = caf::actor_cast<caf::actor>(nodes_[b]->chain());
        slot->stream = stream_links + a * node_count_ + b;
        slot->lossy = sc_.network.loss_millionths > 0;
        slot->lost = &stats_.checks.messages_lost;
        slot->delayed = &stats_.checks.messages_delayed;
        slot->from = a;
        slot->to = b;
        slot->vote_trace = vote_trace_;
        slot->genesis_ms = genesis_time_ms;
        links_[a][b] = slot;
        link_actors_[a][b] = spawn_link(sys_, slot, &sc_.network, sc_.seed, clock_);
        caf::anon_send(nodes_[a]->chain(), peer_atom::value, link_actors_[a][b]);
      }
    settle();
    if (chains_)
      chains_->connect(node_count_, sc_.network);
    stats_.nodes = node_count_;
    // Genesis votes, as vote transactions in the first block(s).
    for (std::size_t i = 0; i < vms_.size(); ++i)
      if (vms_[i].join_round == 0 && voters_[i])
        submit(vote_tx(i, i, vms_[i].votes));
    settle();
    return {};
  }

  /// How node `n` starts (first time or after a crash): from its own store, with `hosted` delegates.
  runtime::node_options node_options_for(std::size_t n, const std::vector<std::size_t>& hosted) {
    runtime::node_options o;
    o.supervised = false;  // runs repeat exactly: no fronts (docs/supervision.md)
    o.genesis = genesis_;
    o.reporter = derive_key(sc_.seed, stream_keys + 3, n);
    o.time = clock_;
    o.self_ticking = false;
    o.log = log_;
    o.store = stores_[n];
    for (auto i : hosted) {
      o.delegates.push_back(ids_[i]);
      o.switches.push_back(switches_[i]);
    }
    if (chains_)
      chains_->add_chains(o);
    return o;
  }

  // Nodes: VMs that every scripted partition puts in the same group share a node; without
  // partitions everything runs on one node. Node 0 hosts VM 0 and is where records are read.
  void place_nodes() {
    std::vector<std::vector<std::size_t>> signature(vms_.size());
    std::vector<const sim_event*> partitions;
    for (const auto& e : sc_.events)
      if (e.kind == sim_event_kind::partition)
        partitions.push_back(&e);
    std::vector<public_key> cluster;
    for (const auto& m : genesis_state_->consensus().round().order)
      cluster.push_back(m);
    for (const auto* e : partitions) {
      std::vector<std::size_t> group(vms_.size(), e->groups.size());
      for (std::size_t gi = 0; gi < e->groups.size(); ++gi)
        for (const auto& sel : e->groups[gi])
          for (auto v : resolve(sel, cluster))
            group[v] = gi;
      for (std::size_t v = 0; v < vms_.size(); ++v)
        signature[v].push_back(group[v]);
      partition_groups_.push_back(group);
    }
    if (sc_.network.nodes == config::sim_node_placement::per_vm)
      for (std::size_t v = 0; v < vms_.size(); ++v)
        signature[v] = {v};
    if (sc_.network.nodes == config::sim_node_placement::count)
      for (std::size_t v = 0; v < vms_.size(); ++v)
        signature[v] = {v % sc_.network.node_count};
    std::map<std::vector<std::size_t>, std::size_t> node_by_signature;
    node_of_.resize(vms_.size());
    for (std::size_t v = 0; v < vms_.size(); ++v) {
      auto [it, fresh] = node_by_signature.emplace(signature[v], node_by_signature.size());
      node_of_[v] = it->second;
    }
    node_count_ = node_by_signature.size();
    first_vm_of_node_.assign(node_count_, 0);
    for (std::size_t v = vms_.size(); v-- > 0;)
      first_vm_of_node_[node_of_[v]] = v;
    for (std::size_t p = 0; p < partitions.size(); ++p)
      partition_index_[partitions[p]] = p;
  }

  // VM indices a selector names; cluster selectors against `cluster` (a round's slot order).
  std::vector<std::size_t> resolve(const sim_selector& sel, const std::vector<public_key>& cluster) const {
    std::vector<std::size_t> out;
    auto in_cluster = [&](std::size_t limit, auto pred) {
      for (const auto& k : cluster) {
        if (out.size() >= limit)
          break;
        auto it = vm_of_key_.find(k);
        if (it != vm_of_key_.end() && pred(it->second))
          out.push_back(it->second);
      }
    };
    switch (sel.kind) {
      case sim_selector_kind::vm:
        for (std::size_t i = 0; i < vms_.size(); ++i)
          if (vms_[i].category == sel.category && vms_[i].index == sel.index)
            out.push_back(i);
        break;
      case sim_selector_kind::category:
        for (std::size_t i = 0; i < vms_.size(); ++i)
          if (vms_[i].category == sel.category)
            out.push_back(i);
        break;
      case sim_selector_kind::cluster_fraction:
        in_cluster(cluster.size() * sel.millionths / 1'000'000, [](std::size_t) { return true; });
        break;
      case sim_selector_kind::cluster_count:
        in_cluster(sel.count, [](std::size_t) { return true; });
        break;
      case sim_selector_kind::cluster_category:
        in_cluster(cluster.size(), [&](std::size_t v) { return vms_[v].category == sel.category; });
        break;
    }
    return out;
  }

  // --- transactions -----------------------------------------------------------------------------

  transaction signed_by(const key_pair& k, std::uint64_t nonce, amount fee, tx_payload payload) {
    transaction tx;
    tx.chain = mainchain_id;
    tx.nonce = nonce;
    tx.fee = fee;
    tx.expiry = far_expiry;
    tx.payload = std::move(payload);
    sign_transaction(tx, k, aux_of(++signed_));
    return tx;
  }

  transaction vote_tx(std::size_t voter_of, std::size_t vm, amount value) {
    votes_[vm] += value;
    return signed_by(*voters_[voter_of], voter_nonce_[voter_of]++, vote_fee,
                     vote_payload{ids_[vm].keys.pub, value});
  }

  void submit(const transaction& tx) {
    ++stats_.txs_submitted;
    caf::anon_send(nodes_[observer()]->mempool(), submit_atom::value, tx_envelope{tx});
  }

  void submit_load_until(std::uint64_t now) {
    if (chains_)
      chains_->submit_load_until(now);
    if (sc_.load.tx_per_second == 0 || load_keys_.empty() || now < genesis_time_ms)
      return;
    const std::uint64_t due = (now - genesis_time_ms) * sc_.load.tx_per_second / 1000;
    while (load_sent_ < due) {
      const auto from = load_sent_ % load_keys_.size();
      const auto to = (from + 1 + load_sent_ / load_keys_.size()) % load_keys_.size();
      submit(signed_by(load_keys_[from], load_nonce_[from]++, sc_.load.fee,
                       transfer_payload{address_of(load_keys_[to].pub), sc_.load.value}));
      ++load_sent_;
    }
  }

  // --- driving ------------------------------------------------------------------------------------

  void settle() { sched_.run(); }

  void set_time(std::uint64_t t) {
    if (sc_.network.shapes_traffic()) {
      // Delayed messages and timeouts fire at their own virtual times, in order, each seeing
      // the clock at that time (without a network model they fire at the next step, as before).
      auto& clk = sched_.clock();
      while (clk.has_pending_timeout()) {
        const auto next = clk.schedule().begin()->first;
        const auto ahead = std::chrono::duration_cast<std::chrono::milliseconds>(next - clk.current_time).count();
        const auto at = clock_->now_ms() + static_cast<std::uint64_t>(std::max<std::int64_t>(0, ahead));
        if (at > t)
          break;
        if (at > clock_->now_ms()) {
          sched_.advance_time(std::chrono::milliseconds(at - clock_->now_ms()));
          clock_->set(at);
        } else {
          sched_.trigger_timeout();
        }
        settle();
      }
    }
    if (t <= clock_->now_ms())
      return;
    const auto delta = t - clock_->now_ms();
    clock_->set(t);
    sched_.advance_time(std::chrono::milliseconds(delta));
  }

  slot_info schedule(std::size_t n, std::uint64_t g) {
    slot_info out;
    auto h = self_->request(nodes_[n]->chain(), caf::infinite, schedule_atom::value, g);
    settle();
    h.receive([&](const slot_info& i) { out = i; }, [](const caf::error&) {});
    return out;
  }

  chain_info info(std::size_t n) {
    chain_info out;
    auto h = self_->request(nodes_[n]->chain(), caf::infinite, info_atom::value);
    settle();
    h.receive([&](const chain_info& i) { out = i; }, [](const caf::error&) {});
    return out;
  }

  // Reads node 0's newly final blocks, stamping them with the current virtual time.
  void collect_final() {
    if (!node_up_[0])
      return;  // node 0 is down: its final blocks are read when it is back
    const auto i = info(0);
    while (final_seen_ < i.final_height) {
      auto h = self_->request(nodes_[0]->chain(), caf::infinite, height_atom::value, final_seen_ + 1);
      settle();
      bool ok = false;
      h.receive(
        [&](const block_envelope& b) {
          if (b) {
            finals_.push_back({*b, clock_->now_ms()});
            ok = true;
          }
        },
        [](const caf::error&) {});
      if (!ok)
        break;
      ++final_seen_;
    }
    if (!opts_.check || final_seen_ == 0 || final_seen_ == cert_checked_height_)
      return;
    cert_checked_height_ = final_seen_;
    if (watching_ && !resumed_ && final_seen_ > watch_head_) {
      resumed_ = true;
      stats_.checks.resume_rounds = current_round_ - opts_.resume_from_round;
    }
    // The certificate of the newly final block: the link from it to its direct child.
    std::optional<finality_certificate> cert;
    auto hc = self_->request(nodes_[0]->chain(), caf::infinite, cert_atom::value);
    settle();
    hc.receive([&](const certificate_envelope& c) { if (c) cert = *c; }, [](const caf::error&) {});
    if (!cert) {
      stats_.checks.violations.push_back(fmt::format("final #{} on node 0 has no certificate", final_seen_));
      return;
    }
    std::optional<block> target;
    auto hb = self_->request(nodes_[0]->chain(), caf::infinite, block_atom::value, cert->block);
    settle();
    hb.receive([&](const block_envelope& b) { if (b) target = *b; }, [](const caf::error&) {});
    certs_[cert->source_height] = {*cert, target};
    if (cert->source_height != final_seen_)
      stats_.checks.violations.push_back(fmt::format("node 0's certificate for final #{} links #{} to #{}",
                                                     final_seen_, cert->source_height, cert->height));
  }

  /// At a round's start (checks only): the largest gap between a node's head and final block,
  /// and node 0's head when the watch for finality's resumption begins.
  void sample_round(std::uint64_t round) {
    for (std::size_t n = 0; n < node_count_; ++n) {
      if (!node_up_[n])
        continue;
      const auto i = info(n);
      stats_.checks.max_unfinal = std::max(stats_.checks.max_unfinal, i.head_height - std::min(i.head_height, i.final_height));
    }
    if (round == opts_.resume_from_round && !watching_) {
      watching_ = true;
      watch_head_ = info(observer()).head_height;
    }
  }

  /// After the run (checks only): no two nodes hold different final blocks at one height, and
  /// nodes whose heads agree agree on the total supply.
  void compare_final_chains() {
    std::vector<std::vector<hash256>> chains(node_count_);
    std::vector<chain_info> infos(node_count_);
    for (std::size_t n = 0; n < node_count_; ++n) {
      if (!node_up_[n])
        continue;
      ++stats_.checks.nodes_compared;
      infos[n] = info(n);
      end_finals_ += fmt::format("{}{}", end_finals_.empty() ? "" : " ", infos[n].final_height);
      for (std::uint64_t h = 1; h <= infos[n].final_height; ++h) {
        auto r = self_->request(nodes_[n]->chain(), caf::infinite, height_atom::value, h);
        settle();
        hash256 got{};
        r.receive([&](const block_envelope& b) { if (b) got = header_hash(b->header); }, [](const caf::error&) {});
        chains[n].push_back(got);
      }
    }
    for (std::size_t a = 0; a < node_count_; ++a)
      for (std::size_t b = a + 1; b < node_count_; ++b) {
        const auto common = std::min(chains[a].size(), chains[b].size());
        for (std::size_t k = 0; k < common; ++k) {
          ++stats_.checks.heights_compared;
          if (chains[a][k] != chains[b][k]) {
            stats_.checks.violations.push_back(fmt::format("conflicting final blocks at height {}: node {} has {}, node {} has {}",
                                                           k + 1, a, to_hex(chains[a][k]).substr(0, 12), b,
                                                           to_hex(chains[b][k]).substr(0, 12)));
            break;
          }
        }
        if (node_up_[a] && node_up_[b] && infos[a].head_hash == infos[b].head_hash
            && infos[a].total_supply != infos[b].total_supply)
          stats_.checks.violations.push_back(fmt::format("nodes {} and {} share head #{} but not its total supply",
                                                         a, b, infos[a].head_height));
      }
  }

  void log_event(std::uint64_t round, std::string text) { events_[round].push_back(std::move(text)); }

  std::string names_of(const std::vector<std::size_t>& vs) const {
    std::string out;
    for (std::size_t k = 0; k < vs.size(); ++k) {
      if (k == 8) {
        out += fmt::format(" and {} more", vs.size() - 8);
        break;
      }
      out += (k ? " " : "") + vms_[vs[k]].name;
    }
    return out;
  }

  std::vector<std::size_t> targets_of(const std::vector<sim_selector>& sels, const std::vector<public_key>& cluster) {
    std::set<std::size_t> s;
    for (const auto& sel : sels)
      for (auto v : resolve(sel, cluster))
        s.insert(v);
    return {s.begin(), s.end()};
  }

  /// `chain`: only that chain's links (1 = the mainchain); unset: every chain's.
  void set_cut(std::size_t partition, bool on, std::optional<std::uint64_t> chain = std::nullopt) {
    const auto& group = partition_groups_[partition];
    // Nodes differ in this partition's group if their first VMs do (a node's VMs agree).
    auto cut = [&](std::size_t a, std::size_t b) {
      return on && group[first_vm_of_node_[a]] != group[first_vm_of_node_[b]];
    };
    if (!chain || *chain == 1)
      for (std::size_t a = 0; a < node_count_; ++a)
        for (std::size_t b = 0; b < node_count_; ++b)
          if (a != b)
            links_[a][b]->cut = cut(a, b);
    if (chains_ && chain != std::uint64_t{1})
      chains_->set_cut(chain ? std::optional<std::size_t>(*chain - 2) : std::nullopt, cut);
  }

  // --- crashes -------------------------------------------------------------------------------

  /// The node records are read from: node 0, or while it is down the first node that is up.
  std::size_t observer() const {
    for (std::size_t n = 0; n < node_count_; ++n)
      if (node_up_[n])
        return n;
    return 0;
  }

  /// Kills the VMs' delegate actors: their volatile state is gone, their signing records stay in
  /// their node's store. A node whose every hosted delegate is down stops as a whole (chain,
  /// mempool, verifiers): its unfinal blocks, votes and mempool are gone, its store remains.
  void crash(const std::vector<std::size_t>& vs) {
    std::set<std::size_t> touched;
    for (auto v : vs) {
      auto it = actor_of_.find(v);
      if (it == actor_of_.end())
        continue;
      caf::anon_send_exit(it->second, caf::exit_reason::kill);
      actor_of_.erase(it);
      crashed_[v] = true;
      ++stats_.checks.crashes;
      touched.insert(node_of_[v]);
    }
    settle();
    for (auto n : touched) {
      bool all_down = true;
      for (std::size_t v = 0; v < vms_.size() && all_down; ++v)
        if (node_of_[v] == n && actor_of_.count(v))
          all_down = false;
      if (!all_down || !node_up_[n])
        continue;
      nodes_[n]->stop();
      node_up_[n] = false;
      if (chains_)
        chains_->node_stopped(n);
      for (std::size_t a = 0; a < node_count_; ++a)
        if (a != n)
          links_[a][n]->target = caf::actor{};
      ++stats_.checks.node_restarts;
    }
    settle();
  }

  /// Starts crashed VMs' delegates again from their node's store (and first the node itself if
  /// it went down with them); they then vote under the signing record they persisted.
  void restart(const std::vector<std::size_t>& vs) {
    for (auto v : vs) {
      if (!crashed_[v])
        continue;
      const auto n = node_of_[v];
      if (!node_up_[n]) {
        auto started = runtime::node::start(sys_, node_options_for(n, {}));
        if (!started)
          continue;  // the store cannot be opened: the node stays down (shows in the checks)
        retired_.push_back(std::move(nodes_[n]));
        nodes_[n] = std::move(*started);
        node_up_[n] = true;
        settle();
        for (std::size_t a = 0; a < node_count_; ++a)
          if (a != n)
            links_[a][n]->target = caf::actor_cast<caf::actor>(nodes_[n]->chain());
        for (std::size_t b = 0; b < node_count_; ++b)
          if (b != n)
            caf::anon_send(nodes_[n]->chain(), peer_atom::value, link_actors_[n][b]);
        settle();
        if (chains_)
          chains_->node_restarted(n);
      }
      actor_of_[v] = nodes_[n]->add_delegate(sys_, ids_[v], switches_[v]);
      crashed_[v] = false;
    }
    settle();
  }

  /// The simulator signs, with the VMs' own keys, a second vote for the height above the head
  /// (double) or a vote from genesis to two above the head (surround), and hands it to every
  /// node: the VM's honest vote for that height makes the pair evidence.
  void forge_votes(const std::vector<std::size_t>& vs, bool surround) {
    const auto i = info(observer());
    for (auto v : vs) {
      confirmation c;
      c.chain = mainchain_id;
      if (surround) {
        c.source_height = 0;
        c.source = header_hash(genesis_block_.header);
        c.height = i.head_height + 2;
      } else {
        c.source_height = i.final_height;
        c.source = i.final_hash;
        c.height = i.head_height + 1;
      }
      c.block = tagged_hash(hash_tag::seed, aux_of(config::sim_random(sc_.seed, stream_forged, forged_++)).view());
      c.signer = ids_[v].keys.pub;
      sign_confirmation(c, ids_[v].keys, aux_of(++signed_));
      for (std::size_t n = 0; n < node_count_; ++n)
        if (node_up_[n])
          caf::anon_send(nodes_[n]->chain(), confirm_atom::value, confirmation_envelope{c});
    }
    settle();
  }

  void apply_event(const sim_event& e, std::uint64_t round, const std::vector<public_key>& cluster) {
    if (chains_ && e.chain && *e.chain >= 2 && e.kind != sim_event_kind::partition) {
      log_event(round, chains_->apply_event(e, round, [this](const auto& sels, const auto& order) {
        return targets_of(sels, order);
      }));
      return;
    }
    auto until = [&](const char* what) {
      if (e.rounds)
        later_[round + *e.rounds].push_back({what, {}, &e});
    };
    switch (e.kind) {
      case sim_event_kind::crash:
      case sim_event_kind::pause:
      case sim_event_kind::leave: {
        auto vs = targets_of(e.targets, cluster);
        for (auto v : vs)
          switches_[v]->down = true;
        if (e.kind == sim_event_kind::crash)
          crash(vs);
        log_event(round, fmt::format("{} {}", config::to_string(e.kind), names_of(vs)));
        if (e.rounds && e.kind != sim_event_kind::leave)
          later_[round + *e.rounds].push_back({"recover", vs, nullptr});
        break;
      }
      case sim_event_kind::recover: {
        auto vs = targets_of(e.targets, cluster);
        restart(vs);
        for (auto v : vs) {
          switches_[v]->down = false;
          delay_ms_[v] = 0;
        }
        log_event(round, fmt::format("recover {}", names_of(vs)));
        break;
      }
      case sim_event_kind::slow: {
        auto vs = targets_of(e.targets, cluster);
        for (auto v : vs)
          delay_ms_[v] = e.delay_ms;
        log_event(round, fmt::format("slow {} by {} ms", names_of(vs), e.delay_ms));
        if (e.rounds)
          later_[round + *e.rounds].push_back({"unslow", vs, nullptr});
        break;
      }
      case sim_event_kind::partition: {
        const auto p = partition_index_.at(&e);
        set_cut(p, true, e.chain);
        log_event(round, fmt::format("partition into {} groups ({} nodes)", e.groups.size() + 1, node_count_));
        until("heal");
        break;
      }
      case sim_event_kind::heal:
        if (!partition_groups_.empty())
          set_cut(0, false);
        log_event(round, "heal");
        break;
      case sim_event_kind::equivocate: {
        auto vs = targets_of(e.targets, cluster);
        for (auto v : vs)
          switches_[v]->equivocate_next = true;
        log_event(round, fmt::format("equivocate {}", names_of(vs)));
        break;
      }
      case sim_event_kind::double_vote:
      case sim_event_kind::surround_vote: {
        auto vs = targets_of(e.targets, cluster);
        forge_votes(vs, e.kind == sim_event_kind::surround_vote);
        log_event(round, fmt::format("{} {}", config::to_string(e.kind), names_of(vs)));
        break;
      }
      case sim_event_kind::vote_move: {
        auto from = targets_of(e.from, cluster);
        auto to = targets_of(e.to, cluster);
        amount moved = 0;
        for (auto f : from) {
          if (!voters_[f] || to.empty())
            continue;
          amount value = e.move_millionths
                           ? static_cast<amount>(static_cast<unsigned __int128>(votes_[f]) * e.move_millionths / 1'000'000)
                           : std::min(e.move_amount, votes_[f]);
          const amount share = value / to.size();
          if (share == 0)
            continue;
          value = share * to.size();
          votes_[f] -= value;
          submit(signed_by(*voters_[f], voter_nonce_[f]++, vote_fee, unvote_payload{ids_[f].keys.pub, value}));
          for (auto t : to)
            submit(vote_tx(f, t, share));
          moved += value;
        }
        log_event(round, fmt::format("vote_move {} from {} to {}", format_amount(moved), names_of(from), names_of(to)));
        break;
      }
      case sim_event_kind::join: {
        std::vector<std::size_t> vs;
        for (std::size_t k = 0; k < e.count; ++k) {
          const auto v = e.first_vm + k;
          vs.push_back(v);
          actor_of_.emplace(v, nodes_[node_of_[v]]->add_delegate(sys_, ids_[v], switches_[v]));
          submit(signed_by(ids_[v].keys, 0, vote_fee,
                           vm_bid_payload{vms_[v].category, vms_[v].bid, ids_[v].reveals->tip()}));
          if (voters_[v])
            submit(vote_tx(v, v, vms_[v].votes));
        }
        log_event(round, fmt::format("join {}", names_of(vs)));
        break;
      }
    }
  }

  struct deferred {
    std::string what;
    std::vector<std::size_t> vms;
    const sim_event* event = nullptr;
  };

  void run_round_start(std::uint64_t round, const std::vector<public_key>& cluster) {
    current_round_ = round;
    if (sc_.network.loss_until_round && round >= *sc_.network.loss_until_round)
      for (auto& row : links_)
        for (auto& l : row)
          if (l)
            l->lossy = false;
    if (auto it = later_.find(round); it != later_.end()) {
      for (const auto& d : it->second) {
        if (d.what == "recover") {
          restart(d.vms);
          for (auto v : d.vms)
            switches_[v]->down = false;
          log_event(round, fmt::format("recover {}", names_of(d.vms)));
        } else if (d.what == "unslow") {
          for (auto v : d.vms)
            delay_ms_[v] = 0;
          log_event(round, fmt::format("back to speed {}", names_of(d.vms)));
        } else if (d.what == "heal") {
          set_cut(partition_index_.at(d.event), false, d.event->chain);
          log_event(round, "heal");
        }
      }
      later_.erase(it);
    }
    if (chains_)
      for (auto& line : chains_->round_start(round))
        log_event(round, std::move(line));
    while (next_event_ < sc_.events.size() && sc_.events[next_event_].round <= round) {
      apply_event(sc_.events[next_event_], round, cluster);
      ++next_event_;
    }
    if (opts_.check)
      sample_round(round);
  }

  status drive() {
    std::uint64_t g = 0;
    std::uint64_t current_round = 0;
    std::uint64_t tail_slots = 0;
    bool started = false;
    const auto slot_ms = sc_.params.slot_ms;
    for (;; ++g) {
      const std::uint64_t start = genesis_time_ms + g * slot_ms;
      // Who produces in this slot, as each node sees it.
      set_time(start);
      std::vector<slot_info> views(node_count_);
      for (std::size_t n = 0; n < node_count_; ++n)
        if (node_up_[n])
          views[n] = schedule(n, g);
      const auto& v0 = views[observer()];
      std::uint64_t round = v0.scheduled ? v0.round : current_round;
      if (!started || round > current_round) {
        for (std::uint64_t r = started ? current_round + 1 : 0; r <= round && r < sc_.rounds; ++r) {
          if (opts_.progress && started)
            opts_.progress(r, sc_.rounds);
          run_round_start(r, info(observer()).order);
        }
        started = true;
        current_round = round;
      }
      // One slot past the last round is still produced (not recorded): with the finality gadget
      // a block is final once its direct child is justified, so the last round's blocks need it.
      const bool tail = round >= sc_.rounds;
      if (tail && tail_slots++ > 0)
        break;
      // Tick times: each producer at its sub-slot starts, late by its delay if slow.
      std::vector<chain_tick> ticks;  // chain index: sidechain + 1, 0 = the mainchain
      for (std::size_t n = 0; n < node_count_; ++n) {
        const auto& v = views[n];
        if (!v.scheduled)
          continue;
        auto it = vm_of_key_.find(v.producer);
        if (it == vm_of_key_.end() || node_of_[it->second] != n)
          continue;
        const auto d = hosted_delegate(it->second);
        if (!d)
          continue;
        const std::uint32_t w = std::max<std::uint32_t>(1, v.max_blocks);
        for (std::uint32_t k = 0; k < w; ++k)
          ticks.push_back({start + (k * slot_ms + w - 1) / w + delay_ms_[it->second], *d, 0});
      }
      if (chains_) {
        const auto first = ticks.size();
        chains_->ticks(g, start, ticks);
        for (auto k = first; k < ticks.size(); ++k)
          ++ticks[k].chain;
      }
      std::stable_sort(ticks.begin(), ticks.end(), [](const auto& a, const auto& b) { return a.at_ms < b.at_ms; });
      submit_load_until(start);
      settle();
      for (const auto& [t, d, c] : ticks) {
        set_time(t);
        submit_load_until(t);
        settle();  // what was submitted is admitted before the producer takes a batch
        auto h = self_->request(d, caf::infinite, tick_atom::value);
        settle();
        h.receive(
          [&, c = c](std::uint32_t made) {
            if (c > 0)
              return chains_->made(c - 1, made);
            if (tail)
              return;
            made_[round] += made;
            stats_.blocks_made += made;
          },
                  [](const caf::error&) {});
        collect_final();
        if (chains_)
          chains_->collect_final(round);
      }
      set_time(start + slot_ms - 1);
      settle();
      collect_final();
      if (chains_) {
        chains_->collect_final(round);
        chains_->slot_end(round, tail);
      }
    }
    if (opts_.progress)
      opts_.progress(sc_.rounds, sc_.rounds);
    collect_final();
    if (opts_.check) {
      compare_final_chains();
      if (!resumed_ && opts_.resume_from_round < sc_.rounds)
        stats_.checks.violations.push_back(fmt::format(
          "finality did not resume after round {}: node 0's final height stayed at or below {} (final heights "
          "by node at the end: {})",
          opts_.resume_from_round, watch_head_, end_finals_));
    }
    stats_.final_blocks = finals_.size();
    if (chains_)
      stats_.txs_submitted += chains_->txs_submitted();
    return {};
  }

  std::optional<delegate_actor> hosted_delegate(std::size_t v) const {
    auto it = actor_of_.find(v);
    return it == actor_of_.end() ? std::nullopt : std::optional<delegate_actor>(it->second);
  }

  // --- records --------------------------------------------------------------------------------

  /// Checks the certificate node 0 served when the block at `height` (hash `hash`, state `st`
  /// after it) became final: it links that block to its direct child and verifies against the
  /// child's cluster, as a light client would check it.
  void check_certificate_at(const chain_state& st, std::uint64_t height, const hash256& hash) {
    if (!opts_.check)
      return;
    auto it = certs_.find(height);
    if (it == certs_.end())
      return;
    const auto& [cert, target] = it->second;
    auto fail = [&](const std::string& why) {
      stats_.checks.violations.push_back(fmt::format("certificate of final #{}: {}", height, why));
    };
    if (cert.source != hash)
      return fail("its source is not the final block at that height");
    if (!target || header_hash(target->header) != cert.block)
      return fail("its target block is unknown to node 0");
    // The target need not become final itself: a justified child proves its source final even if
    // a later branch from that source wins (Casper FFG abandons justified, never final, blocks).
    chain_state next = st;
    if (auto a = next.apply_block(*target, signature_check::verify); !a)
      return fail("its target does not apply on the final block: " + a.error().message());
    if (auto v = verify_certificate(cert, next.consensus().active()); !v)
      return fail("it does not verify against the target's cluster: " + v.error().message());
    ++stats_.checks.certificates_checked;
    auto& last = stats_.checks.last_certified_round;
    last.resize(vms_.size());
    for (const auto& sig : cert.signatures)
      if (auto v = vm_of_key_.find(sig.signer); v != vm_of_key_.end())
        last[v->second] = std::max(last[v->second].value_or(0), target->header.round);
  }

  result<sim_result> records() {
    sim_result out;
    out.scenario = sc_.name;
    out.label = sc_.label;
    out.seed = sc_.seed;
    out.rounds = sc_.rounds;
    out.slot_ms = sc_.params.slot_ms;
    out.categories = sc_.params.categories;
    for (std::size_t i = 0; i < vms_.size(); ++i)
      out.vms.push_back({vms_[i].name, ids_[i].keys.pub, vms_[i].category, vms_[i].bid, vms_[i].votes});
    // Replay node 0's final chain on a fresh genesis state: the schedule of every slot (also
    // slots nobody filled) comes from the consensus rules themselves.
    chain_state st = *genesis_state_;
    std::size_t next = 0;
    std::map<std::uint64_t, std::size_t> round_pos;
    const auto& params = sc_.params;
    // The schedule of each round from a copy of the consensus state advanced to it once per
    // round (asking the state about a round it has not reached copies it on every call).
    std::optional<consensus_state> probe;
    std::set<std::size_t> offenders;
    check_certificate_at(st, 0, header_hash(genesis_block_.header));
    for (std::uint64_t g = 0;; ++g) {
      if (!probe || probe->round().order.empty() || g >= probe->round().first_slot + probe->round().order.size()) {
        const auto next_round = probe ? probe->round().number + 1 : st.consensus().round().number;
        probe = st.consensus();
        probe->release_undo();
        if (next_round > probe->round().number)
          probe->advance_to_round(next_round);
        while (!probe->round().order.empty() && g >= probe->round().first_slot + probe->round().order.size())
          probe->advance_to_round(probe->round().number + 1);
        if (probe->round().order.empty())
          break;
      }
      const auto& pr = probe->round();
      struct {
        std::uint64_t round, slot;
        public_key producer;
      } at{pr.number, g - pr.first_slot, pr.order[g - pr.first_slot]};
      const auto* a = &at;
      if (a->round >= sc_.rounds)
        break;
      if (!round_pos.count(a->round)) {
        round_pos[a->round] = out.round_info.size();
        round_record rr;
        rr.round = a->round;
        rr.epoch = a->round / params.rounds_per_epoch;
        for (const auto& k : pr.order)
          rr.cluster.push_back(static_cast<std::uint32_t>(vm_of_key_.at(k)));
        rr.cluster_size = static_cast<std::uint32_t>(rr.cluster.size());
        if (auto it = made_.find(a->round); it != made_.end())
          rr.forks = it->second;  // made; final ones are subtracted below
        if (auto it = events_.find(a->round); it != events_.end())
          rr.events = it->second;
        out.round_info.push_back(std::move(rr));
      }
      auto& rr = out.round_info[round_pos[a->round]];
      slot_record sr;
      sr.round = a->round;
      sr.slot = a->slot;
      sr.global_slot = g;
      sr.producer = static_cast<std::uint32_t>(vm_of_key_.at(a->producer));
      while (next < finals_.size()) {
        const auto& fb = finals_[next];
        const auto& h = fb.blk.header;
        if ((h.timestamp_ms - genesis_time_ms) / params.slot_ms != g)
          break;
        if (auto st2 = st.apply_block(fb.blk, signature_check::already_verified); !st2)
          return make_error(errc::invalid_argument, "replaying the final chain: " + st2.error().message());
        check_certificate_at(st, h.height, header_hash(h));
        ++sr.blocks;
        sr.txs += static_cast<std::uint32_t>(fb.blk.txs.size());
        amount fees = 0;
        for (const auto& tx : fb.blk.txs) {
          fees += tx.fee;
          if (const auto* ev = std::get_if<evidence_payload>(&tx.payload)) {
            ++rr.evidence;
            std::string offender = "?";
            if (auto hdr = codec::decode_block_header(ev->first); hdr) {
              if (auto it = vm_of_key_.find(hdr->producer); it != vm_of_key_.end()) {
                offender = vms_[it->second].name;
                offenders.insert(it->second);
              }
            } else if (auto vote = codec::decode_confirmation(ev->first); vote) {
              if (auto it = vm_of_key_.find(vote->signer); it != vm_of_key_.end()) {
                offender = vms_[it->second].name;
                offenders.insert(it->second);
              }
            }
            out.evidence.push_back(fmt::format("round {}: {} {}", a->round, offender,
                                               ev->kind == evidence_kind::double_block ? "double_block" : ev->kind == evidence_kind::double_vote ? "double_vote" : "surround_vote"));
          }
        }
        sr.reward += params.block_reward + fees;
        sr.finality_ms.push_back(fb.final_ms - h.timestamp_ms);
        rr.final_height_at_end = h.height;
        if (rr.forks > 0)
          --rr.forks;
        ++next;
      }
      sr.missed = sr.blocks == 0;
      out.slots.push_back(std::move(sr));
    }
    // Final heights of rounds without final blocks carry the previous round's.
    for (std::size_t i = 1; i < out.round_info.size(); ++i)
      if (out.round_info[i].final_height_at_end == 0)
        out.round_info[i].final_height_at_end = out.round_info[i - 1].final_height_at_end;
    stats_.counters.assign(vms_.size(), chain_counters{});
    for (const auto& [key, vm] : st.consensus().vms()) {
      auto it = vm_of_key_.find(key);
      if (it == vm_of_key_.end())
        continue;
      stats_.counters[it->second] = {vm.blocks_produced, vm.txs_included, vm.rewards, vm.slots_missed,
                                     vm.status == vm_status::slashed};
    }
    for (std::size_t i = 0; i < vms_.size(); ++i)
      if (stats_.counters[i].slashed)
        out.slashed.push_back(vms_[i].name);
    if (chains_)
      out.chains = chains_->records();
    if (opts_.check) {
      for (auto v : offenders)
        if (!stats_.counters[v].slashed)
          stats_.checks.violations.push_back(fmt::format("{} has evidence against it on the final chain but is not slashed",
                                                         vms_[v].name));
      if (auto c = st.accounts().check_conservation(); !c)
        stats_.checks.violations.push_back("the replayed final state does not conserve supply: " + c.error().message());
    }
    return out;
  }

  const sim_scenario& sc_;
  const run_options& opts_;
  run_stats& stats_;
  sim_config cfg_;
  caf::actor_system sys_;
  caf::scheduler::test_coordinator& sched_;
  caf::scoped_actor self_;

  std::vector<sim_vm> vms_;
  std::vector<runtime::delegate_identity> ids_;
  std::vector<std::shared_ptr<delegate_switches>> switches_;
  std::vector<std::uint32_t> delay_ms_;
  std::map<public_key, std::size_t> vm_of_key_;
  std::vector<key_pair> load_keys_;
  std::vector<std::uint64_t> load_nonce_;
  std::uint64_t load_sent_ = 0;
  std::vector<std::optional<key_pair>> voters_;
  std::map<std::size_t, std::uint64_t> voter_nonce_;
  std::vector<amount> votes_;
  std::uint64_t signed_ = 0;

  genesis_config genesis_;
  std::unique_ptr<chain_state> genesis_state_;
  block genesis_block_;
  std::shared_ptr<manual_clock> clock_;

  std::vector<std::size_t> node_of_;
  std::size_t node_count_ = 1;
  std::vector<std::size_t> first_vm_of_node_;
  std::vector<std::vector<std::size_t>> partition_groups_;
  std::map<const sim_event*, std::size_t> partition_index_;
  std::vector<std::vector<std::shared_ptr<link_slot>>> links_;  // [from][to]
  std::vector<std::vector<caf::actor>> link_actors_;
  std::vector<std::shared_ptr<kv_store>> stores_;  // per node: survives the node's crashes
  std::vector<bool> node_up_;
  std::vector<bool> crashed_;                      // per VM: its delegate actor is gone
  std::shared_ptr<spdlog::logger> log_;
  std::FILE* vote_trace_ = nullptr;
  std::vector<std::unique_ptr<runtime::node>> nodes_;
  std::unique_ptr<sim_chains> chains_;  // the [[sidechain]] entries; null without any
  std::vector<std::unique_ptr<runtime::node>> retired_;  // crashed incarnations (their actors are stopped)
  std::uint64_t forged_ = 0;
  // Checks (run_options::check).
  std::uint64_t current_round_ = 0;
  std::uint64_t cert_checked_height_ = 0;
  bool watching_ = false;
  bool resumed_ = false;
  std::uint64_t watch_head_ = 0;
  std::string end_finals_;  // each node's final height at the end, for messages
  std::map<std::uint64_t, std::pair<finality_certificate, std::optional<block>>> certs_;  // by source height
  std::map<std::size_t, delegate_actor> actor_of_;

  std::size_t next_event_ = 0;
  std::map<std::uint64_t, std::vector<deferred>> later_;
  std::map<std::uint64_t, std::vector<std::string>> events_;
  std::map<std::uint64_t, std::uint64_t> made_;
  std::uint64_t final_seen_ = 0;
  std::vector<final_block> finals_;
};

} // namespace

result<sim_result> run_scenario(const config::sim_scenario& scenario, const run_options& options, run_stats* stats) {
  run_stats local;
  runner r(scenario, options, stats ? *stats : local);
  return r.run();
}

} // namespace bfd::sim

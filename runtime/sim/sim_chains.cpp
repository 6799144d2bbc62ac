#include "runtime/sim/sim_chains.hpp"

#include <algorithm>
#include <set>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <fmt/format.h>

#include "chains/crypto/hash.hpp"
#include "runtime/dev_sidechains.hpp"

namespace bfd::sim {

namespace {

constexpr std::uint64_t far_expiry = 1'000'000'000;
// Key domains of the load accounts (the runner uses 0..3), and link streams far above the
// mainchain's (2^48 + 2^32 + a·nodes + b) so the mainchain draws what it drew without sidechains.
constexpr std::uint64_t domain_accounts = 16;
constexpr std::uint64_t stream_links = (std::uint64_t{1} << 48) + (std::uint64_t{8} << 32);

hash256 aux_of(std::uint64_t n) {
  hash256 aux;
  aux[31] = 0x5c;  // distinct from the runner's aux values
  for (int b = 0; b < 8; ++b)
    aux[b] = static_cast<byte>(n >> (56 - 8 * b));
  return aux;
}

} // namespace

status sim_chains::prepare() {
  const auto& sc = *ctx_.sc;
  const auto& params = ctx_.mainchain->params;
  std::map<public_key, std::size_t> vm_of_key;
  for (std::size_t i = 0; i < ctx_.ids->size(); ++i)
    vm_of_key[(*ctx_.ids)[i].keys.pub] = i;
  chains_.resize(sc.sidechains.size());
  slot_made_.assign(sc.sidechains.size(), 0);
  for (std::size_t k = 0; k < sc.sidechains.size(); ++k) {
    const auto& s = sc.sidechains[k];
    auto& c = chains_[k];
    c.entry = &s;
    sidechain_entry e;
    e.id = static_cast<chain_id>(s.id);
    e.kind = parse_chain_kind(s.kind).value_or(chain_kind::daos);
    e.name = s.name;
    e.token.symbol = s.token;
    e.rule.per_category = s.validators;
    e.params.slot_ms = params.slot_ms;
    e.params.rounds_per_epoch = params.rounds_per_epoch;
    e.params.base_block_txs = params.base_block_txs;
    e.params.work_bits = params.work_bits;
    e.params.miss_limit = params.miss_limit;
    e.genesis_time_ms = ctx_.genesis_time_ms;
    for (std::uint64_t a = 0; a < s.load.accounts; ++a) {
      c.accounts.push_back(ctx_.key(domain_accounts + k, a));
      e.token.allocations.push_back({address_of(c.accounts.back().pub), s.load.balance});
    }
    c.nonce.assign(c.accounts.size(), 0);
    for (auto v : runtime::choose_validators(*ctx_.mainchain, e.rule)) {
      const auto vm = vm_of_key.at(v.key);
      const auto& keys = (*ctx_.ids)[vm].keys;
      runtime::delegate_identity id{keys, runtime::delegate_hash_chain(keys, ctx_.hash_chain_length, e.id)};
      v.bid = params.min_bid;
      v.hash_chain_tip = id.reveals->tip();
      e.validators.push_back(v);
      c.validators.push_back(vm);
      c.ids.emplace(vm, id);
      c.switches.emplace(vm, std::make_shared<delegate_switches>());
      c.crashed[vm] = false;
      c.delay_ms[vm] = 0;
    }
    if (c.validators.empty())
      return make_error(errc::invalid_argument,
                        fmt::format("{}:{}: [[sidechain]] '{}' has no validator: its categories have no genesis VM",
                                    s.where.file, s.where.line, s.name));
    c.spec = sidechain_spec(e, params);
  }
  return {};
}

void sim_chains::add_chains(runtime::node_options& o) const {
  o.chains.push_back({mainchain_spec(o.genesis), o.delegates});
  for (const auto& c : chains_)
    o.chains.push_back({c.spec, {}});  // delegates are added with their switches by node_started
}

chain_actor sim_chains::chain_on(std::size_t c, std::size_t n) const {
  auto* u = (*ctx_.nodes)[n]->unit(chains_[c].spec.id);
  return u ? u->chain() : chain_actor{};
}

std::size_t sim_chains::observer() const {
  for (std::size_t n = 0; n < ctx_.node_up->size(); ++n)
    if ((*ctx_.node_up)[n])
      return n;
  return 0;
}

void sim_chains::spawn_delegate(std::size_t c, std::size_t v) {
  auto& ch = chains_[c];
  auto* u = (*ctx_.nodes)[(*ctx_.node_of)[v]]->unit(ch.spec.id);
  if (!u)
    return;
  ch.actors[v] = u->add_delegate(ch.ids.at(v), ch.switches.at(v));
}

void sim_chains::node_started(std::size_t n) {
  for (std::size_t c = 0; c < chains_.size(); ++c)
    for (auto v : chains_[c].validators)
      if ((*ctx_.node_of)[v] == n && !chains_[c].crashed[v])
        spawn_delegate(c, v);
}

void sim_chains::connect(std::size_t node_count, const config::sim_network& network) {
  node_count_ = node_count;
  for (std::size_t c = 0; c < chains_.size(); ++c) {
    auto& ch = chains_[c];
    ch.links.assign(node_count, std::vector<std::shared_ptr<link_slot>>(node_count));
    ch.link_actors.assign(node_count, std::vector<caf::actor>(node_count));
    for (std::size_t a = 0; a < node_count; ++a)
      for (std::size_t b = 0; b < node_count; ++b) {
        if (a == b)
          continue;
        auto slot = std::make_shared<link_slot>();
        slot->target = caf::actor_cast<caf::actor>(chain_on(c, b));
        slot->stream = stream_links + ((c * node_count + a) * node_count + b);
        slot->lossy = network.loss_millionths > 0;
        slot->lost = ctx_.lost;
        slot->delayed = ctx_.delayed;
        slot->from = a;
        slot->to = b;
        slot->genesis_ms = ctx_.genesis_time_ms;
        ch.links[a][b] = slot;
        ch.link_actors[a][b] = spawn_link(*ctx_.sys, slot, &network, ctx_.sc->seed, ctx_.clock);
        caf::anon_send(chain_on(c, a), peer_atom::value, ch.link_actors[a][b]);
      }
  }
  ctx_.settle();
}

void sim_chains::node_stopped(std::size_t n) {
  for (auto& ch : chains_) {
    for (std::size_t a = 0; a < node_count_; ++a)
      if (a != n)
        ch.links[a][n]->target = caf::actor{};
    for (auto v : ch.validators)
      if ((*ctx_.node_of)[v] == n)
        ch.actors.erase(v);  // gone with the node; respawned when it restarts unless crashed
  }
}

void sim_chains::node_restarted(std::size_t n) {
  for (std::size_t c = 0; c < chains_.size(); ++c) {
    auto& ch = chains_[c];
    for (std::size_t a = 0; a < node_count_; ++a)
      if (a != n)
        ch.links[a][n]->target = caf::actor_cast<caf::actor>(chain_on(c, n));
    for (std::size_t b = 0; b < node_count_; ++b)
      if (b != n)
        caf::anon_send(chain_on(c, n), peer_atom::value, ch.link_actors[n][b]);
  }
  node_started(n);
  ctx_.settle();
}

void sim_chains::ticks(std::uint64_t g, std::uint64_t start, std::vector<chain_tick>& out) {
  const auto slot_ms = ctx_.sc->params.slot_ms;
  const auto obs = observer();
  for (std::size_t c = 0; c < chains_.size(); ++c) {
    auto& ch = chains_[c];
    ch.scheduled_now = false;
    for (std::size_t n = 0; n < ctx_.node_up->size(); ++n) {
      if (!(*ctx_.node_up)[n])
        continue;
      slot_info si;
      auto h = (*ctx_.self)->request(chain_on(c, n), caf::infinite, schedule_atom::value, g);
      ctx_.settle();
      h.receive([&](const slot_info& i) { si = i; }, [](const caf::error&) {});
      if (n == obs)
        ch.scheduled_now = si.scheduled;
      if (!si.scheduled)
        continue;
      for (auto v : ch.validators) {
        if ((*ctx_.ids)[v].keys.pub != si.producer || (*ctx_.node_of)[v] != n)
          continue;
        auto it = ch.actors.find(v);
        if (it == ch.actors.end())
          continue;
        const std::uint32_t w = std::max<std::uint32_t>(1, si.max_blocks);
        for (std::uint32_t k = 0; k < w; ++k)
          out.push_back({start + (k * slot_ms + w - 1) / w + ch.delay_ms[v], it->second, c});
      }
    }
  }
}

void sim_chains::slot_end(std::uint64_t round, bool tail) {
  const auto obs = observer();
  for (std::size_t c = 0; c < chains_.size(); ++c) {
    auto& ch = chains_[c];
    if (!tail) {
      auto& row = ch.rounds[round];
      row.round = round;
      if (ch.scheduled_now) {
        ++row.slots;
        row.blocks_made += slot_made_[c];
        if (slot_made_[c] == 0)
          ++row.missed;
      }
      if ((*ctx_.node_up)[obs]) {
        chain_info i;
        auto h = (*ctx_.self)->request(chain_on(c, obs), caf::infinite, info_atom::value);
        ctx_.settle();
        h.receive([&](const chain_info& x) { i = x; }, [](const caf::error&) {});
        row.head_height = i.head_height;
        row.final_height = i.final_height;
      }
    }
    slot_made_[c] = 0;
    ch.scheduled_now = false;
  }
}

void sim_chains::submit_load_until(std::uint64_t now) {
  if (now < ctx_.genesis_time_ms)
    return;
  const auto obs = observer();
  for (std::size_t c = 0; c < chains_.size(); ++c) {
    auto& ch = chains_[c];
    const auto& load = ch.entry->load;
    if (load.tx_per_second == 0 || ch.accounts.empty())
      continue;
    auto* u = (*ctx_.nodes)[obs]->unit(ch.spec.id);
    if (!u)
      continue;
    const std::uint64_t due = (now - ctx_.genesis_time_ms) * load.tx_per_second / 1000;
    while (ch.load_sent < due) {
      const auto n = ch.accounts.size();
      const auto from = ch.load_sent % n;
      const auto to = (from + 1 + ch.load_sent / n) % n;
      transaction tx;
      tx.chain = ch.spec.id;
      tx.nonce = ch.nonce[from]++;
      tx.fee = load.fee;
      tx.expiry = far_expiry;
      tx.payload = transfer_payload{address_of(ch.accounts[to].pub), load.value};
      sign_transaction(tx, ch.accounts[from], aux_of(++signed_));
      caf::anon_send(u->mempool(), submit_atom::value, tx_envelope{tx});
      ++ch.load_sent;
      ++txs_submitted_;
    }
  }
}

void sim_chains::collect_final(std::uint64_t round) {
  if (!(*ctx_.node_up)[0])
    return;  // as for the mainchain: node 0's final blocks are read when it is back
  round = std::min(round, ctx_.sc->rounds - 1);
  for (std::size_t c = 0; c < chains_.size(); ++c) {
    auto& ch = chains_[c];
    chain_info i;
    auto h = (*ctx_.self)->request(chain_on(c, 0), caf::infinite, info_atom::value);
    ctx_.settle();
    h.receive([&](const chain_info& x) { i = x; }, [](const caf::error&) {});
    while (ch.final_seen < i.final_height) {
      auto hb = (*ctx_.self)->request(chain_on(c, 0), caf::infinite, height_atom::value, ch.final_seen + 1);
      ctx_.settle();
      bool ok = false;
      hb.receive(
        [&](const block_envelope& b) {
          if (!b)
            return;
          const auto now = ctx_.clock->now_ms();
          ch.finality_ms.push_back(now - std::min(now, b->header.timestamp_ms));
          auto& row = ch.rounds[round];
          row.round = round;
          ++row.final_blocks;
          row.final_txs += b->txs.size();
          ok = true;
        },
        [](const caf::error&) {});
      if (!ok)
        break;
      ++ch.final_seen;
    }
  }
}

std::string sim_chains::names_of(const std::vector<std::size_t>& vs) const {
  std::string out;
  for (std::size_t k = 0; k < vs.size(); ++k)
    out += (k ? " " : "") + (*ctx_.vms)[vs[k]].name;
  return out.empty() ? "(none)" : out;
}

void sim_chains::crash(std::size_t c, const std::vector<std::size_t>& vs) {
  auto& ch = chains_[c];
  for (auto v : vs) {
    if (auto it = ch.actors.find(v); it != ch.actors.end()) {
      caf::anon_send_exit(it->second, caf::exit_reason::kill);
      ch.actors.erase(it);
    }
    ch.crashed[v] = true;
  }
  ctx_.settle();
}

void sim_chains::restart(std::size_t c, const std::vector<std::size_t>& vs) {
  auto& ch = chains_[c];
  for (auto v : vs) {
    if (!ch.crashed[v])
      continue;
    ch.crashed[v] = false;
    if ((*ctx_.node_up)[(*ctx_.node_of)[v]])
      spawn_delegate(c, v);  // a node that is down respawns it when it restarts
  }
  ctx_.settle();
}

std::vector<std::string> sim_chains::round_start(std::uint64_t round) {
  std::vector<std::string> lines;
  auto it = later_.find(round);
  if (it == later_.end())
    return lines;
  for (const auto& d : it->second) {
    auto& ch = chains_[d.chain];
    if (d.what == "recover") {
      restart(d.chain, d.vms);
      for (auto v : d.vms)
        ch.switches.at(v)->down = false;
      lines.push_back(fmt::format("recover {} on chain {}", names_of(d.vms), ch.spec.id));
    } else {
      for (auto v : d.vms)
        ch.delay_ms[v] = 0;
      lines.push_back(fmt::format("back to speed {} on chain {}", names_of(d.vms), ch.spec.id));
    }
  }
  later_.erase(it);
  return lines;
}

std::string sim_chains::apply_event(
  const config::sim_event& e, std::uint64_t round,
  const std::function<std::vector<std::size_t>(const std::vector<config::sim_selector>&,
                                               const std::vector<public_key>&)>& targets) {
  using config::sim_event_kind;
  const std::size_t c = *e.chain - 2;
  auto& ch = chains_[c];
  chain_info i;
  auto h = (*ctx_.self)->request(chain_on(c, observer()), caf::infinite, info_atom::value);
  ctx_.settle();
  h.receive([&](const chain_info& x) { i = x; }, [](const caf::error&) {});
  // Selectors name mainchain VMs (cluster selectors: this chain's cluster); only its validators count.
  std::vector<std::size_t> vs;
  const std::set<std::size_t> mine(ch.validators.begin(), ch.validators.end());
  for (auto v : targets(e.targets, i.order))
    if (mine.count(v))
      vs.push_back(v);
  const auto text = fmt::format("{} {} on chain {}", config::to_string(e.kind), names_of(vs), ch.spec.id);
  switch (e.kind) {
    case sim_event_kind::crash:
    case sim_event_kind::pause:
    case sim_event_kind::leave:
      for (auto v : vs)
        ch.switches.at(v)->down = true;
      if (e.kind == sim_event_kind::crash)
        crash(c, vs);
      if (e.rounds && e.kind != sim_event_kind::leave)
        later_[round + *e.rounds].push_back({c, "recover", vs});
      return text;
    case sim_event_kind::recover:
      restart(c, vs);
      for (auto v : vs) {
        ch.switches.at(v)->down = false;
        ch.delay_ms[v] = 0;
      }
      return text;
    case sim_event_kind::slow:
      for (auto v : vs)
        ch.delay_ms[v] = e.delay_ms;
      if (e.rounds)
        later_[round + *e.rounds].push_back({c, "unslow", vs});
      return fmt::format("slow {} by {} ms on chain {}", names_of(vs), e.delay_ms, ch.spec.id);
    case sim_event_kind::equivocate:
      for (auto v : vs)
        ch.switches.at(v)->equivocate_next = true;
      return text;
    default:
      return text;  // the parser allows 'chain' on no other kind (partitions: set_cut)
  }
}

void sim_chains::set_cut(std::optional<std::size_t> only, const std::function<bool(std::size_t, std::size_t)>& cut) {
  for (std::size_t c = 0; c < chains_.size(); ++c) {
    if (only && *only != c)
      continue;
    for (std::size_t a = 0; a < node_count_; ++a)
      for (std::size_t b = 0; b < node_count_; ++b)
        if (a != b)
          chains_[c].links[a][b]->cut = cut(a, b);
  }
}

std::vector<chain_record> sim_chains::records() const {
  std::vector<chain_record> out;
  for (const auto& ch : chains_) {
    chain_record r;
    r.id = ch.spec.id;
    r.kind = ch.entry->kind;
    r.name = ch.entry->name;
    r.token = ch.entry->token;
    for (auto v : ch.validators)
      r.validators.push_back(static_cast<std::uint32_t>(v));
    chain_round_record last;
    for (std::uint64_t round = 0; round < ctx_.sc->rounds; ++round) {
      chain_round_record row;
      if (auto it = ch.rounds.find(round); it != ch.rounds.end())
        row = it->second;
      else {  // a round without a slot (cannot happen while the run drives every round): carry the heights
        row.head_height = last.head_height;
        row.final_height = last.final_height;
      }
      row.round = round;
      r.rounds.push_back(row);
      last = row;
    }
    r.finality_ms = ch.finality_ms;
    r.txs_submitted = ch.load_sent;
    out.push_back(std::move(r));
  }
  return out;
}

void sim_chains::stop() {
  for (auto& ch : chains_)
    for (auto& row : ch.link_actors)
      for (auto& l : row)
        if (l)
          caf::anon_send_exit(l, caf::exit_reason::user_shutdown);
}

} // namespace bfd::sim

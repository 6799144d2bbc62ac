#include "runtime/topology_node.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <spdlog/spdlog.h>

#include "chains/core/hex.hpp"
#include "config/topology.hpp"
#include "runtime/entropy.hpp"
#include "runtime/genesis_file.hpp"
#include "runtime/peg_specs.hpp"
#include "runtime/key_file.hpp"

namespace bfd::runtime {

namespace fs = std::filesystem;

namespace {

/// The genesis block a running peer serves, or nothing if no peer answers yet.
std::optional<block> fetch_genesis(caf::actor_system& system, const config::topology& t, const std::string& me,
                                   link_security security, const peer_dialer& dial) {
  for (const auto& n : t.nodes) {
    if (n.name == me)
      continue;
    auto dir = dial ? dial({n.name, n.host, n.port}) : connect_directory(system, n.host, n.port, security);
    if (!dir)
      continue;
    auto peer = lookup_chain(system, *dir, mainchain_id);
    if (!peer)
      continue;
    caf::scoped_actor self{system};
    std::optional<block> out;
    self->request(*peer, std::chrono::seconds(5), height_atom::value, std::uint64_t{0})
      .receive(
        [&](const block_envelope& b) {
          if (b)
            out = *b;
        },
        [](const caf::error&) {});
    if (out)
      return out;
  }
  return std::nullopt;
}

/// The key and hash chain of a delegate this node runs: its key file must hold the secret of the
/// entry's public_key, and the hash chain derived from it must end in the entry's hash_chain_tip.
result<delegate_identity> read_own_delegate(const config::delegate_spec& d) {
  if (d.key_file.empty())
    return make_error(errc::invalid_argument,
                      d.where.to_string() + ": this delegate runs on node '" + d.node + "', which needs its secret "
                        + "key: give the entry a key_file (the node reads only the key files of its own delegates)");
  auto keys = read_key_file(d.key_file);
  if (!keys)
    return make_error(keys.error().code, d.key_file_where.to_string() + ": cannot read the key file of this delegate "
                                           "(it runs on node '" + d.node + "'): " + keys.error().detail);
  if (keys->pub != d.key)
    return make_error(errc::invalid_argument,
                      d.key_file_where.to_string() + ": key file \"" + d.key_file + "\" holds public key "
                        + to_hex(keys->pub) + ", not this delegate's public_key " + to_hex(d.key) + " (line "
                        + std::to_string(d.public_key_where.line) + ")");
  auto chain = delegate_hash_chain(*keys);
  if (chain->tip() != d.hash_chain_tip)
    return make_error(errc::invalid_argument,
                      d.hash_chain_tip_where.to_string() + ": hash_chain_tip is not the tip of the hash chain of key "
                        + "file \"" + d.key_file + "\", which is " + to_hex(chain->tip())
                        + " (bfd-cli key show --delegate FILE prints it)");
  return delegate_identity{*keys, std::move(chain)};
}

/// A topology with a genesis file: every delegate must be a VM of that genesis, with its tip.
status check_genesis_vms(const config::topology& t, const genesis_config& g) {
  for (const auto& d : t.delegates) {
    auto vm = std::find_if(g.vms.begin(), g.vms.end(), [&](const genesis_vm& v) { return v.key == d.key; });
    if (vm == g.vms.end())
      return make_error(errc::invalid_argument, d.public_key_where.to_string() + ": public_key " + to_hex(d.key)
                                                  + " is not a VM of the genesis file \"" + t.network.genesis_file
                                                  + "\"");
    if (vm->hash_chain_tip != d.hash_chain_tip)
      return make_error(errc::invalid_argument, d.hash_chain_tip_where.to_string() + ": hash_chain_tip differs from "
                                                  + "the genesis file's commitment for this VM, "
                                                  + to_hex(vm->hash_chain_tip));
  }
  return {};
}

/// The sidechains node `me` hosts, each with the delegates placed on `me` (their keys from the
/// mainchain delegates already read, or from the key file of a delegate moved here by a
/// `delegates` override) and their hash chains checked against the file's per-chain tips.
result<std::vector<hosted_chain>> plan_sidechains(const config::topology& t, const std::string& me,
                                                  const genesis_config& mainchain,
                                                  const std::vector<delegate_identity>& own,
                                                  std::vector<std::string>& warnings) {
  std::vector<hosted_chain> out;
  const auto trust = mainchain_peg_trust(mainchain);
  for (const auto i : t.chains_on(me)) {
    const auto& c = t.chains[i];
    auto entry = config::make_sidechain_entry(c, mainchain);
    if (!entry)
      return entry.error();
    hosted_chain h{sidechain_spec_for(*entry, mainchain.params, trust), {}};
    for (const auto& v : c.validators) {
      if (v.node.empty()) {
        warnings.push_back(v.where.to_string() + ": validator " + to_hex(v.key).substr(0, 16) + "... of chain "
                           + std::to_string(c.id) + " runs on no node: its delegate's node does not host the chain "
                           + "(place it with the chain's 'delegates' table, and move its key file)");
        continue;
      }
      if (v.node != me)
        continue;
      std::optional<key_pair> keys;
      for (const auto& d : own)
        if (d.keys.pub == v.key)
          keys = d.keys;
      if (!keys) {  // placed here by an override: its key file must be here
        auto d = std::find_if(t.delegates.begin(), t.delegates.end(),
                              [&](const config::delegate_spec& x) { return x.key == v.key; });
        auto id = d == t.delegates.end() ? result<delegate_identity>(make_error(errc::invalid_argument, "not a delegate"))
                                         : read_own_delegate(*d);
        if (!id)
          return make_error(id.error().code, v.placed_where.to_string() + ": chain " + std::to_string(c.id)
                                               + " places this validator on node '" + me
                                               + "', which needs its key file: " + id.error().detail);
        keys = id->keys;
      }
      auto chain = delegate_hash_chain(*keys, delegate_hash_chain_length, c.id);
      if (chain->tip() != v.hash_chain_tip)
        return make_error(errc::invalid_argument,
                          v.tip_where.to_string() + ": hash_chain_tip is not the tip of this key's hash chain for chain "
                            + std::to_string(c.id) + ", which is " + to_hex(chain->tip())
                            + " (bfd-cli key show --delegate FILE --chain " + std::to_string(c.id) + " prints it)");
      h.delegates.push_back({*keys, std::move(chain)});
    }
    out.push_back(std::move(h));
  }
  return out;
}

/// Every node uses TLS, or none does.
status check_tls(const config::topology& t) {
  std::string with, without;
  for (const auto& n : t.nodes) {
    auto& list = n.tls ? with : without;
    list += (list.empty() ? "" : ", ") + n.name;
  }
  if (!with.empty() && !without.empty())
    return make_error(errc::invalid_argument, t.source + ": TLS is set for node(s) " + with + " but not for " + without
                                                + ": links are TLS between all nodes or none; add tls = {cert, key, ca} "
                                                  "to every [[nodes]] entry");
  return {};
}

} // namespace

result<std::optional<tls_settings>> topology_tls(const std::string& topology_path, const std::string& node_name) {
  auto t = config::load_topology(topology_path, node_name);
  if (!t)
    return t.error();
  if (auto st = check_tls(*t); !st)
    return st.error();
  const auto* me = t->find_node(node_name);
  if (!me || !me->tls)
    return std::optional<tls_settings>{};
  return std::optional<tls_settings>{tls_settings{me->tls->cert, me->tls->key, me->tls->ca}};
}

result<topology_plan> plan_topology_node(caf::actor_system& system, const std::string& topology_path,
                                         const std::string& node_name, std::uint64_t now_ms,
                                         const std::shared_ptr<spdlog::logger>& log, const peer_dialer& dial) {
  auto t = config::load_topology(topology_path, node_name);
  if (!t)
    return t.error();
  const auto* me = t->find_node(node_name);
  if (!me) {
    std::string names;
    for (const auto& n : t->nodes)
      names += (names.empty() ? "" : ", ") + n.name;
    return make_error(errc::invalid_argument, topology_path + ": no node named '" + node_name + "' (nodes: " + names + ")");
  }
  if (auto st = check_tls(*t); !st)
    return st.error();
  topology_plan plan;
  plan.node = me->name;
  plan.security = me->tls ? link_security::tls : link_security::plain;
  plan.data_dir = me->data_dir;
  plan.host = me->host;
  plan.port = me->port;
  // Delegates: the genesis commits to every delegate's public key and hash-chain tip, which the
  // topology carries; this node reads the secret keys of its own delegates only.
  for (const auto i : t->delegates_on(me->name)) {
    auto id = read_own_delegate(t->delegates[i]);
    if (!id)
      return id.error();
    plan.delegates.push_back(std::move(*id));
  }
  std::error_code ec;
  fs::create_directories(plan.data_dir, ec);
  if (ec)
    return make_error(errc::io, plan.data_dir + ": " + ec.message());
  std::vector<address> accounts;
  for (const auto& a : t->accounts) {
    if (a.address) {
      accounts.push_back(*a.address);
      continue;
    }
    auto keys = read_key_file(a.key_file);
    if (!keys)
      return make_error(keys.error().code, a.where.to_string() + ": " + keys.error().detail);
    accounts.push_back(address_of(keys->pub));
  }
  // The genesis.
  const auto stored = (fs::path(plan.data_dir) / "genesis.json").string();
  if (!t->network.genesis_file.empty()) {
    auto g = read_genesis_file(t->network.genesis_file);
    if (!g)
      return g.error();
    if (auto st = check_genesis_vms(*t, *g); !st)
      return st.error();
    plan.genesis = std::move(*g);
  } else if (fs::exists(stored, ec)) {
    auto g = read_genesis_file(stored);
    if (!g)
      return g.error();
    auto expected = config::make_genesis_config(*t, accounts, g->params.genesis_time_ms);
    if (!expected)
      return expected.error();
    if (genesis_json(*expected) != genesis_json(*g))
      return make_error(errc::invalid_argument, stored + " was made from another topology; move the data directory "
                                                         "away to join this network afresh");
    plan.genesis = std::move(*g);
  } else if (!t->network.genesis->auto_genesis_time || t->genesis_node().name == me->name) {
    auto g = config::make_genesis_config(*t, accounts, config::auto_genesis_time(now_ms));
    if (!g)
      return g.error();
    plan.genesis = std::move(*g);
  } else {
    // Learn the genesis time from a running peer and check that we build the very same block.
    if (log)
      log->info("waiting for a peer to serve the genesis block (the genesis node is {})", t->genesis_node().name);
    std::optional<block> theirs;
    while (!(theirs = fetch_genesis(system, *t, me->name, plan.security, dial)))
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto g = config::make_genesis_config(*t, accounts, theirs->header.timestamp_ms);
    if (!g)
      return g.error();
    auto built = chain_state::genesis(*g);
    if (!built)
      return built.error();
    if (header_hash(built->second.header) != header_hash(theirs->header))
      return make_error(errc::invalid_argument, "the running network's genesis block differs from the one this "
                                                "topology describes: are all nodes using the same file?");
    plan.genesis = std::move(*g);
  }
  if (!fs::exists(stored, ec))
    if (auto st = write_genesis_file(stored, plan.genesis); !st)
      return st.error();
  // The node's own keys: evidence, and sidechain anchors (apart, so their nonces never collide).
  for (auto [file, slot] : {std::pair{"node-key.json", &plan.reporter}, std::pair{"anchor-key.json", &plan.anchorer}}) {
    const auto path = (fs::path(plan.data_dir) / file).string();
    if (fs::exists(path, ec)) {
      auto k = read_key_file(path);
      if (!k)
        return k.error();
      *slot = *k;
    } else {
      *slot = generate_key_pair();
      if (auto st = write_key_file(path, *slot); !st)
        return st.error();
    }
  }
  // The read cache: the same backend on every node; ring shards named after this node.
  if (t->cache.backend != "off") {
    node_cache_options c;
    c.node = me->name;
    c.shards = t->cache.shards_per_node;
    c.limits.max_entries = t->cache.max_entries;
    c.limits.max_bytes = t->cache.max_mb << 20;
    c.limits.ttl_ms = t->cache.ttl_seconds * 1000;
    c.ring.timeout = std::chrono::milliseconds(t->cache.timeout_ms);
    if (t->cache.backend == "redis") {
      redis_cache_options r;
      r.host = t->cache.redis_host;
      r.port = t->cache.redis_port;
      r.ttl_seconds = t->cache.ttl_seconds;
      r.timeout = std::chrono::milliseconds(t->cache.timeout_ms);
      c.redis = r;
    }
    plan.cache = c;
  }
  // Between two nodes only the earlier one in the file dials.
  bool after_me = false;
  for (const auto& n : t->nodes) {
    if (after_me)
      plan.dial.push_back({n.name, n.host, n.port});
    if (n.name == me->name)
      after_me = true;
  }
  // The chains: the mainchain (unless [[chains]] leaves this node out), then its sidechains.
  if (t->hosts_mainchain(me->name))
    plan.chains.push_back({mainchain_spec(plan.genesis), plan.delegates});
  auto sidechains = plan_sidechains(*t, me->name, plan.genesis, plan.delegates, plan.warnings);
  if (!sidechains)
    return sidechains.error();
  for (auto& h : *sidechains)
    plan.chains.push_back(std::move(h));
  if (plan.chains.empty())
    return make_error(errc::invalid_argument, me->where.to_string() + ": node '" + me->name
                                                + "' hosts no chain: add it to the mainchain's or a sidechain's nodes");
  // Bridges: only the nodes that run one read its key file.
  for (const auto i : t->bridges_on(me->name)) {
    const auto& b = t->bridges[i];
    auto keys = read_key_file(b.key_file);
    if (!keys)
      return make_error(keys.error().code, b.key_file_where.to_string() + ": cannot read the key file of the bridge "
                                             "of chain " + std::to_string(b.sidechain) + " (it runs on node '"
                                             + me->name + "'): " + keys.error().detail);
    plan.bridges.push_back({b.sidechain, *keys});
  }
  if (const auto* h = t->http_on(me->name)) {
    http_options o;
    o.address = h->address;
    o.port = h->port;
    plan.http = o;
  }
  return plan;
}

} // namespace bfd::runtime

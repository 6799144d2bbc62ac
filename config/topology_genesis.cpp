// Genesis values derived from a loaded topology: the mainchain's genesis from its delegates and
// accounts, and each [[chains]] sidechain's registry entry. Split from the loader (topology.cpp).
#include "config/topology.hpp"

#include <algorithm>

#include "chains/core/hex.hpp"
#include "chains/peg/peg_module.hpp"
#include "chains/sidechain/registry_module.hpp"

namespace bfd::config {

std::uint64_t auto_genesis_time(std::uint64_t now_ms) {
  return (now_ms / 1000 + 1) * 1000;
}

result<genesis_config> make_genesis_config(const topology& t, std::span<const bfd::address> account_addresses,
                                           std::uint64_t genesis_time_ms) {
  if (!t.network.genesis)
    return make_error(errc::invalid_argument, t.source + ": the genesis comes from the genesis file \""
                                                + t.network.genesis_file + "\"; read that file instead");
  if (account_addresses.size() != t.accounts.size())
    return make_error(errc::invalid_argument, t.source + ": " + std::to_string(t.accounts.size())
                                                + " accounts need as many addresses, got "
                                                + std::to_string(account_addresses.size()));
  genesis_config g;
  g.chain = t.network.chain;
  g.params = t.network.genesis->params;
  if (t.network.genesis->auto_genesis_time)
    g.params.genesis_time_ms = genesis_time_ms;

  std::map<public_key, std::size_t> keys;
  for (std::size_t i = 0; i < t.delegates.size(); ++i) {
    const auto& d = t.delegates[i];
    // parse_topology refuses a repeated key; a topology built in code may still have one.
    auto [it, fresh] = keys.emplace(d.key, i);
    if (!fresh)
      return make_error(errc::invalid_argument, d.public_key_where.to_string() + ": public_key "
                                                  + to_hex(d.key).substr(0, 16)
                                                  + "... is also the key of the delegate at line "
                                                  + std::to_string(t.delegates[it->second].where.line));
    g.vms.push_back({d.key, d.category_index, d.bid, d.hash_chain_tip});
  }
  std::map<bfd::address, std::size_t> seen;
  for (std::size_t i = 0; i < account_addresses.size(); ++i) {
    const auto& a = t.accounts[i];
    if (a.address && *a.address != account_addresses[i])
      return make_error(errc::invalid_argument, a.where.to_string() + ": the account's address is "
                                                  + format_address(*a.address) + ", not "
                                                  + format_address(account_addresses[i]));
    auto [it, fresh] = seen.emplace(account_addresses[i], i);
    if (!fresh)
      return make_error(errc::invalid_argument, a.where.to_string() + ": account "
                                                  + format_address(account_addresses[i])
                                                  + " is already allocated at line "
                                                  + std::to_string(t.accounts[it->second].where.line));
    g.allocations.push_back({account_addresses[i], a.value});
  }
  // The genesis depends on who the delegates and accounts are, not on the order the file lists
  // them in (nor on which node runs a delegate), so reordering or moving entries keeps the chain.
  std::sort(g.vms.begin(), g.vms.end(), [](const genesis_vm& x, const genesis_vm& y) { return x.key < y.key; });
  std::sort(g.allocations.begin(), g.allocations.end(),
            [](const genesis_allocation& x, const genesis_allocation& y) { return x.to < y.to; });
  if (const auto& authority = t.network.genesis->registry_authority) {
    // The registry module, holding every [[chains]] sidechain from the genesis.
    auto registry = std::make_shared<registry_genesis>();
    registry->authority = *authority;
    for (const auto& c : t.chains) {
      if (c.id == g.chain)
        continue;
      auto e = make_sidechain_entry(c, g);
      if (!e)
        return e.error();
      registry->sidechains.push_back(std::move(*e));
    }
    std::sort(registry->sidechains.begin(), registry->sidechains.end(),
              [](const sidechain_entry& x, const sidechain_entry& y) { return x.id < y.id; });
    g.modules = module_set{module_id::token, module_id::consensus, module_id::registry};
    g.registry = std::move(registry);
    if (t.network.genesis->peg) {  // the loader accepts peg only with the registry
      g.modules = module_set{module_id::token, module_id::consensus, module_id::registry, module_id::peg};
      g.peg = std::make_shared<peg_genesis>();
    }
  }
  return g;
}

result<sidechain_entry> make_sidechain_entry(const chain_topology_spec& c, const genesis_config& mainchain) {
  const auto& p = mainchain.params;
  sidechain_entry e;
  e.id = c.id;
  e.kind = c.kind;
  e.name = c.name;
  e.token = c.token;
  e.rule = c.rule;
  e.params.slot_ms = c.slot_ms.value_or(p.slot_ms);
  e.params.rounds_per_epoch = c.rounds_per_epoch.value_or(p.rounds_per_epoch);
  e.params.base_block_txs = c.base_block_txs.value_or(p.base_block_txs);
  e.params.work_bits = c.work_bits.value_or(p.work_bits);
  e.params.miss_limit = c.miss_limit.value_or(p.miss_limit);
  e.params.anchor_interval = c.anchor_interval.value_or(sidechain_params{}.anchor_interval);
  e.genesis_time_ms = p.genesis_time_ms;  // "auto" on the mainchain is "auto" here too: one time for all
  for (const auto& v : c.validators) {
    auto vm = std::find_if(mainchain.vms.begin(), mainchain.vms.end(), [&](const genesis_vm& x) { return x.key == v.key; });
    if (vm == mainchain.vms.end())
      return make_error(errc::invalid_argument, v.where.to_string() + ": validator " + to_hex(v.key)
                                                  + " is not a VM of the mainchain's genesis");
    e.validators.push_back({v.key, vm->category, p.min_bid, v.hash_chain_tip});
  }
  // The genesis does not depend on the order validators are listed in.
  std::sort(e.validators.begin(), e.validators.end(),
            [](const genesis_vm& x, const genesis_vm& y) { return x.key < y.key; });
  return e;
}

} // namespace bfd::config

#include "chains/sidechain/chain_spec.hpp"

#include "chains/access/access_module.hpp"

#include <array>
#include <utility>

namespace bfd {

namespace {
constexpr std::array<std::pair<chain_kind, std::string_view>, 5> kind_names{{
  {chain_kind::mainchain, "mainchain"},
  {chain_kind::system_service, "system_service"},
  {chain_kind::daos, "daos"},
  {chain_kind::ecosystem, "ecosystem"},
  {chain_kind::consortium, "consortium"},
}};
} // namespace

std::string_view to_string(chain_kind kind) noexcept {
  for (const auto& [k, n] : kind_names)
    if (k == kind)
      return n;
  return "unknown";
}

std::optional<chain_kind> parse_chain_kind(std::string_view name) noexcept {
  for (const auto& [k, n] : kind_names)
    if (n == name)
      return k;
  return std::nullopt;
}

std::string_view to_string(sidechain_status s) noexcept {
  switch (s) {
    case sidechain_status::registered: return "registered";
    case sidechain_status::active: return "active";
    case sidechain_status::ceased: return "ceased";
  }
  return "unknown";
}

chain_spec mainchain_spec(genesis_config genesis, std::string name) {
  chain_spec s;
  s.id = genesis.chain;
  s.kind = chain_kind::mainchain;
  s.name = std::move(name);
  s.genesis = std::move(genesis);
  return s;
}

chain_spec sidechain_spec(const sidechain_entry& entry, const consensus_params& mainchain) {
  chain_spec s;
  s.id = entry.id;
  s.kind = entry.kind;
  s.name = entry.name;
  s.token_symbol = entry.token.symbol;
  auto& g = s.genesis;
  g.chain = entry.id;
  g.params.categories = mainchain.categories;
  g.params.min_bid = mainchain.min_bid;
  g.params.genesis_time_ms = entry.genesis_time_ms;
  g.params.slot_ms = entry.params.slot_ms;
  g.params.rounds_per_epoch = entry.params.rounds_per_epoch;
  g.params.base_block_txs = entry.params.base_block_txs;
  g.params.work_bits = entry.params.work_bits;
  g.params.miss_limit = entry.params.miss_limit;
  g.params.block_reward = 0;
  g.allocations = entry.token.pegged_bfdt() ? std::vector<genesis_allocation>{} : entry.token.allocations;
  g.vms = entry.validators;
  // Ecosystem sidechains hold client contracts (DESIGN.md section 4); system-service sidechains
  // run the built-in services' versions (docs/service-triage.md); a DAOS sidechain runs its
  // fund's creation contract (docs/fund-lifecycle.md). The module's root is empty until a
  // template exists, so this leaves the registered genesis hash and the state root of a chain
  // that ran without it unchanged: an older data directory reopens as it was.
  if (entry.kind == chain_kind::ecosystem || entry.kind == chain_kind::system_service
      || entry.kind == chain_kind::daos)
    g.modules = g.modules.with(module_id::contracts);
  if (entry.kind == chain_kind::daos) {
    // A fund chain keeps its DS metadata; its first token holder (the founder) is its first
    // access admin, who grants the fund's writers (docs/ds-metadata.md).
    g.modules = g.modules.with(module_id::dsmeta);
    // Its economics (docs/funds.md): the module holds no record until the first subscription or
    // trade, so the genesis hash and the state root of a chain that ran without it are unchanged.
    g.modules = g.modules.with(module_id::funds);
    if (!g.allocations.empty()) {
      auto a = std::make_shared<access_genesis>();
      a->admins = {g.allocations.front().to};
      g.access = std::move(a);
      g.modules = g.modules.with(module_id::access);
    }
  }
  if (entry.kind == chain_kind::consortium && !g.allocations.empty()) {
    // A consortium chain is membership-gated (docs/membership-proofs.md): its first token holder
    // (the operator) is its first access admin and grants `join` on the chain to members its
    // admission service admitted; the authority module holds its member records and tagged
    // transfers. Both roots are empty until used.
    auto a = std::make_shared<access_genesis>();
    a->admins = {g.allocations.front().to};
    g.access = std::move(a);
    g.modules = g.modules.with(module_id::access).with(module_id::authority);
  }
  return s;
}

} // namespace bfd

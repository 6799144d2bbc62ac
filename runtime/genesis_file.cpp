#include "runtime/genesis_file.hpp"

#include <algorithm>
#include <limits>
#include <type_traits>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "chains/access/access_module.hpp"
#include "chains/consensus/consensus_state.hpp"
#include "chains/core/hex.hpp"
#include "chains/peg/peg_module.hpp"
#include "chains/sidechain/registry_module.hpp"
#include "runtime/durable_file.hpp"
#include "runtime/sidechain_entry_file.hpp"

namespace bfd::runtime {

using json = nlohmann::ordered_json;

std::string genesis_json(const genesis_config& c) {
  json j;
  j["format"] = "bfd-genesis-1";
  j["chain"] = c.chain;
  const auto& p = c.params;
  json cats = json::array();
  for (const auto& cat : p.categories)
    cats.push_back({{"name", cat.name},
                    {"compute_weight", cat.compute_weight},
                    {"max_new_per_epoch", cat.max_new_per_epoch},
                    {"cluster_cap", cat.cluster_cap}});
  j["params"] = {{"categories", cats},
                 {"genesis_time_ms", p.genesis_time_ms},
                 {"slot_ms", p.slot_ms},
                 {"rounds_per_epoch", p.rounds_per_epoch},
                 {"min_bid", p.min_bid},
                 {"work_bits", p.work_bits},
                 {"block_reward", p.block_reward},
                 {"base_block_txs", p.base_block_txs},
                 {"miss_limit", p.miss_limit}};
  json allocs = json::array();
  for (const auto& a : c.allocations)
    allocs.push_back({{"address", format_address(a.to)}, {"amount", a.value}});
  j["allocations"] = allocs;
  json vms = json::array();
  for (const auto& v : c.vms)
    vms.push_back({{"key", to_hex(v.key)},
                   {"category", v.category},
                   {"bid", v.bid},
                   {"hash_chain_tip", to_hex(v.hash_chain_tip)}});
  j["vms"] = vms;
  // Written only for a chain with the registry module, so older genesis files keep their bytes.
  if (c.modules.has(module_id::registry) && c.registry) {
    json sidechains = json::array();
    for (const auto& e : c.registry->sidechains)
      sidechains.push_back(json::parse(sidechain_entry_json(e)));
    j["registry"] = {{"authority", to_hex(c.registry->authority)}, {"sidechains", sidechains}};
  }
  // Likewise only with the peg module. Trust points are not written: a genesis file is a
  // mainchain's, and the mainchain's light clients of sidechains are its registry's.
  if (c.modules.has(module_id::peg))
    j["peg"] = {{"native_denom", c.peg ? c.peg->native_denom : std::string("BFDT")}};
  // Likewise only with the access module: its first global admins.
  if (c.modules.has(module_id::access) && c.access) {
    json admins = json::array();
    for (const auto& a : c.access->admins)
      admins.push_back(format_address(a));
    j["access"] = {{"admins", admins}};
    // Written only when there are some, so files without grants keep their bytes.
    if (!c.access->grants.empty()) {
      json grants = json::array();
      for (const auto& [a, mask] : c.access->grants) {
        json names = json::array();
        for (std::uint8_t b = 0; b < acl::permission_count; ++b)
          if (acl::has(mask, static_cast<acl::permission>(b)))
            names.push_back(std::string(acl::to_string(static_cast<acl::permission>(b))));
        grants.push_back({{"account", format_address(a)}, {"permissions", names}});
      }
      j["access"]["grants"] = grants;
    }
  }
  // The contracts module has no genesis state: an empty section enables it.
  if (c.modules.has(module_id::contracts))
    j["contracts"] = json::object();
  // Likewise only with the service registry (no genesis state either).
  if (c.modules.has(module_id::services))
    j["services"] = json::object();
  // Likewise only with the DS metadata module (it needs no configuration).
  if (c.modules.has(module_id::dsmeta))
    j["dsmeta"] = json::object();
  // Likewise only with the funds module (empty until used; docs/funds.md).
  if (c.modules.has(module_id::funds))
    j["funds"] = json::object();
  // Likewise only with the credential authority (groups come later, by transactions).
  if (c.modules.has(module_id::authority))
    j["authority"] = json::object();
  return j.dump(2) + "\n";
}

namespace {

struct reader {
  std::string error;

  template <class T>
  T get(const json& j, const char* key, const std::string& where) {
    if (!error.empty())
      return T{};
    auto i = j.find(key);
    if (i == j.end()) {
      error = where + "." + key + ": missing";
      return T{};
    }
    if constexpr (std::is_integral_v<T>) {
      // nlohmann would convert -1 or 1000.7 to an integer silently: refuse anything but a
      // non-negative integer within the field's range.
      if (!i->is_number_unsigned()) {
        error = where + "." + key + ": expected a non-negative integer, got " + i->dump();
        return T{};
      }
      const auto v = i->template get<std::uint64_t>();
      if (v > std::numeric_limits<T>::max()) {
        error = where + "." + key + ": " + std::to_string(v) + " is above the field's maximum "
                + std::to_string(std::numeric_limits<T>::max());
        return T{};
      }
      return static_cast<T>(v);
    } else {
      try {
        return i->template get<T>();
      } catch (const std::exception&) {
        error = where + "." + key + ": wrong type";
        return T{};
      }
    }
  }

  /// Refuses members the format does not define (a misspelt section would otherwise be a
  /// silently missing module).
  void known(const json& j, std::initializer_list<std::string_view> names, const std::string& where) {
    if (!error.empty())
      return;
    if (!j.is_object()) {
      error = where + ": expected an object";
      return;
    }
    for (auto it = j.begin(); it != j.end(); ++it)
      if (std::find(names.begin(), names.end(), std::string_view(it.key())) == names.end()) {
        error = where + ": unknown member \"" + it.key() + "\"";
        return;
      }
  }
  /// `j` if it is an array, else an empty one (and the error). By value: callers pass temporaries
  /// and iterate the result.
  json array(json j, const std::string& where) {
    if (error.empty() && !j.is_array())
      error = where + ": expected an array";
    return error.empty() ? std::move(j) : json::array();
  }
};

} // namespace

result<genesis_config> parse_genesis_json(const std::string& text) {
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return make_error(errc::invalid_argument, "genesis: not a JSON object");
  reader r;
  r.known(j, {"format", "chain", "params", "allocations", "vms", "registry", "peg", "access", "contracts", "services",
              "dsmeta", "funds", "authority"},
          "genesis");
  if (!r.error.empty())
    return make_error(errc::invalid_argument, r.error);
  if (r.get<std::string>(j, "format", "genesis") != "bfd-genesis-1" && r.error.empty())
    return make_error(errc::invalid_argument, "genesis.format: expected \"bfd-genesis-1\"");
  genesis_config c;
  c.chain = r.get<std::uint32_t>(j, "chain", "genesis");
  auto params = r.get<json>(j, "params", "genesis");
  r.known(params, {"categories", "genesis_time_ms", "slot_ms", "rounds_per_epoch", "min_bid", "work_bits",
                   "block_reward", "base_block_txs", "miss_limit"},
          "genesis.params");
  if (r.error.empty()) {
    auto& p = c.params;
    for (const auto& cat : r.array(r.get<json>(params, "categories", "genesis.params"), "genesis.params.categories")) {
      r.known(cat, {"name", "compute_weight", "max_new_per_epoch", "cluster_cap"}, "genesis.params.categories[]");
      category_params cp;
      cp.name = r.get<std::string>(cat, "name", "genesis.params.categories[]");
      cp.compute_weight = r.get<std::uint32_t>(cat, "compute_weight", "genesis.params.categories[]");
      cp.max_new_per_epoch = r.get<std::uint32_t>(cat, "max_new_per_epoch", "genesis.params.categories[]");
      cp.cluster_cap = r.get<std::uint32_t>(cat, "cluster_cap", "genesis.params.categories[]");
      p.categories.push_back(cp);
    }
    p.genesis_time_ms = r.get<std::uint64_t>(params, "genesis_time_ms", "genesis.params");
    p.slot_ms = r.get<std::uint64_t>(params, "slot_ms", "genesis.params");
    p.rounds_per_epoch = r.get<std::uint64_t>(params, "rounds_per_epoch", "genesis.params");
    p.min_bid = r.get<std::uint64_t>(params, "min_bid", "genesis.params");
    p.work_bits = r.get<std::uint32_t>(params, "work_bits", "genesis.params");
    p.block_reward = r.get<std::uint64_t>(params, "block_reward", "genesis.params");
    p.base_block_txs = r.get<std::uint32_t>(params, "base_block_txs", "genesis.params");
    p.miss_limit = r.get<std::uint32_t>(params, "miss_limit", "genesis.params");
  }
  for (const auto& a : r.array(r.get<json>(j, "allocations", "genesis"), "genesis.allocations")) {
    r.known(a, {"address", "amount"}, "genesis.allocations[]");
    auto addr = parse_address(r.get<std::string>(a, "address", "genesis.allocations[]"));
    if (!addr && r.error.empty())
      r.error = "genesis.allocations[].address: " + addr.error().detail;
    c.allocations.push_back({addr ? *addr : address{}, r.get<std::uint64_t>(a, "amount", "genesis.allocations[]")});
  }
  for (const auto& v : r.array(r.get<json>(j, "vms", "genesis"), "genesis.vms")) {
    r.known(v, {"key", "category", "bid", "hash_chain_tip"}, "genesis.vms[]");
    auto key = fixed_from_hex<32>(r.get<std::string>(v, "key", "genesis.vms[]"));
    auto tip = fixed_from_hex<32>(r.get<std::string>(v, "hash_chain_tip", "genesis.vms[]"));
    if ((!key || !tip) && r.error.empty())
      r.error = "genesis.vms[]: key and hash_chain_tip are 64 hex characters";
    c.vms.push_back({key ? *key : public_key{}, r.get<std::uint32_t>(v, "category", "genesis.vms[]"),
                     r.get<std::uint64_t>(v, "bid", "genesis.vms[]"), tip ? *tip : hash256{}});
  }
  if (!r.error.empty())
    return make_error(errc::invalid_argument, r.error);
  // The consensus rules on the parameters and VMs, here so that the error names the file.
  if (auto st = consensus_state::genesis(c.chain, c.params, c.vms, hash256{}); !st)
    return make_error(errc::invalid_argument, "genesis: " + st.error().detail);
  if (auto reg = j.find("registry"); reg != j.end()) {
    r.known(*reg, {"authority", "sidechains"}, "genesis.registry");
    // The registry module: its authority and the sidechains active from the genesis.
    auto g = std::make_shared<registry_genesis>();
    auto key = fixed_from_hex<32>(r.get<std::string>(*reg, "authority", "genesis.registry"));
    if (!key && r.error.empty())
      r.error = "genesis.registry.authority: 64 hex characters";
    if (key)
      g->authority = *key;
    auto list = r.get<json>(*reg, "sidechains", "genesis.registry");
    if (r.error.empty() && !list.is_array())
      r.error = "genesis.registry.sidechains: not an array";
    if (!r.error.empty())
      return make_error(errc::invalid_argument, r.error);
    for (std::size_t i = 0; i < list.size(); ++i) {
      auto e = parse_sidechain_entry_json(list[i].dump());
      if (!e)
        return make_error(errc::invalid_argument,
                          "genesis.registry.sidechains[" + std::to_string(i) + "]: " + e.error().detail);
      g->sidechains.push_back(std::move(*e));
    }
    c.modules = module_set{module_id::token, module_id::consensus, module_id::registry};
    c.registry = std::move(g);
  }
  if (auto peg = j.find("peg"); peg != j.end()) {
    r.known(*peg, {"native_denom"}, "genesis.peg");
    auto g = std::make_shared<peg_genesis>();
    g->native_denom = r.get<std::string>(*peg, "native_denom", "genesis.peg");
    if (!r.error.empty())
      return make_error(errc::invalid_argument, r.error);
    if (g->native_denom.empty() || g->native_denom.size() > 16)
      return make_error(errc::invalid_argument, "genesis.peg.native_denom: 1 to 16 characters");
    c.modules = c.modules.with(module_id::peg);
    c.peg = std::move(g);
  }
  if (auto acl = j.find("access"); acl != j.end()) {
    // The access module: its first global admins (at least one, none twice).
    r.known(*acl, {"admins", "grants"}, "genesis.access");
    auto g = std::make_shared<access_genesis>();
    auto list = r.get<json>(*acl, "admins", "genesis.access");
    if (r.error.empty() && (!list.is_array() || list.empty()))
      r.error = "genesis.access.admins: a non-empty array of addresses";
    if (!r.error.empty())
      return make_error(errc::invalid_argument, r.error);
    for (std::size_t i = 0; i < list.size(); ++i) {
      const auto where = "genesis.access.admins[" + std::to_string(i) + "]";
      auto a = list[i].is_string() ? parse_address(list[i].get<std::string>()) : result<address>(make_error(errc::bad_address, "not a string"));
      if (!a)
        return make_error(errc::invalid_argument, where + ": " + a.error().detail);
      if (std::find(g->admins.begin(), g->admins.end(), *a) != g->admins.end())
        return make_error(errc::invalid_argument, where + ": named twice");
      g->admins.push_back(*a);
    }
    // Optional: permissions on global from block 0 (e.g. --dev's admin holds sidechain_admin).
    if (auto grants = acl->find("grants"); grants != acl->end()) {
      if (!grants->is_array())
        return make_error(errc::invalid_argument, "genesis.access.grants: an array");
      for (std::size_t i = 0; i < grants->size(); ++i) {
        const auto where = "genesis.access.grants[" + std::to_string(i) + "]";
        const auto& item = (*grants)[i];
        if (!item.is_object() || !item.contains("account") || !item["account"].is_string()
            || !item.contains("permissions") || !item["permissions"].is_array() || item.size() != 2)
          return make_error(errc::invalid_argument, where + ": {\"account\": \"bfd…\", \"permissions\": [names]}");
        auto a = parse_address(item["account"].get<std::string>());
        if (!a)
          return make_error(errc::invalid_argument, where + ".account: " + a.error().detail);
        acl::permission_mask mask = 0;
        for (const auto& name : item["permissions"]) {
          auto p = name.is_string() ? acl::parse_permission(name.get<std::string>()) : std::nullopt;
          if (!p)
            return make_error(errc::invalid_argument, where + ".permissions: not a permission name: " + name.dump());
          mask |= acl::bit(*p);
        }
        g->grants.emplace_back(*a, mask);
      }
      // The module's own rules (non-empty, no account twice) with their messages.
      if (auto st = acl::access_state::genesis(g->admins, g->grants); !st)
        return make_error(errc::invalid_argument, "genesis.access.grants: " + st.error().detail);
    }
    c.modules = c.modules.with(module_id::access);
    c.access = std::move(g);
  }
  if (auto con = j.find("contracts"); con != j.end()) {
    if (!con->is_object() || !con->empty())
      return make_error(errc::invalid_argument, "genesis.contracts: an empty object (the module has no genesis state)");
    c.modules = c.modules.with(module_id::contracts);
  }
  if (auto svc = j.find("services"); svc != j.end()) {
    if (!svc->is_object() || !svc->empty())
      return make_error(errc::invalid_argument, "genesis.services: an empty object (the registry has no genesis state)");
    if (!c.modules.has(module_id::access))
      return make_error(errc::invalid_argument, "genesis.services: the service registry needs an access section");
    c.modules = c.modules.with(module_id::services);
  }
  if (auto ds = j.find("dsmeta"); ds != j.end()) {
    if (!ds->is_object() || !ds->empty())
      return make_error(errc::invalid_argument, "genesis.dsmeta: an empty object (the module needs no configuration)");
    c.modules = c.modules.with(module_id::dsmeta);
  }
  if (auto f = j.find("funds"); f != j.end()) {
    if (!f->is_object() || !f->empty())
      return make_error(errc::invalid_argument, "genesis.funds: an empty object (the module needs no configuration)");
    if (!c.modules.has(module_id::dsmeta))
      return make_error(errc::invalid_argument, "genesis.funds: the funds module reads a dsmeta section's terms");
    c.modules = c.modules.with(module_id::funds);
  }
  if (auto au = j.find("authority"); au != j.end()) {
    if (!au->is_object() || !au->empty())
      return make_error(errc::invalid_argument, "genesis.authority: an empty object (the module needs no configuration)");
    c.modules = c.modules.with(module_id::authority);
  }
  return c;
}

status write_genesis_file(const std::string& path, const genesis_config& config) {
  return write_file_durably(path, genesis_json(config));
}

result<genesis_config> read_genesis_file(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return make_error(errc::io, path + ": cannot open");
  std::stringstream buf;
  buf << in.rdbuf();
  auto c = parse_genesis_json(buf.str());
  if (!c)
    return make_error(c.error().code, path + ": " + c.error().detail);
  return c;
}

} // namespace bfd::runtime

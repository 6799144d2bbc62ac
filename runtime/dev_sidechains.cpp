#include "runtime/dev_sidechains.hpp"

#include "chains/sidechain/registry_module.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "chains/core/hex.hpp"
#include "runtime/durable_file.hpp"
#include "runtime/genesis_file.hpp"
#include "runtime/peg_specs.hpp"

namespace bfd::runtime {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

std::vector<genesis_vm> choose_validators(const genesis_config& mainchain, const validator_rule& rule) {
  std::vector<genesis_vm> out;
  for (std::uint32_t cat = 0; cat < rule.per_category.size(); ++cat) {
    std::vector<genesis_vm> of;
    for (const auto& v : mainchain.vms)
      if (v.category == cat)
        of.push_back(v);
    std::sort(of.begin(), of.end(), [](const genesis_vm& a, const genesis_vm& b) {
      return a.bid != b.bid ? a.bid > b.bid : a.key < b.key;
    });
    of.resize(std::min<std::size_t>(of.size(), rule.per_category[cat]));
    out.insert(out.end(), of.begin(), of.end());
  }
  return out;
}

namespace {

struct dev_chain {
  chain_kind kind;
  const char* name;
  const char* token;
};

// Ids 2..8 in this order (DESIGN.md section 4).
constexpr dev_chain dev_chains[] = {
  {chain_kind::system_service, "fund exchange", "FEX"},
  {chain_kind::system_service, "fund rating", "FRT"},
  {chain_kind::system_service, "legal service", "LGL"},
  {chain_kind::system_service, "media service", "MED"},
  {chain_kind::system_service, "financial consulting", "FCS"},
  {chain_kind::ecosystem, "smart contracts", "ECO"},
  {chain_kind::daos, "example fund", "EXF"},
};

const key_pair* delegate_keys(const dev_network& net, const public_key& key) {
  for (const auto& d : net.delegates)
    if (d.keys.pub == key)
      return &d.keys;
  return nullptr;
}

std::string index_path(const std::string& dir) {
  return (fs::path(dir) / "sidechains.json").string();
}
std::string spec_path(const std::string& dir, chain_id id) {
  return (fs::path(dir) / "sidechains" / ("chain-" + std::to_string(id) + ".json")).string();
}

result<std::vector<chain_spec>> read_specs(const std::string& dir) {
  const auto path = index_path(dir);
  std::ifstream in(path);
  if (!in)
    return make_error(errc::io, path + ": cannot read");
  std::stringstream text;
  text << in.rdbuf();
  std::vector<chain_spec> out;
  try {
    const auto j = json::parse(text.str());
    if (j.value("format", "") != "bfd-dev-sidechains-1" || !j.contains("sidechains") || !j["sidechains"].is_array())
      return make_error(errc::invalid_argument, path + ": not a bfd-dev-sidechains-1 file");
    for (const auto& e : j["sidechains"]) {
      chain_spec s;
      s.id = e.at("id").get<chain_id>();
      const auto kind = parse_chain_kind(e.at("kind").get<std::string>());
      if (!kind)
        return make_error(errc::invalid_argument, path + ": chain " + std::to_string(s.id) + ": unknown kind");
      s.kind = *kind;
      s.name = e.at("name").get<std::string>();
      s.token_symbol = e.at("token").get<std::string>();
      auto g = read_genesis_file(spec_path(dir, s.id));
      if (!g)
        return g.error();
      if (g->chain != s.id)
        return make_error(errc::invalid_argument, spec_path(dir, s.id) + ": the genesis of chain "
                                                    + std::to_string(g->chain) + ", not " + std::to_string(s.id));
      s.genesis = std::move(*g);
      out.push_back(std::move(s));
    }
  } catch (const std::exception& e) {
    return make_error(errc::invalid_argument, path + ": " + e.what());
  }
  return out;
}

status write_specs(const std::string& dir, const std::vector<chain_spec>& specs) {
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "sidechains", ec);
  if (ec)
    return make_error(errc::io, (fs::path(dir) / "sidechains").string() + ": " + ec.message());
  json list = json::array();
  for (const auto& s : specs) {
    if (auto st = write_genesis_file(spec_path(dir, s.id), s.genesis); !st)
      return st;
    list.push_back({{"id", s.id}, {"kind", std::string(to_string(s.kind))}, {"name", s.name}, {"token", s.token_symbol}});
  }
  json j;
  j["format"] = "bfd-dev-sidechains-1";
  j["sidechains"] = list;
  // Written last: its presence means every genesis file it names is complete.
  return write_file_durably(index_path(dir), j.dump(2) + "\n");
}

} // namespace

result<sidechain_entry> dev_sidechain_entry(const dev_network& net, chain_id id, chain_kind kind, std::string name,
                                            std::string symbol, const std::vector<genesis_vm>& validators) {
  const auto& main = net.genesis;
  sidechain_entry e;
  e.id = id;
  e.kind = kind;
  e.name = std::move(name);
  e.token.symbol = std::move(symbol);
  for (const auto& a : net.accounts)
    e.token.allocations.push_back({address_of(a.pub), 1'000'000 * units_per_bfdt});
  e.rule.per_category.assign(main.params.categories.size(), 1);
  e.params.slot_ms = main.params.slot_ms;
  e.params.rounds_per_epoch = main.params.rounds_per_epoch;
  e.params.base_block_txs = main.params.base_block_txs;
  e.params.work_bits = main.params.work_bits;
  e.params.miss_limit = main.params.miss_limit;
  e.genesis_time_ms = main.params.genesis_time_ms;
  for (auto v : validators) {
    const auto* keys = delegate_keys(net, v.key);
    if (!keys)
      return make_error(errc::invalid_argument,
                        "validator " + to_hex(v.key.view()) + " is not a delegate of this dev network: its "
                        "hash-chain tip for chain " + std::to_string(id) + " needs its key");
    v.bid = main.params.min_bid;
    v.hash_chain_tip = delegate_hash_chain(*keys, delegate_hash_chain_length, e.id)->tip();
    e.validators.push_back(v);
  }
  return e;
}

std::vector<sidechain_entry> dev_sidechain_entries(const dev_network& net) {
  std::vector<sidechain_entry> out;
  chain_id id = 2;
  for (const auto& c : dev_chains) {
    validator_rule rule;
    rule.per_category.assign(net.genesis.params.categories.size(), 1);
    // Validators not among the dev delegates cannot occur in a dev network: skip them as before.
    std::vector<genesis_vm> validators;
    for (const auto& v : choose_validators(net.genesis, rule))
      if (delegate_keys(net, v.key))
        validators.push_back(v);
    auto e = dev_sidechain_entry(net, id++, c.kind, c.name, c.token, validators);
    out.push_back(std::move(*e));
  }
  return out;
}

result<std::vector<chain_spec>> prepare_dev_sidechains(const std::string& data_dir, const dev_network& net) {
  if (net.genesis.registry) {
    // The mainchain's registry holds them from the genesis: its entries are the specs.
    std::vector<chain_spec> specs;
    const auto trust = mainchain_peg_trust(net.genesis);
    for (const auto& e : net.genesis.registry->sidechains)
      specs.push_back(sidechain_spec_for(e, net.genesis.params, trust));
    return specs;
  }
  std::error_code ec;
  if (fs::exists(index_path(data_dir), ec))
    return read_specs(data_dir);
  std::vector<chain_spec> specs;
  for (const auto& e : dev_sidechain_entries(net))
    specs.push_back(sidechain_spec(e, net.genesis.params));
  if (auto st = write_specs(data_dir, specs); !st)
    return st.error();
  return specs;
}

std::function<bool(chain_id)> dev_hosting(const genesis_config& mainchain, std::uint32_t sidechains) {
  std::set<chain_id> skipped;
  if (mainchain.registry)
    for (std::size_t i = sidechains; i < mainchain.registry->sidechains.size(); ++i)
      skipped.insert(mainchain.registry->sidechains[i].id);
  return [skipped = std::move(skipped)](chain_id id) { return id != mainchain_id && !skipped.count(id); };
}

std::vector<hosted_chain> dev_hosted_chains(const dev_network& net, const std::vector<chain_spec>& sidechains) {
  std::vector<hosted_chain> out;
  out.push_back({mainchain_spec(net.genesis), net.delegates});
  for (const auto& s : sidechains) {
    hosted_chain h{s, {}};
    for (const auto& v : s.genesis.vms)
      if (const auto* keys = delegate_keys(net, v.key))
        h.delegates.push_back({*keys, delegate_hash_chain(*keys, delegate_hash_chain_length, s.id)});
    out.push_back(std::move(h));
  }
  return out;
}

} // namespace bfd::runtime

#include "runtime/sidechain_entry_file.hpp"

#include <fstream>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

#include "chains/core/hex.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/sidechain/registry_payloads.hpp"

namespace bfd::runtime {

namespace {

using json = nlohmann::ordered_json;

template <std::size_t N>
fixed_bytes<N> hex_field(const json& j, const char* name) {
  auto v = fixed_from_hex<N>(j.at(name).get<std::string>());
  if (!v)
    throw std::invalid_argument(std::string(name) + ": " + v.error().detail);
  return *v;
}

/// An unsigned integer member of `j` within T's range: nlohmann would convert -1 or 2.5 silently.
template <class T>
T uint_field(const json& j, const char* name) {
  const auto& v = j.at(name);
  if (!v.is_number_unsigned())
    throw std::invalid_argument(std::string(name) + ": expected a non-negative integer, got " + v.dump());
  const auto u = v.get<std::uint64_t>();
  if (u > std::numeric_limits<T>::max())
    throw std::invalid_argument(std::string(name) + ": " + std::to_string(u) + " is above the field's maximum "
                                + std::to_string(std::numeric_limits<T>::max()));
  return static_cast<T>(u);
}

/// Like uint_field, `fallback` when the member is absent.
template <class T>
T uint_field_or(const json& j, const char* name, T fallback) {
  return j.contains(name) ? uint_field<T>(j, name) : fallback;
}

} // namespace

result<sidechain_entry> parse_sidechain_entry_json(std::string_view text) {
  sidechain_entry e;
  try {
    const auto j = json::parse(text);
    e.id = uint_field<chain_id>(j, "id");
    const auto kind = parse_chain_kind(j.at("kind").get<std::string>());
    if (!kind)
      return make_error(errc::invalid_argument, "kind: expected system_service, daos, ecosystem or consortium");
    e.kind = *kind;
    e.name = j.at("name").get<std::string>();
    const auto& token = j.at("token");
    e.token.symbol = token.at("symbol").get<std::string>();
    for (const auto& a : token.at("allocations")) {
      auto to = parse_address(a.at("address").get<std::string>());
      if (!to)
        return make_error(errc::invalid_argument, "token.allocations: " + to.error().detail);
      e.token.allocations.push_back({*to, uint_field<amount>(a, "value")});
    }
    const auto& per_category = j.at("rule").at("per_category");
    if (!per_category.is_array() || per_category.size() > registry_bounds::max_categories)
      return make_error(errc::invalid_argument, "sidechain entry: rule.per_category: an array of at most " + std::to_string(registry_bounds::max_categories) + " counts");
    for (const auto& n : per_category) {
      if (!n.is_number_unsigned() || n.get<std::uint64_t>() > std::numeric_limits<std::uint32_t>::max())
        return make_error(errc::invalid_argument,
                          "sidechain entry: rule.per_category: expected integers 0 to 4294967295, got " + n.dump());
      e.rule.per_category.push_back(n.get<std::uint32_t>());
    }
    if (j.contains("params")) {
      const auto& p = j["params"];
      e.params.slot_ms = uint_field_or(p, "slot_ms", e.params.slot_ms);
      e.params.rounds_per_epoch = uint_field_or(p, "rounds_per_epoch", e.params.rounds_per_epoch);
      e.params.base_block_txs = uint_field_or(p, "base_block_txs", e.params.base_block_txs);
      e.params.work_bits = uint_field_or(p, "work_bits", e.params.work_bits);
      e.params.miss_limit = uint_field_or(p, "miss_limit", e.params.miss_limit);
      e.params.anchor_interval = uint_field_or(p, "anchor_interval", e.params.anchor_interval);
    }
    for (const auto& v : j.at("validators"))
      e.validators.push_back({hex_field<32>(v, "key"), uint_field<std::uint32_t>(v, "category"), uint_field<amount>(v, "bid"),
                              hex_field<32>(v, "hash_chain_tip")});
    e.genesis_time_ms = uint_field_or(j, "genesis_time_ms", std::uint64_t{0});
  } catch (const std::exception& ex) {
    return make_error(errc::invalid_argument, std::string("sidechain entry: ") + ex.what());
  }
  return e;
}

result<sidechain_entry> read_sidechain_entry_file(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return make_error(errc::io, path + ": cannot read");
  std::stringstream text;
  text << in.rdbuf();
  auto e = parse_sidechain_entry_json(text.str());
  if (!e)
    return make_error(e.error().code, path + ": " + e.error().detail);
  return e;
}

std::string sidechain_entry_json(const sidechain_entry& e) {
  json j;
  j["id"] = e.id;
  j["kind"] = std::string(to_string(e.kind));
  j["name"] = e.name;
  json allocations = json::array();
  for (const auto& a : e.token.allocations)
    allocations.push_back({{"address", format_address(a.to)}, {"value", a.value}});
  j["token"] = {{"symbol", e.token.symbol}, {"allocations", allocations}};
  j["rule"] = {{"per_category", e.rule.per_category}};
  j["params"] = {{"slot_ms", e.params.slot_ms},       {"rounds_per_epoch", e.params.rounds_per_epoch},
                 {"base_block_txs", e.params.base_block_txs}, {"work_bits", e.params.work_bits},
                 {"miss_limit", e.params.miss_limit}, {"anchor_interval", e.params.anchor_interval}};
  json validators = json::array();
  for (const auto& v : e.validators)
    validators.push_back({{"key", to_hex(v.key)}, {"category", v.category}, {"bid", v.bid},
                          {"hash_chain_tip", to_hex(v.hash_chain_tip)}});
  j["validators"] = validators;
  j["genesis_time_ms"] = e.genesis_time_ms;
  return j.dump(2) + "\n";
}

} // namespace bfd::runtime

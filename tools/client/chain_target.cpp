// bfd-cli's --chain: parsing, resolution through GET /v1/chains, and route paths.
#include "tools/client/chain_target.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

#include <fmt/format.h>

#include "tools/client/node_client.hpp"

namespace bfd::cli {

namespace {

constexpr std::size_t max_name_length = 64;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool is_name(const std::string& t) {
  if (t.empty() || t.size() > max_name_length || !is_letter(t.front()))
    return false;
  return std::all_of(t.begin(), t.end(),
                     [](char c) { return is_letter(c) || is_digit(c) || c == ' ' || c == '-' || c == '_' || c == '.'; });
}

bool same_name(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [&](char x, char y) { return lower(x) == lower(y); });
}

// The advice every unknown-chain failure ends with.
std::string listing_hint(const node_client& node) {
  return fmt::format("`bfd-cli chains --node {}` lists the chains it hosts", node.url());
}

chain_target target_of(const json& summary, chain_id id) {
  chain_target t;
  t.id = id;
  t.prefix = fmt::format("/v1/chains/{}", id);
  t.token = text_field(summary, "token", "?");
  t.name = text_field(summary, "name", "");
  return t;
}

} // namespace

result<chain_selector> parse_chain_option(const std::optional<std::string>& text) {
  chain_selector sel;
  if (!text)
    return sel;
  const std::string& t = *text;
  if (!t.empty() && std::all_of(t.begin(), t.end(), is_digit)) {
    std::uint64_t value = 0;
    auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
    if (ec == std::errc{} && ptr == t.data() + t.size() && value >= 1 &&
        value <= std::numeric_limits<chain_id>::max()) {
      sel.how = chain_selector::form::id;
      sel.id = static_cast<chain_id>(value);
      return sel;
    }
    return make_error(errc::invalid_argument,
                      fmt::format("--chain: '{}' is not a chain id from 1 to {}", t,
                                  std::numeric_limits<chain_id>::max()));
  }
  if (is_name(t)) {
    sel.how = chain_selector::form::name;
    sel.name = t;
    return sel;
  }
  return make_error(errc::invalid_argument,
                    fmt::format("--chain: '{}' is neither a chain id (a decimal number, 1 = the "
                                "mainchain) nor a chain name as `bfd-cli chains` shows",
                                t));
}

std::string chain_target::path(std::string_view route) const {
  return (prefix.empty() ? std::string("/v1") : prefix) + std::string(route);
}

std::variant<chain_target, command_result> resolve_chain(const node_client& node, const chain_selector& sel) {
  if (sel.how == chain_selector::form::node_default)
    return chain_target{};
  if (sel.how == chain_selector::form::id) {
    auto reply = node.get(fmt::format("/v1/chains/{}", sel.id));
    if (auto* failed = std::get_if<command_result>(&reply)) {
      if (failed->reason != "not_found")
        return *failed;
      return command_failure("unknown_chain",
                             fmt::format("the node at {} does not host chain {} ({}); {}", node.url(),
                                         sel.id, failed->detail, listing_hint(node)));
    }
    return target_of(std::get<node_answer>(reply).body, sel.id);
  }
  auto reply = node.get("/v1/chains");
  if (auto* failed = std::get_if<command_result>(&reply)) {
    if (failed->reason != "not_found")
      return *failed;
    return command_failure("unknown_chain",
                           fmt::format("the node at {} lists no chains ({}); an older node serves "
                                       "only the mainchain: leave out --chain",
                                       node.url(), failed->detail));
  }
  const json& body = std::get<node_answer>(reply).body;
  if (auto it = body.find("chains"); it != body.end() && it->is_array())
    for (const auto& c : *it) {
      const std::uint64_t id = number_field(c, "id", 0);
      if (same_name(text_field(c, "name", ""), sel.name) && id >= 1 &&
          id <= std::numeric_limits<chain_id>::max())
        return target_of(c, static_cast<chain_id>(id));
    }
  return command_failure("unknown_chain", fmt::format("the node at {} hosts no chain named '{}'; {}",
                                                      node.url(), sel.name, listing_hint(node)));
}

result<chain_id> offline_chain_id(const chain_selector& sel) {
  switch (sel.how) {
    case chain_selector::form::node_default:
      return mainchain_id;
    case chain_selector::form::id:
      return sel.id;
    case chain_selector::form::name:
      break;
  }
  return make_error(errc::invalid_argument,
                    fmt::format("--chain {}: a chain name needs a node to resolve it; with --offline "
                                "give the chain's id (`bfd-cli chains` shows it)",
                                sel.name));
}

} // namespace bfd::cli

// `bfd-cli chains`, `info`, `account` and `delegates`: read a node's state through its HTTP API.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "chains/crypto/keys.hpp"
#include "tools/client/chain_target.hpp"
#include "tools/bfd-cli/commands.hpp"
#include "tools/client/node_client.hpp"

namespace bfd::cli {

namespace {

/// Characters of a delegate key shown in the delegates table.
constexpr std::size_t key_prefix_length = 16;

struct read_options {
  network_options net;
  std::string address;
  bool json_out = false;
};

/// A chain's answer to one route and the chain it came from.
struct chain_answer {
  chain_target chain;
  json body;
};

// Whether a delegate's JSON says it is in the active cluster.
bool in_cluster(const json& d) {
  auto it = d.find("in_cluster");
  return it != d.end() && it->is_boolean() && it->get<bool>();
}

// Resolves --chain on the endpoint in `o`, then GETs `route` of that chain: the body, or the
// failure to report (a malformed --chain fails before any request).
std::variant<chain_answer, command_result> fetch_json(const read_options& o, const std::string& route) {
  auto sel = parse_chain_option(o.net.chain);
  if (!sel)
    return to_command_result(sel.error());
  auto opened = node_client::open(o.net.node_url);
  if (auto* failed = std::get_if<command_result>(&opened))
    return *failed;
  const auto& node = std::get<node_client>(opened);
  auto target = resolve_chain(node, *sel);
  if (auto* failed = std::get_if<command_result>(&target))
    return *failed;
  const auto& chain = std::get<chain_target>(target);
  auto reply = node.get(chain.path(route));
  if (auto* failed = std::get_if<command_result>(&reply))
    return *failed;
  return chain_answer{chain, std::move(std::get<node_answer>(reply).body)};
}

// A height of a chain summary's "head" or "final" object, or "-" when the chain did not answer.
std::string height_cell(const json& summary, std::string_view which) {
  const json& at = object_field(summary, which);
  return at.is_object() ? std::to_string(number_field(at, "height")) : "-";
}

command_result run_chains(const read_options& o) {
  auto sel = parse_chain_option(o.net.chain);
  if (!sel)
    return to_command_result(sel.error());
  auto opened = node_client::open(o.net.node_url);
  if (auto* failed = std::get_if<command_result>(&opened))
    return *failed;
  const auto& node = std::get<node_client>(opened);
  json list = json::array();
  if (sel->how == chain_selector::form::node_default) {
    auto reply = node.get("/v1/chains");
    if (auto* failed = std::get_if<command_result>(&reply))
      return *failed;
    json& body = std::get<node_answer>(reply).body;
    if (o.json_out) {
      fmt::print("{}\n", body.dump(2));
      return {};
    }
    if (auto it = body.find("chains"); it != body.end() && it->is_array())
      list = std::move(*it);
  } else {
    // With --chain, that chain alone.
    auto target = resolve_chain(node, *sel);
    if (auto* failed = std::get_if<command_result>(&target))
      return *failed;
    auto reply = node.get(std::get<chain_target>(target).prefix);
    if (auto* failed = std::get_if<command_result>(&reply))
      return *failed;
    if (o.json_out) {
      fmt::print("{}\n", std::get<node_answer>(reply).body.dump(2));
      return {};
    }
    list.push_back(std::move(std::get<node_answer>(reply).body));
  }
  std::vector<std::vector<std::string>> rows{
    {"ID", "KIND", "NAME", "TOKEN", "STATUS", "HEAD", "FINAL", "VALIDATORS"}};
  for (const auto& c : list) {
    auto it = c.find("validators");
    std::string validators = it != c.end() && it->is_array() ? std::to_string(it->size()) : "-";
    rows.push_back({std::to_string(number_field(c, "id")), text_field(c, "kind"), text_field(c, "name"),
                    text_field(c, "token"), text_field(c, "status"), height_cell(c, "head"),
                    height_cell(c, "final"), validators});
  }
  print_table(rows, {true, false, false, false, false, true, true, true});
  fmt::print("{} chain{} on {}\n", rows.size() - 1, rows.size() == 2 ? "" : "s", node.url());
  return {};
}

command_result run_info(const read_options& o) {
  auto got = fetch_json(o, "/info");
  if (auto* failed = std::get_if<command_result>(&got))
    return *failed;
  const auto& [chain, j] = std::get<chain_answer>(got);
  if (o.json_out) {
    fmt::print("{}\n", j.dump(2));
    return {};
  }
  const json& head = object_field(j, "head");
  const json& final_block = object_field(j, "final");
  fmt::print("node: {}\n", o.net.node_url);
  fmt::print("chain: {}\n", number_field(j, "chain"));
  fmt::print("token: {}\n", chain.token);
  fmt::print("head_height: {}\nhead_hash: {}\n", number_field(head, "height"), text_field(head, "hash"));
  fmt::print("final_height: {}\nfinal_hash: {}\n", number_field(final_block, "height"),
             text_field(final_block, "hash"));
  fmt::print("round: {}\nepoch: {}\nslot_ms: {}\n", number_field(j, "round"), number_field(j, "epoch"),
             number_field(j, "slot_ms"));
  fmt::print("total_supply: {} {}\n", text_field(j, "total_supply"), chain.token);
  fmt::print("mempool_size: {}\n", number_field(j, "mempool_size"));
  std::string order;
  if (auto it = j.find("order"); it != j.end() && it->is_array())
    for (const auto& slot : *it)
      order += fmt::format("{}{} ({})", order.empty() ? "" : ", ", text_field(slot, "producer_address"),
                           text_field(slot, "category_name"));
  fmt::print("slot_order: {}\n", order);
  return {};
}

command_result run_account(const read_options& o) {
  auto addr = parse_address(o.address);
  if (!addr)
    return to_command_result(addr.error());
  auto got = fetch_json(o, "/accounts/" + format_address(*addr));
  if (auto* failed = std::get_if<command_result>(&got))
    return *failed;
  const auto& [chain, j] = std::get<chain_answer>(got);
  if (o.json_out) {
    fmt::print("{}\n", j.dump(2));
    return {};
  }
  fmt::print("address: {}\n", text_field(j, "address"));
  fmt::print("chain: {}\n", chain.id);
  fmt::print("balance: {} {}\n", text_field(j, "balance"), chain.token);
  fmt::print("balance_units: {}\n", number_field(j, "balance_units"));
  fmt::print("nonce: {}\n", number_field(j, "nonce"));
  return {};
}

command_result run_delegates(const read_options& o) {
  auto got = fetch_json(o, "/delegates");
  if (auto* failed = std::get_if<command_result>(&got))
    return *failed;
  const auto& [chain, j] = std::get<chain_answer>(got);
  if (o.json_out) {
    fmt::print("{}\n", j.dump(2));
    return {};
  }
  std::vector<std::vector<std::string>> rows{
    {"KEY", "CATEGORY", "BID", "VOTES", "STATUS", "CLUSTER", "BLOCKS", "MISSED", "REWARDS"}};
  if (auto it = j.find("delegates"); it != j.end() && it->is_array())
    for (const auto& d : *it)
      rows.push_back({text_field(d, "key").substr(0, key_prefix_length), text_field(d, "category_name"),
                      text_field(d, "bid"), text_field(d, "votes"), text_field(d, "status"),
                      in_cluster(d) ? "yes" : "no",
                      std::to_string(number_field(d, "blocks_produced")),
                      std::to_string(number_field(d, "slots_missed")), text_field(d, "rewards")});
  // Text columns align left, amounts and counts right.
  print_table(rows, {false, false, true, true, false, false, true, true, true});
  fmt::print("{} delegates; amounts in {}\n", rows.size() - 1, chain.token);
  return {};
}

// Registers one read command that prints name: value lines, or the node's JSON with --json.
CLI::App* add_read_command(CLI::App& app, const char* name, const char* description,
                           std::optional<command_result>& outcome, network_options& net,
                           command_result (*run)(const read_options&),
                           const std::shared_ptr<read_options>& o) {
  auto* cmd = app.add_subcommand(name, description);
  cmd->add_flag("--json", o->json_out, "Print the node's JSON answer instead");
  add_network_options(*cmd, net);
  cmd->callback([o, run, &outcome, &net] {
    o->net = net;
    outcome = run(*o);
  });
  return cmd;
}

} // namespace

void add_node_commands(CLI::App& app, std::optional<command_result>& outcome, network_options& net) {
  add_read_command(app, "chains",
                   "List the chains the node hosts: id, kind, name, token, status, head and final "
                   "height, validator count (with --chain: that chain only)",
                   outcome, net, run_chains, std::make_shared<read_options>());
  add_read_command(app, "info", "Print the chain's head and final block, round and slot order",
                   outcome, net, run_info, std::make_shared<read_options>());
  auto account_opts = std::make_shared<read_options>();
  auto* account = add_read_command(app, "account",
                                   "Print an account's balance on the chain (in its token and base "
                                   "units) and next nonce",
                                   outcome, net, run_account, account_opts);
  account->add_option("address", account_opts->address, "Account address (bfd + 40 hex characters)")
    ->type_name("ADDR")
    ->required();
  add_read_command(app, "delegates",
                   "Print every VM delegate: key prefix, category, bid, votes, status, cluster "
                   "membership, blocks produced, slots missed, rewards",
                   outcome, net, run_delegates, std::make_shared<read_options>());
}

} // namespace bfd::cli

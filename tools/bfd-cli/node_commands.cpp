// `bfd-cli info`, `account` and `delegates`: read a node's state through its HTTP API.
#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "chains/crypto/keys.hpp"
#include "tools/bfd-cli/commands.hpp"
#include "tools/bfd-cli/node_client.hpp"

namespace bfd::cli {

namespace {

/// Characters of a delegate key shown in the delegates table.
constexpr std::size_t key_prefix_length = 16;

struct read_options {
  std::string node;
  std::string address;
  bool json_out = false;
};

// Whether a delegate's JSON says it is in the active cluster.
bool in_cluster(const json& d) {
  auto it = d.find("in_cluster");
  return it != d.end() && it->is_boolean() && it->get<bool>();
}

// GETs `path` from the endpoint in `o`: the body, or the failure to report.
std::variant<json, command_result> fetch_json(const read_options& o, const std::string& path) {
  auto opened = node_client::open(o.node);
  if (auto* failed = std::get_if<command_result>(&opened))
    return *failed;
  auto reply = std::get<node_client>(opened).get(path);
  if (auto* failed = std::get_if<command_result>(&reply))
    return *failed;
  return std::move(std::get<node_answer>(reply).body);
}

command_result run_info(const read_options& o) {
  auto got = fetch_json(o, "/v1/info");
  if (auto* failed = std::get_if<command_result>(&got))
    return *failed;
  const json& j = std::get<json>(got);
  if (o.json_out) {
    fmt::print("{}\n", j.dump(2));
    return {};
  }
  const json& head = object_field(j, "head");
  const json& final_block = object_field(j, "final");
  fmt::print("node: {}\n", o.node);
  fmt::print("chain: {}\n", number_field(j, "chain"));
  fmt::print("head_height: {}\nhead_hash: {}\n", number_field(head, "height"), text_field(head, "hash"));
  fmt::print("final_height: {}\nfinal_hash: {}\n", number_field(final_block, "height"),
             text_field(final_block, "hash"));
  fmt::print("round: {}\nepoch: {}\nslot_ms: {}\n", number_field(j, "round"), number_field(j, "epoch"),
             number_field(j, "slot_ms"));
  fmt::print("total_supply: {} BFDT\n", text_field(j, "total_supply"));
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
  auto got = fetch_json(o, "/v1/accounts/" + format_address(*addr));
  if (auto* failed = std::get_if<command_result>(&got))
    return *failed;
  const json& j = std::get<json>(got);
  if (o.json_out) {
    fmt::print("{}\n", j.dump(2));
    return {};
  }
  fmt::print("address: {}\n", text_field(j, "address"));
  fmt::print("balance: {} BFDT\n", text_field(j, "balance"));
  fmt::print("balance_units: {}\n", number_field(j, "balance_units"));
  fmt::print("nonce: {}\n", number_field(j, "nonce"));
  return {};
}

command_result run_delegates(const read_options& o) {
  auto got = fetch_json(o, "/v1/delegates");
  if (auto* failed = std::get_if<command_result>(&got))
    return *failed;
  const json& j = std::get<json>(got);
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
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c)
      width[c] = std::max(width[c], row[c].size());
  // Text columns align left, amounts and counts right.
  const std::vector<bool> right{false, false, true, true, false, false, true, true, true};
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c > 0)
        line += "  ";
      line += right[c] ? fmt::format("{:>{}}", row[c], width[c]) : fmt::format("{:<{}}", row[c], width[c]);
    }
    while (line.ends_with(' '))
      line.pop_back();
    fmt::print("{}\n", line);
  }
  fmt::print("{} delegates; amounts in BFDT\n", rows.size() - 1);
  return {};
}

// Registers one read command that prints name: value lines, or the node's JSON with --json.
CLI::App* add_read_command(CLI::App& app, const char* name, const char* description,
                           std::optional<command_result>& outcome, std::string& node_url,
                           command_result (*run)(const read_options&),
                           const std::shared_ptr<read_options>& o) {
  auto* cmd = app.add_subcommand(name, description);
  cmd->add_flag("--json", o->json_out, "Print the node's JSON answer instead");
  add_node_option(*cmd, node_url);
  cmd->callback([o, run, &outcome, &node_url] {
    o->node = node_url;
    outcome = run(*o);
  });
  return cmd;
}

} // namespace

command_result to_command_result(const status& st) {
  if (st)
    return {};
  return command_failure(std::string(to_string(st.error().code)), st.error().detail);
}

command_result command_failure(std::string reason, std::string detail, int exit_code) {
  return command_result{exit_code, std::move(reason), std::move(detail)};
}

std::string initial_node_url() {
  const char* env = std::getenv("BFD_NODE");
  return env && *env ? env : default_node_url;
}

void add_node_option(CLI::App& command, std::string& url) {
  command.add_option("--node", url, "Node HTTP endpoint (env BFD_NODE overrides the default)")
    ->type_name("URL")
    ->capture_default_str();
}

void add_node_commands(CLI::App& app, std::optional<command_result>& outcome, std::string& node_url) {
  add_read_command(app, "info", "Print the node's chain, head and final block, round and slot order",
                   outcome, node_url, run_info, std::make_shared<read_options>());
  auto account_opts = std::make_shared<read_options>();
  auto* account = add_read_command(app, "account",
                                   "Print an account's balance (BFDT and base units) and next nonce",
                                   outcome, node_url, run_account, account_opts);
  account->add_option("address", account_opts->address, "Account address (bfd + 40 hex characters)")
    ->type_name("ADDR")
    ->required();
  add_read_command(app, "delegates",
                   "Print every VM delegate: key prefix, category, bid, votes, status, cluster "
                   "membership, blocks produced, slots missed, rewards",
                   outcome, node_url, run_delegates, std::make_shared<read_options>());
}

} // namespace bfd::cli

// `bfd-cli sidechain register|activate|cease|list|entry`: the mainchain's sidechain registry
// (docs/sidechains.md) from the command line.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "chains/core/hex.hpp"
#include "chains/sidechain/registry_payloads.hpp"
#include "chains/sidechain/validator_choice.hpp"
#include "runtime/dev_network.hpp"
#include "runtime/dev_sidechains.hpp"
#include "runtime/entropy.hpp"
#include "runtime/key_file.hpp"
#include "runtime/sidechain_entry_file.hpp"
#include "tools/bfd-cli/commands.hpp"
#include "tools/bfd-cli/dev_entry.hpp"
#include "tools/client/submission.hpp"

namespace bfd::cli {

namespace {

/// What every registry transaction command takes.
struct registry_tx_options : tx_options {
  registry_tx_options() {
    fee_text = "0";
    timeout_text = "60";
  }
};

struct register_options : registry_tx_options {
  std::string entry_file;
};

struct status_options : registry_tx_options {
  std::string id_text;
};

struct list_options {
  network_options net;
  bool json_out = false;
};

struct entry_options {
  network_options net;
  std::string dev_data;
  std::string id_text;
  std::string name;
  std::string kind = "daos";
  std::string symbol;
  std::string anchor_interval_text = "10";
  std::string start_in_text = "10";
  std::optional<std::string> out;
};

// The registry lives on the mainchain: --chain would address something else.
std::optional<command_result> refuse_chain(const network_options& net) {
  if (net.chain)
    return command_failure("invalid_argument",
                           fmt::format("--chain {}: the sidechain registry is on the mainchain; sidechain "
                                       "commands take no --chain",
                                       *net.chain));
  return std::nullopt;
}

result<chain_id> parse_sidechain_id(const std::string& text) {
  auto id = parse_uint("ID", text, UINT32_MAX);
  if (!id)
    return id.error();
  if (*id < 2)
    return make_error(errc::invalid_argument, fmt::format("ID: {} is not a sidechain id (2 or more)", *id));
  return static_cast<chain_id>(*id);
}

// The registry's view of sidechain `id` (GET /v1/sidechains), or null when it is not listed.
json registry_view(const node_client& node, chain_id id) {
  auto reply = node.get("/v1/sidechains");
  if (auto* answer = std::get_if<node_answer>(&reply)) {
    auto it = answer->body.find("sidechains");
    if (it != answer->body.end() && it->is_array())
      for (const auto& s : *it)
        if (number_field(s, "id") == id)
          return s;
  }
  return nullptr;
}

// Signs `payload` on the mainchain with the key file's key (nonce and expiry from the node),
// submits it and, unless --no-wait, waits for finality; then prints the sidechain's status.
command_result send_registry_tx(const registry_tx_options& o, tx_payload payload, chain_id sidechain) {
  if (auto refused = refuse_chain(o.net))
    return *refused;
  auto signed_or = sign_for_chain(o, std::move(payload));
  if (auto* failed = std::get_if<command_result>(&signed_or))
    return *failed;
  const auto& [at, tx, keys, timeout] = std::get<signed_tx>(signed_or);
  auto done = submit(at, tx,
                     fmt::format("{} of sidechain {}, nonce {}, expiry {}", payload_name(tx.payload), sidechain,
                                 tx.nonce, tx.expiry),
                     o.no_wait, timeout);
  if (!done.ok() || o.no_wait)
    return done;
  // Final: the final registry (what GET /v1/sidechains reads) holds the change.
  auto view = registry_view(at.node, sidechain);
  if (view.is_object())
    fmt::print("sidechain: {}\nsidechain_status: {}\n", sidechain, text_field(view, "status"));
  return done;
}

command_result run_register(const register_options& o) {
  if (auto refused = refuse_chain(o.net))
    return *refused;
  auto entry = runtime::read_sidechain_entry_file(o.entry_file);
  if (!entry)
    return to_command_result(make_error(entry.error().code, "--entry: " + entry.error().detail));
  const chain_id id = entry->id;
  auto body = std::make_shared<const sidechain_register_payload>(sidechain_register_payload{std::move(*entry)});
  return send_registry_tx(o, sidechain_register_tx{std::move(body)}, id);
}

command_result run_activate(const status_options& o) {
  auto id = parse_sidechain_id(o.id_text);
  if (!id)
    return to_command_result(id.error());
  return send_registry_tx(o, sidechain_activate_tx{*id}, *id);
}

command_result run_cease(const status_options& o) {
  auto id = parse_sidechain_id(o.id_text);
  if (!id)
    return to_command_result(id.error());
  return send_registry_tx(o, sidechain_cease_tx{*id}, *id);
}

// A height field that may be null (e.g. "ceased_height" before a cease): the number or "-".
std::string optional_height(const json& j, std::string_view key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? std::to_string(it->get<std::uint64_t>()) : "-";
}

command_result run_list(const list_options& o) {
  if (auto refused = refuse_chain(o.net))
    return *refused;
  auto opened = node_client::open(o.net.node_url);
  if (auto* failed = std::get_if<command_result>(&opened))
    return *failed;
  const auto& node = std::get<node_client>(opened);
  auto reply = node.get("/v1/sidechains");
  if (auto* failed = std::get_if<command_result>(&reply))
    return *failed;
  const json& body = std::get<node_answer>(reply).body;
  if (o.json_out) {
    fmt::print("{}\n", body.dump(2));
    return {};
  }
  std::vector<std::vector<std::string>> rows{{"ID", "KIND", "NAME", "TOKEN", "STATUS", "ANCHORED", "CEASED_AT"}};
  if (auto it = body.find("sidechains"); it != body.end() && it->is_array())
    for (const auto& s : *it) {
      const json& anchored = object_field(s, "anchored");
      rows.push_back({std::to_string(number_field(s, "id")), text_field(s, "kind"), text_field(s, "name"),
                      text_field(s, "token"), text_field(s, "status"),
                      anchored.is_object() ? std::to_string(number_field(anchored, "height")) : "-",
                      optional_height(s, "ceased_height")});
    }
  print_table(rows, {true, false, false, false, false, true, true});
  fmt::print("{} sidechain{} in the registry of {}\n", rows.size() - 1, rows.size() == 2 ? "" : "s", node.url());
  return {};
}

// The mainchain's active cluster as the node's head sees it (GET /v1/delegates, in_cluster),
// each member's power being its bid plus votes.
std::variant<cluster, command_result> active_cluster(const node_client& node) {
  auto reply = node.get("/v1/delegates");
  if (auto* failed = std::get_if<command_result>(&reply))
    return *failed;
  const json& body = std::get<node_answer>(reply).body;
  cluster c;
  auto it = body.find("delegates");
  if (it == body.end() || !it->is_array())
    return command_failure("bad_response", "GET /v1/delegates has no delegates list");
  for (const auto& d : *it) {
    auto in = d.find("in_cluster");
    if (in == d.end() || !in->is_boolean() || !in->get<bool>())
      continue;
    auto key = fixed_from_hex<32>(text_field(d, "key", ""));
    if (!key)
      return command_failure("bad_response", "GET /v1/delegates: a delegate key is not 64 hex characters");
    cluster_member m;
    m.key = public_key{*key};
    m.category = static_cast<std::uint32_t>(number_field(d, "category"));
    m.power = number_field(d, "bid_units") + number_field(d, "votes_units");
    c.members.push_back(m);
    c.power += m.power;
  }
  return c;
}

} // namespace

std::variant<sidechain_entry, command_result> build_dev_entry(const dev_entry_request& r) {
  std::error_code ec;
  const auto genesis = std::filesystem::path(r.dev_data) / "genesis.json";
  if (!std::filesystem::exists(genesis, ec))
    return command_failure("invalid_argument",
                           fmt::format("--dev-data: {} has no genesis.json; give the data directory of a "
                                       "`bfd-node --dev`",
                                       r.dev_data));
  runtime::dev_options dev;
  dev.data_dir = r.dev_data;
  auto net = runtime::prepare_dev_network(dev, 0);
  if (!net)
    return to_command_result(make_error(net.error().code, "--dev-data: " + net.error().detail));
  // The registry checks the validators against the cluster at the registering block: ask the node.
  auto opened = node_client::open(r.node_url);
  if (auto* failed = std::get_if<command_result>(&opened))
    return *failed;
  auto active = active_cluster(std::get<node_client>(opened));
  if (auto* failed = std::get_if<command_result>(&active))
    return *failed;
  validator_rule rule;
  rule.per_category.assign(net->genesis.params.categories.size(), 1);
  if (!r.per_category.empty()) {
    if (r.per_category.size() != rule.per_category.size())
      return command_failure("invalid_argument", fmt::format("validators: {} counts for {} mainchain categories",
                                                             r.per_category.size(), rule.per_category.size()));
    rule.per_category = r.per_category;
  }
  auto chosen = choose_validators(std::get<cluster>(active), rule);
  if (!chosen)
    return to_command_result(make_error(chosen.error().code, "the node's active cluster: " + chosen.error().detail));
  std::vector<genesis_vm> validators;
  for (const auto& m : *chosen)
    validators.push_back({m.key, m.category, 0, {}});
  auto entry = runtime::dev_sidechain_entry(*net, r.id, r.kind, r.name, r.symbol, validators);
  if (!entry)
    return to_command_result(entry.error());
  entry->rule = rule;
  entry->params.anchor_interval = r.anchor_interval;
  const auto now_ms = static_cast<std::uint64_t>(
    std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  entry->genesis_time_ms = now_ms + r.start_in_s * 1000;
  // Checked here as `register` will read it, so a bad name or symbol fails now.
  if (auto back = runtime::parse_sidechain_entry_json(runtime::sidechain_entry_json(*entry)); !back)
    return to_command_result(back.error());
  return std::move(*entry);
}

namespace {

command_result run_entry(const entry_options& o) {
  if (auto refused = refuse_chain(o.net))
    return *refused;
  auto id = parse_sidechain_id(o.id_text);
  if (!id)
    return to_command_result(make_error(id.error().code, "--id: " + id.error().detail));
  auto kind = parse_chain_kind(o.kind);
  if (!kind || *kind == chain_kind::mainchain)
    return command_failure("invalid_argument",
                           fmt::format("--kind: '{}' is not system_service, daos, ecosystem or consortium", o.kind));
  auto interval = parse_uint("--anchor-interval", o.anchor_interval_text, 1024);
  if (!interval)
    return to_command_result(interval.error());
  auto start_in = parse_uint("--start-in", o.start_in_text, 86'400);
  if (!start_in)
    return to_command_result(start_in.error());
  dev_entry_request req;
  req.node_url = o.net.node_url;
  req.dev_data = o.dev_data;
  req.id = *id;
  req.kind = *kind;
  req.name = o.name;
  req.symbol = o.symbol;
  req.anchor_interval = *interval;
  req.start_in_s = *start_in;
  auto built = build_dev_entry(req);
  if (auto* failed = std::get_if<command_result>(&built))
    return *failed;
  auto entry = std::get<sidechain_entry>(std::move(built));
  std::error_code ec;
  const auto text = runtime::sidechain_entry_json(entry);
  if (!o.out) {
    fmt::print("{}\n", text);
    return {};
  }
  if (std::filesystem::exists(*o.out, ec))
    return command_failure("io", fmt::format("--out: {} exists; not overwritten", *o.out));
  std::ofstream out(*o.out);
  out << text << "\n";
  if (!out)
    return command_failure("io", fmt::format("--out: cannot write {}", *o.out));
  fmt::print("entry: {}\nsidechain: {}\nvalidators: {}\ngenesis_time_ms: {}\n", *o.out, *id,
             entry.validators.size(), entry.genesis_time_ms);
  return {};
}

// --key, --fee, --no-wait, --timeout and --node of a registry transaction command.
void add_tx_options(CLI::App& cmd, registry_tx_options& o, network_options& net) {
  bfd::cli::add_tx_options(cmd, o, "Key file of the sender (the registry authority, keys/registry.json of a dev node)");
  add_node_option(cmd, net.node_url);
}

} // namespace

void add_sidechain_commands(CLI::App& app, std::optional<command_result>& outcome, network_options& net) {
  auto* group = app.add_subcommand(
    "sidechain", "The mainchain's sidechain registry: register, activate, cease, list; write a dev entry");

  auto r = std::make_shared<register_options>();
  auto* reg = group->add_subcommand(
    "register", "Register the sidechain an entry file describes (registry authority only), then wait until final");
  reg->add_option("--entry", r->entry_file, "Entry JSON file (docs/sidechains.md, \"Entry files\")")
    ->type_name("FILE")
    ->required();
  add_tx_options(*reg, *r, net);
  reg->callback([r, &outcome, &net] {
    r->net = net;
    outcome = run_register(*r);
  });

  auto a = std::make_shared<status_options>();
  auto* act = group->add_subcommand("activate", "Let a registered sidechain start producing (registry authority only)");
  act->add_option("id", a->id_text, "Sidechain id")->type_name("ID")->required();
  add_tx_options(*act, *a, net);
  act->callback([a, &outcome, &net] {
    a->net = net;
    outcome = run_activate(*a);
  });

  auto c = std::make_shared<status_options>();
  auto* cease = group->add_subcommand(
    "cease", "Cease a sidechain for good: nothing new is produced or anchored (registry authority only)");
  cease->add_option("id", c->id_text, "Sidechain id")->type_name("ID")->required();
  add_tx_options(*cease, *c, net);
  cease->callback([c, &outcome, &net] {
    c->net = net;
    outcome = run_cease(*c);
  });

  auto l = std::make_shared<list_options>();
  auto* list = group->add_subcommand(
    "list", "List the registry's sidechains: id, kind, name, token, status, anchored height, cease height");
  list->add_flag("--json", l->json_out, "Print the node's JSON answer (GET /v1/sidechains)");
  add_node_option(*list, net.node_url);
  list->callback([l, &outcome, &net] {
    l->net = net;
    outcome = run_list(*l);
  });

  auto e = std::make_shared<entry_options>();
  auto* entry = group->add_subcommand(
    "entry", "Write a sidechain entry for a dev network: its token allocated to the dev accounts, one validator "
             "per category from the node's active cluster with hash-chain tips from the dev keys");
  entry->add_option("--dev-data", e->dev_data, "Data directory of the `bfd-node --dev` (its genesis and keys)")
    ->type_name("DIR")
    ->required();
  entry->add_option("--id", e->id_text, "Sidechain id (2 or more, not registered yet)")->type_name("N")->required();
  entry->add_option("--name", e->name, "Sidechain name (A-Z a-z 0-9 space _ - ., at most 64)")
    ->type_name("NAME")
    ->required();
  entry->add_option("--kind", e->kind, "system_service, daos, ecosystem or consortium")
    ->type_name("KIND")
    ->capture_default_str();
  entry->add_option("--symbol", e->symbol, "Token symbol (A-Z 0-9, at most 12; 1,000,000 to each dev account)")
    ->type_name("SYM")
    ->required();
  entry->add_option("--anchor-interval", e->anchor_interval_text, "Anchor a final header every K blocks (1 to 1024)")
    ->type_name("K")
    ->capture_default_str();
  entry->add_option("--start-in", e->start_in_text,
                    "Genesis time: now plus this many seconds (must not precede the registering block)")
    ->type_name("SECONDS")
    ->capture_default_str();
  entry->add_option("--out", e->out, "Write the entry to FILE (never overwritten) instead of stdout")
    ->type_name("FILE");
  add_node_option(*entry, net.node_url);
  entry->callback([e, &outcome, &net] {
    e->net = net;
    outcome = run_entry(*e);
  });
}

} // namespace bfd::cli

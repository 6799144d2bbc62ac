// `bfd-cli ds ...`: a fund chain's DS metadata (docs/ds-metadata.md): read it (show, list), sign
// and submit its local kinds (member-add, member-update, member-remove, rate-set, usage), and
// encode the body of a mainchain-coordinated operation for a peg metadata send (op).
#include <chrono>
#include <memory>

#include <fmt/format.h>

#include "chains/core/amount.hpp"
#include "chains/core/hex.hpp"
#include "chains/crypto/keys.hpp"
#include "protocols/dsmeta_json.hpp"
#include "runtime/entropy.hpp"
#include "runtime/key_file.hpp"
#include "runtime/transfer.hpp"
#include "tools/bfd-cli/commands.hpp"
#include "tools/bfd-cli/fund_steps.hpp"
#include "tools/client/node_client.hpp"
#include "tools/client/submission.hpp"

namespace bfd::cli {

namespace {

struct local_options : tx_options {
  local_options() {
    fee_text = format_amount(runtime::default_transfer_fee);
    timeout_text = "60";
  }
  std::string account;
  std::string member_key;
  std::string level_text = "0";
  std::string rate_text;
  std::string service_text;
  std::string request_hex;
  std::string value_text;
};

struct op_options {
  std::string key_file;
  std::string fee_text = format_amount(runtime::default_transfer_fee);
  std::string timeout_text = "300";
  std::string timeout_blocks_text = "1000";
  network_options net;
  std::string operation;
  std::string name, uri, owner, symbol, mode, phase;
  std::string group = "0", target, min, max, deadline, rate, value;
};

command_result fail_on(const error& e, const std::string& option) {
  return to_command_result(make_error(e.code, option + ": " + e.detail));
}

command_result run_member(const local_options& o, int which) {
  auto a = parse_address(o.account);
  if (!a)
    return fail_on(a.error(), "--account");
  if (which == 2)
    return sign_and_submit(o, ds_member_remove_tx{*a}, "ds member-remove");
  auto k = fixed_from_hex<32>(o.member_key);
  if (!k)
    return fail_on(k.error(), "--member-key");
  auto level = parse_uint("--level", o.level_text, ds::max_member_level);
  if (!level)
    return to_command_result(level.error());
  const auto l = static_cast<std::uint8_t>(*level);
  if (which == 0)
    return sign_and_submit(o, ds_member_add_tx{*a, *k, l}, "ds member-add");
  return sign_and_submit(o, ds_member_update_tx{*a, *k, l}, "ds member-update");
}

command_result run_rate(const local_options& o) {
  auto r = parse_amount(o.rate_text);
  if (!r)
    return fail_on(r.error(), "--rate");
  return sign_and_submit(o, ds_rate_set_tx{*r}, "ds rate-set");
}

command_result run_usage(const local_options& o) {
  auto s = parse_uint("--service", o.service_text, UINT64_MAX);
  if (!s)
    return to_command_result(s.error());
  auto req = from_hex(o.request_hex);
  if (!req)
    return fail_on(req.error(), "--request");
  if (req->empty() || req->size() > ds::max_request)
    return command_failure("invalid_argument", "--request: 1 to 32 bytes of hex");
  auto v = parse_amount(o.value_text);
  if (!v)
    return fail_on(v.error(), "--value");
  return sign_and_submit(o, ds_usage_record_tx{*s, std::move(*req), *v}, "ds usage");
}

result<ds::op_body> op_of(const op_options& o) {
  nlohmann::json j;
  j["operation"] = o.operation;
  auto put = [&](const char* key, const std::string& v) {
    if (!v.empty())
      j[key] = v;
  };
  put("name", o.name);
  put("uri", o.uri);
  put("owner", o.owner);
  put("symbol", o.symbol);
  put("mode", o.mode);
  put("phase", o.phase);
  put("target", o.target);
  put("min", o.min);
  put("max", o.max);
  put("rate", o.rate);
  put("value", o.value);
  const std::pair<const char*, const std::string*> numbers[] = {{"group", &o.group}, {"deadline", &o.deadline}};
  for (auto [key, text] : numbers) {
    if (text->empty())
      continue;
    auto n = parse_uint(key, *text, UINT64_MAX);
    if (!n)
      return n.error();
    j[key] = *n;
  }
  return ds_json::op_from_json(j);
}

command_result run_op(const op_options& o) {
  auto b = op_of(o);
  if (!b)
    return to_command_result(b.error());
  fmt::print("{}\n", ds_json::op_to_json(*b).dump(2));
  return {};
}

// Sends the operation from the mainchain to the fund chain --chain names and follows it until
// the fund chain adopted it (or refused it).
command_result run_send(const op_options& o) {
  if (!o.net.chain)
    return command_failure("invalid_argument", "--chain: the fund chain the operation is for");
  auto fund = parse_uint("--chain", *o.net.chain, UINT32_MAX);
  if (!fund || *fund < 2)
    return command_failure("invalid_argument", "--chain: a fund (DAOS) sidechain id");
  auto b = op_of(o);
  if (!b)
    return to_command_result(b.error());
  ds_send_options s;
  s.key_file = o.key_file;
  auto fee = parse_amount(o.fee_text);
  if (!fee)
    return fail_on(fee.error(), "--fee");
  s.fee = *fee;
  auto timeout = parse_uint("--timeout", o.timeout_text, 86'400);
  if (!timeout)
    return to_command_result(timeout.error());
  s.timeout = std::chrono::seconds(*timeout);
  auto blocks = parse_uint("--timeout-blocks", o.timeout_blocks_text, 1'000'000'000);
  if (!blocks)
    return to_command_result(blocks.error());
  s.timeout_blocks = *blocks;
  auto opened = node_client::open(o.net.node_url);
  if (auto* f = std::get_if<command_result>(&opened))
    return *f;
  auto done = run_ds_operation(std::get<node_client>(opened), static_cast<chain_id>(*fund), *b, s);
  if (auto* f = std::get_if<command_result>(&done))
    return *f;
  fmt::print("message: {}\nstatus: adopted\n", std::get<std::string>(done));
  return {};
}

// The fields of an operation, shared by `op` and `send`.
void add_op_fields(CLI::App* op, op_options& oo) {
  op->add_option("operation", oo.operation, "ds_register, ds_raise, ds_issue or ds_liquidate")
    ->type_name("OPERATION")
    ->required();
  op->add_option("--name", oo.name, "ds_register: organisation name");
  op->add_option("--uri", oo.uri, "ds_register: documents URI");
  op->add_option("--group", oo.group, "ds_register: access-control fund group (0: none)");
  op->add_option("--owner", oo.owner, "ds_register: owner address");
  op->add_option("--target", oo.target, "ds_raise: target amount");
  op->add_option("--min", oo.min, "ds_raise: minimum amount");
  op->add_option("--max", oo.max, "ds_raise: maximum amount");
  op->add_option("--deadline", oo.deadline, "ds_raise: last fund-chain height for issuances");
  op->add_option("--symbol", oo.symbol, "ds_raise: token symbol");
  op->add_option("--mode", oo.mode, "ds_raise: fixed, floating or bfdt");
  op->add_option("--rate", oo.rate, "ds_raise: BFDT per token");
  op->add_option("--value", oo.value, "ds_issue: amount issued");
  op->add_option("--phase", oo.phase, "ds_liquidate: start or finish");
}

void add_signing_options(CLI::App& c, local_options& o, network_options& net) {
  c.add_option("--key", o.key_file, "Key file of the sender (a writer of the fund)")->type_name("FILE")->required();
  c.add_option("--fee", o.fee_text, "Fee on the fund chain")->type_name("AMOUNT")->capture_default_str();
  c.add_option("--timeout", o.timeout_text, "Seconds to wait for finality before exit code 2")
    ->type_name("SECONDS")
    ->capture_default_str();
  c.add_flag("--no-wait", o.no_wait, "Print the id and return without waiting for finality");
  add_offline_options(c, o);
  add_network_options(c, net);
}

} // namespace

void add_ds_commands(CLI::App& app, std::optional<command_result>& outcome, network_options& net) {
  auto* ds = app.add_subcommand("ds", "DS metadata of a fund (DAOS) chain: read it, write its local kinds, "
                                      "encode its peg operations (docs/ds-metadata.md)");
  auto* show = ds->add_subcommand("show", "Print the fund's summary (GET /v1/chains/{id}/ds) as JSON");
  add_network_options(*show, net);
  show->callback([&outcome, &net] { outcome = print_chain_route(net, "/ds"); });

  struct list_options {
    std::string section;
    std::string from;
    std::optional<std::string> key_file;
  };
  auto lo = std::make_shared<list_options>();
  auto* list = ds->add_subcommand("list", "Print a page (at most 100) of members, rates, issuances or usage");
  list->add_option("section", lo->section, "members, rates, issuances or usage")->type_name("SECTION")->required();
  list->add_option("--from", lo->from, "Where the page starts: an address (members) or an index")->type_name("FROM");
  list->add_option("--key", lo->key_file, "Key file to sign the read with (members: a holder of read on the fund)")
    ->type_name("FILE");
  add_network_options(*list, net);
  list->callback([lo, &outcome, &net] {
    outcome = print_chain_route(net, "/ds/" + lo->section + (lo->from.empty() ? "" : "/" + lo->from), lo->key_file);
  });

  const char* names[] = {"member-add", "member-update", "member-remove"};
  const char* helps[] = {"Admit a member (its key must be the key of its address)",
                         "Change a member's key and level (the member itself: its key only)", "Remove a member"};
  for (int which = 0; which < 3; ++which) {
    auto o = std::make_shared<local_options>();
    auto* c = ds->add_subcommand(names[which], helps[which]);
    c->add_option("--account", o->account, "The member's address")->type_name("ADDR")->required();
    if (which != 2) {
      c->add_option("--member-key", o->member_key, "The member's public key (64 hex characters)")
        ->type_name("HEX")
        ->required();
      c->add_option("--level", o->level_text, "Service level 0-3")->type_name("N")->capture_default_str();
    }
    add_signing_options(*c, *o, net);
    c->callback([o, which, &outcome, &net] {
      o->net = net;
      outcome = run_member(*o, which);
    });
  }
  auto ro = std::make_shared<local_options>();
  auto* rate = ds->add_subcommand("rate-set", "Set the floating rate: BFDT per whole fund token");
  rate->add_option("--rate", ro->rate_text, "BFDT per token (\"2.5\" or base units \"250000000u\")")
    ->type_name("AMOUNT")
    ->required();
  add_signing_options(*rate, *ro, net);
  rate->callback([ro, &outcome, &net] {
    ro->net = net;
    outcome = run_rate(*ro);
  });
  auto uo = std::make_shared<local_options>();
  auto* usage = ds->add_subcommand("usage", "Record a service's usage by the fund (once per service and request)");
  usage->add_option("--service", uo->service_text, "Service id")->type_name("N")->required();
  usage->add_option("--request", uo->request_hex, "Request id, 1-32 bytes of hex")->type_name("HEX")->required();
  usage->add_option("--value", uo->value_text, "Amount in the fund's token")->type_name("AMOUNT")->required();
  add_signing_options(*usage, *uo, net);
  usage->callback([uo, &outcome, &net] {
    uo->net = net;
    outcome = run_usage(*uo);
  });

  auto oo = std::make_shared<op_options>();
  auto* op = ds->add_subcommand("op", "Encode a mainchain-coordinated operation (ds_register, ds_raise, ds_issue, "
                                      "ds_liquidate): prints its keys and body hex for a peg metadata send");
  add_op_fields(op, *oo);
  op->callback([oo, &outcome] { outcome = run_op(*oo); });

  auto so = std::make_shared<op_options>();
  auto* send = ds->add_subcommand(
    "send", "Send a mainchain-coordinated operation to the fund chain --chain names as a peg metadata operation "
            "(peg_send_metadata on the mainchain), then wait until the fund chain adopted it");
  add_op_fields(send, *so);
  send->add_option("--key", so->key_file, "Key file of the mainchain account sending it (the fund chain checks "
                                          "its permission: admin, issue or liquidate on sidechain:ID)")
    ->type_name("FILE")
    ->required();
  send->add_option("--fee", so->fee_text, "Fee on the mainchain")->type_name("AMOUNT")->capture_default_str();
  send->add_option("--timeout", so->timeout_text, "Seconds to wait for adoption before exit code 2")
    ->type_name("SECONDS")
    ->capture_default_str();
  send->add_option("--timeout-blocks", so->timeout_blocks_text,
                   "Fund-chain blocks from its head before the operation's message times out")
    ->type_name("K")
    ->capture_default_str();
  add_network_options(*send, net);
  send->callback([so, &outcome, &net] {
    so->net = net;
    outcome = run_send(*so);
  });
}

} // namespace bfd::cli

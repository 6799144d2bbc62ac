// bfd-exchange: the fund exchange DApp (docs/dapps.md): its service-desk contract on chain 2,
// registered as FEX; lists the funds (the mainchain's sidechain registry and each fund's DS
// metadata) and sweeps the funds' platform share (the funds module's fund_sweep, kind 44) to the
// platform's mainchain account over the peg.
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "chains/crypto/keys.hpp"
#include "chains/state/funds_tx.hpp"
#include "tools/client/submission.hpp"
#include "tools/dapps/kit/dapp_kit.hpp"

namespace {

using namespace bfd;
using namespace bfd::dapps;

command_result run_list_funds(const common_options& o) {
  auto node = cli::node_client::open(o.net.node_url);
  if (auto* f = std::get_if<command_result>(&node))
    return *f;
  const auto& n = std::get<cli::node_client>(node);
  auto list = n.get("/v1/sidechains");
  if (auto* f = std::get_if<command_result>(&list))
    return *f;
  json funds = json::array();
  for (const auto& s : std::get<cli::node_answer>(list).body["sidechains"]) {
    if (cli::text_field(s, "kind", "") != "daos")
      continue;
    const auto id = cli::number_field(s, "id");
    json f{{"chain", id}, {"name", cli::text_field(s, "name", "")}, {"token", cli::text_field(s, "token", "")},
           {"chain_status", cli::text_field(s, "status", "")}};
    auto ds = n.get(fmt::format("/v1/chains/{}/ds", id));
    if (auto* a = std::get_if<cli::node_answer>(&ds)) {
      f["status"] = cli::text_field(a->body, "status", "");
      f["members"] = cli::number_field(a->body, "members");
      const auto& org = cli::object_field(a->body, "organisation");
      f["organisation"] = org.is_object() ? cli::text_field(org, "name", "") : "";
    } else {
      f["status"] = "not hosted by this node";
    }
    funds.push_back(std::move(f));
  }
  if (o.json_out) {
    fmt::print("{}\n", json{{"funds", funds}}.dump());
    return {};
  }
  std::vector<std::vector<std::string>> rows{{"chain", "name", "token", "status", "members", "organisation"}};
  for (const auto& f : funds)
    rows.push_back({std::to_string(f["chain"].get<std::uint64_t>()), f["name"], f["token"], f["status"],
                    f.contains("members") ? std::to_string(f["members"].get<std::uint64_t>()) : "-",
                    f.value("organisation", "")});
  cli::print_table(rows, {true, false, false, false, true, false});
  return {};
}


struct sweep_options : common_options {
  std::string operator_file;       ///< the sweeper: holds write on service:<exchange_service> on each fund chain
  std::string platform;            ///< the platform's mainchain address
  std::vector<std::string> funds;  ///< fund chain ids; empty: every DAOS fund the node serves
  std::string timeout_blocks_text = "1000";
  bool no_follow = false;
};

/// The funds to sweep: those given, or every DAOS sidechain of the registry that is active.
std::variant<std::vector<chain_id>, command_result> funds_to_sweep(const cli::node_client& n, const sweep_options& o) {
  std::vector<chain_id> out;
  if (!o.funds.empty()) {
    for (const auto& f : o.funds) {
      auto id = cli::parse_uint("--fund", f, UINT32_MAX);
      if (!id)
        return cli::to_command_result(id.error());
      if (*id < 2)
        return cli::command_failure("invalid_argument", "--fund: a fund (DAOS) sidechain id");
      out.push_back(static_cast<chain_id>(*id));
    }
    return out;
  }
  auto list = n.get("/v1/sidechains");
  if (auto* f = std::get_if<command_result>(&list))
    return *f;
  for (const auto& s : std::get<cli::node_answer>(list).body["sidechains"])
    if (cli::text_field(s, "kind", "") == "daos" && cli::text_field(s, "status", "") == "active")
      out.push_back(static_cast<chain_id>(cli::number_field(s, "id")));
  return out;
}

/// The id of the peg message the sweep put in the fund chain's outbox: among the sequences sent
/// since `sent_before`, the one from the escrow account to the platform.
std::string sweep_message(const cli::node_client& n, chain_id fund, std::uint64_t sent_before, std::uint64_t sent_after,
                          const std::string& escrow, const std::string& platform) {
  for (auto seq = sent_before; seq < sent_after && seq < sent_before + 64; ++seq) {
    const auto id = fmt::format("{}:{}", fund, seq);
    auto m = n.get("/v1/peg/messages/" + id);
    if (auto* a = std::get_if<cli::node_answer>(&m)) {
      const auto& msg = cli::object_field(a->body, "message");
      if (msg.is_object() && cli::text_field(msg, "sender", "") == escrow &&
          cli::text_field(msg, "receiver", "") == platform)
        return id;
    }
  }
  return {};
}

std::chrono::seconds timeout_of_sweep(const sweep_options& o) {
  auto t = cli::parse_uint("--timeout", o.timeout_text, 86'400);
  return std::chrono::seconds(t ? *t : 60);
}

/// Follows a peg message until it leaves `in_flight` or `timeout` passes; its last state.
std::string follow_message(const cli::node_client& n, const std::string& id, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string state = "in_flight";
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = n.get("/v1/peg/messages/" + id);
    if (auto* a = std::get_if<cli::node_answer>(&m)) {
      state = cli::text_field(a->body, "state", "in_flight");
      if (state != "in_flight")
        return state;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return state;
}

/// One fund's sweep: reads what is pending, signs fund_sweep with the operator's key, waits for
/// finality and (unless --no-follow) for the peg message's delivery; its row, or the failure.
std::variant<json, command_result> sweep_fund(const cli::node_client& n, const sweep_options& o, chain_id fund,
                                              std::uint64_t timeout_blocks) {
  json row{{"chain", fund}};
  auto before = n.get(fmt::format("/v1/chains/{}/funds", fund));
  if (auto* f = std::get_if<command_result>(&before))
    return cli::command_failure(f->reason, fmt::format("fund {}: {}", fund, f->detail));
  const auto& b = std::get<cli::node_answer>(before).body;
  const auto pending = cli::number_field(b, "pending_platform_units");
  row["pending_units"] = pending;
  if (pending == 0) {
    row["status"] = "nothing_pending";
    return row;
  }
  auto info = n.get("/v1/info");
  if (auto* f = std::get_if<command_result>(&info))
    return *f;
  const auto main_final = cli::number_field(cli::object_field(std::get<cli::node_answer>(info).body, "final"), "height");
  auto peg_before = n.get(fmt::format("/v1/chains/{}/peg", fund));
  if (auto* f = std::get_if<command_result>(&peg_before))
    return *f;
  const auto sent_before = cli::number_field(std::get<cli::node_answer>(peg_before).body, "sent");

  cli::tx_options t;
  t.key_file = o.operator_file;
  t.fee_text = "0";  // the fund chain's token moves by the funds kinds only: its fee is 0
  t.timeout_text = o.timeout_text;
  t.net = o.net;
  t.net.chain = std::to_string(fund);
  auto platform = parse_address(o.platform);
  auto s = cli::sign_for_chain(t, fund_sweep_tx{*platform, main_final + timeout_blocks});
  if (auto* f = std::get_if<command_result>(&s))
    return cli::command_failure(f->reason, fmt::format("fund {}: {}", fund, f->detail));
  auto& st = std::get<cli::signed_tx>(s);
  auto id = cli::post_transaction(st.at, st.tx);
  if (auto* f = std::get_if<command_result>(&id))
    return cli::command_failure(f->reason, fmt::format("fund {}: fund_sweep refused: {}", fund, f->detail));
  row["tx"] = std::get<std::string>(id);
  auto done = cli::await_final(st.at.node, st.at.chain, std::get<std::string>(id), st.timeout, false);
  if (auto* f = std::get_if<command_result>(&done))
    return cli::command_failure(f->reason, fmt::format("fund {}: fund_sweep {}: {}", fund, std::get<std::string>(id),
                                                       f->detail),
                                f->exit_code);
  row["height"] = cli::number_field(std::get<json>(done), "height");

  auto after = n.get(fmt::format("/v1/chains/{}/funds", fund));
  if (auto* f = std::get_if<command_result>(&after))
    return *f;
  const auto& a = std::get<cli::node_answer>(after).body;
  row["swept_units"] = cli::number_field(a, "platform_swept_units") - cli::number_field(b, "platform_swept_units");
  row["swept_bfdt_units"] =
    cli::number_field(a, "platform_paid_bfdt_units") - cli::number_field(b, "platform_paid_bfdt_units");
  row["timeout_height"] = main_final + timeout_blocks;
  auto peg_after = n.get(fmt::format("/v1/chains/{}/peg", fund));
  const auto sent_after =
    std::holds_alternative<cli::node_answer>(peg_after)
      ? cli::number_field(std::get<cli::node_answer>(peg_after).body, "sent")
      : sent_before;
  const auto message = sweep_message(n, fund, sent_before, sent_after, cli::text_field(a, "escrow_account", ""),
                                     o.platform);
  row["message"] = message.empty() ? json() : json(message);
  if (o.no_follow || message.empty()) {
    row["status"] = "swept";
    return row;
  }
  const auto state = follow_message(n, message, timeout_of_sweep(o));
  row["status"] = state;
  if (state == "in_flight")
    return cli::command_failure("timeout", fmt::format("fund {}: the sweep's peg message {} is still in flight",
                                                       fund, message),
                                2);
  if (state != "delivered")
    return cli::command_failure("sweep_" + state, fmt::format("fund {}: the sweep's peg message {} was {}: its BFDT "
                                                              "went back to the escrow (docs/funds.md, Known limits)",
                                                              fund, message, state));
  return row;
}

command_result run_sweep(const sweep_options& o) {
  if (auto a = parse_address(o.platform); !a)
    return cli::to_command_result(make_error(a.error().code, "--platform: " + a.error().detail));
  auto tb = cli::parse_uint("--timeout-blocks", o.timeout_blocks_text, 1'000'000);
  if (!tb)
    return cli::to_command_result(tb.error());
  if (*tb == 0)
    return cli::command_failure("invalid_argument", "--timeout-blocks: at least 1");
  auto node = cli::node_client::open(o.net.node_url);
  if (auto* f = std::get_if<command_result>(&node))
    return *f;
  const auto& n = std::get<cli::node_client>(node);
  auto funds = funds_to_sweep(n, o);
  if (auto* f = std::get_if<command_result>(&funds))
    return *f;
  json rows = json::array();
  std::optional<command_result> first_failure;
  for (const auto fund : std::get<std::vector<chain_id>>(funds)) {
    auto r = sweep_fund(n, o, fund, *tb);
    if (auto* f = std::get_if<command_result>(&r)) {
      rows.push_back(json{{"chain", fund}, {"status", "failed"}, {"reason", f->reason}, {"detail", f->detail}});
      if (!first_failure)
        first_failure = *f;
      continue;
    }
    rows.push_back(std::get<json>(r));
  }
  if (o.json_out) {
    fmt::print("{}\n", json{{"sweeps", rows}}.dump());
  } else {
    std::vector<std::vector<std::string>> table{{"chain", "pending", "swept", "bfdt", "message", "status"}};
    for (const auto& r : rows)
      table.push_back({std::to_string(r["chain"].get<std::uint64_t>()),
                       r.contains("pending_units") ? format_amount(r["pending_units"].get<std::uint64_t>()) : "-",
                       r.contains("swept_units") ? format_amount(r["swept_units"].get<std::uint64_t>()) : "-",
                       r.contains("swept_bfdt_units") ? format_amount(r["swept_bfdt_units"].get<std::uint64_t>()) : "-",
                       r.value("message", json()).is_string() ? r["message"].get<std::string>() : "-",
                       r.value("status", "")});
    cli::print_table(table, {true, true, true, true, false, false});
  }
  if (first_failure)
    return *first_failure;
  return {};
}
} // namespace

int main(int argc, char** argv) {
  static const dapp_profile profile{"bfd-exchange", "fund exchange", "FEX", 2, "percent:50", 100'000'000, false};
  standard_names names;
  names.request = "request";
  names.request_help = "Request a fund's listing on the exchange";
  names.answer = "answer";
  names.answer_help = "Answer a listing request (the operator)";
  names.payload_option = "--note";
  names.payload_help = "The listing request (text)";
  names.result_option = "--text";
  names.result_help = "The decision (text)";
  CLI::App app{"bfd-exchange: the fund exchange system-service DApp (chain 2), a client of the node's HTTP API"};
  std::optional<command_result> outcome;
  add_standard_commands(app, profile, names, outcome);

  auto lo = std::make_shared<common_options>();
  auto* list = app.add_subcommand("list-funds", "List the funds: DAOS sidechains of the mainchain's registry with "
                                                "their DS metadata status");
  add_common_options(*list, *lo);
  list->callback([lo, &outcome] { outcome = run_list_funds(*lo); });

  auto so = std::make_shared<sweep_options>();
  auto* sweep = app.add_subcommand("sweep", "Sweep the funds' pending platform commission (fund_sweep, kind 44): "
                                            "burned on each fund chain, paid in BFDT at the fund's rate to the "
                                            "platform's mainchain account over the peg");
  sweep->add_option("--operator-key", so->operator_file, "Key file of the fund exchange's sweeper (write on "
                                                         "service:1 on each fund chain)")
    ->type_name("FILE")
    ->required();
  sweep->add_option("--platform", so->platform, "The platform's mainchain address")->type_name("ADDR")->required();
  sweep->add_option("--fund", so->funds, "A fund's chain id (repeatable; default: every active DAOS fund)")
    ->type_name("ID");
  sweep->add_option("--timeout-blocks", so->timeout_blocks_text, "Mainchain blocks for the transfer to be received "
                                                                 "(else it is refunded to the escrow)")
    ->type_name("N")
    ->capture_default_str();
  sweep->add_flag("--no-follow", so->no_follow, "Do not wait for the peg message's delivery");
  add_common_options(*sweep, *so);
  sweep->callback([so, &outcome] { outcome = run_sweep(*so); });
  return run_app(app, profile, outcome, argc, argv);
}

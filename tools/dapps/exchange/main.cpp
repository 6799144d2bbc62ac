// bfd-exchange: the fund exchange DApp (docs/dapps.md): its service-desk contract on chain 2,
// registered as FEX; lists the funds (the mainchain's sidechain registry and each fund's DS
// metadata) and, once the funds module has it, triggers a fund's platform-share sweep.
#include <fmt/format.h>

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

  auto so = std::make_shared<common_options>();
  auto fund = std::make_shared<std::string>();
  auto* sweep = app.add_subcommand("sweep", "Trigger a fund's platform-share sweep (needs the funds module's sweep "
                                            "kind: not available yet)");
  sweep->add_option("--fund", *fund, "The fund's chain id")->type_name("ID")->required();
  add_common_options(*sweep, *so);
  sweep->callback([&outcome] {
    outcome = cli::command_failure("not_available", "the platform-share sweep is a transaction kind of the funds "
                                                    "module (branch funds), which this build does not have");
  });
  return run_app(app, profile, outcome, argc, argv);
}

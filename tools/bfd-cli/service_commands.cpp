// `bfd-cli service ...`: the mainchain's service registry (docs/services.md): read it (show,
// list, resolve) and sign its kinds (register, upgrade, health, rollback, status) through
// submission.hpp. The registry is the mainchain's: these commands take --node, not --chain
// (health's --chain is the chain the report is about).
#include <memory>

#include <fmt/format.h>

#include "chains/core/hex.hpp"
#include "chains/crypto/keys.hpp"
#include "protocols/services_json.hpp"
#include "tools/bfd-cli/commands.hpp"
#include "tools/client/submission.hpp"

namespace bfd::cli {

namespace {

struct service_options : tx_options {
  // Fee 0 by default, as the acl and sidechain commands: --dev's admin (keys/registry.json) holds
  // the service permissions but no BFDT.
  service_options() {
    fee_text = "0";
    timeout_text = "60";
  }
  std::string service;
  // register
  std::string uuid, symbol, home, deploy, dapp;
  // register and upgrade
  std::vector<std::string> instances;
  std::string template_text = "0", commission = "percent:0";
  // upgrade
  std::string canary, delay = "2", window = "10", min_calls = "5", max_failed = "100", max_missed = "3",
                      max_latency = "5000", promote_delay = "1";
  // health
  std::string version, chain, from, to, calls, failed, missed, latency;
  // rollback and status
  std::string reason, status;
};

command_result fail_on(const error& e, const std::string& option) {
  return to_command_result(make_error(e.code, option + ": " + e.detail));
}

// Parses each (option, text) pair into its place: decimal, at most `max`.
std::optional<command_result> parse_all(std::initializer_list<std::tuple<const char*, const std::string*, std::uint64_t*>> items,
                                        std::uint64_t max = UINT64_MAX) {
  for (auto [option, text, out] : items) {
    auto v = parse_uint(option, *text, max);
    if (!v)
      return to_command_result(v.error());
    *out = *v;
  }
  return std::nullopt;
}

std::optional<command_result> parse_chain(const char* option, const std::string& text, std::uint32_t& out) {
  std::uint64_t v = 0;
  if (auto failed = parse_all({{option, &text, &v}}, UINT32_MAX))
    return failed;
  out = static_cast<std::uint32_t>(v);
  return std::nullopt;
}

// "--instance C:ADDR" items.
std::variant<std::vector<services::instance>, command_result> parse_instances(const std::vector<std::string>& items) {
  std::vector<services::instance> out;
  for (const auto& item : items) {
    const auto colon = item.find(':');
    services::instance in;
    if (colon == std::string::npos || parse_chain("--instance", item.substr(0, colon), in.chain))
      return command_failure("invalid_argument", "--instance: CHAIN:ADDRESS, e.g. 2:bfd…");
    auto a = parse_address(item.substr(colon + 1));
    if (!a)
      return fail_on(a.error(), "--instance");
    in.contract = *a;
    out.push_back(in);
  }
  return out;
}

command_result run_register(const service_options& o) {
  service_register_tx p;
  auto u = fixed_from_hex<16>(o.uuid);
  if (!u)
    return fail_on(u.error(), "--uuid (32 hex digits)");
  p.uuid = *u;
  p.symbol = o.symbol;
  if (!o.dapp.empty()) {
    auto d = parse_address(o.dapp);
    if (!d)
      return fail_on(d.error(), "--dapp");
    p.dapp = *d;
  }
  if (auto failed = parse_chain("--home", o.home, p.home))
    return *failed;
  for (std::size_t start = 0; start <= o.deploy.size();) {
    const auto end = std::min(o.deploy.find(',', start), o.deploy.size());
    std::uint32_t c = 0;
    if (auto failed = parse_chain("--deploy", o.deploy.substr(start, end - start), c))
      return *failed;
    p.deployments.push_back(c);
    start = end + 1;
  }
  auto in = parse_instances(o.instances);
  if (auto* failed = std::get_if<command_result>(&in))
    return *failed;
  p.instances = std::get<0>(std::move(in));
  if (auto failed = parse_all({{"--template", &o.template_text, &p.template_id}}))
    return *failed;
  auto c = services_json::parse_commission(o.commission);
  if (!c)
    return fail_on(c.error(), "--commission");
  p.commission = *c;
  return sign_and_submit(o, std::move(p), "service register " + o.symbol);
}

command_result run_upgrade(const service_options& o) {
  service_upgrade_tx p;
  if (auto failed = parse_all({{"ID", &o.service, &p.service},
                               {"--template", &o.template_text, &p.template_id},
                               {"--delay", &o.delay, &p.delay},
                               {"--window", &o.window, &p.window},
                               {"--min-calls", &o.min_calls, &p.min_calls},
                               {"--max-failed-permille", &o.max_failed, &p.max_failed_permille},
                               {"--max-missed", &o.max_missed, &p.max_missed_blocks},
                               {"--max-latency-ms", &o.max_latency, &p.max_latency_ms},
                               {"--promote-delay", &o.promote_delay, &p.promote_delay}}))
    return *failed;
  if (auto failed = parse_chain("--canary", o.canary, p.canary))
    return *failed;
  auto in = parse_instances(o.instances);
  if (auto* failed = std::get_if<command_result>(&in))
    return *failed;
  p.instances = std::get<0>(std::move(in));
  auto c = services_json::parse_commission(o.commission);
  if (!c)
    return fail_on(c.error(), "--commission");
  p.commission = *c;
  return sign_and_submit(o, std::move(p), fmt::format("service upgrade {}, canary chain {}", p.service, p.canary));
}

command_result run_health(const service_options& o) {
  service_health_tx p;
  std::uint64_t version = 0;
  if (auto failed = parse_all({{"ID", &o.service, &p.service},
                               {"--version", &o.version, &version},
                               {"--from", &o.from, &p.from_height},
                               {"--to", &o.to, &p.to_height},
                               {"--calls", &o.calls, &p.calls},
                               {"--failed", &o.failed, &p.failed_calls},
                               {"--missed", &o.missed, &p.missed_blocks},
                               {"--latency-ms", &o.latency, &p.latency_p99_ms}}))
    return *failed;
  if (version > services::max_versions)
    return command_failure("invalid_argument", "--version: 1 to 64");
  p.version = static_cast<std::uint32_t>(version);
  if (auto failed = parse_chain("--chain", o.chain, p.chain))
    return *failed;
  return sign_and_submit(o, p, fmt::format("service health {} v{} on chain {}", p.service, p.version, p.chain));
}

command_result run_rollback(const service_options& o) {
  service_rollback_tx p;
  if (auto failed = parse_all({{"ID", &o.service, &p.service}}))
    return *failed;
  p.reason = o.reason;
  return sign_and_submit(o, std::move(p), fmt::format("service rollback {}", p.service));
}

command_result run_status(const service_options& o) {
  service_set_status_tx p;
  if (auto failed = parse_all({{"ID", &o.service, &p.service}}))
    return *failed;
  auto s = services::parse_service_status(o.status);
  if (!s)
    return command_failure("invalid_argument", "STATUS: active, suspended or retired");
  p.status = *s;
  return sign_and_submit(o, p, fmt::format("service status {} {}", p.service, o.status));
}

// A signing subcommand: its options, --key and friends, the network options, and `run`.
CLI::App* signing_command(CLI::App& group, const char* name, const char* help, std::shared_ptr<service_options> o,
                          std::optional<command_result>& outcome, network_options& net,
                          command_result (*run)(const service_options&)) {
  auto* c = group.add_subcommand(name, help);
  add_tx_options(*c, *o, "Key file of the sender (register: register_service on global; the others: the owner or "
                         "upgrade_service)");
  add_node_option(*c, net.node_url);
  c->callback([o, run, &outcome, &net] {
    o->net = net;
    outcome = run(*o);
  });
  return c;
}

} // namespace

void add_service_commands(CLI::App& app, std::optional<command_result>& outcome, network_options& net) {
  auto* svc = app.add_subcommand("service", "The mainchain's service registry: register, upgrade with a canary, "
                                            "health, rollback, status, and reads (docs/services.md)");

  auto r = std::make_shared<service_options>();
  auto* reg = signing_command(*svc, "register", "Register a service: version 1 live on every deployment", r, outcome,
                              net, run_register);
  reg->add_option("--uuid", r->uuid, "The service's uuid: 32 hex digits, not all zero")->type_name("HEX")->required();
  reg->add_option("--symbol", r->symbol, "1-12 characters of A-Z and 0-9")->type_name("S")->required();
  reg->add_option("--home", r->home, "The service's own sidechain")->type_name("CHAIN")->required();
  reg->add_option("--deploy", r->deploy, "Deployment chains, comma separated (1-16)")->type_name("C1,C2")->required();
  reg->add_option("--instance", r->instances, "The contract on a deployment chain (one per deployment)")
    ->type_name("CHAIN:ADDR")
    ->required();
  reg->add_option("--template", r->template_text, "Template id (0: none)")->type_name("T")->capture_default_str();
  reg->add_option("--commission", r->commission, "percent:BP | fixed:UNITS | expr:TEXT | wasm:CHAIN:ADDR:EXPORT")
    ->type_name("MODEL")
    ->capture_default_str();
  reg->add_option("--dapp", r->dapp, "The DApp's address")->type_name("ADDR");

  auto u = std::make_shared<service_options>();
  auto* up = signing_command(*svc, "upgrade", "Stage a new version and start its canary rollout", u, outcome, net,
                             run_upgrade);
  up->add_option("ID", u->service, "Service id")->required();
  up->add_option("--instance", u->instances, "The new version's contract on a deployment chain")
    ->type_name("CHAIN:ADDR")
    ->required();
  up->add_option("--template", u->template_text, "Template id (0: none)")->type_name("T")->capture_default_str();
  up->add_option("--commission", u->commission, "percent:BP | fixed:UNITS | expr:TEXT | wasm:CHAIN:ADDR:EXPORT")
    ->type_name("MODEL")
    ->capture_default_str();
  up->add_option("--canary", u->canary, "The deployment that switches first")->type_name("CHAIN")->required();
  const std::tuple<const char*, std::string*, const char*> gate[] = {
    {"--delay", &u->delay, "Blocks until the canary switches"},
    {"--window", &u->window, "Blocks the canary is observed before a promotion"},
    {"--min-calls", &u->min_calls, "Calls a report needs to judge the failure rate or promote"},
    {"--max-failed-permille", &u->max_failed, "Most failed calls per 1000"},
    {"--max-missed", &u->max_missed, "Most missed blocks in a report"},
    {"--max-latency-ms", &u->max_latency, "Highest p99 latency in a report"},
    {"--promote-delay", &u->promote_delay, "Blocks from the promotion to the other deployments' switch"}};
  for (auto [name, field, help] : gate)
    up->add_option(name, *field, help)->type_name("N")->capture_default_str();

  auto h = std::make_shared<service_options>();
  auto* health = signing_command(*svc, "health", "Report a version's health on a chain (may decide the rollout)", h,
                                 outcome, net, run_health);
  health->add_option("ID", h->service, "Service id")->required();
  const std::tuple<const char*, std::string*, const char*> fields[] = {
    {"--version", &h->version, "The version measured"},
    {"--chain", &h->chain, "The chain it ran on"},
    {"--from", &h->from, "First height of the chain measured"},
    {"--to", &h->to, "Last height of the chain measured"},
    {"--calls", &h->calls, "Calls seen"},
    {"--failed", &h->failed, "Calls that failed"},
    {"--missed", &h->missed, "Blocks the chain missed"},
    {"--latency-ms", &h->latency, "p99 latency in ms"}};
  for (auto [name, field, help] : fields)
    health->add_option(name, *field, help)->type_name("N")->required();

  auto b = std::make_shared<service_options>();
  auto* rb = signing_command(*svc, "rollback", "Roll the current rollout back to the previous version", b, outcome,
                             net, run_rollback);
  rb->add_option("ID", b->service, "Service id")->required();
  rb->add_option("--reason", b->reason, "Why (1-200 characters)")->type_name("TEXT")->required();

  auto s = std::make_shared<service_options>();
  auto* st = signing_command(*svc, "status", "Set a service's status (retired is final)", s, outcome, net, run_status);
  st->add_option("ID", s->service, "Service id")->required();
  st->add_option("STATUS", s->status, "active, suspended or retired")->required();

  auto read = std::make_shared<std::array<std::string, 3>>();
  auto* show = svc->add_subcommand("show", "Print a service (GET /v1/services/{id or uuid})");
  show->add_option("ID", (*read)[0], "Service id or uuid")->required();
  add_node_option(*show, net.node_url);
  show->callback([read, &outcome, &net] { outcome = print_chain_route(net, "/services/" + (*read)[0]); });

  auto* list = svc->add_subcommand("list", "Print a page of services (GET /v1/services)");
  list->add_option("--from", (*read)[1], "First service id")->type_name("ID");
  add_node_option(*list, net.node_url);
  list->callback([read, &outcome, &net] {
    outcome = print_chain_route(net, "/services" + ((*read)[1].empty() ? "" : "?from=" + (*read)[1]));
  });

  auto* resolve = svc->add_subcommand("resolve", "Print the version and contract live on a chain "
                                                 "(GET /v1/services/{id}/resolve/{chain})");
  resolve->add_option("ID", (*read)[0], "Service id")->required();
  resolve->add_option("CHAIN", (*read)[1], "Chain id")->required();
  resolve->add_option("--height", (*read)[2], "Mainchain height (default: the final height)")->type_name("H");
  add_node_option(*resolve, net.node_url);
  resolve->callback([read, &outcome, &net] {
    outcome = print_chain_route(net, "/services/" + (*read)[0] + "/resolve/" + (*read)[1]
                               + ((*read)[2].empty() ? "" : "?height=" + (*read)[2]));
  });
}

} // namespace bfd::cli

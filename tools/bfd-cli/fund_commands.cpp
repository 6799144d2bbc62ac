// `bfd-cli fund create` and `bfd-cli fund liquidate`: a fund's life cycle from its application to
// its ceased chain (docs/fund-lifecycle.md). Each step first reads whether its effect exists, so a
// re-run after a crash continues where the last run stopped.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "chains/access/access_types.hpp"
#include "chains/contracts/contract_module.hpp"
#include "chains/core/hex.hpp"
#include "chains/state/access_tx.hpp"
#include "chains/state/contract_tx.hpp"
#include "chains/sidechain/registry_payloads.hpp"
#include "chains/state/registry_tx.hpp"
#include "protocols/contract_json.hpp"
#include "runtime/durable_file.hpp"
#include "runtime/key_file.hpp"
#include "runtime/transfer.hpp"
#include "tools/bfd-cli/commands.hpp"
#include "tools/bfd-cli/dev_entry.hpp"
#include "tools/bfd-cli/fund_application.hpp"
#include "tools/bfd-cli/fund_steps.hpp"
#include "tools/client/node_client.hpp"
#include "tools/client/submission.hpp"

namespace bfd::cli {

namespace {

struct create_options {
  std::string application;
  std::string key_file;
  std::string registry_key;
  std::string dev_data;
  std::string state_file;
  std::string timeout_text = "300";
  std::string start_in_text = "5";
  network_options net;
};

struct liquidate_options {
  std::string chain_text;
  std::string key_file;
  std::string registry_key;
  std::string wait_blocks_text = "4";
  std::string timeout_text = "300";
  bool force = false;
  network_options net;
};

void step(int n, int of, const std::string& what) {
  fmt::print("step {}/{}: {}\n", n, of, what);
  std::fflush(stdout);
}

void note(const std::string& what) {
  fmt::print("  {}\n", what);
  std::fflush(stdout);
}

// --- the state file: what `fund create` cannot read back from the chains --------------------

/// The contract `fund create` deployed (its address follows from the founder and the deploy's
/// nonce, which no route lists), kept beside the application.
struct create_state {
  chain_id chain = 0;
  std::string contract;   ///< "bfd…", recorded before the deploy is submitted
  std::string deploy_tx;  ///< its id
};

result<create_state> read_state(const std::string& path) {
  create_state s;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return s;
  if (std::filesystem::file_size(path, ec) > 4096)
    return make_error(errc::invalid_argument, path + ": not a fund create state file (over 4 KiB)");
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  auto j = json::parse(buf.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("format", "") != "bfd-fund-create")
    return make_error(errc::invalid_argument, path + ": not a fund create state file (delete it to start over)");
  s.chain = static_cast<chain_id>(number_field(j, "chain"));
  s.contract = text_field(j, "contract", "");
  s.deploy_tx = text_field(j, "deploy_tx", "");
  return s;
}

// Durably: a crash leaves the old file or the whole new one (runtime/durable_file.hpp).
status write_state(const std::string& path, const create_state& s) {
  json j{{"format", "bfd-fund-create"}, {"version", 1}, {"chain", s.chain}, {"contract", s.contract},
         {"deploy_tx", s.deploy_tx}};
  return runtime::write_file_durably(path, j.dump(2) + "\n");
}

// --- steps ------------------------------------------------------------------------------------

/// The template the fund's contract is deployed from, as a publish payload for the fund chain:
/// the ecosystem chain's template (the same payload, hence the same id), or the client's module.
std::variant<contract_publish_tx, command_result> fund_template(const node_client& node, const fund_application& a) {
  const auto& k = a.contract;
  if (k.template_id) {
    const auto id = to_hex(k.template_id->view());
    auto r = node.get(fmt::format("/v1/chains/{}/contracts/templates/{}", k.template_chain, id));
    if (auto* f = std::get_if<command_result>(&r))
      return command_failure(f->reason, fmt::format("{}: contract.template {} on chain {}: {}", a.file, id,
                                                    k.template_chain, f->detail));
    auto p = payload_from_json(std::get<node_answer>(r).body, std::type_identity<contract_publish_tx>{});
    if (!p)
      return command_failure("bad_response", "the template's JSON: " + p.error().message());
    if (contract::template_id(*p) != *k.template_id)
      return command_failure("bad_response", "the template read back from chain " + std::to_string(k.template_chain)
                                               + " does not hash to its id");
    return std::move(*p);
  }
  auto code = read_bounded_file(k.wasm_file, contract::max_code_bytes);
  if (!code)
    return command_failure(code.error().code == errc::io ? "io" : "invalid_argument",
                           fmt::format("{}: contract.wasm: {}", a.file, code.error().detail));
  contract_publish_tx p;
  p.template_name = k.template_name;
  p.code = std::move(*code);
  for (const auto& d : k.param_decls) {
    const auto colon = d.rfind(':');
    const auto type = colon == std::string::npos ? std::nullopt : contract::parse_param_type(d.substr(colon + 1));
    if (!type)
      return command_failure("invalid_argument",
                             fmt::format("{}: contract.param_types: NAME:TYPE with TYPE u64, i64, bytes, address or "
                                         "amount, not '{}'",
                                         a.file, d));
    p.param_names.push_back(d.substr(0, colon));
    p.param_types.push_back(*type);
  }
  p.entry_points = k.entry_points;
  return p;
}

/// The deploy payload of the fund's contract from the application's typed values.
std::variant<contract_deploy_tx, command_result> fund_deploy(const fund_application& a, const contract_publish_tx& t) {
  const auto& k = a.contract;
  if (k.params.size() != t.param_names.size())
    return command_failure("invalid_argument",
                           fmt::format("{}: contract.params: {} value(s) for the template's {} parameter(s) ({})",
                                       a.file, k.params.size(), t.param_names.size(), fmt::join(t.param_names, ", ")));
  contract_deploy_tx d;
  d.template_id = contract::template_id(t);
  for (const auto& v : k.params) {
    auto b = parse_param_value(v);
    if (!b)
      return command_failure("invalid_argument", fmt::format("{}: contract.params: '{}': {}", a.file, v, b.error().detail));
    d.params.push_back(std::move(*b));
  }
  for (const auto& v : k.init_args) {
    auto arg = parse_call_arg(v);
    if (!arg)
      return command_failure("invalid_argument",
                             fmt::format("{}: contract.init_args: '{}': {}", a.file, v, arg.error().detail));
    d.init_args.push_back(*arg);
  }
  const bool has_init = std::find(t.entry_points.begin(), t.entry_points.end(), "init") != t.entry_points.end();
  if (has_init && k.fuel == 0)
    return command_failure("invalid_argument", a.file + ": contract.fuel: the template has init (the creation "
                                                        "contract runs it at deploy): give it fuel");
  d.fuel = has_init ? k.fuel : 0;
  return d;
}

/// The registry's status of a view ("registered", "active", "ceased").
std::string status_of(const json& view) {
  return text_field(view, "status", "");
}

/// Signs `payload` for the mainchain with the registry key and waits for finality.
command_result registry_tx(const std::string& node_url, const std::string& key_file, tx_payload payload,
                           const std::string& what, std::chrono::seconds timeout) {
  tx_options t;
  t.key_file = key_file;
  t.fee_text = "0";
  t.timeout_text = std::to_string(timeout.count());
  t.net.node_url = node_url;
  return sign_and_submit(t, std::move(payload), what);
}

/// Signs `payload` for fund chain `fund` with the founder's key, pays the fund token fee, waits.
std::variant<signed_tx, command_result> sign_on_fund(const std::string& node_url, const std::string& key_file,
                                                     chain_id fund, tx_payload payload, amount extra_fee,
                                                     std::chrono::seconds timeout) {
  tx_options t;
  t.key_file = key_file;
  t.fee_text = format_amount(runtime::default_transfer_fee);
  t.timeout_text = std::to_string(timeout.count());
  t.net.node_url = node_url;
  t.net.chain = std::to_string(fund);
  return sign_for_chain(t, std::move(payload), extra_fee);
}

/// Whether `who` holds `perm` on sidechain:`fund` there (a signed read by `who`).
std::variant<bool, command_result> holds(const node_client& node, const std::string& key_file, chain_id fund,
                                         const address& who, acl::permission perm) {
  chain_endpoint at{node, chain_target{fund, fmt::format("/v1/chains/{}", fund), "", ""}};
  auto r = read_chain_route(at,
                            fmt::format("/access/check/{}/sidechain:{}/{}", format_address(who), fund,
                                        acl::to_string(perm)),
                            key_file);
  if (auto* f = std::get_if<command_result>(&r))
    return *f;
  const auto& body = std::get<node_answer>(r).body;
  auto it = body.find("allowed");
  return it != body.end() && it->is_boolean() && it->get<bool>();
}

// --- fund create ------------------------------------------------------------------------------

command_result run_create(const create_options& o) {
  constexpr int steps = 7;
  auto app_or = read_fund_application(o.application);
  if (!app_or)
    return to_command_result(app_or.error());
  const auto& a = *app_or;
  auto timeout_s = parse_uint("--timeout", o.timeout_text, 86'400);
  if (!timeout_s)
    return to_command_result(timeout_s.error());
  const std::chrono::seconds timeout(*timeout_s);
  auto start_in = parse_uint("--start-in", o.start_in_text, 3'600);
  if (!start_in)
    return to_command_result(start_in.error());
  auto founder = runtime::read_key_file(o.key_file);
  if (!founder)
    return to_command_result(make_error(founder.error().code, "--key: " + founder.error().detail));
  const auto founder_addr = address_of(founder->pub);
  if (auto r = runtime::read_key_file(o.registry_key); !r)
    return to_command_result(make_error(r.error().code, "--registry-key: " + r.error().detail));
  const auto state_path = o.state_file.empty() ? o.application + ".state.json" : o.state_file;
  auto st = read_state(state_path);
  if (!st)
    return to_command_result(st.error());
  auto opened = node_client::open(o.net.node_url);
  if (auto* f = std::get_if<command_result>(&opened))
    return *f;
  const auto& node = std::get<node_client>(opened);

  // 1. The fund's contract: from the ecosystem chain's template, or the client's own module.
  step(1, steps, "the fund contract");
  auto tmpl_or = fund_template(node, a);
  if (auto* f = std::get_if<command_result>(&tmpl_or))
    return *f;
  const auto tmpl = std::get<contract_publish_tx>(std::move(tmpl_or));
  auto deploy_or = fund_deploy(a, tmpl);
  if (auto* f = std::get_if<command_result>(&deploy_or))
    return *f;
  const auto tid = to_hex(contract::template_id(tmpl).view());
  note(fmt::format("template {} ({} v{}, {} bytes, {})", tid, tmpl.template_name, tmpl.version, tmpl.code.size(),
                   a.contract.template_id ? fmt::format("from chain {}", a.contract.template_chain)
                                          : "the client's own module"));

  // 2. Registration on the mainchain (found by name: names are unique in the registry).
  step(2, steps, "register the DAOS sidechain on the mainchain");
  auto look = look_up_sidechain(node, a.chain.value_or(0), a.name);
  if (auto* f = std::get_if<command_result>(&look))
    return *f;
  auto reg = std::get<registry_lookup>(look);
  chain_id fund = 0;
  if (reg.by_name.is_object()) {
    fund = static_cast<chain_id>(number_field(reg.by_name, "id"));
    if (text_field(reg.by_name, "kind", "") != "daos" || text_field(reg.by_name, "token", "") != a.symbol
        || (a.chain && *a.chain != fund))
      return command_failure("already_exists",
                             fmt::format("sidechain {} is named \"{}\" but is a {} with token {}: not this "
                                         "application's fund (fund.name must be new)",
                                         fund, a.name, text_field(reg.by_name, "kind"), text_field(reg.by_name, "token")));
    note(fmt::format("registered already as chain {} ({})", fund, status_of(reg.by_name)));
  } else {
    if (a.chain && reg.by_id.is_object())
      return command_failure("already_exists", fmt::format("{}: fund.chain_id {} is taken by \"{}\"", a.file,
                                                           *a.chain, text_field(reg.by_id, "name")));
    fund = a.chain.value_or(std::max<chain_id>(reg.highest, 8) + 1);
    dev_entry_request req;
    req.node_url = o.net.node_url;
    req.dev_data = o.dev_data;
    req.id = fund;
    req.kind = chain_kind::daos;
    req.name = a.name;
    req.symbol = a.symbol;
    req.anchor_interval = a.anchor_interval;
    req.start_in_s = *start_in;
    req.per_category = a.per_category;
    if (a.validator_count) {
      // A count is spread over the mainchain's categories round-robin (the registry's rule is
      // per category).
      auto probe = build_dev_entry(req);
      if (auto* f = std::get_if<command_result>(&probe))
        return *f;
      const auto categories = std::get<sidechain_entry>(probe).rule.per_category.size();
      req.per_category.assign(categories, 0);
      for (std::uint32_t i = 0; i < *a.validator_count; ++i)
        ++req.per_category[i % categories];
    }
    auto built = build_dev_entry(req);
    if (auto* f = std::get_if<command_result>(&built))
      return *f;
    auto entry = std::get<sidechain_entry>(std::move(built));
    // The fund's token: the founder first (the fund chain's access admin), then the treasury.
    entry.token.allocations = {{founder_addr, a.founder_allocation}};
    if (a.treasury)
      entry.token.allocations.push_back({*a.treasury, a.treasury_allocation});
    note(fmt::format("chain {}: \"{}\", token {}, {} validator(s), founder {}", fund, a.name, a.symbol,
                     entry.validators.size(), format_address(founder_addr)));
    auto body = std::make_shared<const sidechain_register_payload>(sidechain_register_payload{std::move(entry)});
    auto done = registry_tx(o.net.node_url, o.registry_key, sidechain_register_tx{std::move(body)},
                            fmt::format("sidechain_register of fund chain {}", fund), timeout);
    if (!done.ok())
      return done;
  }
  if (st->chain != fund) {
    st->chain = fund;
    st->contract.clear();
    st->deploy_tx.clear();
    if (auto w = write_state(state_path, *st); !w)
      return to_command_result(w);
  }

  // 3. Active, and started here (--dev starts registered sidechains), with its peg bridge.
  step(3, steps, fmt::format("activate chain {} and wait until it produces", fund));
  look = look_up_sidechain(node, fund, a.name);
  if (auto* f = std::get_if<command_result>(&look))
    return *f;
  const auto status = status_of(std::get<registry_lookup>(look).by_id);
  if (status == "ceased")
    return command_failure("wrong_status", fmt::format("chain {} is ceased: a liquidated fund is not created again "
                                                       "(choose a new fund.name)",
                                                       fund));
  if (status == "registered") {
    auto done = registry_tx(o.net.node_url, o.registry_key, sidechain_activate_tx{fund},
                            fmt::format("sidechain_activate of fund chain {}", fund), timeout);
    if (!done.ok())
      return done;
  } else {
    note("active already");
  }
  if (auto w = wait_until(node, fmt::format("/v1/chains/{}/info", fund),
                          fmt::format("chain {} produces and finalizes blocks", fund), timeout,
                          [](const json& i) { return number_field(object_field(i, "final"), "height") >= 2; });
      !w.ok())
    return w;

  // 4. The founder's rights on the fund chain: admin from the genesis; issue, liquidate, deploy
  //    granted by itself.
  step(4, steps, "the founder's permissions on the fund chain");
  acl::permission_mask missing = 0;
  for (auto p : {acl::permission::issue, acl::permission::liquidate, acl::permission::deploy}) {
    auto h = holds(node, o.key_file, fund, founder_addr, p);
    if (auto* f = std::get_if<command_result>(&h))
      return *f;
    if (!std::get<bool>(h))
      missing |= acl::bit(p);
  }
  if (missing == 0) {
    note("issue, liquidate and deploy held already");
  } else {
    acl_grant_tx g;
    g.scope = acl::scope{acl::scope_kind::sidechain, fund};
    g.account = founder_addr;
    g.permissions = missing;
    auto s = sign_on_fund(o.net.node_url, o.key_file, fund, g, 0, timeout);
    if (auto* f = std::get_if<command_result>(&s))
      return *f;
    const auto& signed_grant = std::get<signed_tx>(s);
    auto done = submit(signed_grant.at, signed_grant.tx,
                       fmt::format("acl_grant {} on sidechain:{}", acl::mask_to_string(missing), fund), false, timeout);
    if (!done.ok())
      return done;
  }

  ds_send_options ds_o;
  ds_o.key_file = o.key_file;
  ds_o.fee = runtime::default_transfer_fee;
  ds_o.timeout = timeout;

  // 5. ds_register, then ds_raise, as peg metadata operations from the mainchain.
  step(5, steps, "register the organisation and the fund raise (peg metadata operations)");
  auto sum = ds_summary(node, fund);
  if (auto* f = std::get_if<command_result>(&sum))
    return *f;
  if (object_field(std::get<json>(sum), "organisation").is_object()) {
    note("organisation registered already");
  } else {
    ds::op_body op;
    op.kind = ds::op_kind::register_org;
    op.name = a.org_name;
    op.uri = a.org_uri;
    op.group = a.fund_group;
    op.owner = founder_addr;
    auto r = run_ds_operation(node, fund, op, ds_o,
                              [](const json& d) { return object_field(d, "organisation").is_object(); });
    if (auto* f = std::get_if<command_result>(&r))
      return *f;
  }
  sum = ds_summary(node, fund);
  if (auto* f = std::get_if<command_result>(&sum))
    return *f;
  if (const auto& raise = object_field(std::get<json>(sum), "raise"); raise.is_object()) {
    const auto& token = object_field(std::get<json>(sum), "token");
    if (number_field(raise, "target_units") != a.target || number_field(raise, "min_units") != a.min
        || number_field(raise, "max_units") != a.max || text_field(token, "symbol", "") != a.symbol
        || text_field(token, "mode", "") != ds::to_string(a.mode))
      return command_failure("conflict", fmt::format("chain {} has raise terms that differ from {}'s; a raise "
                                                     "is replaced only by an explicit `bfd-cli ds send ds_raise`",
                                                     fund, a.file));
    note("fund raise registered already");
  } else {
    auto info = node.get(fmt::format("/v1/chains/{}/info", fund));
    if (auto* f = std::get_if<command_result>(&info))
      return *f;
    const auto head = number_field(object_field(std::get<node_answer>(info).body, "head"), "height");
    ds::op_body op;
    op.kind = ds::op_kind::raise;
    op.terms.target = a.target;
    op.terms.min = a.min;
    op.terms.max = a.max;
    op.terms.deadline = head + a.deadline_blocks;
    op.terms.symbol = a.symbol;
    op.terms.mode = a.mode;
    op.terms.rate = a.rate;
    auto r = run_ds_operation(node, fund, op, ds_o, [](const json& d) { return object_field(d, "raise").is_object(); });
    if (auto* f = std::get_if<command_result>(&r))
      return *f;
  }

  // 6. The creation contract on the fund chain: its template published there, then deployed
  //    (its init runs at the deploy).
  step(6, steps, "publish and deploy the creation contract on the fund chain");
  auto tr = node.get(fmt::format("/v1/chains/{}/contracts/templates/{}", fund, tid));
  if (std::holds_alternative<node_answer>(tr)) {
    note("template published already");
  } else if (std::get<command_result>(tr).reason != "not_found") {
    return std::get<command_result>(tr);
  } else {
    auto s = sign_on_fund(o.net.node_url, o.key_file, fund, tmpl, contract::fuel_fee(tmpl.code.size()), timeout);
    if (auto* f = std::get_if<command_result>(&s))
      return *f;
    const auto& signed_pub = std::get<signed_tx>(s);
    auto done = submit(signed_pub.at, signed_pub.tx, "contract_publish of the fund template", false, timeout);
    if (!done.ok())
      return done;
  }
  bool deployed = false;
  if (!st->contract.empty()) {
    auto c = node.get(fmt::format("/v1/chains/{}/contracts/{}", fund, st->contract));
    deployed = std::holds_alternative<node_answer>(c);
    if (!deployed && !st->deploy_tx.empty()) {
      // A deploy recorded but not found: still on its way, or never admitted (then its nonce is
      // free and the new deploy gets the same address).
      auto t = node.get(fmt::format("/v1/chains/{}/txs/{}", fund, st->deploy_tx));
      if (auto* ans = std::get_if<node_answer>(&t)) {
        const auto s = text_field(ans->body, "status", "");
        if (s == "pending" || s == "included") {
          chain_target target{fund, fmt::format("/v1/chains/{}", fund), a.symbol, a.name};
          auto w = wait_for_finality(node, target, st->deploy_tx, timeout);
          if (!w.ok())
            return w;
          deployed = std::holds_alternative<node_answer>(
            node.get(fmt::format("/v1/chains/{}/contracts/{}", fund, st->contract)));
        }
      }
    }
  }
  if (deployed) {
    note("contract " + st->contract + " deployed already");
  } else {
    const auto& d = std::get<contract_deploy_tx>(deploy_or);
    auto s = sign_on_fund(o.net.node_url, o.key_file, fund, d, contract::fuel_fee(d.fuel), timeout);
    if (auto* f = std::get_if<command_result>(&s))
      return *f;
    const auto& signed_dep = std::get<signed_tx>(s);
    st->contract = format_address(contract::contract_address(founder_addr, signed_dep.tx.nonce));
    st->deploy_tx = to_hex(signing_hash(signed_dep.tx).view());
    if (auto w = write_state(state_path, *st); !w)
      return to_command_result(w);
    note("contract: " + st->contract);
    auto done = submit(signed_dep.at, signed_dep.tx, "contract_deploy of the creation contract", false, timeout);
    if (!done.ok())
      return done;
    auto r = node.get(fmt::format("/v1/chains/{}/txs/{}", fund, st->deploy_tx));
    if (auto* f = std::get_if<command_result>(&r))
      return *f;
    const auto& result = object_field(std::get<node_answer>(r).body, "contract_result");
    if (text_field(result, "status", "") != "success") {
      // A failed init deploys nothing: the next run deploys again (with a corrected application).
      const auto reason = text_field(result, "error", "failure");
      st->contract.clear();
      st->deploy_tx.clear();
      (void)write_state(state_path, *st);
      return command_failure("contract_failed", "the creation contract's init failed: " + reason);
    }
  }

  // 7. The summary.
  step(7, steps, "the fund");
  sum = ds_summary(node, fund);
  if (auto* f = std::get_if<command_result>(&sum))
    return *f;
  const auto& s = std::get<json>(sum);
  fmt::print("fund: {}\nchain: {}\ntoken: {}\nstatus: {}\norganisation: {}\nraise: {}\nrate: {}\ncontract: {}\n"
             "template: {}\nstate_file: {}\n",
             a.name, fund, a.symbol, text_field(s, "status"), object_field(s, "organisation").dump(),
             object_field(s, "raise").dump(), s.contains("rate") ? s["rate"].dump() : "null", st->contract, tid,
             state_path);
  return {};
}

// --- fund liquidate ---------------------------------------------------------------------------

command_result run_liquidate(const liquidate_options& o) {
  constexpr int steps = 5;
  auto id = parse_uint("--chain", o.chain_text, UINT32_MAX);
  if (!id)
    return to_command_result(id.error());
  if (*id < 2)
    return command_failure("invalid_argument", "--chain: a fund (DAOS) sidechain id");
  const auto fund = static_cast<chain_id>(*id);
  auto wait_blocks = parse_uint("--wait-blocks", o.wait_blocks_text, 1'000'000);
  if (!wait_blocks)
    return to_command_result(wait_blocks.error());
  auto timeout_s = parse_uint("--timeout", o.timeout_text, 86'400);
  if (!timeout_s)
    return to_command_result(timeout_s.error());
  const std::chrono::seconds timeout(*timeout_s);
  if (auto r = runtime::read_key_file(o.registry_key); !r)
    return to_command_result(make_error(r.error().code, "--registry-key: " + r.error().detail));
  auto opened = node_client::open(o.net.node_url);
  if (auto* f = std::get_if<command_result>(&opened))
    return *f;
  const auto& node = std::get<node_client>(opened);
  auto look = look_up_sidechain(node, fund, "");
  if (auto* f = std::get_if<command_result>(&look))
    return *f;
  const auto view = std::get<registry_lookup>(look).by_id;
  if (!view.is_object())
    return command_failure("unknown_chain", fmt::format("chain {} is not in the mainchain's registry", fund));
  if (text_field(view, "kind", "") != "daos")
    return command_failure("invalid_argument", fmt::format("chain {} is a {} sidechain, not a fund (daos)", fund,
                                                           text_field(view, "kind")));
  ds_send_options ds_o;
  ds_o.key_file = o.key_file;
  ds_o.fee = runtime::default_transfer_fee;
  ds_o.timeout = timeout;
  const bool ceased = status_of(view) == "ceased";

  step(1, steps, "start the liquidation (ds_liquidate start)");
  auto sum = ds_summary(node, fund);
  if (auto* f = std::get_if<command_result>(&sum))
    return *f;
  auto status = text_field(std::get<json>(sum), "status", "");
  if (status == "unregistered")
    return command_failure("ds_no_org", fmt::format("chain {} has no registered fund to liquidate", fund));
  if (status == "active") {
    if (ceased)
      return command_failure("wrong_status", fmt::format("chain {} is ceased while its fund is active: nothing can "
                                                         "be sent to it any more",
                                                         fund));
    ds::op_body op;
    op.kind = ds::op_kind::liquidate;
    op.phase = ds::liquidation_phase::start;
    auto r = run_ds_operation(node, fund, op, ds_o,
                              [](const json& d) { return text_field(d, "status", "") != "active"; });
    if (auto* f = std::get_if<command_result>(&r))
      return *f;
  } else {
    note("started already (" + status + ")");
  }

  step(2, steps, "wait for redemptions or the deadline");
  sum = ds_summary(node, fund);
  if (auto* f = std::get_if<command_result>(&sum))
    return *f;
  status = text_field(std::get<json>(sum), "status", "");
  if (status == "liquidating") {
    // The funds module (branch `funds`, module 8) redeems holders' tokens; on a chain without it
    // there is nothing to redeem and only the deadline counts.
    auto funds = node.get(fmt::format("/v1/chains/{}/funds", fund));
    if (std::holds_alternative<command_result>(funds))
      note(fmt::format("chain {} serves no funds state (GET /v1/chains/{}/funds: {}): no redemptions to wait for",
                       fund, fund, std::get<command_result>(funds).reason));
    const auto until = number_field(std::get<json>(sum), "status_height") + *wait_blocks;
    auto w = wait_until(node, fmt::format("/v1/chains/{}/info", fund),
                        fmt::format("chain {} reaches final height {} (the liquidation deadline: {} block(s) after "
                                    "the start)",
                                    fund, until, *wait_blocks),
                        timeout, [until](const json& i) { return number_field(object_field(i, "final"), "height") >= until; });
    if (!w.ok())
      return w;
  } else {
    note("past it (" + status + ")");
  }

  step(3, steps, "finish the liquidation (ds_liquidate finish)");
  if (status == "liquidating") {
    ds::op_body op;
    op.kind = ds::op_kind::liquidate;
    op.phase = ds::liquidation_phase::finish;
    auto r = run_ds_operation(node, fund, op, ds_o,
                              [](const json& d) { return text_field(d, "status", "") == "liquidated"; });
    if (auto* f = std::get_if<command_result>(&r))
      return *f;
  } else {
    note("finished already");
  }

  step(4, steps, "what the mainchain still holds for the fund chain");
  // BFDT pegged onto the fund chain is escrowed on the mainchain; once the chain is ceased its
  // vouchers can no longer be sent back (the peg has no claim for ceased chains yet).
  auto peg = node.get("/v1/chains/1/peg");
  amount escrow = 0;
  if (auto* ans = std::get_if<node_answer>(&peg)) {
    if (auto it = ans->body.find("escrows"); it != ans->body.end() && it->is_array())
      for (const auto& e : *it)
        if (number_field(e, "counterparty") == fund)
          escrow += number_field(e, "value_units");
    note(fmt::format("BFDT escrowed on the mainchain for chain {}: {}", fund, format_amount(escrow)));
  } else {
    return command_failure(std::get<command_result>(peg).reason,
                           "cannot read the mainchain's peg escrows: " + std::get<command_result>(peg).detail);
  }
  if (escrow > 0 && !ceased && !o.force)
    return command_failure("escrow_outstanding",
                           fmt::format("{} BFDT is still escrowed for chain {}: its holders must peg their vouchers "
                                       "out (bfd-cli peg send --chain {} --to-chain 1 --denom peg/1/BFDT ...) "
                                       "before the cease, which would strand them; --force ceases anyway",
                                       format_amount(escrow), fund, fund));

  if (!ceased && !o.force) {
    // A message between the two chains still in flight (the finish's commit notice, a holder's
    // transfer home, their acknowledgements) could never settle once the fund chain stops
    // producing: wait until both sides have none towards the other.
    for (const auto& [source, dest] : {std::pair<chain_id, chain_id>{1, fund}, {fund, 1}}) {
      auto w = wait_until(node, fmt::format("/v1/chains/{}/peg", source),
                          fmt::format("no peg message from chain {} to chain {} in flight", source, dest), timeout,
                          [dest = dest](const json& p) {
                            if (auto it = p.find("in_flight_by_destination"); it != p.end() && it->is_array())
                              for (const auto& e : *it)
                                if (number_field(e, "chain") == dest && number_field(e, "count") > 0)
                                  return false;
                            return true;
                          });
      if (!w.ok())
        return w;
    }
  }

  step(5, steps, "cease the fund chain on the mainchain");
  if (ceased) {
    note("ceased already");
  } else {
    auto done = registry_tx(o.net.node_url, o.registry_key, sidechain_cease_tx{fund},
                            fmt::format("sidechain_cease of fund chain {}", fund), timeout);
    if (!done.ok())
      return done;
  }
  look = look_up_sidechain(node, fund, "");
  if (auto* f = std::get_if<command_result>(&look))
    return *f;
  const auto after = std::get<registry_lookup>(look).by_id;
  sum = ds_summary(node, fund);
  if (auto* f = std::get_if<command_result>(&sum))
    return *f;
  fmt::print("chain: {}\nsidechain_status: {}\nceased_height: {}\nds_status: {}\nescrow_left: {}\n", fund,
             status_of(after), after.contains("ceased_height") ? after["ceased_height"].dump() : "null",
             text_field(std::get<json>(sum), "status"), format_amount(escrow));
  return {};
}

} // namespace

void add_fund_lifecycle_commands(CLI::App& app, std::optional<command_result>& outcome, network_options& net) {
  // The `fund` group is shared with the funds module's commands (subscribe, trade, ...).
  CLI::App* fund = nullptr;
  try {
    fund = app.get_subcommand("fund");
  } catch (const CLI::OptionNotFound&) {
    fund = app.add_subcommand("fund", "A fund's life cycle on its DAOS sidechain (docs/fund-lifecycle.md)");
  }

  auto c = std::make_shared<create_options>();
  auto* create = fund->add_subcommand(
    "create", "Create a fund from its application: the DAOS sidechain registered and started, the organisation and "
              "raise registered over the peg, the creation contract deployed. Re-running continues a stopped run.");
  create->add_option("--application", c->application, "The application, TOML or .json (docs/fund-lifecycle.md)")
    ->type_name("FILE")
    ->required();
  create->add_option("--key", c->key_file, "The founder's key file: the fund token's first holder and the fund "
                                           "chain's admin; sends the DS operations from its mainchain account")
    ->type_name("FILE")
    ->required();
  create->add_option("--registry-key", c->registry_key,
                     "Key file holding sidechain_admin on the mainchain (bfd-node --dev: keys/registry.json)")
    ->type_name("FILE")
    ->required();
  create->add_option("--dev-data", c->dev_data,
                     "Data directory of the bfd-node --dev (validators' hash-chain tips come from its keys)")
    ->type_name("DIR")
    ->required();
  create->add_option("--state", c->state_file, "Where the run keeps the contract it deployed (default: "
                                               "APPLICATION.state.json)")
    ->type_name("FILE");
  create->add_option("--start-in", c->start_in_text, "Seconds from now to the new chain's genesis time")
    ->type_name("SECONDS")
    ->capture_default_str();
  create->add_option("--timeout", c->timeout_text, "Seconds each step may wait before exit code 2")
    ->type_name("SECONDS")
    ->capture_default_str();
  add_node_option(*create, net.node_url);
  create->callback([c, &outcome, &net] {
    c->net = net;
    outcome = run_create(*c);
  });

  auto l = std::make_shared<liquidate_options>();
  auto* liq = fund->add_subcommand(
    "liquidate", "Liquidate a fund: ds_liquidate start, wait, ds_liquidate finish, then cease its chain on the "
                 "mainchain. Re-running continues a stopped run.");
  liq->add_option("--key", l->key_file, "Key file of an account holding liquidate on the fund chain (the founder)")
    ->type_name("FILE")
    ->required();
  liq->add_option("--registry-key", l->registry_key,
                  "Key file holding sidechain_admin on the mainchain (bfd-node --dev: keys/registry.json)")
    ->type_name("FILE")
    ->required();
  liq->add_option("--wait-blocks", l->wait_blocks_text, "Fund-chain blocks between the start and the finish")
    ->type_name("N")
    ->capture_default_str();
  liq->add_flag("--force", l->force, "Cease even while BFDT is escrowed for the chain or a peg message between the "
                                     "two is in flight (stranded for good)");
  liq->add_option("--timeout", l->timeout_text, "Seconds each step may wait before exit code 2")
    ->type_name("SECONDS")
    ->capture_default_str();
  add_network_options(*liq, net);
  liq->callback([l, &outcome, &net] {
    l->net = net;
    if (!net.chain) {
      outcome = command_failure("invalid_argument", "--chain: the fund's chain id is required");
      return;
    }
    l->chain_text = *net.chain;
    outcome = run_liquidate(*l);
  });
}

} // namespace bfd::cli

// `bfd-cli contract publish|deploy|call|set-slot|show|state|events`: the contracts module (kinds
// 24-27) through a node's HTTP API (docs/contracts.md, docs/cli.md). publish/deploy/call/set-slot
// sign with --key, submit,
// wait for finality and print the outcome; a call that failed (trap, out of fuel) exits 1 with
// the engine's reason.
#include <algorithm>
#include <chrono>
#include <memory>

#include <fmt/format.h>

#include "chains/contracts/contract_module.hpp"
#include "chains/core/amount.hpp"
#include "chains/core/hex.hpp"
#include "chains/crypto/keys.hpp"
#include "protocols/contract_json.hpp"
#include "runtime/entropy.hpp"
#include "runtime/key_file.hpp"
#include "runtime/transfer.hpp"
#include "tools/bfd-cli/commands.hpp"
#include "tools/client/node_client.hpp"
#include "tools/client/submission.hpp"

namespace bfd::cli {

namespace {

struct signed_options : tx_options {
  signed_options() {
    fee_text = format_amount(runtime::default_transfer_fee);
    timeout_text = "120";
  }
};

struct publish_options : signed_options {
  std::string name;
  std::string version_text = "1";
  std::string code_file;
  std::vector<std::string> params;  // name:type
  std::vector<std::string> entries;
  std::string slot;
  std::vector<std::string> users;  // addresses that may deploy it (none: anyone)
};

struct deploy_options : signed_options {
  std::string template_id;
  std::vector<std::string> params;  // type:value
  std::string value_text = "0";
  std::vector<std::string> readers;
  std::vector<std::string> init_args;
  std::string init_input;
  std::string fuel_text = "0";
};

struct call_options : signed_options {
  std::string contract;
  std::string entry;
  std::vector<std::string> args;
  std::string input;
  std::string fuel_text = "100000";
  std::string value_text = "0";
};

struct set_slot_options : signed_options {
  std::string contract;
  std::string client;
  bool clear = false;
};

struct show_options {
  std::string what;
  std::string from_text = "0";
  network_options net;
};

struct state_options {
  std::string contract;
  std::optional<std::string> key;  ///< a state key (hex): its value; none: a page of keys
  std::optional<std::string> after;
  std::string key_file;
  network_options net;
};

// GET …/contracts/{address}/state[/{key}] or …/state?after=HEX, signed by the key file.
command_result run_state(const state_options& o) {
  if (o.key && o.after)
    return command_failure("invalid_argument", "--after pages the key list: give it without KEY");
  std::string route = "/contracts/" + o.contract + "/state";
  if (o.key)
    route += "/" + *o.key;
  else if (o.after)
    route += "?after=" + *o.after;
  return print_chain_route(o.net, route, o.key_file);
}

command_result fail_with(const error& e, const char* option) {
  return to_command_result(make_error(e.code, std::string(option) + ": " + e.detail));
}

// The fee is --fee plus what `fuel` needs (1 unit per contract::fuel_per_unit).
// Signs and submits `payload`, waits for finality, then prints the receipt if there is one.
command_result sign_submit(const signed_options& o, tx_payload payload, const std::string& what,
                           std::uint64_t fuel, std::optional<address>* deployed = nullptr) {
  auto signed_or = sign_for_chain(o, std::move(payload), contract::fuel_fee(fuel));
  if (auto* failed = std::get_if<command_result>(&signed_or))
    return *failed;
  const auto& [at, tx, keys, timeout] = std::get<signed_tx>(signed_or);
  if (deployed) {
    *deployed = contract::contract_address(address_of(keys.pub), tx.nonce);
    fmt::print("contract: {}\n", format_address(**deployed));
  }
  auto done = submit(at, tx, what, false, timeout);
  if (!done.ok())
    return done;
  if (std::holds_alternative<contract_publish_tx>(tx.payload))
    return done;
  auto r = at.node.get(at.chain.path("/txs/" + to_hex(signing_hash(tx))));
  if (auto* failed = std::get_if<command_result>(&r))
    return *failed;
  const auto& body = std::get<node_answer>(r).body;
  if (!body.contains("contract_result"))
    return command_failure("not_found", "the node keeps no result for this transaction");
  const auto& result = body["contract_result"];
  fmt::print("{}\n", result.dump(2));
  if (result.value("status", "") != "success") {
    const auto err = result.value("error", std::string("failure"));
    const auto colon = err.find(':');
    return command_failure(colon == std::string::npos ? "contract_failed" : err.substr(0, colon),
                           colon == std::string::npos ? err : err.substr(colon + 2));
  }
  return command_result{};
}

command_result run_publish(const publish_options& o) {
  auto version = parse_uint("--version", o.version_text, UINT32_MAX);
  if (!version)
    return to_command_result(version.error());
  auto code = read_bounded_file(o.code_file, contract::max_code_bytes);
  if (!code)
    return to_command_result(code.error());
  contract_publish_tx p;
  p.template_name = o.name;
  p.version = static_cast<std::uint32_t>(*version);
  p.code = std::move(*code);
  for (const auto& param : o.params) {
    const auto colon = param.rfind(':');
    const auto type = colon == std::string::npos ? std::nullopt : contract::parse_param_type(param.substr(colon + 1));
    if (!type)
      return command_failure("invalid_argument", "--param: NAME:TYPE with TYPE u64, i64, bytes, address or amount, not '"
                                                   + param + "'");
    p.param_names.push_back(param.substr(0, colon));
    p.param_types.push_back(*type);
  }
  p.entry_points = o.entries;
  p.slot = o.slot;
  if (o.users.size() > contract::max_template_users)
    return command_failure("invalid_argument", "--user: at most 16 addresses");
  for (const auto& u : o.users) {
    auto a = parse_address(u);
    if (!a)
      return fail_with(a.error(), "--user");
    if (std::find(p.users.begin(), p.users.end(), *a) != p.users.end())
      return command_failure("invalid_argument", "--user " + u + " is given twice");
    p.users.push_back(*a);
  }
  // With --offline stdout holds only the signed hex: the template id goes to stderr.
  fmt::print(o.offline ? stderr : stdout, "template: {}\n", to_hex(contract::template_id(p)));
  // Publishing needs 1 unit per fuel_per_unit bytes of code: priced like that much fuel.
  const auto code_bytes = p.code.size();
  return sign_submit(o, std::move(p), fmt::format("contract publish {} v{}", o.name, *version), code_bytes);
}

command_result run_deploy(const deploy_options& o) {
  contract_deploy_tx p;
  auto id = fixed_from_hex<32>(o.template_id);
  if (!id)
    return command_failure("bad_hex", "--template: a template id of 64 hex digits");
  p.template_id = *id;
  for (const auto& v : o.params) {
    auto b = parse_param_value(v);
    if (!b)
      return fail_with(b.error(), "--param");
    p.params.push_back(std::move(*b));
  }
  auto value = parse_amount(o.value_text);
  if (!value)
    return fail_with(value.error(), "--value");
  p.value = *value;
  for (const auto& r : o.readers) {
    auto a = parse_address(r);
    if (!a)
      return fail_with(a.error(), "--reader");
    p.readers.push_back(*a);
  }
  for (const auto& a : o.init_args) {
    auto arg = parse_call_arg(a);
    if (!arg)
      return fail_with(arg.error(), "--arg");
    p.init_args.push_back(*arg);
  }
  auto input = from_hex(o.init_input);
  if (!input)
    return fail_with(input.error(), "--input");
  p.init_input = std::move(*input);
  auto fuel = parse_uint("--fuel", o.fuel_text, contract::max_fuel);
  if (!fuel)
    return to_command_result(fuel.error());
  p.fuel = *fuel;
  std::optional<address> deployed;
  return sign_submit(o, std::move(p), "contract deploy", *fuel, &deployed);
}

command_result run_call(const call_options& o) {
  contract_call_tx p;
  auto a = parse_address(o.contract);
  if (!a)
    return fail_with(a.error(), "contract");
  p.contract = *a;
  p.entry = o.entry;
  for (const auto& text : o.args) {
    auto arg = parse_call_arg(text);
    if (!arg)
      return fail_with(arg.error(), "--arg");
    p.args.push_back(*arg);
  }
  auto input = from_hex(o.input);
  if (!input)
    return fail_with(input.error(), "--input");
  p.input = std::move(*input);
  auto fuel = parse_uint("--fuel", o.fuel_text, contract::max_fuel);
  if (!fuel)
    return to_command_result(fuel.error());
  p.fuel = *fuel;
  auto value = parse_amount(o.value_text);
  if (!value)
    return fail_with(value.error(), "--value");
  p.value = *value;
  return sign_submit(o, std::move(p), "contract call " + o.entry, *fuel);
}

command_result run_set_slot(const set_slot_options& o) {
  contract_set_slot_tx p;
  auto a = parse_address(o.contract);
  if (!a)
    return fail_with(a.error(), "contract");
  p.contract = *a;
  if (o.clear == !o.client.empty())
    return command_failure("invalid_argument", "give the client contract's address, or --clear to empty the slot");
  if (!o.clear) {
    auto c = parse_address(o.client);
    if (!c)
      return fail_with(c.error(), "client");
    p.client = *c;
  }
  return sign_submit(o, std::move(p), o.clear ? "contract set-slot --clear" : "contract set-slot", 0);
}

void add_signing_options(CLI::App& c, signed_options& o, network_options& net) {
  c.add_option("--key", o.key_file, "Key file of the sender")->type_name("FILE")->required();
  c.add_option("--fee", o.fee_text, "Fee on top of what the fuel (or code size) needs")
    ->type_name("AMOUNT")
    ->capture_default_str();
  c.add_option("--timeout", o.timeout_text, "Seconds to wait for finality before giving up with exit code 2")
    ->type_name("SECONDS")
    ->capture_default_str();
  add_offline_options(c, o);
  add_network_options(c, net);
}

} // namespace

void add_contract_commands(CLI::App& app, std::optional<command_result>& outcome, network_options& net) {
  auto* contract = app.add_subcommand("contract", "WebAssembly contracts: templates, deploys, calls (docs/contracts.md)");

  auto pub = std::make_shared<publish_options>();
  auto* publish = contract->add_subcommand("publish", "Publish a versioned template (its code, typed parameters and "
                                                      "entry points); prints its id");
  publish->add_option("--name", pub->name, "Template name")->type_name("NAME")->required();
  publish->add_option("--version", pub->version_text, "Template version (from 1)")->type_name("N")->capture_default_str();
  publish->add_option("--code", pub->code_file, "WebAssembly module (.wasm)")->type_name("FILE")->required();
  publish->add_option("--param", pub->params, "A typed parameter NAME:TYPE (u64, i64, bytes, address, amount); repeat")
    ->type_name("NAME:TYPE");
  publish->add_option("--entry", pub->entries, "An exported function calls may name (\"init\" runs at deploy); repeat")
    ->type_name("NAME")
    ->required();
  publish->add_option("--slot", pub->slot, "Declare a client slot of this name: an execution template whose "
                                           "contracts run a client contract through slot_call")
    ->type_name("NAME");
  publish->add_option("--user", pub->users, "Only this address may deploy contracts from the template; repeat "
                                            "(up to 16; none: anyone who may deploy on the chain)")
    ->type_name("ADDR");
  add_signing_options(*publish, *pub, net);
  publish->callback([pub, &outcome, &net] {
    pub->net = net;
    outcome = run_publish(*pub);
  });

  auto dep = std::make_shared<deploy_options>();
  auto* deploy = contract->add_subcommand("deploy", "Deploy a contract from a template; prints its address and the "
                                                    "init call's result");
  deploy->add_option("--template", dep->template_id, "Template id (64 hex digits)")->type_name("ID")->required();
  deploy->add_option("--param", dep->params, "A parameter value TYPE:VALUE in template order (u64:5, i64:-1, "
                                             "amount:1.5, address:bfd…, bytes:HEX); repeat")
    ->type_name("TYPE:VALUE");
  deploy->add_option("--value", dep->value_text, "Amount moved to the contract's account")->type_name("AMOUNT")
    ->capture_default_str();
  deploy->add_option("--reader", dep->readers, "An address that may read the contract's state; repeat")
    ->type_name("ADDR");
  deploy->add_option("--arg", dep->init_args, "An init argument i32:N or i64:N; repeat")->type_name("ARG");
  deploy->add_option("--input", dep->init_input, "Init input bytes (hex)")->type_name("HEX");
  deploy->add_option("--fuel", dep->fuel_text, "Fuel for init (needed when the template has one)")
    ->type_name("N")
    ->capture_default_str();
  add_signing_options(*deploy, *dep, net);
  deploy->callback([dep, &outcome, &net] {
    dep->net = net;
    outcome = run_deploy(*dep);
  });

  auto cal = std::make_shared<call_options>();
  auto* call = contract->add_subcommand("call", "Call a contract's entry point; prints the result (status, fuel used, "
                                                "results); exits 1 when the call failed");
  call->add_option("contract", cal->contract, "Contract address")->type_name("ADDR")->required();
  call->add_option("entry", cal->entry, "Entry point")->type_name("NAME")->required();
  call->add_option("--arg", cal->args, "An argument i32:N or i64:N; repeat")->type_name("ARG");
  call->add_option("--input", cal->input, "Input bytes (hex)")->type_name("HEX");
  call->add_option("--fuel", cal->fuel_text, "Fuel limit (the fee pays for all of it)")->type_name("N")
    ->capture_default_str();
  call->add_option("--value", cal->value_text, "Amount sent to the contract's account")->type_name("AMOUNT")
    ->capture_default_str();
  add_signing_options(*call, *cal, net);
  call->callback([cal, &outcome, &net] {
    cal->net = net;
    outcome = run_call(*cal);
  });

  auto ss = std::make_shared<set_slot_options>();
  auto* set_slot = contract->add_subcommand("set-slot", "Insert a client contract into a contract's slot (its "
                                                        "deployer or a write holder on its scope), or --clear it");
  set_slot->add_option("contract", ss->contract, "Contract whose template declares a slot")->type_name("ADDR")->required();
  set_slot->add_option("client", ss->client, "Client contract (its template declares no slot)")->type_name("CLIENT");
  set_slot->add_flag("--clear", ss->clear, "Empty the slot");
  add_signing_options(*set_slot, *ss, net);
  set_slot->callback([ss, &outcome, &net] {
    ss->net = net;
    outcome = run_set_slot(*ss);
  });

  auto sh = std::make_shared<show_options>();
  auto* show = contract->add_subcommand("show", "Print a contract (address), a template (64 hex digits) or, with "
                                                "\"templates\", the template list, as JSON");
  show->add_option("what", sh->what, "Contract address, template id or \"templates\"")->type_name("WHAT")->required();
  add_network_options(*show, net);
  show->callback([sh, &outcome, &net] {
    sh->net = net;
    if (sh->what == "templates")
      outcome = print_chain_route(sh->net, "/contracts/templates");
    else if (sh->what.size() == 64)
      outcome = print_chain_route(sh->net, "/contracts/templates/" + sh->what);
    else
      outcome = print_chain_route(sh->net, "/contracts/" + sh->what);
  });

  auto st = std::make_shared<state_options>();
  auto* state = contract->add_subcommand("state", "Print a contract's state keys (100 at most), or one key's value, "
                                                  "as a signed read by one of its readers (docs/contracts.md)");
  state->add_option("contract", st->contract, "Contract address")->type_name("ADDR")->required();
  state->add_option("state_key", st->key, "A state key (hex): print its value")->type_name("KEY");
  state->add_option("--after", st->after, "List the keys after this one (hex)")->type_name("HEX");
  state->add_option("--key", st->key_file, "Key file of the reader who signs the read")->type_name("FILE")->required();
  add_network_options(*state, net);
  state->callback([st, &outcome, &net] {
    st->net = net;
    outcome = run_state(*st);
  });

  auto ev = std::make_shared<show_options>();
  auto* events = contract->add_subcommand("events", "Print a contract's kept events from a sequence (100 at most)");
  events->add_option("contract", ev->what, "Contract address")->type_name("ADDR")->required();
  events->add_option("--from", ev->from_text, "First event sequence")->type_name("N")->capture_default_str();
  add_network_options(*events, net);
  events->callback([ev, &outcome, &net] {
    ev->net = net;
    auto from = parse_uint("--from", ev->from_text, UINT64_MAX);
    if (!from) {
      outcome = to_command_result(from.error());
      return;
    }
    outcome = print_chain_route(ev->net, fmt::format("/contracts/{}/events/{}", ev->what, *from));
  });
}

} // namespace bfd::cli

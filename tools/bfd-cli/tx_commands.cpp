// `bfd-cli transfer` (also `tx transfer`), `tx submit`, `tx get` and `tx decode`: sign, submit,
// follow, inspect.
#include <charconv>
#include <chrono>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "chains/core/hex.hpp"
#include "chains/crypto/keys.hpp"
#include "runtime/entropy.hpp"
#include "runtime/key_file.hpp"
#include "runtime/transfer.hpp"
#include "runtime/tx_text.hpp"
#include "tools/client/chain_target.hpp"
#include "tools/bfd-cli/commands.hpp"
#include "tools/client/node_client.hpp"
#include "tools/client/submission.hpp"

namespace bfd::cli {

namespace {

/// Blocks after the node's head that a transfer stays valid when --expiry is not given.
constexpr std::uint64_t default_expiry_margin = 1000;

struct transfer_options {
  std::string key_file;
  std::string to;
  std::string amount_text;
  std::string fee_text = format_amount(runtime::default_transfer_fee);
  std::optional<std::string> nonce_text;
  std::optional<std::string> expiry_text;
  bool offline = false;
  bool no_wait = false;
  std::string timeout_text = "60";
  network_options net;
};

struct submit_options {
  std::string hex;
  bool no_wait = false;
  std::string timeout_text = "60";
  network_options net;
};

struct get_options {
  std::string id;
  network_options net;
};

struct decode_options {
  std::string hex;
};

// Prefixes the option name so the user knows which argument was wrong.
error about(const char* option, const error& e) {
  return make_error(e.code, std::string(option) + ": " + e.detail);
}

// The txs/{id} route of a transaction id given by the user: 64 hex characters.
result<std::string> tx_route(const std::string& id) {
  auto parsed = fixed_from_hex<32>(id);
  if (!parsed)
    return make_error(errc::bad_hex, fmt::format("'{}' is not a transaction id (64 hex characters)", id));
  return "/txs/" + to_hex(*parsed);
}

// The parts of a transfer that need no node: the key and the request without nonce and expiry.
struct prepared_transfer {
  key_pair keys;
  runtime::transfer_request request;
};

// Everything but the chain id, which the caller sets once it knows it.
result<prepared_transfer> prepare(const transfer_options& o) {
  prepared_transfer p;
  if (o.nonce_text) {
    auto nonce = parse_uint("--nonce", *o.nonce_text, UINT64_MAX);
    if (!nonce)
      return nonce.error();
    p.request.nonce = *nonce;
  }
  if (o.expiry_text) {
    auto expiry = parse_uint("--expiry", *o.expiry_text, UINT64_MAX);
    if (!expiry)
      return expiry.error();
    p.request.expiry = *expiry;
  }
  auto to = parse_address(o.to);
  if (!to)
    return about("--to", to.error());
  p.request.to = *to;
  auto value = parse_amount(o.amount_text);
  if (!value)
    return about("--amount", value.error());
  p.request.value = *value;
  auto fee = parse_amount(o.fee_text);
  if (!fee)
    return about("--fee", fee.error());
  p.request.fee = *fee;
  auto keys = runtime::read_key_file(o.key_file);
  if (!keys)
    return make_error(keys.error().code, "cannot read the key file: " + keys.error().detail);
  p.keys = *keys;
  return p;
}

result<transaction> sign(const prepared_transfer& p) {
  randomize_signing_context(runtime::random_bytes32());
  return runtime::make_signed_transfer(p.keys, p.request, runtime::random_bytes32());
}

command_result run_offline_transfer(const transfer_options& o) {
  if (!o.nonce_text)
    return command_failure("invalid_argument",
                           "--nonce is required with --offline: without a node bfd-cli cannot "
                           "learn the sender's next nonce");
  if (!o.expiry_text)
    return command_failure("invalid_argument",
                           "--expiry is required with --offline: without a node bfd-cli cannot learn "
                           "the chain height; give the last block height that may include the "
                           "transaction");
  auto sel = parse_chain_option(o.net.chain);
  if (!sel)
    return to_command_result(sel.error());
  auto chain = offline_chain_id(*sel);
  if (!chain)
    return to_command_result(chain.error());
  auto p = prepare(o);
  if (!p)
    return to_command_result(p.error());
  p->request.chain = *chain;
  auto tx = sign(*p);
  if (!tx)
    return to_command_result(tx.error());
  fmt::print("{}\n", runtime::transaction_hex(*tx));
  return {};
}

command_result run_transfer(const transfer_options& o) {
  if (o.offline)
    return run_offline_transfer(o);
  auto timeout = parse_uint("--timeout", o.timeout_text, 86'400);
  if (!timeout)
    return to_command_result(timeout.error());
  // A malformed --chain fails before the key file is read or any request is sent.
  if (auto sel = parse_chain_option(o.net.chain); !sel)
    return to_command_result(sel.error());
  auto p = prepare(o);
  if (!p)
    return to_command_result(p.error());
  auto opened = open_chain_endpoint(o.net);
  if (auto* failed = std::get_if<command_result>(&opened))
    return *failed;
  const auto& at = std::get<chain_endpoint>(opened);
  // The signed encoding carries the chain id, so the transaction is valid on this chain only.
  p->request.chain = at.chain.id;
  if (!o.nonce_text) {
    auto reply = at.node.get(at.chain.path("/accounts/" + format_address(address_of(p->keys.pub))));
    if (auto* failed = std::get_if<command_result>(&reply))
      return *failed;
    p->request.nonce = number_field(std::get<node_answer>(reply).body, "nonce");
  }
  if (!o.expiry_text) {
    auto reply = at.node.get(at.chain.path("/info"));
    if (auto* failed = std::get_if<command_result>(&reply))
      return *failed;
    const json& head = object_field(std::get<node_answer>(reply).body, "head");
    p->request.expiry = number_field(head, "height") + default_expiry_margin;
  }
  auto tx = sign(*p);
  if (!tx)
    return to_command_result(tx.error());
  return submit(at, *tx, fmt::format("nonce {}, expiry {}", p->request.nonce, p->request.expiry),
                o.no_wait, std::chrono::seconds(*timeout));
}

command_result run_submit(const submit_options& o) {
  auto timeout = parse_uint("--timeout", o.timeout_text, 86'400);
  if (!timeout)
    return to_command_result(timeout.error());
  auto sel = parse_chain_option(o.net.chain);
  if (!sel)
    return to_command_result(sel.error());
  std::string text = o.hex;
  if (text == "-")
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.pop_back();
  auto tx = runtime::transaction_from_hex(text);
  if (!tx)
    return to_command_result(
      make_error(tx.error().code, "cannot decode the transaction: " + tx.error().detail));
  // Refused here before the node would: a transaction signed for one chain is valid on no other.
  if (sel->how == chain_selector::form::node_default && tx->chain != mainchain_id)
    return command_failure("wrong_chain",
                           fmt::format("the transaction is for chain {}; submit it with --chain {}",
                                       tx->chain, tx->chain));
  auto opened = open_chain_endpoint(o.net);
  if (auto* failed = std::get_if<command_result>(&opened))
    return *failed;
  const auto& at = std::get<chain_endpoint>(opened);
  if (!at.chain.prefix.empty() && tx->chain != at.chain.id)
    return command_failure("wrong_chain",
                           fmt::format("the transaction is for chain {}, not chain {}; submit it "
                                       "with --chain {}",
                                       tx->chain, at.chain.id, tx->chain));
  return submit(at, *tx, fmt::format("nonce {}, expiry {}", tx->nonce, tx->expiry), o.no_wait,
                std::chrono::seconds(*timeout));
}

command_result run_get(const get_options& o) {
  auto route = tx_route(o.id);
  if (!route)
    return to_command_result(route.error());
  auto opened = open_chain_endpoint(o.net);
  if (auto* failed = std::get_if<command_result>(&opened))
    return *failed;
  const auto& at = std::get<chain_endpoint>(opened);
  auto reply = at.node.get(at.chain.path(*route));
  if (auto* failed = std::get_if<command_result>(&reply))
    return *failed;
  fmt::print("{}\n", std::get<node_answer>(reply).body.dump(2));
  return {};
}

command_result run_decode(const decode_options& o) {
  std::string text = o.hex;
  if (text == "-")
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  auto tx = runtime::transaction_from_hex(text);
  if (!tx)
    return to_command_result(
      make_error(tx.error().code, "cannot decode the transaction: " + tx.error().detail));
  auto j = runtime::transaction_json(*tx);
  fmt::print("{}\n", j.dump(2));
  if (!j["signature_valid"].get<bool>())
    fmt::print(stderr, "bfd-cli: warning: the signature does not verify\n");
  return {};
}

// The options of `transfer` and `tx transfer`, which are one command under two names.
void add_transfer_command(CLI::App& parent, const std::string& name,
                          std::optional<command_result>& outcome, network_options& net) {
  auto t = std::make_shared<transfer_options>();
  auto* transfer = parent.add_subcommand(
    name,
    "Sign a transfer of the chain's token (--chain; default the mainchain's BFDT), submit it to "
    "the node, then wait until it is final; with --offline print its canonical encoding as hex "
    "instead");
  transfer->add_option("--key", t->key_file, "Key file of the sender")
    ->type_name("FILE")
    ->required();
  transfer->add_option("--to", t->to, "Recipient address (bfd + 40 hex characters)")
    ->type_name("ADDR")
    ->required();
  transfer->add_option("--amount", t->amount_text,
                       "Amount in the chain's token (\"1.5\", at most 8 decimals) or base units "
                       "(\"150u\")")
    ->type_name("AMOUNT")
    ->required();
  transfer->add_option("--nonce", t->nonce_text,
                       "The sender's next nonce (default: asked from the node; required with "
                       "--offline)")
    ->type_name("N");
  transfer->add_option("--fee", t->fee_text,
                       "Fee offered to the block producer, in the chain's token or base units")
    ->type_name("AMOUNT")
    ->capture_default_str();
  transfer->add_option("--expiry", t->expiry_text,
                       "Last block height that may include the transaction (default: the node's "
                       "head height + 1000; required with --offline)")
    ->type_name("HEIGHT");
  auto* offline = transfer->add_flag("--offline", t->offline,
                                     "Do not submit: print the signed transaction as hex on stdout");
  transfer->add_flag("--no-wait", t->no_wait, "Return once the node admitted the transaction")
    ->excludes(offline);
  transfer->add_option("--timeout", t->timeout_text,
                       "Seconds to wait for finality before giving up with exit code 2")
    ->type_name("SECONDS")
    ->capture_default_str();
  add_network_options(*transfer, net);
  transfer->callback([t, &outcome, &net] {
    t->net = net;
    outcome = run_transfer(*t);
  });
}

} // namespace

void add_tx_commands(CLI::App& app, std::optional<command_result>& outcome, network_options& net) {
  add_transfer_command(app, "transfer", outcome, net);

  auto* tx = app.add_subcommand("tx", "Build, sign, submit and inspect transactions");
  add_transfer_command(*tx, "transfer", outcome, net);

  auto sub = std::make_shared<submit_options>();
  auto* submit_cmd = tx->add_subcommand(
    "submit", "Submit a signed transaction (e.g. from `transfer --offline`) to the chain it was "
              "signed for (--chain), then wait until it is final");
  submit_cmd->add_option("hex", sub->hex, "Canonical encoding as hex, or - to read it from stdin")
    ->type_name("HEX")
    ->required();
  submit_cmd->add_flag("--no-wait", sub->no_wait, "Return once the node admitted the transaction");
  submit_cmd->add_option("--timeout", sub->timeout_text,
                         "Seconds to wait for finality before giving up with exit code 2")
    ->type_name("SECONDS")
    ->capture_default_str();
  add_network_options(*submit_cmd, net);
  submit_cmd->callback([sub, &outcome, &net] {
    sub->net = net;
    outcome = run_submit(*sub);
  });

  auto g = std::make_shared<get_options>();
  auto* get = tx->add_subcommand("get", "Print where a transaction stands (pending, included, "
                                        "final or rejected) as the node reports it, as JSON");
  get->add_option("id", g->id, "Transaction id (64 hex characters)")->type_name("ID")->required();
  add_network_options(*get, net);
  get->callback([g, &outcome, &net] {
    g->net = net;
    outcome = run_get(*g);
  });

  auto d = std::make_shared<decode_options>();
  auto* decode = tx->add_subcommand("decode", "Decode a transaction from hex and print it as JSON");
  decode->add_option("hex", d->hex, "Canonical encoding as hex, or - to read it from stdin")
    ->type_name("HEX")
    ->required();
  decode->callback([d, &outcome] { outcome = run_decode(*d); });
}

} // namespace bfd::cli

// `bfd-cli transfer` (also `tx transfer`), `tx sign`, `tx submit`, `tx get` and `tx decode`: sign,
// submit, follow, inspect.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "chains/core/hex.hpp"
#include "chains/crypto/keys.hpp"
#include "runtime/transfer.hpp"
#include "runtime/tx_text.hpp"
#include "tools/client/chain_target.hpp"
#include "tools/bfd-cli/commands.hpp"
#include "tools/client/node_client.hpp"
#include "tools/client/submission.hpp"

namespace bfd::cli {

namespace {

struct transfer_options : tx_options {
  transfer_options() {
    fee_text = format_amount(runtime::default_transfer_fee);
    timeout_text = "60";
  }
  std::string to;
  std::string amount_text;
};

struct sign_options : tx_options {
  sign_options() {
    fee_text = format_amount(runtime::default_transfer_fee);
    timeout_text = "60";
  }
  std::string payload_arg;
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

/// Longest hex text `tx submit` and `tx decode` read from a file or stdin: twice the node's
/// 256 KiB body bound, plus room for line breaks. A longer input is refused before it is read whole.
constexpr std::size_t max_tx_text = 2 * 256 * 1024 + 1024;

// The hex text of one transaction named on the command line: `-` (stdin), a file that exists, or
// the hex itself. Files and stdin are read up to max_tx_text.
result<std::string> transaction_text(const std::string& arg) {
  if (arg == "-") {
    std::string text;
    char chunk[4096];
    while (std::cin.read(chunk, sizeof chunk) || std::cin.gcount() > 0) {
      text.append(chunk, static_cast<std::size_t>(std::cin.gcount()));
      if (text.size() > max_tx_text)
        return make_error(errc::invalid_argument, fmt::format("stdin: more than {} bytes", max_tx_text));
    }
    return text;
  }
  std::error_code ec;
  if (!arg.empty() && arg.size() < 4096 && std::filesystem::is_regular_file(arg, ec)) {
    auto content = read_bounded_file(arg, max_tx_text);
    if (!content)
      return content.error();
    return std::string(content->begin(), content->end());
  }
  return arg;
}

// The transaction of transaction_text(arg), decoded; errors say it could not be decoded.
result<transaction> read_transaction_arg(const std::string& arg) {
  auto text = transaction_text(arg);
  if (!text)
    return text.error();
  auto tx = runtime::transaction_from_hex(*text);
  if (!tx)
    return make_error(tx.error().code, "cannot decode the transaction: " + tx.error().detail);
  return tx;
}

// A transfer moves at least one base unit, and its amount plus fee fit in 64 bits: refused here,
// whatever the ledger holds, before any key file is read or any node asked.
command_result run_transfer(const transfer_options& o) {
  auto to = parse_address(o.to);
  if (!to)
    return to_command_result(about("--to", to.error()));
  auto value = parse_amount(o.amount_text);
  if (!value)
    return to_command_result(about("--amount", value.error()));
  auto fee = parse_amount(o.fee_text);
  if (!fee)
    return to_command_result(about("--fee", fee.error()));
  if (*value == 0)
    return command_failure("zero_amount", "a transfer moves at least one base unit");
  if (!checked_add(*value, *fee))
    return command_failure("overflow", "amount plus fee exceed 2^64-1 base units");
  auto signed_or = sign_for_chain(o, transfer_payload{*to, *value});
  if (auto* done = std::get_if<command_result>(&signed_or))
    return *done;
  const auto& [at, tx, keys, timeout] = std::get<signed_tx>(signed_or);
  return submit(at, tx, fmt::format("nonce {}, expiry {}", tx.nonce, tx.expiry), o.no_wait, timeout);
}

// Any kind from its payload's JSON ({"kind": ..., the fields tx decode prints}), signed through the
// shared path: the generic builder for kinds without a command of their own (the relay kinds).
command_result run_sign(const sign_options& o) {
  auto text = transaction_text(o.payload_arg);
  if (!text)
    return to_command_result(text.error());
  auto payload = parse_payload_submission(*text);
  if (!payload)
    return to_command_result(make_error(payload.error().code, "the payload: " + payload.error().detail));
  auto signed_or = sign_for_chain(o, std::move(*payload));
  if (auto* done = std::get_if<command_result>(&signed_or))
    return *done;
  const auto& [at, tx, keys, timeout] = std::get<signed_tx>(signed_or);
  return submit(at, tx, fmt::format("{}, nonce {}, expiry {}", payload_name(tx.payload), tx.nonce, tx.expiry),
                o.no_wait, timeout);
}

command_result run_submit(const submit_options& o) {
  auto timeout = parse_uint("--timeout", o.timeout_text, 86'400);
  if (!timeout)
    return to_command_result(timeout.error());
  auto sel = parse_chain_option(o.net.chain);
  if (!sel)
    return to_command_result(sel.error());
  auto tx = read_transaction_arg(o.hex);
  if (!tx)
    return to_command_result(tx.error());
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
  auto tx = read_transaction_arg(o.hex);
  if (!tx)
    return to_command_result(tx.error());
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
  transfer->add_option("--to", t->to, "Recipient address (bfd + 40 hex characters)")
    ->type_name("ADDR")
    ->required();
  transfer->add_option("--amount", t->amount_text,
                       "Amount in the chain's token (\"1.5\", at most 8 decimals) or base units "
                       "(\"150u\")")
    ->type_name("AMOUNT")
    ->required();
  add_tx_options(*transfer, *t, "Key file of the sender");
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
  submit_cmd->add_option("hex", sub->hex, "Canonical encoding as hex, a file holding it, or - to read it from stdin")
    ->type_name("HEX|FILE")
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

  auto sg = std::make_shared<sign_options>();
  auto* sign_cmd = tx->add_subcommand(
    "sign", "Sign a transaction of any kind from its payload as JSON ({\"kind\": NAME, and the payload's fields as "
            "tx decode prints them}), submit it and wait until it is final; with --offline print it as hex instead");
  sign_cmd->add_option("payload", sg->payload_arg, "The payload's JSON, a file holding it, or - to read it from stdin")
    ->type_name("JSON|FILE")
    ->required();
  add_tx_options(*sign_cmd, *sg, "Key file of the sender");
  add_network_options(*sign_cmd, net);
  sign_cmd->callback([sg, &outcome, &net] {
    sg->net = net;
    outcome = run_sign(*sg);
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
  auto* decode = tx->add_subcommand(
    "decode", "Decode a transaction of any kind from hex and print it as JSON with named fields, as the node's "
              "GET /v1/txs/{id} shows it");
  decode->add_option("hex", d->hex, "Canonical encoding as hex, a file holding it, or - to read it from stdin")
    ->type_name("HEX|FILE")
    ->required();
  decode->callback([d, &outcome] { outcome = run_decode(*d); });
}

} // namespace bfd::cli

// `bfd-cli tx transfer` and `bfd-cli tx decode`: build, sign and inspect transactions.
#include <charconv>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "chains/crypto/keys.hpp"
#include "runtime/entropy.hpp"
#include "runtime/key_file.hpp"
#include "runtime/transfer.hpp"
#include "runtime/tx_text.hpp"
#include "tools/bfd-cli/commands.hpp"

namespace bfd::cli {

namespace {

struct transfer_options {
  std::string key_file;
  std::string to;
  std::string amount_text;
  std::string fee_text = format_amount(runtime::default_transfer_fee);
  std::string nonce_text;
  std::string chain_text = std::to_string(mainchain_id);
  std::optional<std::string> expiry_text;
  bool offline = false;
};

struct decode_options {
  std::string hex;
};

// Prefixes the option name so the user knows which argument was wrong.
error about(const char* option, const error& e) {
  return make_error(e.code, std::string(option) + ": " + e.detail);
}

// A decimal integer in [0, max], digits only (CLI11 would wrap "-1" to 2^64-1).
result<std::uint64_t> parse_uint(const char* option, const std::string& text, std::uint64_t max) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end || value > max)
    return make_error(errc::invalid_argument, fmt::format("{}: '{}' is not an integer from 0 to {}",
                                                          option, text, max));
  return value;
}

status run_transfer(const transfer_options& o) {
  if (!o.offline)
    return make_error(errc::invalid_argument,
                      "submitting a transaction needs a node, and bfd-cli has no node client yet; "
                      "add --offline to print the signed transaction as hex instead");
  if (!o.expiry_text)
    return make_error(errc::invalid_argument,
                      "--expiry is required with --offline: without a node bfd-cli cannot learn "
                      "the chain height; give the last block height that may include the "
                      "transaction");
  runtime::transfer_request request;
  auto chain = parse_uint("--chain", o.chain_text, UINT32_MAX);
  if (!chain)
    return chain.error();
  request.chain = static_cast<chain_id>(*chain);
  auto nonce = parse_uint("--nonce", o.nonce_text, UINT64_MAX);
  if (!nonce)
    return nonce.error();
  request.nonce = *nonce;
  auto expiry = parse_uint("--expiry", *o.expiry_text, UINT64_MAX);
  if (!expiry)
    return expiry.error();
  request.expiry = *expiry;
  auto to = parse_address(o.to);
  if (!to)
    return about("--to", to.error());
  request.to = *to;
  auto value = parse_amount(o.amount_text);
  if (!value)
    return about("--amount", value.error());
  request.value = *value;
  auto fee = parse_amount(o.fee_text);
  if (!fee)
    return about("--fee", fee.error());
  request.fee = *fee;
  auto keys = runtime::read_key_file(o.key_file);
  if (!keys)
    return make_error(keys.error().code, "cannot read the key file: " + keys.error().detail);
  randomize_signing_context(runtime::random_bytes32());
  auto tx = runtime::make_signed_transfer(*keys, request, runtime::random_bytes32());
  if (!tx)
    return tx.error();
  fmt::print("{}\n", runtime::transaction_hex(*tx));
  return {};
}

status run_decode(const decode_options& o) {
  std::string text = o.hex;
  if (text == "-")
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  auto tx = runtime::transaction_from_hex(text);
  if (!tx)
    return make_error(tx.error().code, "cannot decode the transaction: " + tx.error().detail);
  auto j = runtime::transaction_json(*tx);
  fmt::print("{}\n", j.dump(2));
  if (!j["signature_valid"].get<bool>())
    fmt::print(stderr, "bfd-cli: warning: the signature does not verify\n");
  return {};
}

} // namespace

void add_tx_commands(CLI::App& app, std::optional<status>& outcome) {
  auto* tx = app.add_subcommand("tx", "Build, sign and inspect transactions");

  auto t = std::make_shared<transfer_options>();
  auto* transfer = tx->add_subcommand(
    "transfer",
    "Build and sign a BFDT transfer; with --offline print its canonical encoding as hex");
  transfer->add_option("--key", t->key_file, "Key file of the sender")
    ->type_name("FILE")
    ->required();
  transfer->add_option("--to", t->to, "Recipient address (bfd + 40 hex characters)")
    ->type_name("ADDR")
    ->required();
  transfer->add_option("--amount", t->amount_text,
                       "Amount in BFDT (\"1.5\", at most 8 decimals) or base units (\"150u\")")
    ->type_name("AMOUNT")
    ->required();
  transfer->add_option("--nonce", t->nonce_text, "The sender's next nonce")
    ->type_name("N")
    ->required();
  transfer->add_option("--fee", t->fee_text,
                       "Fee offered to the block producer, in BFDT or base units")
    ->type_name("AMOUNT")
    ->capture_default_str();
  transfer->add_option("--chain", t->chain_text, "Chain id (1 = mainchain)")
    ->type_name("ID")
    ->capture_default_str();
  transfer->add_option("--expiry", t->expiry_text,
                       "Last block height that may include the transaction (required with "
                       "--offline)")
    ->type_name("HEIGHT");
  transfer->add_flag("--offline", t->offline,
                     "Do not submit: print the signed transaction as hex on stdout");
  transfer->callback([t, &outcome] { outcome = run_transfer(*t); });

  auto d = std::make_shared<decode_options>();
  auto* decode = tx->add_subcommand("decode", "Decode a transaction from hex and print it as JSON");
  decode->add_option("hex", d->hex, "Canonical encoding as hex, or - to read it from stdin")
    ->type_name("HEX")
    ->required();
  decode->callback([d, &outcome] { outcome = run_decode(*d); });
}

} // namespace bfd::cli

// `bfd-cli peg send` and `bfd-cli peg status`: a two-way peg transfer (kind 10) from the chain
// --chain names to another hosted chain, followed to its terminal state through
// GET /v1/peg/messages/{id} (docs/cli.md, docs/peg.md).
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "chains/core/amount.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/state/peg_tx.hpp"
#include "runtime/entropy.hpp"
#include "runtime/key_file.hpp"
#include "runtime/transfer.hpp"
#include "tools/bfd-cli/commands.hpp"
#include "tools/bfd-cli/peg_messages.hpp"
#include "tools/client/node_client.hpp"
#include "tools/client/submission.hpp"

namespace bfd::cli {

namespace {

struct send_options {
  std::string key_file;
  std::string to;
  std::string amount_text;
  std::string to_chain_text;
  std::optional<std::string> denom;
  std::string timeout_blocks_text = "1000";
  std::string fee_text = format_amount(runtime::default_transfer_fee);
  std::string timeout_text = "300";
  network_options net;
};

struct status_options {
  std::string id;
  network_options net;
};

command_result follow(const node_client& node, const std::string& id, std::chrono::seconds timeout) {
  auto done = follow_message(node, id, timeout);
  if (auto* f = std::get_if<command_result>(&done))
    return *f;
  const auto& body = std::get<json>(done);
  const auto state = body.value("state", std::string("unknown"));
  fmt::print("{}\n", body.dump(2));
  return state == "delivered" ? command_result{} : command_failure(state, "message " + id + " was " + state);
}

command_result run_send(const send_options& o) {
  auto to_chain = parse_uint("--to-chain", o.to_chain_text, UINT32_MAX);
  if (!to_chain)
    return to_command_result(to_chain.error());
  auto blocks = parse_uint("--timeout-blocks", o.timeout_blocks_text, 1'000'000'000);
  if (!blocks)
    return to_command_result(blocks.error());
  auto timeout = parse_uint("--timeout", o.timeout_text, 86'400);
  if (!timeout)
    return to_command_result(timeout.error());
  auto to = parse_address(o.to);
  if (!to)
    return to_command_result(make_error(to.error().code, "--to: " + to.error().detail));
  auto value = parse_amount(o.amount_text);
  if (!value)
    return to_command_result(make_error(value.error().code, "--amount: " + value.error().detail));
  auto fee = parse_amount(o.fee_text);
  if (!fee)
    return to_command_result(make_error(fee.error().code, "--fee: " + fee.error().detail));
  auto keys = runtime::read_key_file(o.key_file);
  if (!keys)
    return to_command_result(make_error(keys.error().code, "cannot read the key file: " + keys.error().detail));
  auto opened = open_chain_endpoint(o.net);
  if (auto* failed = std::get_if<command_result>(&opened))
    return *failed;
  const auto& at = std::get<chain_endpoint>(opened);
  auto account = at.node.get(at.chain.path("/accounts/" + format_address(address_of(keys->pub))));
  if (auto* failed = std::get_if<command_result>(&account))
    return *failed;
  auto info = at.node.get(at.chain.path("/info"));
  if (auto* failed = std::get_if<command_result>(&info))
    return *failed;
  auto dest = at.node.get(fmt::format("/v1/chains/{}/info", *to_chain));
  if (auto* failed = std::get_if<command_result>(&dest))
    return *failed;
  transaction tx;
  tx.chain = at.chain.id;
  tx.nonce = number_field(std::get<node_answer>(account).body, "nonce");
  tx.fee = *fee;
  tx.expiry = number_field(object_field(std::get<node_answer>(info).body, "head"), "height") + 1000;
  const auto dest_head = number_field(object_field(std::get<node_answer>(dest).body, "head"), "height");
  // The chain's own token by default; a voucher ("peg/1/BFDT") goes back to its origin.
  tx.payload = peg_send_tx{static_cast<chain_id>(*to_chain), *to, o.denom.value_or(at.chain.token), *value,
                           dest_head + *blocks};
  randomize_signing_context(runtime::random_bytes32());
  sign_transaction(tx, *keys, runtime::random_bytes32());
  // The source's message count before: the message is one of the sequences sent from here on.
  auto before = sent_count(at.node, at.chain.id);
  if (auto* f = std::get_if<command_result>(&before))
    return *f;
  auto done = submit(at, tx, fmt::format("peg send to chain {}", *to_chain), false, std::chrono::seconds(*timeout));
  if (!done.ok())
    return done;
  // The message id: the in-flight message of this sender to this receiver among the sequences
  // sent since `before`. On a fast network it may have settled already (its body is then gone
  // from the source): when exactly one of those sequences is not another sender's in-flight
  // message, it is ours.
  auto count = sent_count(at.node, at.chain.id);
  if (auto* f = std::get_if<command_result>(&count))
    return *f;
  const auto sender = format_address(address_of(keys->pub));
  std::vector<std::string> settled;
  for (auto seq = std::get<std::uint64_t>(count); seq-- > std::get<std::uint64_t>(before);) {
    const auto id = fmt::format("{}:{}", at.chain.id, seq);
    auto r = at.node.get("/v1/peg/messages/" + id);
    if (auto* f = std::get_if<command_result>(&r))
      return *f;
    const auto& body = std::get<node_answer>(r).body;
    if (!body.contains("message")) {
      settled.push_back(id);
      continue;
    }
    const auto& m = body["message"];
    if (m.value("sender", "") == sender && m.value("receiver", "") == format_address(*to)
        && m.value("value", std::uint64_t{0}) == *value) {
      fmt::print("message: {}\n", id);
      std::fflush(stdout);
      return follow(at.node, id, std::chrono::seconds(*timeout));
    }
  }
  if (settled.size() == 1) {
    fmt::print("message: {}\n", settled.front());
    std::fflush(stdout);
    return follow(at.node, settled.front(), std::chrono::seconds(*timeout));
  }
  return command_failure("not_found", fmt::format("the transaction is final but its peg message is not identifiable: "
                                                  "{} message(s) sent meanwhile have settled",
                                                  settled.size()));
}

} // namespace

void add_peg_commands(CLI::App& app, std::optional<command_result>& outcome, network_options& net) {
  auto* peg = app.add_subcommand("peg", "Two-way peg transfers between hosted chains");
  auto s = std::make_shared<send_options>();
  auto* send = peg->add_subcommand("send", "Send an asset from --chain (default the mainchain) to another chain, "
                                           "then follow the message until it is delivered, failed or refunded");
  send->add_option("--to-chain", s->to_chain_text, "Destination chain id")->type_name("N")->required();
  send->add_option("--to", s->to, "Receiver on the destination chain")->type_name("ADDR")->required();
  send->add_option("--amount", s->amount_text, "Amount (\"10\", \"1.5\" or base units \"150u\")")
    ->type_name("AMOUNT")
    ->required();
  send->add_option("--key", s->key_file, "Key file of the sender")->type_name("FILE")->required();
  send->add_option("--denom", s->denom, "Denomination (default: the source chain's token; e.g. peg/1/BFDT to "
                                        "return vouchers)")
    ->type_name("DENOM");
  send->add_option("--timeout-blocks", s->timeout_blocks_text,
                   "Destination blocks from its head before the message times out")
    ->type_name("K")
    ->capture_default_str();
  send->add_option("--fee", s->fee_text, "Fee on the source chain")->type_name("AMOUNT")->capture_default_str();
  send->add_option("--timeout", s->timeout_text, "Seconds to wait before giving up with exit code 2")
    ->type_name("SECONDS")
    ->capture_default_str();
  add_network_options(*send, net);
  send->callback([s, &outcome, &net] {
    s->net = net;
    outcome = run_send(*s);
  });
  auto st = std::make_shared<status_options>();
  auto* status = peg->add_subcommand("status", "Print a peg message (<source chain>:<sequence>) as JSON");
  status->add_option("id", st->id, "Message id")->type_name("ID")->required();
  add_node_option(*status, st->net.node_url);
  status->callback([st, &outcome] {
    auto node = node_client::open(st->net.node_url);
    if (auto* f = std::get_if<command_result>(&node)) {
      outcome = *f;
      return;
    }
    auto r = std::get<node_client>(node).get("/v1/peg/messages/" + st->id);
    if (auto* f = std::get_if<command_result>(&r)) {
      outcome = *f;
      return;
    }
    fmt::print("{}\n", std::get<node_answer>(r).body.dump(2));
    outcome = command_result{};
  });
}

} // namespace bfd::cli

// `delegate bid|vote|unvote` and `evidence submit`: the consensus module's kinds (vm_bid, vote,
// unvote, evidence) built, signed and sent through the shared signing path (--offline included).
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "chains/core/hex.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/state/consensus_payloads.hpp"
#include "protocols/consensus_json.hpp"
#include "runtime/dev_network.hpp"
#include "runtime/key_file.hpp"
#include "runtime/transfer.hpp"
#include "tools/bfd-cli/commands.hpp"
#include "tools/client/submission.hpp"

namespace bfd::cli {

namespace {

/// Longest evidence file read: two items of at most 1024 bytes as hex, with JSON around them.
constexpr std::size_t max_evidence_file = 16 * 1024;

struct consensus_tx_options : tx_options {
  consensus_tx_options() {
    fee_text = format_amount(runtime::default_transfer_fee);
    timeout_text = "60";
  }
};

struct bid_options : consensus_tx_options {
  std::string category_text;
  std::string amount_text;
  std::optional<std::string> tip_text;
  bool top_up = false;
};

struct stake_options : consensus_tx_options {
  std::string vm_text;
  std::string amount_text;
};

struct evidence_options : consensus_tx_options {
  evidence_options() { fee_text = "0"; }
  std::string file;
};

command_result fail_on(const error& e, const std::string& option) {
  return to_command_result(make_error(e.code, option + ": " + e.detail));
}

// The index of --category: digits are an index as they stand; a name is looked up in the chain's
// categories (GET …/info), which needs a node.
std::variant<std::uint32_t, command_result> resolve_category(const bid_options& o) {
  const auto& text = o.category_text;
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    auto index = parse_uint("--category", text, UINT32_MAX);
    if (!index)
      return to_command_result(index.error());
    return static_cast<std::uint32_t>(*index);
  }
  if (o.offline)
    return command_failure("invalid_argument",
                           fmt::format("--category {}: a category name needs a node to resolve it; with --offline "
                                       "give its index (bfd-cli info lists the categories)",
                                       text));
  auto opened = open_chain_endpoint(o.net);
  if (auto* failed = std::get_if<command_result>(&opened))
    return *failed;
  const auto& at = std::get<chain_endpoint>(opened);
  auto info = at.node.get(at.chain.path("/info"));
  if (auto* failed = std::get_if<command_result>(&info))
    return *failed;
  const auto& body = std::get<node_answer>(info).body;
  std::string known;
  if (auto it = body.find("categories"); it != body.end() && it->is_array()) {
    for (const auto& c : *it) {
      const auto name = text_field(c, "name", "");
      if (name == text)
        return static_cast<std::uint32_t>(number_field(c, "category"));
      known += (known.empty() ? "" : ", ") + name;
    }
  }
  return command_failure("bad_category", fmt::format("--category: chain {} has no category '{}' (it has: {})",
                                                     at.chain.id, text, known.empty() ? "none listed" : known));
}

// The chain the transaction is signed for, for the hash-chain tip: offline the --chain id; else
// the id the node resolves --chain to (the mainchain without --chain, no request).
std::variant<chain_id, command_result> target_chain(const tx_options& o) {
  auto sel = parse_chain_option(o.net.chain);
  if (!sel)
    return to_command_result(sel.error());
  if (sel->how != chain_selector::form::name) {
    auto id = offline_chain_id(*sel);
    if (!id)
      return to_command_result(id.error());
    return *id;
  }
  if (o.offline)
    return to_command_result(offline_chain_id(*sel).error());
  auto opened = open_chain_endpoint(o.net);
  if (auto* failed = std::get_if<command_result>(&opened))
    return *failed;
  return std::get<chain_endpoint>(opened).chain.id;
}

// Whether the chain --chain names has a VM with key `key` (GET …/delegates).
std::variant<bool, command_result> has_vm(const tx_options& o, const public_key& key) {
  auto opened = open_chain_endpoint(o.net);
  if (auto* failed = std::get_if<command_result>(&opened))
    return *failed;
  const auto& at = std::get<chain_endpoint>(opened);
  auto reply = at.node.get(at.chain.path("/delegates"));
  if (auto* failed = std::get_if<command_result>(&reply))
    return *failed;
  const auto& body = std::get<node_answer>(reply).body;
  const auto hex = to_hex(key);
  if (auto it = body.find("delegates"); it != body.end() && it->is_array())
    for (const auto& d : *it)
      if (text_field(d, "key", "") == hex)
        return true;
  return false;
}

command_result run_bid(const bid_options& o) {
  auto bid = parse_amount(o.amount_text);
  if (!bid)
    return fail_on(bid.error(), "--amount");
  if (*bid == 0)
    return command_failure("zero_amount", "--amount: a bid locks at least one base unit");
  vm_bid_payload p;
  p.bid = *bid;
  auto keys = runtime::read_key_file(o.key_file);
  if (!keys)
    return to_command_result(make_error(keys.error().code, "cannot read the key file: " + keys.error().detail));
  bool top_up = o.top_up;
  if (!top_up && !o.tip_text && !o.offline) {
    // A key that already has a VM tops it up: the default then keeps its hash chain (docs/consensus.md
    // section 3), where a new tip would restart it.
    auto has = has_vm(o, keys->pub);
    if (auto* failed = std::get_if<command_result>(&has))
      return *failed;
    top_up = std::get<bool>(has);
  }
  if (o.tip_text) {
    auto tip = fixed_from_hex<32>(*o.tip_text);
    if (!tip)
      return fail_on(tip.error(), "--hash-chain-tip");
    p.hash_chain_tip = *tip;
  } else if (top_up) {
    p.hash_chain_tip = hash256{};  // all zero: the VM keeps its hash chain
  } else {
    // The tip the node running this key derives (runtime::delegate_hash_chain), so its first
    // reveal on this chain matches the commitment.
    auto chain = target_chain(o);
    if (auto* failed = std::get_if<command_result>(&chain))
      return *failed;
    p.hash_chain_tip =
      runtime::delegate_hash_chain(*keys, runtime::delegate_hash_chain_length, std::get<chain_id>(chain))->tip();
  }
  auto category = resolve_category(o);
  if (auto* failed = std::get_if<command_result>(&category))
    return *failed;
  p.category = std::get<std::uint32_t>(category);
  return sign_and_submit(o, p, fmt::format("vm_bid of {} in category {}{}", o.amount_text, p.category,
                                           top_up ? " (top-up)" : ""));
}

template <class Payload>
command_result run_stake(const stake_options& o, const char* verb) {
  auto vm = fixed_from_hex<32>(o.vm_text);
  if (!vm)
    return command_failure("bad_hex", fmt::format("--vm: '{}' is not a VM's public key (64 hex characters, the KEY "
                                                  "column of bfd-cli delegates --json)",
                                                  o.vm_text));
  auto value = parse_amount(o.amount_text);
  if (!value)
    return fail_on(value.error(), "--amount");
  if (*value == 0)
    return command_failure("zero_amount", fmt::format("--amount: {} at least one base unit", verb));
  return sign_and_submit(o, Payload{*vm, *value}, fmt::format("{} {} for VM {}", verb, o.amount_text,
                                                              to_hex(*vm).substr(0, 16)));
}

// An evidence file: a JSON object with the evidence payload's fields ("evidence_kind", "first",
// "second"), as GET /v1/txs/{id} shows them in an evidence transaction.
command_result run_evidence(const evidence_options& o) {
  auto content = read_bounded_file(o.file, max_evidence_file);
  if (!content)
    return to_command_result(content.error());
  json j;
  try {
    j = json::parse(content->begin(), content->end());
  } catch (const json::exception&) {
    return command_failure("malformed", o.file + ": not JSON; expected {\"evidence_kind\": \"double_block\", "
                                                  "\"first\": HEX, \"second\": HEX}");
  }
  if (!j.is_object())
    return command_failure("malformed", o.file + ": not a JSON object");
  for (const auto& [key, value] : j.items())
    if (!payload_field(std::type_identity<evidence_payload>{}, key))
      return command_failure("malformed", fmt::format("{}: unknown field '{}' (evidence_kind, first, second)", o.file, key));
  auto p = payload_from_json(j, std::type_identity<evidence_payload>{});
  if (!p)
    return fail_on(p.error(), o.file);
  if (p->first.empty() || p->second.empty())
    return command_failure("malformed", o.file + ": first and second must each hold a signed object");
  const auto kind = j.value("evidence_kind", std::string());
  return sign_and_submit(o, std::move(*p), "evidence " + kind);
}

void add_stake_command(CLI::App& delegate, const char* name, const char* help, const char* amount_help,
                       std::optional<command_result>& outcome, network_options& net, bool unvote) {
  auto o = std::make_shared<stake_options>();
  auto* c = delegate.add_subcommand(name, help);
  c->add_option("--vm", o->vm_text, "The VM's public key (64 hex characters; bfd-cli delegates --json lists them)")
    ->type_name("KEY")
    ->required();
  c->add_option("--amount", o->amount_text, amount_help)->type_name("AMOUNT")->required();
  add_tx_options(*c, *o, "Key file of the voter (the stake's owner)");
  add_network_options(*c, net);
  c->callback([o, &outcome, &net, unvote] {
    o->net = net;
    outcome = unvote ? run_stake<unvote_payload>(*o, "unvote") : run_stake<vote_payload>(*o, "vote");
  });
}

} // namespace

void add_consensus_commands(CLI::App& app, std::optional<command_result>& outcome, network_options& net) {
  auto* delegate = app.add_subcommand(
    "delegate", "Buy a VM and vote stake to VMs: the consensus kinds vm_bid, vote and unvote (docs/consensus.md)");

  auto b = std::make_shared<bid_options>();
  auto* bid = delegate->add_subcommand(
    "bid", "Buy a VM (vm_bid): lock --amount of the sender's token; the key becomes the VM's delegate key. A second "
           "bid from the same key tops the bid up");
  bid->add_option("--category", b->category_text,
                  "The VM's compute-power category: its name (gold, silver, …; asked from the node) or its index")
    ->type_name("NAME|INDEX")
    ->required();
  bid->add_option("--amount", b->amount_text, "The bid, in the chain's token or base units (at least its min_bid)")
    ->type_name("AMOUNT")
    ->required();
  auto* tip = bid->add_option("--hash-chain-tip", b->tip_text,
                              "The hash-chain commitment (64 hex characters; default: for a new VM the tip this key "
                              "derives for the chain, as `bfd-cli key show --delegate` prints it; for a top-up all "
                              "zero, which keeps the VM's hash chain)")
                 ->type_name("HEX");
  bid->add_flag("--top-up", b->top_up,
                "The key already has a VM: add to its bid and keep its hash chain (found by asking the node "
                "when not given; needed with --offline)")
    ->excludes(tip);
  add_tx_options(*bid, *b, "Key file of the bidder: it becomes the VM's delegate key");
  add_network_options(*bid, net);
  bid->callback([b, &outcome, &net] {
    b->net = net;
    outcome = run_bid(*b);
  });

  add_stake_command(*delegate, "vote", "Lock stake and vote it to a VM (vote): it adds to the VM's voting power",
                    "Stake to lock, in the chain's token or base units", outcome, net, false);
  add_stake_command(*delegate, "unvote", "Take back stake voted to a VM (unvote) into the sender's balance",
                    "Stake to take back, in the chain's token or base units", outcome, net, true);

  auto* evidence = app.add_subcommand("evidence", "Report a delegate's equivocation (the evidence kind)");
  auto e = std::make_shared<evidence_options>();
  auto* submit_cmd = evidence->add_subcommand(
    "submit", "Sign and submit an evidence transaction from FILE: a JSON object {\"evidence_kind\": double_block | "
              "double_vote | surround_vote, \"first\": HEX, \"second\": HEX} holding two conflicting signed headers "
              "(encoded) or finality votes of one delegate. Applied, it slashes the delegate's VM");
  submit_cmd->add_option("file", e->file, "The evidence file (at most 16 KiB)")->type_name("FILE")->required();
  add_tx_options(*submit_cmd, *e, "Key file of the reporter (any account; the fee defaults to 0)");
  add_network_options(*submit_cmd, net);
  submit_cmd->callback([e, &outcome, &net] {
    e->net = net;
    outcome = run_evidence(*e);
  });
}

} // namespace bfd::cli

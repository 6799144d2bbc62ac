// `bfd-cli handshake pay|receive`: the two roles of the membership proof through a node's
// handshake mailbox (docs/membership-proofs.md): the payer proves to the payee that both hold a
// credential of one group, then pays with a tagged transfer bound to the handshake; the payee
// checks the tag against its session, waits for the payment to be final and, as a consortium's
// admission service, may admit the paying address to its chain. Each run uses one credential of
// its credential file, which is removed from the file before the first message leaves.
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "chains/access/access_types.hpp"
#include "chains/core/amount.hpp"
#include "chains/core/hex.hpp"
#include "chains/state/access_tx.hpp"
#include "chains/ush/files.hpp"
#include "chains/ush/handshake.hpp"
#include "chains/ush/payment_tag.hpp"
#include "runtime/entropy.hpp"
#include "runtime/key_file.hpp"
#include "runtime/transfer.hpp"
#include "tools/bfd-cli/commands.hpp"
#include "tools/client/submission.hpp"

namespace bfd::cli {

namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

/// What a failed handshake prints on both sides, whatever made it fail.
constexpr const char* failed_reason = "handshake_failed";
constexpr const char* failed_detail = "the handshake did not succeed (no proof of a shared group)";

struct pay_options : tx_options {
  pay_options() {
    fee_text = format_amount(runtime::default_transfer_fee);
    timeout_text = "60";
  }
  std::string credentials;
  std::string to;
  std::string amount_text;
};

struct receive_options {
  network_options net;
  std::string credentials;
  std::string address_text;
  std::string timeout_text = "60";
  std::string min_amount_text = "0";
  std::optional<std::string> admit_chain;
  std::optional<std::string> key_file;
  std::string fee_text = "0";
};

command_result fail_on(const error& e, const std::string& option) {
  return to_command_result(make_error(e.code, option + ": " + e.detail));
}

/// Takes the first credential of the file and writes the rest back (0600) before it is used.
result<ush::credential> take_credential(const std::string& path) {
  auto raw = read_bounded_file(path, ush::max_credential_file);
  if (!raw)
    return raw.error();
  auto batch = ush::decode_credential_file(std::string_view(reinterpret_cast<const char*>(raw->data()), raw->size()));
  if (!batch)
    return batch.error();
  if (batch->empty())
    return make_error(errc::not_found, path + ": every credential of this file is used; ask the authority for a new batch");
  const auto c = batch->front();
  batch->erase(batch->begin());
  if (auto st = runtime::write_private_file(path, ush::encode_credential_file(*batch), runtime::existing_file::replace); !st)
    return st.error();
  return c;
}

/// Polls GET /v1/handshakes/{id} until `field` is a string or the deadline passes.
std::variant<bytes, command_result> await_message(const node_client& node, const std::string& id,
                                                  const std::string& field, steady::time_point deadline) {
  for (;;) {
    auto r = node.get("/v1/handshakes/" + id);
    if (auto* failed = std::get_if<command_result>(&r))
      return *failed;
    const auto& body = std::get<node_answer>(r).body;
    if (auto it = body.find(field); it != body.end() && it->is_string()) {
      auto b = from_hex(it->get<std::string>());
      if (!b)
        return command_failure("bad_response", "the mailbox's " + field + " is not hex");
      return std::move(*b);
    }
    if (steady::now() >= deadline)
      return command_failure("timeout", "no " + field + " in handshake session " + id + " in time", 2);
    std::this_thread::sleep_for(200ms);
  }
}

std::optional<command_result> post_message(const node_client& node, const std::string& id, const std::string& slot,
                                           const bytes& m) {
  auto r = node.post("/v1/handshakes/" + id + "/" + slot, json{{"message", to_hex(byte_view{m.data(), m.size()})}});
  if (auto* failed = std::get_if<command_result>(&r))
    return *failed;
  return std::nullopt;
}

/// The on-chain revocation list of the credential's group (GET …/authority/groups/{id}, in pages of
/// 1,000): empty, with a note, when the chain has no such group; at most 100 pages.
std::variant<ush::revocation_list, command_result> load_revocations(const chain_endpoint& at,
                                                                    const ush::credential& own) {
  ush::revocation_list list;
  const auto group = to_hex(ush::group_public{own.group_key}.id().view());
  std::string after;
  for (int page = 0; page < 100; ++page) {
    auto r = at.node.get(at.chain.path("/authority/groups/" + group + (after.empty() ? "" : "?after=" + after)));
    if (auto* failed = std::get_if<command_result>(&r)) {
      if (failed->reason == "not_found") {
        fmt::print(stderr, "note: group {} is not on chain {}: no revocation list consulted\n", group.substr(0, 16),
                   at.chain.id);
        return list;
      }
      return *failed;
    }
    const auto& ids = std::get<node_answer>(r).body["revoked_pseudonyms"];
    if (!ids.is_array())
      return command_failure("bad_response", "the group view has no revoked_pseudonyms");
    for (const auto& v : ids) {
      auto id = v.is_string() ? fixed_from_hex<32>(v.get<std::string>()) : result<hash256>(make_error(errc::malformed, ""));
      if (!id)
        return command_failure("bad_response", "a revoked pseudonym is not 32 bytes of hex");
      if (auto st = list.add(*id); !st)
        return to_command_result(st);
      after = v.get<std::string>();
    }
    if (ids.size() < 1000)
      return list;
  }
  return command_failure("too_large", "the group's revocation list has more than 100,000 pseudonyms");
}

std::uint64_t head_height(const chain_endpoint& at) {
  auto info = at.node.get(at.chain.path("/info"));
  if (auto* a = std::get_if<node_answer>(&info))
    return number_field(object_field(a->body, "head"), "height");
  return 0;
}

command_result run_pay(const pay_options& o) {
  auto to = parse_address(o.to);
  if (!to)
    return fail_on(to.error(), "--to");
  auto value = parse_amount(o.amount_text);
  if (!value)
    return fail_on(value.error(), "--amount");
  auto timeout = parse_uint("--timeout", o.timeout_text, 86'400);
  if (!timeout)
    return to_command_result(timeout.error());
  auto ep = open_chain_endpoint(o.net);
  if (auto* failed = std::get_if<command_result>(&ep))
    return *failed;
  const auto& at = std::get<chain_endpoint>(ep);
  auto own = take_credential(o.credentials);
  if (!own)
    return fail_on(own.error(), "--credentials");
  const auto deadline = steady::now() + std::chrono::seconds(*timeout);
  auto revoked = load_revocations(at, *own);
  if (auto* failed = std::get_if<command_result>(&revoked))
    return *failed;
  runtime::os_random rng;
  ush::initiator payer(*own, &std::get<ush::revocation_list>(revoked), rng);
  auto m1 = payer.hello();
  if (!m1)
    return to_command_result(m1.error());
  auto opened = at.node.post("/v1/handshakes", json{{"to", format_address(*to)}, {"message", to_hex(byte_view{m1->data(), m1->size()})}});
  if (auto* failed = std::get_if<command_result>(&opened))
    return *failed;
  const auto id = text_field(std::get<node_answer>(opened).body, "id", "");
  fmt::print(stderr, "handshake {}: opened at {} for {}\n", id, at.node.url(), format_address(*to));
  auto m2 = await_message(at.node, id, "reply", deadline);
  if (auto* failed = std::get_if<command_result>(&m2))
    return *failed;
  auto m3 = payer.on_reply(byte_view{std::get<bytes>(m2).data(), std::get<bytes>(m2).size()});
  // A reply that does not decode fails the handshake; message 3 still goes out so the payee
  // cannot tell why.
  bytes finish = m3 ? std::move(*m3) : bytes{};
  if (!m3) {
    const auto r = rng.next();
    finish.push_back(ush::encoding_version);
    finish.insert(finish.end(), r.begin(), r.end());
  }
  if (auto failed = post_message(at.node, id, "finish", finish))
    return *failed;
  if (payer.state() != ush::handshake_state::succeeded)
    return command_failure(failed_reason, failed_detail);
  const auto tag = ush::payment_tag(*payer.session());
  const auto since = head_height(at);
  fmt::print("handshake: succeeded\nsession: {}\ntag: {}\nsince: {}\n", id, to_hex(tag.view()), since);
  std::fflush(stdout);
  auto signed_or = sign_for_chain(o, tagged_transfer_tx{*to, *value, tag, since});
  if (auto* failed = std::get_if<command_result>(&signed_or))
    return *failed;
  const auto& tx = std::get<signed_tx>(signed_or);
  const auto tx_id = signing_hash(tx.tx);
  // The payee learns which transaction to check from the mailbox (it holds only the id).
  auto submitted = submit(tx.at, tx.tx, "tagged transfer", true, tx.timeout);
  if (!submitted.ok())
    return submitted;
  if (auto failed = post_message(at.node, id, "payment", bytes(tx_id.begin(), tx_id.end())))
    return *failed;
  return wait_for_finality(tx.at.node, tx.at.chain, to_hex(tx_id.view()), tx.timeout);
}

command_result admit(const receive_options& o, const address& member) {
  tx_options t;
  t.key_file = *o.key_file;
  t.fee_text = o.fee_text;
  t.timeout_text = o.timeout_text;
  t.net = o.net;
  t.net.chain = *o.admit_chain;
  auto chain = parse_uint("--admit-chain", *o.admit_chain, UINT32_MAX);
  if (!chain)
    return to_command_result(chain.error());
  acl_grant_tx g{acl::scope{acl::scope_kind::sidechain, *chain}, member, acl::bit(acl::permission::join), ""};
  auto done = sign_and_submit(t, g, "admission");
  if (done.ok())
    fmt::print("admitted: {} on chain {} (join on sidechain:{})\n", format_address(member), *chain, *chain);
  return done;
}

command_result run_receive(const receive_options& o) {
  auto me = parse_address(o.address_text);
  if (!me)
    return fail_on(me.error(), "--address");
  auto timeout = parse_uint("--timeout", o.timeout_text, 86'400);
  if (!timeout)
    return to_command_result(timeout.error());
  auto min_amount = parse_amount(o.min_amount_text);
  if (!min_amount)
    return fail_on(min_amount.error(), "--min-amount");
  if (o.admit_chain && !o.key_file)
    return command_failure("invalid_argument", "--admit-chain needs --key (an admin of that chain's access control)");
  auto ep = open_chain_endpoint(o.net);
  if (auto* failed = std::get_if<command_result>(&ep))
    return *failed;
  const auto& at = std::get<chain_endpoint>(ep);
  const auto deadline = steady::now() + std::chrono::seconds(*timeout);
  // Wait for a session before spending a credential on it.
  std::string id;
  bytes m1;
  for (;;) {
    auto r = at.node.get("/v1/handshakes?to=" + format_address(*me));
    if (auto* failed = std::get_if<command_result>(&r))
      return *failed;
    const auto& sessions = std::get<node_answer>(r).body["sessions"];
    if (sessions.is_array() && !sessions.empty()) {
      id = text_field(sessions[0], "id", "");
      auto b = from_hex(text_field(sessions[0], "hello", ""));
      if (!b)
        return command_failure("bad_response", "the mailbox's hello is not hex");
      m1 = std::move(*b);
      break;
    }
    if (steady::now() >= deadline)
      return command_failure("timeout", "no handshake for " + format_address(*me) + " in time", 2);
    std::this_thread::sleep_for(200ms);
  }
  auto own = take_credential(o.credentials);
  if (!own)
    return fail_on(own.error(), "--credentials");
  fmt::print(stderr, "handshake {}: answering at {}\n", id, at.node.url());
  auto revoked = load_revocations(at, *own);
  if (auto* failed = std::get_if<command_result>(&revoked))
    return *failed;
  runtime::os_random rng;
  ush::responder payee(*own, &std::get<ush::revocation_list>(revoked), rng);
  auto m2 = payee.on_hello(byte_view{m1.data(), m1.size()});
  bytes reply_bytes;
  if (m2) {
    reply_bytes = std::move(*m2);
  } else {
    // Message 1 did not decode: answer random bytes of a reply's size, so the payer sees the same.
    reply_bytes.push_back(ush::encoding_version);
    while (reply_bytes.size() < ush::reply_size) {
      const auto r = rng.next();
      reply_bytes.insert(reply_bytes.end(), r.begin(), r.begin() + std::min<std::size_t>(32, ush::reply_size - reply_bytes.size()));
    }
  }
  if (auto failed = post_message(at.node, id, "reply", reply_bytes))
    return *failed;
  auto m3 = await_message(at.node, id, "finish", deadline);
  if (auto* failed = std::get_if<command_result>(&m3))
    return *failed;
  if (m2)
    (void)payee.on_finish(byte_view{std::get<bytes>(m3).data(), std::get<bytes>(m3).size()});
  if (payee.state() != ush::handshake_state::succeeded)
    return command_failure(failed_reason, failed_detail);
  const auto tag = ush::payment_tag(*payee.session());
  fmt::print("handshake: succeeded\nsession: {}\ntag: {}\n", id, to_hex(tag.view()));
  std::fflush(stdout);
  // The payment: the transaction the payer names must be a final tagged transfer to this payee
  // carrying this session's tag (the chain refuses a tag's second use).
  auto p = await_message(at.node, id, "payment", deadline);
  if (auto* failed = std::get_if<command_result>(&p))
    return *failed;
  const auto& pid = std::get<bytes>(p);
  if (pid.size() != 32)
    return command_failure("ush_tag_mismatch", "the payment named is not a transaction id");
  const auto tx_id = to_hex(byte_view{pid.data(), pid.size()});
  json tx;
  std::uint64_t height = 0;
  for (;;) {
    auto r = at.node.get(at.chain.path("/txs/" + tx_id));
    if (auto* a = std::get_if<node_answer>(&r)) {
      const auto status = text_field(a->body, "status");
      if (status == "rejected")
        return command_failure("payment_rejected", "the payment " + tx_id + " was rejected: "
                                                     + text_field(object_field(a->body, "reason"), "name"));
      if (status == "final") {
        tx = a->body["transaction"];
        height = number_field(a->body, "height");
        break;
      }
    }
    if (steady::now() >= deadline)
      return command_failure("timeout", "the payment " + tx_id + " is not final in time", 2);
    std::this_thread::sleep_for(300ms);
  }
  if (text_field(tx, "kind") != "tagged_transfer" || text_field(tx, "to") != format_address(*me)
      || text_field(tx, "tag") != to_hex(tag.view()))
    return command_failure("ush_tag_mismatch", "the payment " + tx_id + " is not a tagged transfer to "
                                                 + format_address(*me) + " with this handshake's tag");
  const auto paid = number_field(tx, "amount_units");
  if (paid < *min_amount)
    return command_failure("insufficient_funds", fmt::format("paid {} units, below --min-amount", paid));
  const auto payer = text_field(tx, "sender_address");
  fmt::print("payment: {}\namount: {}\nfrom: {}\nstatus: final\nheight: {}\n", tx_id, text_field(tx, "amount"), payer,
             height);
  std::fflush(stdout);
  if (!o.admit_chain)
    return {};
  auto member = parse_address(payer);
  if (!member)
    return to_command_result(member.error());
  return admit(o, *member);
}

} // namespace

void add_handshake_commands(CLI::App& app, std::optional<command_result>& outcome, network_options& net) {
  auto* hs = app.add_subcommand("handshake", "The membership proof before a payment, through the node's handshake "
                                             "mailbox (docs/membership-proofs.md)");
  hs->require_subcommand(1);

  auto po = std::make_shared<pay_options>();
  auto* c = hs->add_subcommand("pay", "Prove membership to a payee (payer role), then pay it with a tagged transfer "
                                      "bound to the handshake; prints the same failure whatever made it fail");
  c->add_option("--credentials", po->credentials, "Your credential file (one credential is used and removed)")
    ->type_name("FILE")
    ->required();
  c->add_option("--to", po->to, "The payee's address (bfd…)")->required();
  c->add_option("--amount", po->amount_text, "Amount of the chain's token to pay")->required();
  // Interactive: the handshake runs through the node before the payment is signed, so no --offline
  // (`authority tagged-transfer --offline` signs a tagged transfer alone).
  add_tx_options(*c, *po, "Key file of the paying address (a fresh one keeps payments apart)",
                 offline_signing::refused);
  add_network_options(*c, net);
  c->callback([po, &outcome, &net] {
    po->net = net;
    outcome = run_pay(*po);
  });

  auto ro = std::make_shared<receive_options>();
  c = hs->add_subcommand("receive", "Answer the first handshake waiting for ADDRESS (payee role), check the payment's "
                                    "tag against the session and wait for it to be final; with --admit-chain, grant "
                                    "the paying address join on that consortium chain");
  c->add_option("--credentials", ro->credentials, "Your credential file (one credential is used and removed)")
    ->type_name("FILE")
    ->required();
  c->add_option("--address", ro->address_text, "The payee address handshakes are addressed to")->required();
  c->add_option("--timeout", ro->timeout_text, "Seconds to wait for the payer, the payment and its finality")
    ->capture_default_str();
  c->add_option("--min-amount", ro->min_amount_text, "Refuse a payment below this amount")->capture_default_str();
  c->add_option("--admit-chain", ro->admit_chain, "A consortium chain to admit the payer to (acl_grant of join)");
  c->add_option("--key", ro->key_file, "Key file of an access admin of --admit-chain")->type_name("FILE");
  c->add_option("--fee", ro->fee_text, "Fee of the admission on --admit-chain")->capture_default_str();
  add_network_options(*c, net);
  c->callback([ro, &outcome, &net] {
    ro->net = net;
    outcome = run_receive(*ro);
  });
}

} // namespace bfd::cli

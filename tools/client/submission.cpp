// Signing a transaction for a chain, submitting it to a node and following it to finality, shared by
// `transfer`, `tx submit` and the sidechain, acl, contract and ds commands.
#include "tools/client/submission.hpp"

#include <charconv>
#include <cstdio>
#include <thread>

#include <fmt/format.h>

#include "chains/access/signed_request.hpp"
#include "chains/core/hex.hpp"
#include "runtime/entropy.hpp"
#include "runtime/key_file.hpp"
#include "runtime/tx_text.hpp"

namespace bfd::cli {

namespace {

/// Blocks after the node's head that a signed transaction stays valid.
constexpr std::uint64_t expiry_margin = 1000;

/// How often a waiting command asks the node where its transaction stands.
constexpr std::chrono::milliseconds poll_interval{250};

// One line on stderr each time the transaction's standing changes.
void print_progress(const std::string& id, const std::string& standing) {
  fmt::print(stderr, "tx {}: {}\n", id.substr(0, 16), standing);
  std::fflush(stderr);
}

} // namespace

result<std::uint64_t> parse_uint(const char* option, const std::string& text, std::uint64_t max) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end || value > max)
    return make_error(errc::invalid_argument, fmt::format("{}: '{}' is not an integer from 0 to {}",
                                                          option, text, max));
  return value;
}

std::variant<chain_endpoint, command_result> open_chain_endpoint(const network_options& net) {
  auto sel = parse_chain_option(net.chain);
  if (!sel)
    return to_command_result(sel.error());
  auto opened = node_client::open(net.node_url);
  if (auto* failed = std::get_if<command_result>(&opened))
    return *failed;
  auto& node = std::get<node_client>(opened);
  auto target = resolve_chain(node, *sel);
  if (auto* failed = std::get_if<command_result>(&target))
    return *failed;
  return chain_endpoint{std::move(node), std::move(std::get<chain_target>(target))};
}

node_reply read_chain_route(const chain_endpoint& at, const std::string& route,
                            const std::optional<std::string>& key_file) {
  const auto path = at.chain.path(route);
  if (!key_file)
    return at.node.get(path);
  auto headers = signed_read_headers(*key_file, at.chain.id, path, wall_clock_ms());
  if (auto* failed = std::get_if<command_result>(&headers))
    return *failed;
  return at.node.get(path, std::get<header_list>(headers));
}

std::uint64_t wall_clock_ms() {
  return static_cast<std::uint64_t>(
    std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

std::variant<header_list, command_result> signed_read_headers(const std::string& key_file, chain_id chain,
                                                             const std::string& target, std::uint64_t time_ms) {
  auto keys = runtime::read_key_file(key_file);
  if (!keys)
    return to_command_result(make_error(keys.error().code, "--key: cannot read the key file: " + keys.error().detail));
  randomize_signing_context(runtime::random_bytes32());
  const auto sig = acl::sign_request(*keys, chain, "GET", target, time_ms, {}, runtime::random_bytes32());
  return header_list{{std::string(acl::public_key_header), to_hex(keys->pub)},
                     {std::string(acl::timestamp_header), std::to_string(time_ms)},
                     {std::string(acl::signature_header), to_hex(sig)}};
}

command_result explain_unauthenticated(command_result failed, const std::optional<std::string>& key_file) {
  if (failed.reason == "unauthenticated" && !key_file)
    failed.detail += "; this read is protected: pass --key FILE to sign it";
  return failed;
}

command_result print_chain_route(const network_options& net, const std::string& route,
                                 const std::optional<std::string>& key_file) {
  auto opened = open_chain_endpoint(net);
  if (auto* failed = std::get_if<command_result>(&opened))
    return *failed;
  auto r = read_chain_route(std::get<chain_endpoint>(opened), route, key_file);
  if (auto* failed = std::get_if<command_result>(&r))
    return explain_unauthenticated(*failed, key_file);
  fmt::print("{}\n", std::get<node_answer>(r).body.dump(2));
  return {};
}

void add_tx_options(CLI::App& cmd, tx_options& o, const std::string& key_help, offline_signing offline) {
  cmd.add_option("--key", o.key_file, key_help)->type_name("FILE")->required();
  cmd.add_option("--fee", o.fee_text,
                 "Fee offered to the block producer, in the chain's token (BFDT on the mainchain) or base units")
    ->type_name("AMOUNT")
    ->capture_default_str();
  cmd.add_flag("--no-wait", o.no_wait, "Return once the node admitted the transaction");
  cmd.add_option("--timeout", o.timeout_text, "Seconds to wait for finality before giving up with exit code 2")
    ->type_name("SECONDS")
    ->capture_default_str();
  if (offline == offline_signing::allowed)
    add_offline_options(cmd, o);
}

void add_offline_options(CLI::App& cmd, tx_options& o) {
  cmd.add_option("--nonce", o.nonce_text,
                 "The sender's next nonce on the chain (default: asked from the node; required with --offline)")
    ->type_name("N");
  cmd.add_option("--expiry", o.expiry_text,
                 "Last block height that may include the transaction (default: the node's head height + 1000; "
                 "required with --offline)")
    ->type_name("HEIGHT");
  auto* offline = cmd.add_flag("--offline", o.offline,
                               "Do not submit: sign without a node and print the transaction as hex on stdout "
                               "(for tx submit or POST /v1/txs); needs --nonce, --expiry and a --chain id");
  if (auto* no_wait = cmd.get_option_no_throw("--no-wait"))
    no_wait->excludes(offline);
}

result<transaction> sign_offline(const tx_options& o, const key_pair& keys, tx_payload payload, amount fee) {
  if (!o.nonce_text)
    return make_error(errc::invalid_argument,
                      "--nonce is required with --offline: without a node bfd-cli cannot learn the sender's next "
                      "nonce");
  if (!o.expiry_text)
    return make_error(errc::invalid_argument,
                      "--expiry is required with --offline: without a node bfd-cli cannot learn the chain height; "
                      "give the last block height that may include the transaction");
  auto nonce = parse_uint("--nonce", *o.nonce_text, UINT64_MAX);
  if (!nonce)
    return nonce.error();
  auto expiry = parse_uint("--expiry", *o.expiry_text, UINT64_MAX);
  if (!expiry)
    return expiry.error();
  auto sel = parse_chain_option(o.net.chain);
  if (!sel)
    return sel.error();
  auto chain = offline_chain_id(*sel);
  if (!chain)
    return chain.error();
  transaction tx;
  tx.chain = *chain;
  tx.nonce = *nonce;
  tx.fee = fee;
  tx.expiry = *expiry;
  tx.payload = std::move(payload);
  randomize_signing_context(runtime::random_bytes32());
  sign_transaction(tx, keys, runtime::random_bytes32());
  return tx;
}

void print_offline(const transaction& tx) {
  fmt::print("{}\n", runtime::transaction_hex(tx));
  std::fflush(stdout);
  fmt::print(stderr, "tx {}: {} signed offline for chain {} (nonce {}, expiry {}); not submitted\n",
             transaction_id_hex(tx).substr(0, 16), payload_name(tx.payload), tx.chain, tx.nonce, tx.expiry);
}

std::variant<signed_tx, command_result> sign_for_chain(const tx_options& o, tx_payload payload, amount extra_fee) {
  auto fee = parse_amount(o.fee_text);
  if (!fee)
    return to_command_result(make_error(fee.error().code, "--fee: " + fee.error().detail));
  auto total_fee = checked_add(*fee, extra_fee);
  if (!total_fee)
    return command_failure("overflow", "--fee plus what the transaction needs exceed 2^64-1 base units");
  auto timeout = parse_uint("--timeout", o.timeout_text, 86'400);
  if (!timeout)
    return to_command_result(timeout.error());
  auto keys = runtime::read_key_file(o.key_file);
  if (!keys)
    return to_command_result(make_error(keys.error().code, "cannot read the key file: " + keys.error().detail));
  if (o.offline) {
    auto tx = sign_offline(o, *keys, std::move(payload), *total_fee);
    if (!tx)
      return to_command_result(tx.error());
    print_offline(*tx);
    return command_result{};
  }
  std::optional<std::uint64_t> nonce;
  if (o.nonce_text) {
    auto n = parse_uint("--nonce", *o.nonce_text, UINT64_MAX);
    if (!n)
      return to_command_result(n.error());
    nonce = *n;
  }
  std::optional<std::uint64_t> expiry;
  if (o.expiry_text) {
    auto e = parse_uint("--expiry", *o.expiry_text, UINT64_MAX);
    if (!e)
      return to_command_result(e.error());
    expiry = *e;
  }
  auto opened = open_chain_endpoint(o.net);
  if (auto* failed = std::get_if<command_result>(&opened))
    return *failed;
  auto& at = std::get<chain_endpoint>(opened);
  if (!nonce) {
    auto account = at.node.get(at.chain.path("/accounts/" + format_address(address_of(keys->pub))));
    if (auto* failed = std::get_if<command_result>(&account))
      return *failed;
    nonce = number_field(std::get<node_answer>(account).body, "nonce");
  }
  if (!expiry) {
    auto info = at.node.get(at.chain.path("/info"));
    if (auto* failed = std::get_if<command_result>(&info))
      return *failed;
    expiry = number_field(object_field(std::get<node_answer>(info).body, "head"), "height") + expiry_margin;
  }
  transaction tx;
  tx.chain = at.chain.id;
  tx.nonce = *nonce;
  tx.fee = *total_fee;
  tx.expiry = *expiry;
  tx.payload = std::move(payload);
  randomize_signing_context(runtime::random_bytes32());
  sign_transaction(tx, *keys, runtime::random_bytes32());
  return signed_tx{std::move(at), std::move(tx), *keys, std::chrono::seconds(*timeout)};
}

std::variant<json, command_result> await_final(const node_client& node, const chain_target& chain,
                                              const std::string& id, std::chrono::seconds timeout, bool progress) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + timeout;
  std::string last_standing;
  std::string last_trouble;
  for (;;) {
    auto reply = node.get(chain.path("/txs/" + id));
    if (auto* failed = std::get_if<command_result>(&reply)) {
      // Busy or briefly unreachable nodes are asked again until the deadline; anything else ends.
      const std::string& r = failed->reason;
      if (r != "rate_limited" && r != "timeout" && r != "unavailable" && r != "busy" && r != "connection_failed" &&
          r != "read_failed")
        return *failed;
      last_trouble = r + ": " + failed->detail;
    } else {
      const json& body = std::get<node_answer>(reply).body;
      std::string status = text_field(body, "status");
      std::uint64_t height = number_field(body, "height");
      std::string standing = status;
      if (status == "included" || status == "final")
        standing = fmt::format("{} at height {}", status, height);
      if (progress && standing != last_standing && status != "rejected")
        print_progress(id, standing);
      last_standing = standing;
      if (status == "final")
        return body;
      if (status == "rejected") {
        const json& reason = object_field(body, "reason");
        return command_failure(text_field(reason, "code", "rejected"),
                               fmt::format("the node rejected transaction {}: {}", id,
                                           text_field(reason, "detail", "no detail")));
      }
    }
    if (clock::now() + poll_interval > deadline) {
      std::string last = last_standing.empty() ? last_trouble : last_standing;
      return command_failure(
        "timeout",
        fmt::format("transaction {} not final after {} s (last: {}); it may still be included: "
                    "bfd-cli tx get {}{}",
                    id, timeout.count(), last.empty() ? "no answer" : last,
                    chain.prefix.empty() ? "" : fmt::format("--chain {} ", chain.id), id),
        2);
    }
    std::this_thread::sleep_for(poll_interval);
  }
}

command_result wait_for_finality(const node_client& node, const chain_target& chain, const std::string& id,
                                 std::chrono::seconds timeout) {
  auto final_or = await_final(node, chain, id, timeout, true);
  if (auto* failed = std::get_if<command_result>(&final_or))
    return *failed;
  const auto& body = std::get<json>(final_or);
  fmt::print("status: final\nheight: {}\nblock: {}\n", number_field(body, "height"), text_field(body, "block"));
  return {};
}

std::variant<std::string, command_result> post_transaction(const chain_endpoint& at, const transaction& tx) {
  auto reply = at.node.post(at.chain.path("/txs"), json{{"hex", runtime::transaction_hex(tx)}});
  if (auto* failed = std::get_if<command_result>(&reply))
    return *failed;
  std::string id = text_field(std::get<node_answer>(reply).body, "id", "");
  if (id.empty())
    id = transaction_id_hex(tx);
  return id;
}

std::string transaction_id_hex(const transaction& tx) {
  return runtime::transaction_json(tx)["id"].get<std::string>();
}

command_result submit(const chain_endpoint& at, const transaction& tx, const std::string& what, bool no_wait,
                      std::chrono::seconds timeout) {
  auto posted = post_transaction(at, tx);
  if (auto* failed = std::get_if<command_result>(&posted))
    return *failed;
  const auto& id = std::get<std::string>(posted);
  fmt::print("id: {}\n", id);
  std::fflush(stdout);
  fmt::print(stderr, "tx {}: submitted to {} chain {} ({})\n", id.substr(0, 16), at.node.url(), tx.chain, what);
  if (no_wait) {
    fmt::print("status: pending\n");
    return {};
  }
  return wait_for_finality(at.node, at.chain, id, timeout);
}

command_result sign_and_submit(const tx_options& o, tx_payload payload, const std::string& what) {
  auto signed_or = sign_for_chain(o, std::move(payload));
  if (auto* failed = std::get_if<command_result>(&signed_or))
    return *failed;
  const auto& [at, tx, keys, timeout] = std::get<signed_tx>(signed_or);
  return submit(at, tx, what, o.no_wait, timeout);
}

} // namespace bfd::cli

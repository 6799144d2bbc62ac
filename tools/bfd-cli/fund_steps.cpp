// DS operations over the peg and the reads the fund life cycle decides on (docs/fund-lifecycle.md).
#include "tools/bfd-cli/fund_steps.hpp"

#include <cstdio>
#include <thread>

#include <fmt/format.h>

#include "chains/core/hex.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/state/peg_tx.hpp"
#include "runtime/entropy.hpp"
#include "runtime/key_file.hpp"
#include "tools/bfd-cli/peg_messages.hpp"
#include "tools/client/submission.hpp"

namespace bfd::cli {

namespace {

/// How far back from the newest mainchain message a re-run looks for its own operation.
constexpr std::uint64_t pending_scan = 256;

// The sequence after the fund's last adopted operation from the mainchain ("1:7" -> 8), 0 if none.
std::uint64_t after_last_operation(const json& summary) {
  auto it = summary.find("last_operation");
  if (it == summary.end() || !it->is_string())
    return 0;
  const auto text = it->get<std::string>();
  const auto colon = text.find(':');
  if (colon == std::string::npos || text.substr(0, colon) != "1")
    return 0;
  auto seq = parse_uint("last_operation", text.substr(colon + 1), UINT64_MAX - 1);
  return seq ? *seq + 1 : 0;
}

} // namespace

std::variant<json, command_result> ds_summary(const node_client& node, chain_id fund) {
  auto r = node.get(fmt::format("/v1/chains/{}/ds", fund));
  if (auto* f = std::get_if<command_result>(&r))
    return *f;
  return std::get<node_answer>(r).body;
}

std::variant<registry_lookup, command_result> look_up_sidechain(const node_client& node, chain_id id,
                                                                const std::string& name) {
  auto r = node.get("/v1/sidechains");
  if (auto* f = std::get_if<command_result>(&r))
    return *f;
  registry_lookup out{nullptr, nullptr, 1};
  const auto& body = std::get<node_answer>(r).body;
  if (auto it = body.find("sidechains"); it != body.end() && it->is_array())
    for (const auto& s : *it) {
      const auto sid = static_cast<chain_id>(number_field(s, "id"));
      out.highest = std::max(out.highest, sid);
      if (sid == id)
        out.by_id = s;
      if (text_field(s, "name", "") == name)
        out.by_name = s;
    }
  return out;
}

command_result wait_until(const node_client& node, const std::string& path, const std::string& what,
                          std::chrono::seconds timeout, const std::function<bool(const json&)>& done) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  fmt::print(stderr, "waiting: {}\n", what);
  std::fflush(stderr);
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = node.get(path);
    if (auto* a = std::get_if<node_answer>(&r)) {
      if (done(a->body))
        return {};
    } else {
      last = std::get<command_result>(r).reason + ": " + std::get<command_result>(r).detail;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  return command_failure("timeout", fmt::format("{}: not reached within {} s{}", what, timeout.count(),
                                                last.empty() ? "" : " (last answer: " + last + ")"),
                         2);
}

std::variant<std::string, command_result> run_ds_operation(const node_client& node, chain_id fund,
                                                           const ds::op_body& op, const ds_send_options& o,
                                                           const std::function<bool(const json&)>& already) {
  const auto name = std::string(ds::op_name(op.kind));
  auto keys = runtime::read_key_file(o.key_file);
  if (!keys)
    return to_command_result(make_error(keys.error().code, "--key: cannot read the key file: " + keys.error().detail));
  const auto sender = format_address(address_of(keys->pub));
  const auto body = ds::encode_op(op);
  const auto body_hex = to_hex(byte_view{body.data(), body.size()});
  const auto ds_path = fmt::format("/v1/chains/{}/ds", fund);
  // Ours: this operation, to this fund, from this sender, in flight (a settled message keeps
  // only its state), newer than what the fund adopted last. Operations of one fund run one at a
  // time (they share ds/status), so at most one is pending.
  auto ours = [&](const json& m) {
    const auto& msg = object_field(m, "message");
    return msg.is_object() && text_field(m, "state", "") == "in_flight" && text_field(msg, "kind", "") == "metadata_op"
           && text_field(msg, "operation", "") == name && number_field(msg, "destination") == fund
           && text_field(msg, "sender", "") == sender;
  };
  // A commit notice on its way to the fund chain for an operation newer than the fund's last
  // adopted one: committed on the mainchain, its adoption pending. (A notice stays in flight on
  // the mainchain until its acknowledgement returns, after the adoption: hence the comparison.)
  std::uint64_t newer_than = 0;
  auto notice = [&](const json& m) {
    const auto& msg = object_field(m, "message");
    if (!msg.is_object() || text_field(m, "state", "") != "in_flight"
        || text_field(msg, "kind", "") != "metadata_commit" || number_field(msg, "destination") != fund)
      return false;
    json commits{{"last_operation", text_field(msg, "commits", "")}};
    return after_last_operation(commits) > newer_than;
  };
  // Waits until the fund chain adopted an operation at or after sequence `from` of the mainchain
  // (its last_operation), returning that id.
  auto adopted_from = [&](std::uint64_t from, const std::string& what) -> std::variant<std::string, command_result> {
    std::string id;
    auto w = wait_until(node, ds_path, what, o.timeout, [&](const json& s) {
      if (after_last_operation(s) <= from)
        return false;
      id = text_field(s, "last_operation", "");
      return true;
    });
    if (!w.ok())
      return w;
    return id;
  };

  for (int round = 0; round < 4; ++round) {
    auto summary = ds_summary(node, fund);
    if (auto* f = std::get_if<command_result>(&summary))
      return *f;
    if (already && already(std::get<json>(summary))) {
      fmt::print("{}: adopted by chain {} already\n", name, fund);
      return text_field(std::get<json>(summary), "last_operation", "");
    }
    const auto from = after_last_operation(std::get<json>(summary));
    auto pending = find_newest_message(node, mainchain_id, from, pending_scan, ours);
    if (auto* f = std::get_if<command_result>(&pending))
      return *f;
    std::optional<found_message> msg = std::get<std::optional<found_message>>(pending);
    if (!msg) {
      newer_than = from;
      auto committed = find_newest_message(node, mainchain_id, from, pending_scan, notice);
      if (auto* f = std::get_if<command_result>(&committed))
        return *f;
      if (const auto& n = std::get<std::optional<found_message>>(committed)) {
        // Another run's operation is committed and on its way: let it land, then decide again.
        const auto commits = text_field(object_field(n->body, "message"), "commits", "");
        fmt::print(stderr, "{}: operation {} is committed and not adopted yet; waiting for it\n", name, commits);
        auto a = adopted_from(from,
                              fmt::format("chain {} adopts the committed operation {}", fund, commits));
        if (auto* f = std::get_if<command_result>(&a))
          return *f;
        continue;
      }
    }
    if (msg) {
      fmt::print(stderr, "{}: continuing message {} sent earlier\n", name, msg->id);
    } else {
      auto dest = node.get(fmt::format("/v1/chains/{}/info", fund));
      if (auto* f = std::get_if<command_result>(&dest))
        return *f;
      const auto dest_head = number_field(object_field(std::get<node_answer>(dest).body, "head"), "height");
      tx_options t;
      t.key_file = o.key_file;
      t.fee_text = std::to_string(o.fee) + "u";
      t.timeout_text = std::to_string(o.timeout.count());
      t.net.node_url = node.url();
      peg_send_metadata_tx p;
      p.destination = fund;
      p.receiver = address_of(keys->pub);
      p.operation = name;
      p.keys = ds::op_keys(op.kind);
      p.body = body;
      p.timeout_height = dest_head + o.timeout_blocks;
      auto signed_or = sign_for_chain(t, std::move(p));
      if (auto* failed = std::get_if<command_result>(&signed_or))
        return *failed;
      const auto& s = std::get<signed_tx>(signed_or);
      auto done = submit(s.at, s.tx, fmt::format("peg_send_metadata {} to chain {} (body {})", name, fund, body_hex),
                         false, o.timeout);
      if (!done.ok())
        return done;
      auto found = find_newest_message(node, mainchain_id, from, pending_scan, ours);
      if (auto* f = std::get_if<command_result>(&found))
        return *f;
      msg = std::get<std::optional<found_message>>(found);
      if (!msg) {
        // Settled already (a fast round trip): its adoption is what is left to see.
        auto a = adopted_from(from, fmt::format("chain {} adopts {}", fund, name));
        if (auto* f = std::get_if<command_result>(&a))
          return *f;
        fmt::print("{}: message {}\n{}: adopted by chain {}\n", name, std::get<std::string>(a), name, fund);
        std::fflush(stdout);
        return a;
      }
    }
    fmt::print("{}: message {}\n", name, msg->id);
    std::fflush(stdout);
    auto settled = follow_message(node, msg->id, o.timeout);
    if (auto* f = std::get_if<command_result>(&settled))
      return *f;
    const auto state = text_field(std::get<json>(settled), "state", "");
    if (state != "delivered")
      return command_failure("refused",
                             fmt::format("chain {} did not take {} (message {} {}): the fund chain refuses an "
                                         "operation its sender may not run ({} needs {} on sidechain:{}) or that "
                                         "breaks a DS rule (docs/ds-metadata.md, \"Rules and reason codes\")",
                                         fund, name, msg->id, state, name,
                                         op.kind == ds::op_kind::register_org ? "admin"
                                         : op.kind == ds::op_kind::liquidate  ? "liquidate"
                                                                              : "issue",
                                         fund));
    // Committed on the mainchain: the commit notice travels to the fund chain, which adopts the
    // operation at the end of the block it lands in.
    auto adopted = wait_until(node, ds_path, fmt::format("chain {} adopts {} ({})", fund, name, msg->id), o.timeout,
                              [&](const json& s) { return text_field(s, "last_operation", "") == msg->id; });
    if (!adopted.ok())
      return adopted;
    fmt::print("{}: adopted by chain {}\n", name, fund);
    std::fflush(stdout);
    return msg->id;
  }
  return command_failure("timeout", fmt::format("{} on chain {}: other operations kept landing first", name, fund), 2);
}

} // namespace bfd::cli

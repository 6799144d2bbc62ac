// Finding and following peg messages over a node's HTTP API (GET /v1/peg/messages/{id}).
#include "tools/bfd-cli/peg_messages.hpp"

#include <chrono>
#include <thread>

#include <fmt/format.h>

namespace bfd::cli {

namespace {

// Whether message `source:seq` exists (a 404 says no); a failure otherwise.
std::variant<bool, command_result> exists(const node_client& node, chain_id source, std::uint64_t seq) {
  auto r = node.get(fmt::format("/v1/peg/messages/{}:{}", source, seq));
  if (std::holds_alternative<node_answer>(r))
    return true;
  const auto& f = std::get<command_result>(r);
  if (f.reason == "not_found")
    return false;
  return f;
}

bool terminal(const std::string& state) {
  return state == "delivered" || state == "failed" || state == "refunded";
}

} // namespace

std::variant<std::uint64_t, command_result> sent_count(const node_client& node, chain_id source) {
  std::uint64_t lo = 0, hi = 1;  // invariant: every id below lo exists
  while (true) {
    auto e = exists(node, source, hi - 1);
    if (auto* f = std::get_if<command_result>(&e))
      return *f;
    if (!std::get<bool>(e))
      break;
    lo = hi;
    hi *= 2;
  }
  while (lo + 1 < hi) {  // the count is in [lo, hi)
    const auto mid = lo + (hi - lo) / 2;
    auto e = exists(node, source, mid - 1);
    if (auto* f = std::get_if<command_result>(&e))
      return *f;
    (std::get<bool>(e) ? lo : hi) = mid;
  }
  return lo;
}

std::variant<std::optional<found_message>, command_result> find_newest_message(
  const node_client& node, chain_id source, std::uint64_t from, std::uint64_t scan,
  const std::function<bool(const json&)>& match) {
  auto count = sent_count(node, source);
  if (auto* f = std::get_if<command_result>(&count))
    return *f;
  const auto n = std::get<std::uint64_t>(count);
  for (auto seq = n; seq-- > from && n - seq <= scan;) {
    const auto id = fmt::format("{}:{}", source, seq);
    auto r = node.get("/v1/peg/messages/" + id);
    if (auto* f = std::get_if<command_result>(&r))
      return *f;
    const auto& body = std::get<node_answer>(r).body;
    if (match(body))
      return std::optional<found_message>{found_message{id, seq, body}};
  }
  return std::optional<found_message>{};
}

std::variant<json, command_result> follow_message(const node_client& node, const std::string& id,
                                                  std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = node.get("/v1/peg/messages/" + id);
    if (auto* f = std::get_if<command_result>(&r))
      return *f;
    const auto& body = std::get<node_answer>(r).body;
    const auto state = body.value("state", std::string("unknown"));
    const auto line = fmt::format("{}: {}, received on {}", id, state, body["received_on"].dump());
    if (line != last)
      fmt::print(stderr, "{}\n", line);
    last = line;
    if (terminal(state))
      return body;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return command_failure("timeout", "message " + id + " reached no terminal state in time", 2);
}

} // namespace bfd::cli

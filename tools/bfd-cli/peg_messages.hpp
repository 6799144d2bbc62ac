// Finding a chain's peg messages through GET /v1/peg/messages/{id}: how many a source has sent
// (ids are dense from 0) and the newest that matches, shared by `peg send`, `ds send` and the fund
// life cycle commands.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>

#include "chains/primitives/transaction.hpp"
#include "tools/client/node_client.hpp"

namespace bfd::cli {

/// The number of messages chain `source` has sent (its final state), found by doubling then
/// bisection on GET /v1/peg/messages/{source}:{n}.
std::variant<std::uint64_t, command_result> sent_count(const node_client& node, chain_id source);

/// A message found by find_newest_message: its id ("1:7") and the node's JSON of it.
struct found_message {
  std::string id;
  std::uint64_t sequence = 0;
  json body;
};

/// The newest message of `source` with a sequence of at least `from` among its last `scan`
/// messages whose JSON answers `match`, or nothing.
std::variant<std::optional<found_message>, command_result> find_newest_message(
  const node_client& node, chain_id source, std::uint64_t from, std::uint64_t scan,
  const std::function<bool(const json&)>& match);

/// Polls message `id` until it is delivered, failed or refunded, or `timeout` passes (exit code
/// 2); one progress line on stderr per change; returns the final JSON or the failure.
std::variant<json, command_result> follow_message(const node_client& node, const std::string& id,
                                                  std::chrono::seconds timeout);

} // namespace bfd::cli

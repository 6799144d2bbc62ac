// The steps of a fund's life cycle as bfd-cli drives them over a node's HTTP API
// (docs/fund-lifecycle.md): DS metadata operations sent from the mainchain over the peg and
// followed until the fund chain adopted them, and the small reads the steps decide on. Each step
// finds out first whether its effect already exists, so a re-run continues where it stopped.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <variant>

#include "chains/core/amount.hpp"
#include "chains/dsmeta/dsmeta_types.hpp"
#include "chains/primitives/transaction.hpp"
#include "tools/bfd-cli/commands.hpp"
#include "tools/client/node_client.hpp"

namespace bfd::cli {

/// How a DS operation is sent: the mainchain account's key file (the fund chain checks its
/// permission), the mainchain fee, how long to wait for it all, and the message's timeout in
/// fund-chain blocks.
struct ds_send_options {
  std::string key_file;
  amount fee = 0;
  std::chrono::seconds timeout{300};
  std::uint64_t timeout_blocks = 1000;
};

/// Runs DS operation `op` on fund chain `fund` as a peg metadata operation from the mainchain
/// (peg_send_metadata, kind 11) and waits until the fund chain's final DS state adopted it (its
/// `last_operation` is the message). Idempotent: when `already` holds for the fund's DS summary,
/// nothing is sent; a matching operation of this sender still in flight (a re-run after a crash)
/// is followed instead of sending another; a committed operation whose notice is on its way is
/// waited for first. Returns the message id, or the failure: `refused` when the fund chain
/// acknowledged it as a failure (permission or DS rule), `timeout` (exit code 2).
std::variant<std::string, command_result> run_ds_operation(const node_client& node, chain_id fund,
                                                           const ds::op_body& op, const ds_send_options& o,
                                                           const std::function<bool(const json&)>& already = {});

/// GET /v1/chains/{fund}/ds (the fund chain's final DS summary), or the failure.
std::variant<json, command_result> ds_summary(const node_client& node, chain_id fund);

/// The registry's view of a sidechain by id or by name (GET /v1/sidechains), or null; and the
/// highest registered id.
struct registry_lookup {
  json by_id;
  json by_name;
  chain_id highest = 1;
};
std::variant<registry_lookup, command_result> look_up_sidechain(const node_client& node, chain_id id,
                                                                const std::string& name);

/// Polls until `done` holds for GET `path` (200), printing `what` once; `timeout` (exit code 2).
command_result wait_until(const node_client& node, const std::string& path, const std::string& what,
                          std::chrono::seconds timeout, const std::function<bool(const json&)>& done);

} // namespace bfd::cli

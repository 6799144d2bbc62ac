// bfd-cli's subcommands: each registers its options on the app and reports how it ended.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "tools/client/client_common.hpp"

#include "chains/core/bytes.hpp"
#include "chains/core/error.hpp"

namespace bfd::cli {

/// Registers `key new` and `key show`; the command that runs stores its outcome in `outcome`.
void add_key_commands(CLI::App& app, std::optional<command_result>& outcome);

/// Registers `tx transfer`, `tx sign`, `tx submit`, `tx get` and `tx decode`, and the top-level `transfer`
/// (the same command as `tx transfer`); the command that runs stores its outcome in `outcome`.
/// Network commands go where `net` says.
void add_tx_commands(CLI::App& app, std::optional<command_result>& outcome, network_options& net);

/// Registers `delegate bid`, `vote` and `unvote` (vm_bid, vote, unvote) and `evidence submit`:
/// the consensus module's kinds (docs/consensus.md).
void add_consensus_commands(CLI::App& app, std::optional<command_result>& outcome, network_options& net);

/// Registers `sidechain register`, `activate`, `cease`, `list` and `entry`: the mainchain's
/// sidechain registry (docs/sidechains.md).
void add_sidechain_commands(CLI::App& app, std::optional<command_result>& outcome, network_options& net);

/// Registers `peg send` and `peg status`.
void add_peg_commands(CLI::App& app, std::optional<command_result>& outcome, network_options& net);

/// Registers `acl grant`, `revoke`, `role`, `level`, `show` and `check` (docs/access-control.md).
void add_acl_commands(CLI::App& app, std::optional<command_result>& outcome, network_options& net);
/// Registers `contract publish`, `deploy`, `call`, `show` and `events` (docs/contracts.md).
void add_contract_commands(CLI::App& app, std::optional<command_result>& outcome, network_options& net);
/// Registers `ds show`, `list`, `member-add`, `member-update`, `member-remove`, `rate-set`,
/// `usage`, `op` and `send` (a mainchain-coordinated operation over the peg): a fund chain's DS metadata (docs/ds-metadata.md).
void add_ds_commands(CLI::App& app, std::optional<command_result>& outcome, network_options& net);
/// Registers `fund create` and `fund liquidate` in the `fund` group (created if absent): a fund's
/// life cycle (docs/fund-lifecycle.md).
void add_fund_lifecycle_commands(CLI::App& app, std::optional<command_result>& outcome, network_options& net);
/// Registers `fund show`, `holders`, `subscribe`, `trade`, `sweep` and `redeem`: a fund chain's funds
/// module (docs/funds.md).
void add_fund_commands(CLI::App& app, std::optional<command_result>& outcome, network_options& net);
/// Registers `service register`, `upgrade`, `health`, `rollback`, `status`, `show`, `list` and
/// `resolve`: the mainchain's service registry (docs/services.md).
void add_service_commands(CLI::App& app, std::optional<command_result>& outcome, network_options& net);

/// Registers `fee eval`: a fee expression or a WebAssembly fee function run offline
/// (docs/fee-functions.md).
void add_fee_commands(CLI::App& app, std::optional<command_result>& outcome);

/// Registers `authority group-new`, `issue`, `revoke`, `member-record` and `tagged-transfer`: the credential
/// authority of the membership proofs (docs/membership-proofs.md).
void add_authority_commands(CLI::App& app, std::optional<command_result>& outcome, network_options& net);
/// Registers `handshake pay` and `handshake receive`: the two roles of the membership proof.
void add_handshake_commands(CLI::App& app, std::optional<command_result>& outcome, network_options& net);
/// Registers `chains`, `info`, `account` and `delegates`, which read the node's HTTP API.
void add_node_commands(CLI::App& app, std::optional<command_result>& outcome, network_options& net);

} // namespace bfd::cli

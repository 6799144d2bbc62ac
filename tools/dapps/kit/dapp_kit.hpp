// The DApp kit: what the five system-service DApps share (docs/dapps.md). Each DApp is a small
// program that talks only the node's public HTTP API (tools/client): it installs its service
// (the service-desk contract on its sidechain, registered in the mainchain's registry) and runs
// the request flow of paper 5.1b/5.2b once, here, with a local journal so a request commits
// exactly once across retries and crashes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "chains/core/amount.hpp"
#include "chains/core/bytes.hpp"
#include "chains/primitives/transaction.hpp"
#include "tools/client/client_common.hpp"
#include "tools/client/node_client.hpp"

namespace bfd::dapps {

using cli::command_result;
using cli::json;

/// What makes one DApp: its program name, its service's symbol and home sidechain, its default
/// commission model and price, and whether only members of the fund may request it.
struct dapp_profile {
  std::string program;             ///< e.g. "bfd-rating"
  std::string title;               ///< e.g. "fund rating"
  std::string symbol;              ///< the registry symbol, e.g. "FRT"
  chain_id chain = 0;              ///< the service's sidechain (its home and only deployment)
  std::string default_commission;  ///< the registry's text form: percent:BP, fixed:UNITS, expr:TEXT
  amount default_price = 0;        ///< the least value a request carries
  bool members_only = false;       ///< the requester must be a member of the fund (DS metadata)
};

/// Options every DApp command takes: the node, the local state directory (install record and
/// journal), --json, and how long to wait for each transaction's finality.
struct common_options {
  cli::network_options net;
  std::string state_dir;
  bool json_out = false;
  std::string timeout_text = "60";
  std::string uuid;  ///< the service's registry uuid; default derived from the symbol
};

struct install_options : common_options {
  std::string key_file;        ///< the owner: deploys, registers (needs register_service), gets the commission
  std::string publisher_file;  ///< publishes the template when the chain lacks it (a funded account); default key_file
  std::string operator_addr;   ///< the operator: acknowledges, cancels, answers; default the owner
  std::vector<std::string> readers;  ///< more readers of the contract's state
  std::string commission;      ///< default the profile's
  std::string price_text;      ///< default the profile's
};

struct request_options : common_options {
  std::string key_file;       ///< the requester: signs the call and pays value and commission
  std::string operator_file;  ///< the operator: reads DS members, records usage, acknowledges
  std::string fund_text;      ///< the fund's chain id
  std::string request_id;     ///< 1-32 bytes of text
  std::string value_text;     ///< default the profile's price
  bytes payload;              ///< what the DApp asks for (at most 1024 bytes)
};

struct answer_options : common_options {
  std::string operator_file;
  std::string request_id;
  bytes result;  ///< 1-1024 bytes
};

struct show_options : common_options {
  std::string key_file;  ///< a reader of the contract's state
  std::string fund_text;
  std::string request_id;
};

/// Adds --node, --state-dir, --json, --timeout and --uuid.
void add_common_options(CLI::App& cmd, common_options& o);

/// Deploys the service-desk contract on the profile's chain (publishing its template there when
/// missing) and registers the service, idempotently: a registered uuid is left as it is, a
/// contract deployed by an interrupted install is reused.
command_result run_install(const dapp_profile& p, const install_options& o);

/// The request flow: registry lookup, system service, DS metadata, contract call with the request
/// id, usage record on the fund chain, acknowledgement; journaled, retried, exactly once.
command_result run_request(const dapp_profile& p, const request_options& o);

/// Completes every request of the journal (the same steps as a request from where it stopped).
command_result run_resume(const dapp_profile& p, request_options o);

/// The operator's answer to an acknowledged request (contract entry `answer`).
command_result run_answer(const dapp_profile& p, const answer_options& o);

/// The fund's latest answer (`--fund`) or one request with its answer (`--request-id`), a signed
/// read of the contract's state by a reader.
command_result run_show(const dapp_profile& p, const show_options& o);

/// The service's registry entry and its live instance on the profile's chain.
command_result run_status(const dapp_profile& p, const common_options& o);

/// Registers install, request (with the DApp's own payload options added by `add_payload`), answer
/// (named `answer_name`), show, status and resume on `app`.
struct standard_names {
  std::string request = "request";
  std::string request_help = "Request the service for a fund";
  std::string answer = "answer";
  std::string answer_help = "The operator's answer to an acknowledged request";
  std::string payload_option = "--note";
  std::string payload_help = "What is asked (text, at most 1024 bytes)";
  std::string result_option = "--text";
  std::string result_help = "The answer (text, 1-1024 bytes)";
  bool payload_hex = false;  ///< the payload option is hex (a document hash), not text
  bool with_answer = true;
};
void add_standard_commands(CLI::App& app, const dapp_profile& p, const standard_names& names,
                           std::optional<command_result>& outcome);

/// Runs a DApp's CLI11 app: parses, runs the chosen command, prints a failure as
/// `PROGRAM: reason: detail` and returns the exit code.
int run_app(CLI::App& app, const dapp_profile& p, std::optional<command_result>& outcome, int argc, char** argv);

/// The registry uuid of a DApp's service: the first 16 bytes of SHA-256("bfd-dapp:" + symbol).
std::string default_uuid(const std::string& symbol);

/// Prints `j` (with --json) or its fields as `key: value` lines.
void print_result(const common_options& o, const json& j);

} // namespace bfd::dapps

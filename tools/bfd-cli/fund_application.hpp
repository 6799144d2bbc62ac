// A fund-raise application (`bfd-cli fund create --application FILE`, docs/fund-lifecycle.md): the
// organisation, the raise terms, the fund contract and the validators of a new DAOS sidechain,
// read from TOML or JSON with errors that name the file, the line (TOML) and the field.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chains/core/amount.hpp"
#include "chains/core/error.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/dsmeta/dsmeta_types.hpp"
#include "chains/primitives/transaction.hpp"

namespace bfd::cli {

/// The fund's contract: a template published on the ecosystem chain, or the client's own code.
struct fund_contract_spec {
  std::optional<hash256> template_id;  ///< [contract] template (64 hex)
  chain_id template_chain = 7;         ///< [contract] template_chain: where the template is read
  std::string wasm_file;               ///< [contract] wasm: the client's own module (path as given,
                                       ///< relative to the application's directory)
  std::string template_name;           ///< [contract] name (own code): the template's name
  std::vector<std::string> param_decls;   ///< [contract] param_types (own code): "name:type"
  std::vector<std::string> entry_points;  ///< [contract] entry_points (own code)
  std::vector<std::string> params;        ///< [contract] params: "type:value", one per parameter
  std::vector<std::string> init_args;     ///< [contract] init_args: "i64:5"
  std::uint64_t fuel = 0;                 ///< [contract] fuel for init (0: no init)
};

struct fund_application {
  std::string file;                ///< where it was read from
  std::string name;                ///< [fund] name: the sidechain's name (unique in the registry)
  std::optional<chain_id> chain;   ///< [fund] chain_id; absent: the next free id above 8
  std::uint64_t anchor_interval = 4;  ///< [fund] anchor_interval
  std::string org_name;            ///< [organisation] name
  std::string org_uri;             ///< [organisation] documents_uri
  std::uint64_t fund_group = 0;    ///< [organisation] fund_group (0: none)
  std::string symbol;              ///< [token] symbol: the chain's token and the raise's symbol
  amount founder_allocation = 0;   ///< [token] founder_allocation
  std::optional<address> treasury;  ///< [token] treasury
  amount treasury_allocation = 0;  ///< [token] treasury_allocation
  amount target = 0, min = 0, max = 0;  ///< [raise] target, min, max
  std::uint64_t deadline_blocks = 0;    ///< [raise] deadline_blocks (fund-chain blocks from the raise)
  ds::rate_mode mode = ds::rate_mode::floating;  ///< [raise] rate_mode
  amount rate = 0;                                ///< [raise] rate: BFDT per whole fund token
  fund_contract_spec contract;
  std::vector<std::uint32_t> per_category;  ///< [validators] per_category
  std::optional<std::uint32_t> validator_count;  ///< [validators] count (spread over categories)
};

/// Reads and checks an application: `.json` files as JSON, anything else as TOML. An error names
/// the file, the line (TOML) and the field: "app.toml:12: raise.min: ...".
result<fund_application> read_fund_application(const std::string& path);

/// The same from text (`json` chooses the syntax); `file` is used in errors.
result<fund_application> parse_fund_application(const std::string& text, bool json, const std::string& file);

} // namespace bfd::cli

// The vocabulary of DS metadata (docs/ds-metadata.md): a fund's status and rate mode, its
// organisation, fund-raise terms, issuances, members, rate history and service usage; the
// bodies of the peg metadata operations the mainchain coordinates, with their codec; the
// object keys those operations lock. Pure.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chains/core/amount.hpp"
#include "chains/core/bytes.hpp"
#include "chains/core/error.hpp"

namespace bfd::ds {

/// A fund's life: active → liquidating → liquidated (never back). Stored: never renumber.
enum class fund_status : std::uint8_t { active = 0, liquidating = 1, liquidated = 2 };
std::string_view to_string(fund_status s) noexcept;

/// How the fund's token relates to BFDT. Stored: never renumber.
enum class rate_mode : std::uint8_t {
  fixed = 0,     ///< the rate of the raise terms, for good
  floating = 1,  ///< set by ds_rate_set, history kept
  bfdt = 2,      ///< the token is BFDT itself: rate 10^8, for good
};
inline constexpr std::uint8_t rate_mode_count = 3;
std::string_view to_string(rate_mode m) noexcept;
std::optional<rate_mode> parse_rate_mode(std::string_view text) noexcept;

/// Where a rate history entry came from. Stored: never renumber.
enum class rate_source : std::uint8_t { terms = 0, update = 1 };
std::string_view to_string(rate_source s) noexcept;

/// Bounds (checked by decoders before anything is allocated, and by the rules).
inline constexpr std::size_t max_name = 64;          ///< organisation name, bytes
inline constexpr std::size_t max_uri = 128;          ///< organisation document URI, bytes
inline constexpr std::size_t max_symbol = 16;        ///< token symbol: 1-16 of A-Z, 0-9
inline constexpr std::size_t max_request = 32;       ///< service request id, bytes (1-32)
inline constexpr std::uint8_t max_member_level = 3;  ///< member levels 0-3 (as access levels)
inline constexpr std::uint64_t max_members = 100'000;
inline constexpr std::uint64_t max_history = 1'000'000;  ///< entries of each history (rates, usage, issuances)
inline constexpr amount bfdt_rate = units_per_bfdt;      ///< one token is one BFDT
/// Most entries one read returns (HTTP pages).
inline constexpr std::uint32_t max_page = 100;

/// The organisation that runs the fund: registered and updated over the peg.
struct organisation {
  std::string name;
  std::string uri;             ///< where its documents are (may be empty)
  address owner;               ///< its owner account, as the registration named it
  std::uint64_t group = 0;     ///< its access-control fund group (0: none)
  std::uint64_t height = 0;    ///< fund-chain height of the last registration
  friend bool operator==(const organisation&, const organisation&) = default;
};

/// The fund-raise terms and the token: set over the peg, replaceable until the first issuance.
struct raise_terms {
  amount target = 0;
  amount min = 0;   ///< the least the raise must issue to succeed (informational for issue 15)
  amount max = 0;   ///< issuances never exceed it in total
  std::uint64_t deadline = 0;  ///< last fund-chain height at which an issuance may prepare
  std::string symbol;          ///< the fund token
  rate_mode mode = rate_mode::fixed;
  amount rate = 0;             ///< BFDT base units per whole token (10^8 base units)
  std::uint64_t height = 0;
  friend bool operator==(const raise_terms&, const raise_terms&) = default;
};

/// Which mainchain operation committed something here.
struct op_ref {
  std::uint32_t source = 0;  ///< the mainchain (the chain id that sent it)
  std::uint64_t sequence = 0;
  friend auto operator<=>(const op_ref&, const op_ref&) = default;
};

struct issuance {
  amount value = 0;
  amount rate = 0;  ///< the rate when it committed
  std::uint64_t height = 0;
  op_ref op;
  friend bool operator==(const issuance&, const issuance&) = default;
};

struct member {
  public_key key;  ///< the key that authenticates it (its address's key until rotated)
  std::uint8_t level = 0;
  std::uint64_t joined = 0;
  friend bool operator==(const member&, const member&) = default;
};

struct rate_entry {
  amount rate = 0;
  std::uint64_t height = 0;
  rate_source source = rate_source::terms;
  friend bool operator==(const rate_entry&, const rate_entry&) = default;
};

struct usage_entry {
  std::uint64_t service = 0;
  bytes request;
  amount value = 0;
  std::uint64_t height = 0;
  address recorder;
  friend bool operator==(const usage_entry&, const usage_entry&) = default;
};

/// The scalar part: status, totals and history lengths.
struct fund_summary {
  fund_status status = fund_status::active;
  std::uint64_t status_height = 0;
  amount issued = 0;
  std::uint64_t issuances = 0;
  std::uint64_t rates = 0;
  std::uint64_t usages = 0;
  std::uint64_t members = 0;
  friend bool operator==(const fund_summary&, const fund_summary&) = default;
};

// --- operations over the peg ----------------------------------------------------------------

/// The peg metadata operations DS metadata owns (the operation name is the kind's name).
enum class op_kind : std::uint8_t { register_org = 1, raise = 2, issue = 3, liquidate = 4 };
/// "ds_register", "ds_raise", "ds_issue", "ds_liquidate".
std::string_view op_name(op_kind k) noexcept;

/// The object keys: every operation locks "ds/status" (so DS operations run one at a time) and
/// the objects it writes (ds_raise also "ds/rate": its rate starts the history); local writes
/// check the key of the object they write.
inline constexpr std::string_view key_org = "ds/org";
inline constexpr std::string_view key_raise = "ds/raise";
inline constexpr std::string_view key_issue = "ds/issue";
inline constexpr std::string_view key_status = "ds/status";
inline constexpr std::string_view key_rate = "ds/rate";
inline constexpr std::string_view key_usage = "ds/usage";
inline constexpr std::string_view key_prefix = "ds/";
/// "ds/member/" + the 20 address bytes.
bytes member_key(const address& a);
bytes key_bytes(std::string_view k);
/// The keys operation `k` must lock, in this order.
std::vector<bytes> op_keys(op_kind k);

/// Liquidation phases of a ds_liquidate body.
enum class liquidation_phase : std::uint8_t { start = 1, finish = 2 };

/// A decoded operation body: [kind, ...fields] (docs/formats.md section 18).
struct op_body {
  op_kind kind = op_kind::register_org;
  // register_org
  std::string name;
  std::string uri;
  std::uint64_t group = 0;
  address owner;  ///< the organisation's owner account (recorded; rights come from access control)
  // raise
  raise_terms terms;  // height unused
  // issue
  amount value = 0;
  // liquidate
  liquidation_phase phase = liquidation_phase::start;
  friend bool operator==(const op_body&, const op_body&) = default;
};

bytes encode_op(const op_body& b);
/// Bounded decode (at most 512 bytes); refuses unknown kinds and non-canonical input.
result<op_body> decode_op(byte_view in);

/// Symbols: 1-16 characters of A-Z and 0-9.
bool valid_symbol(std::string_view s) noexcept;

} // namespace bfd::ds

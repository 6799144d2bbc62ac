// Error values with stable reason codes, used by every layer instead of exceptions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace bfd {

/// Stable reason codes. The numbers are part of the wire and HTTP API: never renumber.
enum class errc : std::uint16_t {
  ok = 0,
  // decoding (1xx)
  malformed = 100,          ///< bytes are not valid msgpack or do not have the expected shape
  non_canonical = 101,      ///< valid msgpack, but not the one canonical encoding
  trailing_bytes = 102,     ///< extra bytes after the object
  too_deep = 103,           ///< nesting deeper than the bound
  too_large = 104,          ///< frame or element over its size bound
  unsupported_version = 105,///< an encoding version this node does not know
  unknown_kind = 106,       ///< transaction kind not known
  bad_hex = 107,            ///< text is not even-length hexadecimal of the right size
  bad_amount = 108,         ///< text is not an amount with at most 8 decimals
  bad_address = 109,        ///< text is not "bfd" followed by 40 hex characters
  // transaction validity (2xx)
  bad_signature = 200,
  wrong_chain = 201,
  nonce_reused = 202,
  nonce_gap = 203,
  insufficient_funds = 204,
  overflow = 205,
  expired = 206,
  bad_public_key = 207,
  zero_amount = 208,
  kind_not_enabled = 209,   ///< the kind belongs to a state module this chain does not have
  // block validity (3xx)
  bad_merkle_root = 300,
  bad_state_root = 301,
  bad_parent = 302,
  bad_height = 303,
  supply_mismatch = 304,
  // consensus (6xx)
  bad_category = 600,        ///< no such VM category
  bid_too_low = 601,         ///< below the chain's minimum bid
  category_full = 602,       ///< the category's per-epoch cap on new VMs is reached
  unknown_vm = 603,          ///< no VM with this key
  insufficient_stake = 604,  ///< unvote of more than was voted
  already_slashed = 605,     ///< the VM was slashed before
  bad_evidence = 606,        ///< evidence that proves nothing
  wrong_producer = 607,      ///< the producer does not own this slot
  wrong_slot = 608,          ///< round/slot/timestamp inconsistent with the schedule
  bad_reveal = 609,          ///< hash-chain reveal does not hash to the previous one
  insufficient_work = 610,   ///< header hash misses the difficulty
  too_many_txs = 611,        ///< over the category's block size
  slot_full = 612,           ///< more blocks in the slot than the category's weight
  bad_block_signature = 613, ///< producer signature invalid
  bad_confirmation = 614,    ///< confirmation signature or signer invalid
  not_final = 615,           ///< certificate short of 2/3 of the cluster's power
  bad_proof = 616,           ///< a proof (state, certificate link) that does not show what it claims
  stale = 617,               ///< not newer than what is already known
  // admission (7xx)
  mempool_full = 700,           ///< the mempool is at its bound: retry later
  replacement_underpriced = 701,///< a same-nonce replacement must raise the fee by 10%
  duplicate = 702,              ///< already pending
  // access control (9xx)
  access_denied = 900,      ///< the sender lacks the permission (or service level) the action needs
  last_admin = 901,         ///< the change would leave the global scope without an admin
  unknown_role = 902,       ///< no role of this name is defined in the scope
  not_held = 903,           ///< a revocation of nothing the account holds
  already_held = 904,       ///< a grant, role definition or level that changes nothing
  acl_limit = 905,          ///< too many roles in a scope, or held by one account in a scope
  role_in_use = 906,        ///< a role still held cannot be deleted
  // contracts (910-929)
  template_refused = 910,   ///< a template whose code does not load, or whose entry points or parameters are wrong
  template_exists = 911,    ///< a template of that name and version is already published
  unknown_template = 912,   ///< no template with that id
  unknown_contract = 913,   ///< no contract at that address
  bad_parameters = 914,     ///< parameter values that do not match the template's types
  bad_entry_point = 915,    ///< an entry point the template does not declare
  fuel_fee = 916,           ///< the fee does not cover the fuel limit at the fuel price
  contract_limit = 917,     ///< a bound of the contracts module (fuel, arguments, readers, templates)
  fee_function_refused = 918,///< a fee expression that does not parse or breaks a bound; a wasm fee function that does not load
  fee_function_failed = 919, ///< a fee function that fails on its inputs (overflow, division by zero, fuel, trap, negative)
  slot_refused = 920,       ///< a slot change the contracts do not allow (no slot declared, a client with a slot)
  // service registry (930-949)
  unknown_service = 930,       ///< no service with that id (or uuid)
  service_exists = 931,        ///< a service with that uuid is registered already
  bad_service = 932,           ///< a service field out of its bounds (uuid, symbol, deployments, instances, commission, gate)
  service_not_active = 933,    ///< the service is suspended or retired
  rollout_in_progress = 934,   ///< an upgrade while the previous rollout is still in its canary phase
  no_rollout = 935,            ///< a rollback with no rollout in phase canary or promoted
  service_limit = 936,         ///< too many services, versions or schedule entries
  not_deployed = 937,          ///< a chain that is not one of the service's deployments
  unknown_version = 938,       ///< a health report of a version the service does not have
  bad_status_change = 939,     ///< a status change from retired, or to the status the service has
  // system-service DApps (946-949)
  commission_unpaid = 946,     ///< a billable call of a service instance that does not carry its price or commission
  // contract templates (990-994)
  template_not_permitted = 990,///< a deploy from a template whose publisher named who may deploy it, by someone else
  // DS metadata (95x-96x)
  ds_no_org = 950,             ///< no organisation is registered on this fund chain yet
  ds_not_active = 951,         ///< the fund is liquidating or liquidated
  ds_bad_transition = 952,     ///< a liquidation step its status does not allow
  ds_member_exists = 953,      ///< the account is a member already
  ds_unknown_member = 954,     ///< the account is not a member
  ds_bad_key = 955,            ///< a member key that does not authenticate the account
  ds_rate_fixed = 956,         ///< the fund's rate mode (fixed, bfdt) allows no rate updates
  ds_bad_terms = 957,          ///< fund-raise terms or an issuance amount out of their bounds
  ds_raise_closed = 958,       ///< the raise is past its deadline, or issued already (terms fixed)
  ds_over_raise = 959,         ///< the issuance would exceed the raise's maximum
  ds_no_raise = 960,           ///< no fund-raise terms are set
  ds_duplicate_request = 961,  ///< this service request's usage is recorded already
  ds_limit = 962,              ///< too many members or history entries
  ds_no_change = 963,          ///< a member update or rate that changes nothing
  ds_bad_operation = 964,      ///< a peg metadata operation on DS objects that is not a valid DS operation
  // membership proofs (970-989)
  ush_bad_state = 970,         ///< a handshake message the handshake's state does not expect
  ush_batch_size = 971,        ///< a credential batch of 0 or more than 256
  ush_bad_credential = 972,    ///< a credential that is not a signature under its group's key
  ush_tag_reused = 973,        ///< a payment tag that was presented before
  ush_tag_expired = 974,       ///< a payment tag past its height window
  ush_tag_mismatch = 975,      ///< a payment tag that is not the one of the handshake
  ush_tag_registry_full = 976, ///< the tag registry holds its maximum of unexpired tags
  // funds on a fund chain (980-989, docs/funds.md)
  funds_no_terms = 980,        ///< no fund-raise terms (DS metadata) to subscribe, trade or redeem under
  funds_not_eligible = 981,    ///< an account that is not a member at the level the fund requires
  funds_raise_closed = 982,    ///< a subscription while the fund is not active, past the deadline or over the maximum
  funds_wrong_mode = 983,      ///< an operation the fund's rate mode does not have
  funds_too_small = 984,       ///< an amount that converts to nothing at the rate, or leaves nothing after commission
  funds_not_liquidating = 985, ///< a redemption before the fund's liquidation started
  funds_nothing_pending = 986, ///< a sweep with no platform commission pending
  funds_transfer_refused = 987,///< a plain transfer of a fund token: fund tokens move by fund_trade only
  funds_short_escrow = 988,    ///< the escrow or the redeemable supply cannot cover the operation
  funds_limit = 989,           ///< too many holder records
  ush_unknown_group = 977,     ///< no credential group with this id on the chain
  ush_group_exists = 978,      ///< a credential group with this id (or scope number) exists already
  ush_not_authority = 979,     ///< only the group's authority (its creator) may do this
  ush_limit = 995,             ///< too many groups, issuance records, revoked pseudonyms or tags
  ush_already_revoked = 996,   ///< a pseudonym that is on the group's revocation list already
  ush_mailbox_full = 997,      ///< the node's handshake mailbox holds its maximum of sessions
  ush_session_gone = 998,      ///< a handshake session that does not exist or has expired
  // storage (4xx)
  storage_io = 400,
  storage_corrupt = 401,
  not_found = 402,
  // keys and files (5xx)
  bad_secret_key = 500,
  io = 501,
  invalid_argument = 502,
  // sidechain registry (8xx)
  unauthorized = 800,       ///< only the registry authority may do this
  unknown_chain = 801,      ///< no sidechain with this id is registered
  wrong_status = 802,       ///< not allowed in the sidechain's status (e.g. an anchor after cease)
  already_exists = 803,     ///< a sidechain with this id or name is registered
  bad_validator_set = 804,  ///< validators that do not satisfy the sidechain's rule
  locked = 805,             ///< the object is locked by a metadata operation in flight (peg lock store)
};

/// Stable machine-readable name of a reason code, e.g. "nonce_reused".
std::string_view to_string(errc code) noexcept;

/// An error: a reason code plus a human-readable detail.
struct error {
  errc code = errc::ok;
  std::string detail;

  /// "nonce_reused: expected 4, got 3"
  std::string message() const;
};

/// Either a value or an error (C++20 has no std::expected yet).
template <class T>
class [[nodiscard]] result {
public:
  result(T value) : data_(std::in_place_index<0>, std::move(value)) {}
  result(bfd::error err) : data_(std::in_place_index<1>, std::move(err)) {}

  bool has_value() const noexcept { return data_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const bfd::error& error() const { return std::get<1>(data_); }

private:
  std::variant<T, bfd::error> data_;
};

/// Success or an error.
class [[nodiscard]] status {
public:
  status() = default;
  status(bfd::error err) : err_(std::move(err)) {}

  bool ok() const noexcept { return err_.code == errc::ok; }
  explicit operator bool() const noexcept { return ok(); }
  const bfd::error& error() const { return err_; }

private:
  bfd::error err_;
};

/// Shorthand: make an error value.
inline error make_error(errc code, std::string detail = {}) {
  return error{code, std::move(detail)};
}

} // namespace bfd

// JSON forms of chain objects and actor replies, and the reading of submitted transactions.
#include "protocols/json.hpp"

#include <algorithm>
#include <cctype>
#include <array>
#include <initializer_list>
#include <optional>

#include "chains/codec/transaction_codec.hpp"
#include "chains/consensus/vm.hpp"
#include "chains/core/hex.hpp"
#include "protocols/json_fields.hpp"
#include "protocols/module_json.hpp"

namespace bfd {

namespace {

using namespace json_fields;

/// Submissions are flat objects; anything nested deeper is refused before parsing.
constexpr std::size_t max_submission_depth = 4;
/// Parser messages echo input: keep error details short.
constexpr std::size_t max_detail_length = 200;

std::string_view trim(std::string_view text) {
  constexpr std::string_view space = " \t\r\n";
  auto first = text.find_first_not_of(space);
  if (first == std::string_view::npos)
    return {};
  auto last = text.find_last_not_of(space);
  return text.substr(first, last - first + 1);
}

void add_payload(json_object& j, const tx_payload& payload) {
  std::visit([&](const auto& p) { payload_to_json(j, p); }, payload);
}

const delegate_summary* find_delegate(const std::vector<delegate_summary>& delegates, const public_key& key) {
  for (const auto& d : delegates)
    if (d.key == key)
      return &d;
  return nullptr;
}

/// "category" and "category_name" of a producer; null when the key is not a VM.
void add_category(json_object& j, const delegate_summary* d, const consensus_params& params) {
  if (!d) {
    j["category"] = nullptr;
    j["category_name"] = nullptr;
    return;
  }
  j["category"] = d->category;
  j["category_name"] = d->category < params.categories.size() ? params.categories[d->category].name : "";
}

json_object reason_json(std::string_view name, std::uint16_t code, std::string_view detail) {
  json_object j;
  j["code"] = name;
  j["reason_code"] = code;
  j["detail"] = detail;
  return j;
}

// Reading submitted fields -------------------------------------------------------------------

template <class... Ts>
std::string kind_names(type_list<Ts...>) {
  std::string out;
  ((out += (out.empty() ? "" : ", ") + std::string(Ts::name)), ...);
  return out;
}

result<tx_kind> read_kind(const input& j) {
  auto text = read_string(j, "kind");
  if (!text)
    return text.error();
  std::optional<tx_kind> found;
  [&]<class... Ts>(type_list<Ts...>) {
    ((Ts::name == *text ? (found = Ts::kind_number, true) : false) || ...);
  }(all_payloads{});
  if (found)
    return *found;
  return field_error(errc::unknown_kind, "kind", "expected one of " + kind_names(all_payloads{}));
}

/// Fields a submission of this kind may carry (those transaction_json writes).
bool allowed_field(tx_kind kind, std::string_view key) {
  static constexpr std::array<std::string_view, 11> common = {
    "chain", "kind", "sender", "nonce", "fee", "fee_units", "expiry", "signature",
    "id", "sender_address", "signature_valid"};
  if (std::find(common.begin(), common.end(), key) != common.end())
    return true;
  return [&]<class... Ts>(type_list<Ts...>) {
    return ((Ts::kind_number == kind && payload_field(std::type_identity<Ts>{}, key)) || ...);
  }(all_payloads{});
}

result<tx_payload> read_payload(const input& j, tx_kind kind) {
  std::optional<result<tx_payload>> out;
  [&]<class... Ts>(type_list<Ts...>) {
    auto one = [&]<class T>(std::type_identity<T> tag) {
      if (T::kind_number != kind)
        return false;
      auto p = payload_from_json(j, tag);
      if (p)
        out.emplace(tx_payload{std::move(*p)});
      else
        out.emplace(p.error());
      return true;
    };
    (one(std::type_identity<Ts>{}) || ...);
  }(all_payloads{});
  if (out)
    return std::move(*out);
  return field_error(errc::unknown_kind, "kind", "not a transaction kind");
}

result<transaction> transaction_from_fields(const input& j) {
  auto kind = read_kind(j);
  if (!kind)
    return kind.error();
  // Fields beyond what the payload is read from (e.g. the summary a peg_receive's view shows beside
  // its hex) are checked against what the decoded payload's view writes, below.
  std::vector<std::string> summary_fields;
  for (const auto& item : j.items())
    if (!allowed_field(*kind, item.key()))
      summary_fields.push_back(item.key());
  transaction tx;
  auto chain = read_uint(j, "chain", UINT32_MAX);
  if (!chain)
    return chain.error();
  tx.chain = static_cast<chain_id>(*chain);
  auto sender = read_fixed_hex<32>(j, "sender");
  if (!sender)
    return sender.error();
  tx.sender = *sender;
  auto nonce = read_uint(j, "nonce");
  if (!nonce)
    return nonce.error();
  tx.nonce = *nonce;
  auto fee = read_amount(j, "fee");
  if (!fee)
    return fee.error();
  tx.fee = *fee;
  auto expiry = read_uint(j, "expiry");
  if (!expiry)
    return expiry.error();
  tx.expiry = *expiry;
  auto payload = read_payload(j, *kind);
  if (!payload)
    return payload.error();
  tx.payload = std::move(*payload);
  auto sig = read_fixed_hex<64>(j, "signature");
  if (!sig)
    return sig.error();
  tx.sig = *sig;
  // Through the codec, so a JSON submission meets exactly the bounds of a hex one.
  auto decoded = codec::decode_transaction(codec::encode(tx));
  if (!decoded)
    return decoded.error();
  if (!summary_fields.empty()) {
    json_object view;
    add_payload(view, decoded->payload);
    for (const auto& key : summary_fields) {
      if (!view.contains(key))
        return make_error(errc::malformed, "unknown field '" + key + "' for a " + std::string(kind_name(*kind)));
      if (input::parse(view[key].dump()) != j[key])
        return field_error(errc::invalid_argument, key, "does not match the payload (it holds " + view[key].dump() + ")");
    }
  }
  if (find(j, "id")) {
    auto id = read_fixed_hex<32>(j, "id");
    if (!id)
      return id.error();
    if (*id != signing_hash(*decoded))
      return field_error(errc::invalid_argument, "id", "does not match the transaction's fields (their id is "
                                                         + to_hex(signing_hash(*decoded)) + ")");
  }
  if (find(j, "sender_address")) {
    auto a = read_address(j, "sender_address");
    if (!a)
      return a.error();
    if (*a != address_of(decoded->sender))
      return field_error(errc::invalid_argument, "sender_address", "is not the address of 'sender'");
  }
  return std::move(*decoded);
}

/// Deepest nesting of arrays and objects in JSON text (strings skipped); cheap, and it keeps
/// hostile nesting away from the parser.
std::size_t nesting_depth(std::string_view text) {
  std::size_t depth = 0;
  std::size_t deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '[' || c == '{')
      deepest = std::max(deepest, ++depth);
    else if ((c == ']' || c == '}') && depth > 0)
      --depth;
  }
  return deepest;
}

} // namespace

std::string_view to_string(edge_reason reason) noexcept {
  switch (reason) {
    case edge_reason::rate_limited: return "rate_limited";
    case edge_reason::timeout: return "timeout";
    case edge_reason::unavailable: return "unavailable";
    case edge_reason::method_not_allowed: return "method_not_allowed";
    case edge_reason::unsupported_media_type: return "unsupported_media_type";
    case edge_reason::internal: return "internal";
    case edge_reason::unauthenticated: return "unauthenticated";
    case edge_reason::too_many_connections: return "too_many_connections";
    case edge_reason::too_many_client_connections: return "too_many_client_connections";
    case edge_reason::busy: return "busy";
    case edge_reason::header_too_large: return "header_too_large";
    case edge_reason::request_timeout: return "request_timeout";
  }
  return "unknown";
}

std::string_view kind_name(tx_kind kind) noexcept {
  std::string_view name = "unknown";
  [&]<class... Ts>(type_list<Ts...>) {
    ((Ts::kind_number == kind ? (name = Ts::name, true) : false) || ...);
  }(all_payloads{});
  return name;
}

std::string_view tx_state_name(tx_state state) noexcept {
  switch (state) {
    case tx_state::unknown: return "unknown";
    case tx_state::pending: return "pending";
    case tx_state::included: return "included";
    case tx_state::final: return "final";
    case tx_state::rejected: return "rejected";
  }
  return "unknown";
}

std::string_view vm_status_name(std::uint8_t status) noexcept {
  switch (static_cast<vm_status>(status)) {
    case vm_status::active: return "active";
    case vm_status::demoted: return "demoted";
    case vm_status::slashed: return "slashed";
  }
  return "unknown";
}

std::string transaction_hex(const transaction& tx) {
  return to_hex(codec::encode(tx));
}

result<transaction> transaction_from_hex(std::string_view text) {
  text = trim(text);
  if (text.empty())
    return make_error(errc::bad_hex, "no hex given");
  auto raw = from_hex(text);
  if (!raw)
    return raw.error();
  return codec::decode_transaction(*raw);
}

json_object transaction_json(const transaction& tx, signature_report report) {
  json_object j;
  j["id"] = to_hex(signing_hash(tx));
  j["chain"] = tx.chain;
  j["kind"] = kind_name(tx.kind());
  j["sender"] = to_hex(tx.sender);
  j["sender_address"] = format_address(address_of(tx.sender));
  j["nonce"] = tx.nonce;
  add_amount(j, "fee", tx.fee);
  j["expiry"] = tx.expiry;
  add_payload(j, tx.payload);
  j["signature"] = to_hex(tx.sig);
  if (report == signature_report::include)
    j["signature_valid"] = verify_signature(tx);
  return j;
}

json_object header_json(const block_header& h) {
  json_object j;
  j["hash"] = to_hex(header_hash(h));
  j["chain"] = h.chain;
  j["height"] = h.height;
  j["round"] = h.round;
  j["slot"] = h.slot;
  j["producer"] = to_hex(h.producer);
  j["producer_address"] = format_address(address_of(h.producer));
  j["parent"] = to_hex(h.parent);
  j["timestamp_ms"] = h.timestamp_ms;
  j["tx_root"] = to_hex(h.tx_root);
  j["state_root"] = to_hex(h.state_root);
  j["outbox_root"] = to_hex(h.outbox_root);
  j["reveal"] = to_hex(h.reveal);
  j["work_nonce"] = h.work_nonce;
  j["signature"] = to_hex(h.sig);
  return j;
}

json_object block_json(const block& b) {
  json_object j;
  j["hash"] = to_hex(header_hash(b.header));
  j["height"] = b.header.height;
  j["header"] = header_json(b.header);
  j["tx_count"] = b.txs.size();
  auto txs = json_object::array();
  for (const auto& tx : b.txs)
    txs.push_back(transaction_json(tx, signature_report::omit));
  j["transactions"] = std::move(txs);
  return j;
}

json_object tx_status_json(const hash256& id, const tx_status& status) {
  const auto state = static_cast<tx_state>(status.state);
  json_object j;
  j["id"] = to_hex(id);
  j["status"] = tx_state_name(state);
  if (state == tx_state::included || state == tx_state::final) {
    j["height"] = status.height;
    j["index"] = status.index;
    j["block"] = to_hex(status.block);
  }
  if (state == tx_state::rejected) {
    const auto code = static_cast<errc>(status.code);
    j["reason"] = reason_json(to_string(code), status.code, status.detail);
  }
  if (status.tx)
    j["transaction"] = transaction_json(*status.tx, signature_report::omit);
  return j;
}

json_object account_json(const address& addr, const account_summary& account) {
  json_object j;
  j["address"] = format_address(addr);
  add_amount(j, "balance", account.balance);
  j["nonce"] = account.nonce;
  return j;
}

json_object delegate_json(const delegate_summary& d, const consensus_params& params) {
  json_object j;
  j["key"] = to_hex(d.key);
  j["address"] = format_address(address_of(d.key));
  add_category(j, &d, params);
  j["status"] = vm_status_name(d.status);
  j["in_cluster"] = d.in_cluster;
  add_amount(j, "bid", d.bid);
  add_amount(j, "votes", d.votes);
  j["blocks_produced"] = d.blocks_produced;
  j["slots_missed"] = d.slots_missed;
  j["txs_included"] = d.txs_included;
  add_amount(j, "rewards", d.rewards);
  return j;
}

json_object slot_json(const slot_info& slot, const std::vector<delegate_summary>& delegates,
                      const consensus_params& params) {
  json_object j;
  j["global_slot"] = slot.global_slot;
  j["round"] = slot.round;
  j["slot"] = slot.slot;
  j["producer"] = to_hex(slot.producer);
  j["producer_address"] = format_address(address_of(slot.producer));
  add_category(j, find_delegate(delegates, slot.producer), params);
  j["start_ms"] = slot.start_ms;
  j["end_ms"] = slot.end_ms;
  j["max_blocks"] = slot.max_blocks;
  j["max_txs"] = slot.max_txs;
  j["blocks"] = slot.blocks_in_slot;
  return j;
}

json_object chain_info_json(const chain_info& info, const std::vector<delegate_summary>& delegates,
                            const consensus_params& params) {
  json_object j;
  j["chain"] = info.chain;
  j["head"] = {{"height", info.head_height}, {"hash", to_hex(info.head_hash)}};
  j["final"] = {{"height", info.final_height}, {"hash", to_hex(info.final_hash)}};
  j["round"] = info.round;
  j["epoch"] = info.epoch;
  j["state_root"] = to_hex(info.state_root);
  add_amount(j, "total_supply", info.total_supply);
  j["genesis_time_ms"] = params.genesis_time_ms;
  j["slot_ms"] = params.slot_ms;
  auto categories = json_object::array();
  for (std::size_t i = 0; i < params.categories.size(); ++i)
    categories.push_back({{"category", i},
                          {"name", params.categories[i].name},
                          {"compute_weight", params.categories[i].compute_weight}});
  j["categories"] = std::move(categories);
  // What a client needs to check fees, rewards and blocks by itself (docs/http.md GET /v1/info).
  json_object p;
  p["rounds_per_epoch"] = params.rounds_per_epoch;
  add_amount(p, "min_bid", params.min_bid);
  add_amount(p, "block_reward", params.block_reward);
  p["work_bits"] = params.work_bits;
  p["base_block_txs"] = params.base_block_txs;
  auto limits = json_object::array();
  for (const auto& c : params.categories)
    limits.push_back(static_cast<std::uint64_t>(params.base_block_txs) * c.compute_weight);
  p["block_txs_by_category"] = std::move(limits);
  p["miss_limit"] = params.miss_limit;
  j["params"] = std::move(p);
  auto order = json_object::array();
  for (std::size_t i = 0; i < info.order.size(); ++i) {
    json_object s;
    s["slot"] = i;
    s["producer"] = to_hex(info.order[i]);
    s["producer_address"] = format_address(address_of(info.order[i]));
    add_category(s, find_delegate(delegates, info.order[i]), params);
    order.push_back(std::move(s));
  }
  j["order"] = std::move(order);
  return j;
}

json_object error_json(const error& err) {
  json_object j;
  j["error"] = reason_json(to_string(err.code), static_cast<std::uint16_t>(err.code), err.detail);
  return j;
}

json_object error_json(edge_reason reason, std::string_view detail) {
  json_object j;
  j["error"] = reason_json(to_string(reason), static_cast<std::uint16_t>(reason), detail);
  return j;
}

std::string json_text(const json_object& j) {
  return j.dump(-1, ' ', false, json_object::error_handler_t::replace);
}

namespace {

/// A submitted JSON object: depth-bounded before parsing; syntax errors as values.
result<input> parse_submission_object(std::string_view body, std::string_view empty_hint) {
  if (trim(body).empty())
    return make_error(errc::malformed, "empty body: " + std::string(empty_hint));
  if (nesting_depth(body) > max_submission_depth)
    return make_error(errc::too_deep, "JSON nested deeper than " + std::to_string(max_submission_depth));
  input j;
  try {
    j = input::parse(body);
  } catch (const input::exception& e) {
    // nlohmann reports syntax errors only by exception: turn it into a value here.
    std::string what = e.what();
    if (auto close = what.find("] "); what.starts_with("[json.exception") && close != std::string::npos)
      what.erase(0, close + 2);
    if (what.size() > max_detail_length)
      what.resize(max_detail_length);
    return make_error(errc::malformed, "the body is not JSON: " + what);
  }
  if (!j.is_object())
    return make_error(errc::malformed, "expected a JSON object");
  return j;
}

} // namespace

result<tx_payload> parse_payload_submission(std::string_view body) {
  auto parsed = parse_submission_object(body, "send {\"kind\": \"<kind>\", ...the payload's fields}");
  if (!parsed)
    return parsed.error();
  input& j = *parsed;
  static constexpr std::array<std::string_view, 11> signer_fields = {
    "chain", "sender", "sender_address", "nonce", "fee", "fee_units", "expiry", "signature", "signature_valid",
    "id", "hex"};
  for (const auto& item : j.items())
    if (std::find(signer_fields.begin(), signer_fields.end(), item.key()) != signer_fields.end())
      return field_error(errc::invalid_argument, item.key(),
                         "is set by the signer (--chain, --nonce, --fee, --expiry, --key), not by the payload");
  // The transaction's own fields as placeholders: the fields are then read, cross-checked and
  // bounded exactly as a submitted transaction's are.
  j["chain"] = mainchain_id;
  j["sender"] = std::string(64, '0');
  j["nonce"] = std::uint64_t{0};
  j["fee_units"] = std::uint64_t{0};
  j["expiry"] = std::uint64_t{0};
  j["signature"] = std::string(128, '0');
  auto tx = transaction_from_fields(j);
  if (!tx)
    return tx.error();
  return std::move(tx->payload);
}

std::optional<std::string_view> bare_hex_submission(std::string_view body) {
  std::size_t at = 0;
  auto token = [&](std::string_view t) {
    while (at < body.size() && (body[at] == ' ' || body[at] == '\t' || body[at] == '\n' || body[at] == '\r'))
      ++at;
    if (body.substr(at, t.size()) != t)
      return false;
    at += t.size();
    return true;
  };
  if (!token("{") || !token("\"hex\"") || !token(":") || !token("\""))
    return std::nullopt;
  const auto first = at;
  while (at < body.size() && std::isxdigit(static_cast<unsigned char>(body[at])))
    ++at;
  const auto digits = body.substr(first, at - first);
  if (at >= body.size() || body[at++] != '"' || !token("}") || !trim(body.substr(at)).empty())
    return std::nullopt;
  return digits;
}

result<transaction> parse_transaction_submission(std::string_view body) {
  if (auto hex = bare_hex_submission(body))
    return transaction_from_hex(*hex);
  auto parsed = parse_submission_object(body, "send {\"hex\": \"<canonical transaction hex>\"} or the "
                                              "transaction's fields");
  if (!parsed)
    return parsed.error();
  const input& j = *parsed;
  if (const auto* hex = find(j, "hex")) {
    if (j.size() != 1)
      return make_error(errc::malformed, "'hex' cannot be combined with other fields");
    if (!hex->is_string())
      return field_error(errc::malformed, "hex", "expected a string");
    return transaction_from_hex(hex->get_ref<const std::string&>());
  }
  return transaction_from_fields(j);
}

result<std::vector<result<transaction>>> parse_transaction_batch(std::string_view body) {
  if (nesting_depth(body) > max_submission_depth)
    return make_error(errc::too_deep, "JSON nested deeper than " + std::to_string(max_submission_depth));
  input j;
  try {
    j = input::parse(body);
  } catch (const input::exception&) {
    return make_error(errc::malformed, "the body is not JSON: send {\"txs\": [\"<hex>\", ...]}");
  }
  const auto* txs = j.is_object() && j.size() == 1 ? find(j, "txs") : nullptr;
  if (!txs || !txs->is_array())
    return make_error(errc::malformed, "expected {\"txs\": [\"<canonical transaction hex>\", ...]}");
  if (txs->empty())
    return make_error(errc::malformed, "'txs' is empty");
  if (txs->size() > max_batch_transactions)
    return make_error(errc::too_large, "more than " + std::to_string(max_batch_transactions) + " transactions");
  std::vector<result<transaction>> out;
  out.reserve(txs->size());
  for (const auto& item : *txs) {
    if (!item.is_string())
      out.emplace_back(make_error(errc::malformed, "each item of 'txs' must be a hex string"));
    else
      out.emplace_back(transaction_from_hex(item.get_ref<const std::string&>()));
  }
  return out;
}

} // namespace bfd

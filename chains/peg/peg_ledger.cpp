#include "chains/peg/peg_ledger.hpp"
#include "chains/core/big_endian.hpp"

#include <fmt/format.h>

#include "chains/crypto/hash.hpp"

namespace bfd::peg {

namespace {

bytes be64(std::uint64_t v) {
  bytes out;
  put_be(out, v, 8);
  return out;
}

bytes id_key(char table, const message_id& id) {
  bytes k{static_cast<byte>(table)};
  auto b = id_bytes(id);
  k.insert(k.end(), b.begin(), b.end());
  return k;
}

bytes escrow_key(const std::string& denom, chain_id counterparty) {
  bytes k{'e'};
  put_be(k, counterparty, 4);
  k.insert(k.end(), denom.begin(), denom.end());
  return k;
}

bytes voucher_key(const std::string& denom, const address& owner) {
  bytes k{'v'};
  k.insert(k.end(), owner.begin(), owner.end());
  k.insert(k.end(), denom.begin(), denom.end());
  return k;
}

const bytes sequence_key{'s'};

bytes lock_key(byte_view key) {
  bytes k{'x'};
  k.insert(k.end(), key.begin(), key.end());
  return k;
}

bytes object_key(chain_id chain, byte_view key) {
  bytes k{'o'};
  put_be(k, chain, 4);
  k.insert(k.end(), key.begin(), key.end());
  return k;
}

// A 'd' record's byte: the state, with this bit set for a metadata operation (so its phase is
// known after the message itself is gone).
constexpr byte op_flag = 0x80;

// An acknowledgement's detail: printable ASCII, at most bounds::max_detail bytes.
std::string ack_detail(std::string s) {
  for (auto& c : s)
    if (c < 0x20 || c > 0x7e)
      c = '?';
  if (s.size() > bounds::max_detail)
    s.resize(bounds::max_detail);
  return s;
}

// A key for people: hex, the first 16 bytes only.
std::string key_text(byte_view key) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out = "0x";
  for (std::size_t i = 0; i < key.size() && i < 16; ++i) {
    out.push_back(digits[key[i] >> 4]);
    out.push_back(digits[key[i] & 15]);
  }
  if (key.size() > 16)
    out += "..";
  return out;
}

error corrupt(const char* what) {
  return make_error(errc::storage_corrupt, std::string("peg ledger record: ") + what);
}

} // namespace

// --- the life of a message -----------------------------------------------------------------

result<send_result> peg_ledger::send(const send_request& r) {
  if (r.destination == self_)
    return make_error(errc::wrong_chain, "a peg message goes to another chain");
  if (r.timeout_height == 0)
    return make_error(errc::invalid_argument, "timeout height must be above zero");
  send_result out;
  out.message.id = {self_, next_sequence_};
  out.message.destination = r.destination;
  out.message.sender = r.sender;
  out.message.receiver = r.receiver;
  std::visit([&](const auto& p) { out.message.payload = p; }, r.payload);
  out.message.timeout_height = r.timeout_height;
  if (const auto* t = std::get_if<asset_transfer>(&r.payload)) {
    if (!valid_denom(t->denom))
      return make_error(errc::invalid_argument, fmt::format("denom {:?} is not a valid trace", t->denom));
    if (t->value == 0)
      return make_error(errc::zero_amount, "a transfer moves at least one unit");
    if (is_native(t->denom)) {
      if (!voucher_denom(self_, t->denom))
        return make_error(errc::invalid_argument, "the voucher trace would be too long");
      auto total = checked_add(escrowed(t->denom, r.destination), t->value);
      if (!total)
        return make_error(errc::overflow, "escrow would overflow");
      set_escrow(t->denom, r.destination, *total);
      out.move = native_move{native_move::direction::debit, r.sender, t->denom, t->value};
    } else {
      if (voucher_origin(t->denom) != r.destination)
        return make_error(errc::invalid_argument,
                          fmt::format("voucher {} goes back only to the chain it came from", t->denom));
      const auto have = voucher_balance(t->denom, r.sender);
      if (have < t->value)
        return make_error(errc::insufficient_funds, fmt::format("voucher balance {} < {}", have, t->value));
      set_voucher(t->denom, r.sender, have - t->value);  // burned
    }
  } else {
    if (auto st = validate_op(std::get<metadata_op>(r.payload)); !st)
      return st.error();
  }
  emit(out.message);
  return out;
}

void peg_ledger::emit(peg_message& m) {
  m.id = {self_, next_sequence_};
  put(id_key('f', m.id), codec::encode(m));
  const byte flag = std::holds_alternative<metadata_op>(m.payload) ? op_flag : 0;
  put(id_key('d', m.id), bytes{static_cast<byte>(static_cast<byte>(message_state::in_flight) | flag)});
  put(sequence_key, be64(next_sequence_ + 1));
}

status validate_op(const metadata_op& op) {
  if (op.operation.empty() || op.operation.size() > bounds::max_operation || op.keys.size() > bounds::max_keys
      || op.body.size() > bounds::max_body)
    return make_error(errc::invalid_argument, "metadata operation over its bounds");
  if (op.keys.empty())
    return make_error(errc::invalid_argument, "a metadata operation locks at least one key");
  std::set<bytes> seen;
  for (const auto& k : op.keys) {
    if (k.empty() || k.size() > bounds::max_key)
      return make_error(errc::invalid_argument, "a locked key has 1-64 bytes");
    if (!seen.insert(k).second)
      return make_error(errc::invalid_argument, fmt::format("key {} appears twice", key_text(k)));
  }
  return {};
}

// --- the lock store: prepare on the destination, commit on the notice ------------------------

void peg_ledger::prepare(const peg_message& m, const metadata_op& op, peg_ack& ack, const metadata_rule* rule) {
  auto fail = [&](failure_code code, std::string detail) {
    ack.code = code;
    ack.detail = ack_detail(std::move(detail));
  };
  if (auto st = validate_op(op); !st)
    return fail(failure_code::refused, st.error().detail);
  for (const auto& k : op.keys)
    if (auto holder = locked_by(k))
      return fail(failure_code::locked,
                  fmt::format("key {} is locked by operation {}:{}", key_text(k), holder->source, holder->sequence));
  if (rule && *rule)
    if (auto why = (*rule)(m))
      return fail(failure_code::refused, *why);
  for (const auto& k : op.keys)
    put(lock_key(k), id_bytes(m.id));
  put(id_key('p', m.id), codec::encode(m));
}

void peg_ledger::commit(const peg_message& notice, const metadata_commit& c, peg_ack& ack) {
  auto it = prepared_.find(c.op);
  if (c.op.source != notice.id.source || it == prepared_.end()) {
    // Unreachable between honest chains: a source commits only what this chain acknowledged
    // as prepared. Refused (the receipt still makes a replay a duplicate).
    ack.code = failure_code::refused;
    ack.detail = fmt::format("no operation {}:{} is prepared here", c.op.source, c.op.sequence);
    return;
  }
  const peg_message op_msg = it->second;
  const auto& op = std::get<metadata_op>(op_msg.payload);
  for (const auto& k : op.keys) {
    put_object(self_, k, c.op, op.body);
    if (locked_by(k) == c.op)
      put(lock_key(k), std::nullopt);
  }
  put(id_key('p', c.op), std::nullopt);
}

void peg_ledger::put_object(chain_id chain, const bytes& key, const message_id& op, const bytes& body) {
  bytes v = id_bytes(op);
  v.insert(v.end(), body.begin(), body.end());
  put(object_key(chain, key), std::move(v));
}

std::optional<message_id> peg_ledger::locked_by(byte_view key) const {
  auto it = locks_.find(bytes(key.begin(), key.end()));
  if (it == locks_.end())
    return std::nullopt;
  return it->second;
}

status peg_ledger::check_write(byte_view key) const {
  if (auto holder = locked_by(key))
    return make_error(errc::locked, fmt::format("object {} is locked by metadata operation {}:{} until it commits",
                                                key_text(key), holder->source, holder->sequence));
  return {};
}

std::optional<metadata_object> peg_ledger::object(chain_id chain, byte_view key) const {
  auto it = objects_.find({chain, bytes(key.begin(), key.end())});
  if (it == objects_.end())
    return std::nullopt;
  return it->second;
}

std::optional<op_phase> peg_ledger::phase_of(const message_id& id) const {
  if (prepared_.count(id))
    return op_phase::locked;
  if (id.source != self_ || !ops_.count(id))
    return std::nullopt;
  switch (*state_of(id)) {
    case message_state::in_flight: return op_phase::preparing;
    case message_state::delivered: return op_phase::committed;
    default: return op_phase::aborted;
  }
}

result<receive_result> peg_ledger::receive(const peg_message& m, std::uint64_t height, const metadata_rule* rule) {
  if (m.destination != self_)
    return make_error(errc::wrong_chain, fmt::format("message for chain {} delivered to {}", m.destination, self_));
  if (m.id.source == self_)
    return make_error(errc::wrong_chain, "a chain does not receive its own messages");
  if (receipts_.count(m.id))
    return make_error(errc::duplicate, fmt::format("message {}/{} was received before", m.id.source, m.id.sequence));
  if (timed_out_at(m.timeout_height, height))
    return make_error(errc::expired, fmt::format("timeout height {} reached at {}", m.timeout_height, height));
  receive_result out;
  out.ack.id = m.id;
  auto fail = [&](failure_code code, std::string detail) {
    out.ack.code = code;
    out.ack.detail = std::move(detail);
  };
  if (const auto* t = std::get_if<asset_transfer>(&m.payload)) {
    if (voucher_origin(t->denom) == self_) {
      // Our own asset coming home: unlock it from the escrow kept for the sender's chain.
      const std::string base(unwind(t->denom));
      const auto held = escrowed(base, m.id.source);
      if (held < t->value) {
        fail(failure_code::insufficient_escrow, fmt::format("escrow holds {}", held));
      } else {
        set_escrow(base, m.id.source, held - t->value);
        if (is_native(base))
          out.move = native_move{native_move::direction::credit, m.receiver, base, t->value};
        else
          set_voucher(base, m.receiver, voucher_balance(base, m.receiver) + t->value);
      }
    } else if (auto voucher = voucher_denom(m.id.source, t->denom)) {
      const auto balance = checked_add(voucher_balance(*voucher, m.receiver), t->value);
      const auto supply = checked_add(voucher_supply(*voucher), t->value);
      if (!balance || !supply)
        fail(failure_code::refused, "voucher supply would overflow");
      else
        set_voucher(*voucher, m.receiver, *balance);
    } else {
      fail(failure_code::bad_denom, "voucher trace too long");
    }
  } else if (const auto* op = std::get_if<metadata_op>(&m.payload)) {
    prepare(m, *op, out.ack, rule);
  } else {
    commit(m, std::get<metadata_commit>(m.payload), out.ack);
  }
  put(id_key('r', m.id), codec::encode(out.ack));
  return out;
}

void peg_ledger::settle(const peg_message& m, message_state state) {
  put(id_key('f', m.id), std::nullopt);
  const byte flag = std::holds_alternative<metadata_op>(m.payload) ? op_flag : 0;
  put(id_key('d', m.id), bytes{static_cast<byte>(static_cast<byte>(state) | flag)});
}

std::optional<native_move> peg_ledger::refund(const peg_message& m) {
  const auto* t = std::get_if<asset_transfer>(&m.payload);
  if (!t)
    return std::nullopt;
  if (is_native(t->denom)) {
    set_escrow(t->denom, m.destination, escrowed(t->denom, m.destination) - t->value);
    return native_move{native_move::direction::credit, m.sender, t->denom, t->value};
  }
  set_voucher(t->denom, m.sender, voucher_balance(t->denom, m.sender) + t->value);  // re-minted
  return std::nullopt;
}

namespace {
status not_in_flight(const peg_ledger& l, const message_id& id) {
  auto state = l.state_of(id);
  if (!state)
    return make_error(errc::not_found, fmt::format("no message {}/{} was sent", id.source, id.sequence));
  static constexpr const char* names[] = {"in flight", "delivered", "failed and refunded", "timed out and refunded"};
  return make_error(errc::wrong_status, fmt::format("message {}/{} is already settled: {}", id.source, id.sequence,
                                                    names[static_cast<int>(*state)]));
}
} // namespace

result<settle_result> peg_ledger::acknowledge(const peg_ack& a, chain_id from) {
  auto it = in_flight_.find(a.id);
  if (it == in_flight_.end())
    return not_in_flight(*this, a.id).error();
  const peg_message m = it->second;
  if (from != m.destination)
    return make_error(errc::wrong_chain, fmt::format("acknowledgement from chain {}, message went to {}", from,
                                                     m.destination));
  settle_result out;
  if (a.success()) {
    out.state = message_state::delivered;
    if (const auto* op = std::get_if<metadata_op>(&m.payload)) {
      // The decision: committed here, and the notice tells the destination to commit too.
      for (const auto& k : op->keys)
        put_object(m.destination, k, m.id, op->body);
      peg_message notice;
      notice.destination = m.destination;
      notice.sender = m.sender;
      notice.receiver = m.receiver;
      notice.payload = metadata_commit{m.id};
      notice.timeout_height = no_timeout;
      settle(m, out.state);
      emit(notice);
      out.notice = std::move(notice);
      return out;
    }
  } else {
    out.state = message_state::failed;
    out.move = refund(m);
  }
  settle(m, out.state);
  return out;
}

result<settle_result> peg_ledger::timeout(const message_id& id, std::uint64_t proven_height) {
  auto it = in_flight_.find(id);
  if (it == in_flight_.end())
    return not_in_flight(*this, id).error();
  const peg_message m = it->second;
  if (std::holds_alternative<metadata_commit>(m.payload))
    return make_error(errc::wrong_status, fmt::format("message {}/{} is a commit notice: it never times out",
                                                      id.source, id.sequence));
  if (!timed_out_at(m.timeout_height, proven_height))
    return make_error(errc::bad_proof, fmt::format("non-receipt shown at height {}, below the timeout {}",
                                                   proven_height, m.timeout_height));
  settle_result out{message_state::timed_out, refund(m)};
  settle(m, out.state);
  return out;
}

// --- queries ---------------------------------------------------------------------------------

amount peg_ledger::escrowed(const std::string& denom, chain_id counterparty) const {
  auto it = escrow_.find({denom, counterparty});
  return it == escrow_.end() ? 0 : it->second;
}

status peg_ledger::move_voucher(const std::string& denom, const address& from, const address& to, amount value) {
  if (is_native(denom))
    return make_error(errc::invalid_argument, denom + " is not a voucher");
  const auto have = voucher_balance(denom, from);
  if (have < value)
    return make_error(errc::insufficient_funds, fmt::format("voucher balance of {} is {}, {} needed", denom, have, value));
  if (value == 0 || from == to)
    return {};
  const auto dst = checked_add(voucher_balance(denom, to), value);
  if (!dst)
    return make_error(errc::overflow, "voucher balance past 2^64-1");
  set_voucher(denom, from, have - value);
  set_voucher(denom, to, *dst);
  return {};
}

amount peg_ledger::voucher_balance(const std::string& denom, const address& owner) const {
  auto it = vouchers_.find({denom, owner});
  return it == vouchers_.end() ? 0 : it->second;
}

amount peg_ledger::voucher_supply(const std::string& denom) const {
  auto it = supply_.find(denom);
  return it == supply_.end() ? 0 : it->second;
}

const peg_message* peg_ledger::in_flight(const message_id& id) const {
  auto it = in_flight_.find(id);
  return it == in_flight_.end() ? nullptr : &it->second;
}

std::optional<message_state> peg_ledger::state_of(const message_id& id) const {
  auto it = settled_.find(id);
  if (it == settled_.end())
    return std::nullopt;
  return it->second;
}

std::optional<peg_ack> peg_ledger::receipt(const message_id& id) const {
  auto it = receipts_.find(id);
  if (it == receipts_.end())
    return std::nullopt;
  return it->second;
}

// --- records: every change goes through put(), which journals and marks it dirty -------------

void peg_ledger::set_escrow(const std::string& denom, chain_id counterparty, amount value) {
  put(escrow_key(denom, counterparty), value ? std::optional<bytes>(be64(value)) : std::nullopt);
}

void peg_ledger::set_voucher(const std::string& denom, const address& owner, amount value) {
  put(voucher_key(denom, owner), value ? std::optional<bytes>(be64(value)) : std::nullopt);
}

void peg_ledger::put(bytes key, std::optional<bytes> value) {
  journal_.emplace_back(key, current(key));
  dirty_.insert(key);
  (void)apply_record(key, value);  // our own records: always well formed
}

std::optional<bytes> peg_ledger::current(const bytes& key) const {
  if (key == sequence_key)
    return be64(next_sequence_);
  if (key.size() == 13 && (key[0] == 'f' || key[0] == 'd' || key[0] == 'r' || key[0] == 'p')) {
    const message_id id{static_cast<chain_id>(get_be(&key[1], 4)), get_be(&key[5], 8)};
    if (key[0] == 'f') {
      if (auto it = in_flight_.find(id); it != in_flight_.end())
        return codec::encode(it->second);
    } else if (key[0] == 'p') {
      if (auto it = prepared_.find(id); it != prepared_.end())
        return codec::encode(it->second);
    } else if (key[0] == 'd') {
      if (auto it = settled_.find(id); it != settled_.end())
        return bytes{static_cast<byte>(static_cast<byte>(it->second) | (ops_.count(id) ? op_flag : 0))};
    } else if (auto it = receipts_.find(id); it != receipts_.end()) {
      return codec::encode(it->second);
    }
    return std::nullopt;
  }
  if (key.size() >= 2 && key[0] == 'x') {
    if (auto holder = locked_by(byte_view{key.data() + 1, key.size() - 1}))
      return id_bytes(*holder);
    return std::nullopt;
  }
  if (key.size() >= 6 && key[0] == 'o') {
    auto o = object(static_cast<chain_id>(get_be(&key[1], 4)), byte_view{key.data() + 5, key.size() - 5});
    if (!o)
      return std::nullopt;
    bytes v = id_bytes(o->op);
    v.insert(v.end(), o->body.begin(), o->body.end());
    return v;
  }
  if (key.size() >= 5 && key[0] == 'e') {
    const auto v = escrowed(std::string(key.begin() + 5, key.end()), static_cast<chain_id>(get_be(&key[1], 4)));
    return v ? std::optional<bytes>(be64(v)) : std::nullopt;
  }
  if (key.size() >= 21 && key[0] == 'v') {
    address owner;
    std::copy(key.begin() + 1, key.begin() + 21, owner.begin());
    const auto v = voucher_balance(std::string(key.begin() + 21, key.end()), owner);
    return v ? std::optional<bytes>(be64(v)) : std::nullopt;
  }
  return std::nullopt;
}

status peg_ledger::apply_record(const bytes& key, const std::optional<bytes>& value) {
  root_cache_.reset();
  if (key.empty())
    return corrupt("empty key");
  auto amount_of = [&]() -> std::optional<amount> {
    if (!value)
      return amount{0};
    if (value->size() != 8)
      return std::nullopt;
    return get_be(value->data(), 8);
  };
  switch (key[0]) {
    case 's': {
      if (key.size() != 1 || !value || value->size() != 8)
        return corrupt("sequence");
      next_sequence_ = get_be(value->data(), 8);
      return {};
    }
    case 'e': {
      auto v = amount_of();
      const std::string denom(key.begin() + std::min<std::size_t>(5, key.size()), key.end());
      if (key.size() < 5 || !v || (value && *v == 0) || !valid_denom(denom) || !is_native(denom))
        return corrupt("escrow");
      const std::pair k{denom, static_cast<chain_id>(get_be(&key[1], 4))};
      if (*v)
        escrow_[k] = *v;
      else
        escrow_.erase(k);
      return {};
    }
    case 'v': {
      auto v = amount_of();
      const std::string denom(key.begin() + std::min<std::size_t>(21, key.size()), key.end());
      if (key.size() < 21 || !v || (value && *v == 0) || !valid_denom(denom) || is_native(denom))
        return corrupt("voucher");
      address owner;
      std::copy(key.begin() + 1, key.begin() + 21, owner.begin());
      const std::pair k{denom, owner};
      const amount old = voucher_balance(denom, owner);
      auto& s = supply_[denom];
      s = s - old + *v;
      if (s == 0)
        supply_.erase(denom);
      if (*v)
        vouchers_[k] = *v;
      else
        vouchers_.erase(k);
      return {};
    }
    case 'x': {
      if (key.size() < 2 || key.size() > 1 + bounds::max_key || (value && value->size() != 12))
        return corrupt("lock");
      bytes k(key.begin() + 1, key.end());
      if (value)
        locks_[std::move(k)] = message_id{static_cast<chain_id>(get_be(value->data(), 4)), get_be(value->data() + 4, 8)};
      else
        locks_.erase(k);
      return {};
    }
    case 'o': {
      if (key.size() < 6 || key.size() > 5 + bounds::max_key || (value && (value->size() < 12 || value->size() > 12 + bounds::max_body)))
        return corrupt("metadata object");
      std::pair k{static_cast<chain_id>(get_be(&key[1], 4)), bytes(key.begin() + 5, key.end())};
      if (value)
        objects_[std::move(k)] = metadata_object{
          message_id{static_cast<chain_id>(get_be(value->data(), 4)), get_be(value->data() + 4, 8)},
          bytes(value->begin() + 12, value->end())};
      else
        objects_.erase(k);
      return {};
    }
    case 'f':
    case 'd':
    case 'p':
    case 'r': break;
    default: return corrupt("unknown table");
  }
  if (key.size() != 13)
    return corrupt("message id key");
  const message_id id{static_cast<chain_id>(get_be(&key[1], 4)), get_be(&key[5], 8)};
  if (key[0] == 'f') {
    if (!value) {
      in_flight_.erase(id);
      return {};
    }
    auto m = codec::decode_peg_message(*value);
    if (!m || m->id != id || id.source != self_)
      return corrupt("message in flight");
    in_flight_[id] = std::move(*m);
  } else if (key[0] == 'd') {
    if (!value) {
      settled_.erase(id);
      ops_.erase(id);
      return {};
    }
    if (value->size() != 1 || ((*value)[0] & ~op_flag) > static_cast<byte>(message_state::timed_out))
      return corrupt("message state");
    settled_[id] = static_cast<message_state>((*value)[0] & ~op_flag);
    if ((*value)[0] & op_flag)
      ops_.insert(id);
    else
      ops_.erase(id);
  } else if (key[0] == 'p') {
    if (!value) {
      prepared_.erase(id);
      return {};
    }
    auto m = codec::decode_peg_message(*value);
    if (!m || m->id != id || m->destination != self_ || !std::holds_alternative<metadata_op>(m->payload))
      return corrupt("prepared operation");
    prepared_[id] = std::move(*m);
  } else {
    if (!value) {
      receipts_.erase(id);
      tree_.set(receipt_key(id), std::nullopt);
    } else {
      auto a = codec::decode_peg_ack(*value);
      if (!a || a->id != id)
        return corrupt("receipt");
      tree_.set(receipt_key(id), ack_hash(*a));
      receipts_[id] = std::move(*a);
    }
    tree_.release_undo();  // the tree is derived from receipts_: the peg journal undoes both
  }
  return {};
}

void peg_ledger::rollback(std::size_t mark) {
  while (journal_.size() > mark) {
    auto [key, old] = std::move(journal_.back());
    journal_.pop_back();
    dirty_.insert(key);
    (void)apply_record(key, old);
  }
}

void peg_ledger::forget_journal(std::size_t count) {
  journal_.erase(journal_.begin(), journal_.begin() + static_cast<std::ptrdiff_t>(std::min(count, journal_.size())));
}

std::vector<peg_ledger::record> peg_ledger::dirty_records() const {
  std::vector<record> out;
  out.reserve(dirty_.size());
  for (const auto& key : dirty_)
    out.emplace_back(key, current(key));
  return out;
}

std::vector<std::pair<bytes, bytes>> peg_ledger::all_records() const {
  std::vector<std::pair<bytes, bytes>> out;
  out.emplace_back(sequence_key, be64(next_sequence_));
  for (const auto& [k, v] : escrow_)
    out.emplace_back(escrow_key(k.first, k.second), be64(v));
  for (const auto& [k, v] : vouchers_)
    out.emplace_back(voucher_key(k.first, k.second), be64(v));
  for (const auto& [id, m] : in_flight_)
    out.emplace_back(id_key('f', id), codec::encode(m));
  for (const auto& [id, s] : settled_)
    out.emplace_back(id_key('d', id), bytes{static_cast<byte>(s)});
  for (const auto& [id, a] : receipts_)
    out.emplace_back(id_key('r', id), codec::encode(a));
  for (const auto& [k, id] : locks_)
    out.emplace_back(lock_key(k), id_bytes(id));
  for (const auto& [id, m] : prepared_)
    out.emplace_back(id_key('p', id), codec::encode(m));
  for (const auto& [k, o] : objects_) {
    bytes v = id_bytes(o.op);
    v.insert(v.end(), o.body.begin(), o.body.end());
    out.emplace_back(object_key(k.first, k.second), std::move(v));
  }
  std::sort(out.begin(), out.end());
  return out;
}

void peg_ledger::mark_all_dirty() {
  for (auto& [k, v] : all_records())
    dirty_.insert(k);
}

result<peg_ledger> peg_ledger::restore(chain_id self, std::span<const std::pair<bytes, bytes>> records) {
  peg_ledger l(self);
  for (const auto& [k, v] : records)
    if (auto st = l.apply_record(k, v); !st)
      return st.error();
  if (auto st = l.check_locks(); !st)
    return st.error();
  l.dirty_.clear();
  return l;
}

status peg_ledger::check_locks() const {
  // Every lock names a prepared operation that lists its key, and every prepared operation
  // holds all its keys: a store missing either half is corrupt.
  std::size_t held = 0;
  for (const auto& [id, m] : prepared_)
    for (const auto& k : std::get<metadata_op>(m.payload).keys) {
      if (locked_by(k) != id)
        return corrupt("a prepared operation does not hold its lock");
      ++held;
    }
  if (held != locks_.size())
    return corrupt("a lock without its prepared operation");
  return {};
}

hash256 peg_ledger::ledger_root() const {
  // Every record but the sequence (in the module root) and the receipts (in the tree), in key
  // order, each as be16(key size) || key || be16(value size) || value. Linear in the state when
  // a record changed (the state root asks several times per block): cached until then.
  if (root_cache_)
    return *root_cache_;
  tagged_hasher h(hash_tag::peg_ledger);
  for (const auto& [k, v] : all_records()) {
    if (k[0] == 's' || k[0] == 'r')
      continue;
    bytes frame;
    put_be(frame, k.size(), 2);
    frame.insert(frame.end(), k.begin(), k.end());
    put_be(frame, v.size(), 2);
    frame.insert(frame.end(), v.begin(), v.end());
    h.update(frame);
  }
  root_cache_ = h.finish();
  return *root_cache_;
}

hash256 peg_module_root(const hash256& receipt_root, const hash256& ledger_root, std::uint64_t next_sequence) {
  bytes all(receipt_root.begin(), receipt_root.end());
  all.insert(all.end(), ledger_root.begin(), ledger_root.end());
  put_be(all, next_sequence, 8);
  return tagged_hash(hash_tag::peg_module, all);
}

hash256 peg_ledger::module_root() const {
  return peg_module_root(tree_.root(), ledger_root(), next_sequence_);
}

// --- conservation -------------------------------------------------------------------------

namespace {

bool received_ok(const peg_ledger& l, const message_id& id) {
  auto r = l.receipt(id);
  return r && r->success();
}

status conserve_one_way(const peg_ledger& x, const peg_ledger& y) {
  // denom -> (escrowed on x, accounted for elsewhere)
  std::map<std::string, std::pair<amount, unsigned __int128>> sums;
  const auto prefix = *voucher_denom(x.chain(), "");
  for (const auto& [id, m] : x.messages_in_flight()) {
    const auto* t = std::get_if<asset_transfer>(&m.payload);
    if (t && m.destination == y.chain() && is_native(t->denom) && !received_ok(y, id))
      sums[t->denom].second += t->value;
  }
  for (const auto& [id, m] : y.messages_in_flight()) {
    const auto* t = std::get_if<asset_transfer>(&m.payload);
    if (t && m.destination == x.chain() && voucher_origin(t->denom) == x.chain() && !received_ok(x, id))
      sums[std::string(unwind(t->denom))].second += t->value;
  }
  // Every denom either side knows of: x's escrows towards y, y's vouchers of x's assets.
  std::set<std::string> denoms;
  for (const auto& [d, s] : sums)
    denoms.insert(d);
  for (const auto& d : x.escrowed_denoms(y.chain()))
    denoms.insert(d);
  for (const auto& d : y.voucher_denoms())
    if (d.compare(0, prefix.size(), prefix) == 0 && is_native(d.substr(prefix.size())))
      denoms.insert(d.substr(prefix.size()));
  for (const auto& d : denoms) {
    const unsigned __int128 escrow = x.escrowed(d, y.chain());
    const unsigned __int128 other = sums[d].second + y.voucher_supply(prefix + d);
    if (escrow != other)
      return make_error(errc::supply_mismatch,
                        fmt::format("{} of chain {} towards chain {}: escrowed {} != minted + in flight {}", d,
                                    x.chain(), y.chain(), static_cast<std::uint64_t>(escrow),
                                    static_cast<std::uint64_t>(other)));
  }
  return {};
}

} // namespace

std::vector<std::string> peg_ledger::escrowed_denoms(chain_id counterparty) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : escrow_)
    if (k.second == counterparty)
      out.push_back(k.first);
  return out;
}

std::vector<std::string> peg_ledger::voucher_denoms() const {
  std::vector<std::string> out;
  for (const auto& [d, s] : supply_)
    out.push_back(d);
  return out;
}

status check_conservation(const peg_ledger& a, const peg_ledger& b) {
  if (auto st = conserve_one_way(a, b); !st)
    return st;
  return conserve_one_way(b, a);
}

} // namespace bfd::peg

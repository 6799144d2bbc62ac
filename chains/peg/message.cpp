#include "chains/peg/message.hpp"
#include "chains/codec/field_reader.hpp"


#include "chains/crypto/hash.hpp"

namespace bfd::peg {

namespace {

constexpr std::string_view prefix = "peg/";

bool base_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// Parses "<chain>/" at the start of `s` (after "peg/"): the chain and the rest, or nothing.
std::optional<std::pair<chain_id, std::string_view>> hop(std::string_view s) noexcept {
  if (s.substr(0, prefix.size()) != prefix)
    return std::nullopt;
  s.remove_prefix(prefix.size());
  const auto slash = s.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash > 10)
    return std::nullopt;
  const auto digits = s.substr(0, slash);
  if (digits.size() > 1 && digits[0] == '0')
    return std::nullopt;
  std::uint64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9')
      return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v > UINT32_MAX)
    return std::nullopt;
  return std::pair{static_cast<chain_id>(v), s.substr(slash + 1)};
}

} // namespace

bool valid_denom(std::string_view denom) noexcept {
  if (denom.empty() || denom.size() > bounds::max_denom)
    return false;
  while (auto h = hop(denom))
    denom = h->second;
  if (denom.empty() || denom.size() > bounds::max_base_denom)
    return false;
  for (char c : denom)
    if (!base_char(c))
      return false;
  return true;
}

bool is_native(std::string_view denom) noexcept {
  return !hop(denom);
}

std::optional<chain_id> voucher_origin(std::string_view denom) noexcept {
  if (auto h = hop(denom))
    return h->first;
  return std::nullopt;
}

std::optional<std::string> voucher_denom(chain_id source, std::string_view denom) {
  std::string out = std::string(prefix) + std::to_string(source) + "/" + std::string(denom);
  if (out.size() > bounds::max_denom)
    return std::nullopt;
  return out;
}

std::string_view unwind(std::string_view voucher) noexcept {
  if (auto h = hop(voucher))
    return h->second;
  return voucher;
}

hash256 message_hash(const peg_message& m) {
  return tagged_hash(hash_tag::peg_message, codec::encode(m));
}

hash256 ack_hash(const peg_ack& a) {
  return tagged_hash(hash_tag::peg_ack, codec::encode(a));
}

bytes id_bytes(const message_id& id) {
  bytes out(12);
  for (int i = 0; i < 4; ++i)
    out[i] = static_cast<byte>(id.source >> (24 - 8 * i));
  for (int i = 0; i < 8; ++i)
    out[4 + i] = static_cast<byte>(id.sequence >> (56 - 8 * i));
  return out;
}

} // namespace bfd::peg

namespace bfd::codec {

namespace {

constexpr std::uint32_t message_fields = 9;
constexpr std::uint32_t ack_fields = 5;

void write_text(writer& w, const std::string& s) {
  w.bin(byte_view{reinterpret_cast<const byte*>(s.data()), s.size()});
}

using fields = field_reader;

bool printable(std::string_view s) {
  for (char c : s)
    if (c < 0x20 || c > 0x7e)
      return false;
  return true;
}

bool operation_name(std::string_view s) {
  if (s.empty())
    return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  return true;
}

} // namespace

void write(const peg::peg_message& m, writer& w) {
  w.array(message_fields);
  w.uint(peg::peg_message::format_version);
  w.uint(m.id.source);
  w.uint(m.id.sequence);
  w.uint(m.destination);
  w.bin(m.sender);
  w.bin(m.receiver);
  w.uint(m.timeout_height);
  w.uint(static_cast<std::uint64_t>(m.kind()));
  if (const auto* t = std::get_if<peg::asset_transfer>(&m.payload)) {
    w.array(2);
    write_text(w, t->denom);
    w.uint(t->value);
  } else if (const auto* c = std::get_if<peg::metadata_commit>(&m.payload)) {
    w.array(2);
    w.uint(c->op.source);
    w.uint(c->op.sequence);
  } else {
    const auto& op = std::get<peg::metadata_op>(m.payload);
    w.array(3);
    write_text(w, op.operation);
    w.array(static_cast<std::uint32_t>(op.keys.size()));
    for (const auto& k : op.keys)
      w.bin(k);
    w.bin(op.body);
  }
}

void write(const peg::peg_ack& a, writer& w) {
  w.array(ack_fields);
  w.uint(peg::peg_ack::format_version);
  w.uint(a.id.source);
  w.uint(a.id.sequence);
  w.uint(static_cast<std::uint64_t>(a.code));
  write_text(w, a.detail);
}

bytes encode(const peg::peg_message& m) {
  bytes out;
  writer w(out);
  write(m, w);
  return out;
}

bytes encode(const peg::peg_ack& a) {
  bytes out;
  writer w(out);
  write(a, w);
  return out;
}

result<peg::peg_message> read_peg_message(const msgpack::object& obj) {
  auto items = reader(obj, "peg message").array(message_fields);
  if (!items)
    return items.error();
  fields f(*items);
  peg::peg_message m;
  const auto version = f.uint(0, "message version");
  if (f.ok() && version != peg::peg_message::format_version)
    return make_error(errc::unsupported_version, "peg message version " + std::to_string(version));
  m.id.source = static_cast<chain_id>(f.uint(1, "source chain", UINT32_MAX));
  m.id.sequence = f.uint(2, "sequence");
  m.destination = static_cast<chain_id>(f.uint(3, "destination chain", UINT32_MAX));
  m.sender = f.fixed<20>(4, "sender");
  m.receiver = f.fixed<20>(5, "receiver");
  m.timeout_height = f.uint(6, "timeout height");
  const auto kind = f.uint(7, "message kind", 2);
  if (!f.ok())
    return f.err();
  if (kind == static_cast<std::uint64_t>(peg::message_kind::asset_transfer)) {
    auto p = reader((*items)[8], "asset transfer").array(2);
    if (!p)
      return p.error();
    fields pf(*p);
    peg::asset_transfer t;
    t.denom = pf.text(0, "denom", peg::bounds::max_denom);
    t.value = pf.uint(1, "amount");
    if (!pf.ok())
      return pf.err();
    if (!peg::valid_denom(t.denom))
      return make_error(errc::malformed, "denom: not a valid denomination trace");
    m.payload = std::move(t);
  } else if (kind == static_cast<std::uint64_t>(peg::message_kind::metadata_commit)) {
    auto p = reader((*items)[8], "metadata commit").array(2);
    if (!p)
      return p.error();
    fields pf(*p);
    peg::metadata_commit c;
    c.op.source = static_cast<chain_id>(pf.uint(0, "operation source chain", UINT32_MAX));
    c.op.sequence = pf.uint(1, "operation sequence");
    if (!pf.ok())
      return pf.err();
    // A notice commits an operation its own chain sent, and never times out.
    if (c.op.source != m.id.source)
      return make_error(errc::malformed, "metadata commit: the operation's source must be the notice's");
    if (m.timeout_height != peg::no_timeout)
      return make_error(errc::malformed, "metadata commit: the timeout height must be 2^64-1 (never)");
    m.payload = c;
  } else {
    auto p = reader((*items)[8], "metadata operation").array(3);
    if (!p)
      return p.error();
    fields pf(*p);
    peg::metadata_op op;
    op.operation = pf.text(0, "operation", peg::bounds::max_operation);
    if (!pf.ok())
      return pf.err();
    if (!operation_name(op.operation))
      return make_error(errc::malformed, "operation: expected 1-32 of [a-z0-9_]");
    std::uint32_t count = 0;
    auto keys = reader((*p)[1], "locked keys").array_up_to(peg::bounds::max_keys, count);
    if (!keys)
      return keys.error();
    op.keys.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) {
      auto k = reader((*keys)[i], "locked key").bin(peg::bounds::max_key);
      if (!k)
        return k.error();
      op.keys.push_back(std::move(*k));
    }
    op.body = pf.bin(2, "operation body", peg::bounds::max_body);
    if (!pf.ok())
      return pf.err();
    m.payload = std::move(op);
  }
  return m;
}

result<peg::peg_ack> read_peg_ack(const msgpack::object& obj) {
  auto items = reader(obj, "peg acknowledgement").array(ack_fields);
  if (!items)
    return items.error();
  fields f(*items);
  peg::peg_ack a;
  const auto version = f.uint(0, "acknowledgement version");
  if (f.ok() && version != peg::peg_ack::format_version)
    return make_error(errc::unsupported_version, "peg acknowledgement version " + std::to_string(version));
  a.id.source = static_cast<chain_id>(f.uint(1, "source chain", UINT32_MAX));
  a.id.sequence = f.uint(2, "sequence");
  a.code = static_cast<peg::failure_code>(f.uint(3, "result code", UINT16_MAX));
  a.detail = f.text(4, "detail", peg::bounds::max_detail);
  if (!f.ok())
    return f.err();
  if (!printable(a.detail))
    return make_error(errc::malformed, "detail: expected printable ASCII");
  if (a.success() && !a.detail.empty())
    return make_error(errc::malformed, "detail: a success carries none");
  return a;
}

result<peg::peg_message> decode_peg_message(byte_view in) {
  return decode_canonical<peg::peg_message>(in, peg::message_limits, read_peg_message,
                                            [](const peg::peg_message& m, bytes& out) {
                                              writer w(out);
                                              write(m, w);
                                            });
}

result<peg::peg_ack> decode_peg_ack(byte_view in) {
  return decode_canonical<peg::peg_ack>(in, peg::message_limits, read_peg_ack, [](const peg::peg_ack& a, bytes& out) {
    writer w(out);
    write(a, w);
  });
}

} // namespace bfd::codec

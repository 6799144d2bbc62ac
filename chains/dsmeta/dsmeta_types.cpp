#include "chains/dsmeta/dsmeta_types.hpp"

#include "chains/codec/canonical.hpp"
#include "chains/codec/field_reader.hpp"

namespace bfd::ds {

namespace {
constexpr codec::limits op_limits{512, 8, 1};

void write_text(codec::writer& w, std::string_view s) {
  w.bin(byte_view{reinterpret_cast<const byte*>(s.data()), s.size()});
}
} // namespace

std::string_view to_string(fund_status s) noexcept {
  switch (s) {
    case fund_status::active: return "active";
    case fund_status::liquidating: return "liquidating";
    case fund_status::liquidated: return "liquidated";
  }
  return "unknown";
}

std::string_view to_string(rate_mode m) noexcept {
  switch (m) {
    case rate_mode::fixed: return "fixed";
    case rate_mode::floating: return "floating";
    case rate_mode::bfdt: return "bfdt";
  }
  return "unknown";
}

std::optional<rate_mode> parse_rate_mode(std::string_view text) noexcept {
  for (std::uint8_t i = 0; i < rate_mode_count; ++i)
    if (to_string(static_cast<rate_mode>(i)) == text)
      return static_cast<rate_mode>(i);
  return std::nullopt;
}

std::string_view to_string(rate_source s) noexcept {
  return s == rate_source::terms ? "terms" : "update";
}

std::string_view op_name(op_kind k) noexcept {
  switch (k) {
    case op_kind::register_org: return "ds_register";
    case op_kind::raise: return "ds_raise";
    case op_kind::issue: return "ds_issue";
    case op_kind::liquidate: return "ds_liquidate";
  }
  return "unknown";
}

bytes key_bytes(std::string_view k) {
  return bytes(k.begin(), k.end());
}

bytes member_key(const address& a) {
  bytes k = key_bytes("ds/member/");
  k.insert(k.end(), a.begin(), a.end());
  return k;
}

std::vector<bytes> op_keys(op_kind k) {
  switch (k) {
    case op_kind::register_org: return {key_bytes(key_org), key_bytes(key_status)};
    case op_kind::raise: return {key_bytes(key_raise), key_bytes(key_rate), key_bytes(key_status)};
    case op_kind::issue: return {key_bytes(key_issue), key_bytes(key_raise), key_bytes(key_status)};
    case op_kind::liquidate: return {key_bytes(key_status)};
  }
  return {};
}

bool valid_symbol(std::string_view s) noexcept {
  if (s.empty() || s.size() > max_symbol)
    return false;
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
      return false;
  return true;
}

bytes encode_op(const op_body& b) {
  bytes out;
  codec::writer w(out);
  switch (b.kind) {
    case op_kind::register_org:
      w.array(5);
      w.uint(static_cast<std::uint8_t>(b.kind));
      write_text(w, b.name);
      write_text(w, b.uri);
      w.uint(b.group);
      w.bin(b.owner);
      break;
    case op_kind::raise:
      w.array(8);
      w.uint(static_cast<std::uint8_t>(b.kind));
      w.uint(b.terms.target);
      w.uint(b.terms.min);
      w.uint(b.terms.max);
      w.uint(b.terms.deadline);
      write_text(w, b.terms.symbol);
      w.uint(static_cast<std::uint8_t>(b.terms.mode));
      w.uint(b.terms.rate);
      break;
    case op_kind::issue:
      w.array(2);
      w.uint(static_cast<std::uint8_t>(b.kind));
      w.uint(b.value);
      break;
    case op_kind::liquidate:
      w.array(2);
      w.uint(static_cast<std::uint8_t>(b.kind));
      w.uint(static_cast<std::uint8_t>(b.phase));
      break;
  }
  return out;
}

result<op_body> decode_op(byte_view in) {
  return codec::decode_canonical<op_body>(
    in, op_limits,
    [](const msgpack::object& obj) -> result<op_body> {
      std::uint32_t n = 0;
      auto items = codec::reader(obj, "ds operation").array_up_to(8, n);
      if (!items)
        return items.error();
      if (n < 2)
        return make_error(errc::malformed, "ds operation: fewer than 2 items");
      codec::field_reader f(*items);
      op_body b;
      const auto kind = f.uint(0, "operation kind", 4);
      if (!f.ok())
        return f.err();
      if (kind == 0)
        return make_error(errc::malformed, "ds operation: unknown kind 0");
      b.kind = static_cast<op_kind>(kind);
      const std::uint32_t want = b.kind == op_kind::register_org ? 5 : b.kind == op_kind::raise ? 8 : 2;
      if (n != want)
        return make_error(errc::malformed, "ds operation " + std::string(op_name(b.kind)) + ": expected "
                                             + std::to_string(want) + " items, got " + std::to_string(n));
      switch (b.kind) {
        case op_kind::register_org:
          b.name = f.text(1, "name", max_name);
          b.uri = f.text(2, "uri", max_uri);
          b.group = f.uint(3, "group");
          b.owner = f.fixed<20>(4, "owner");
          break;
        case op_kind::raise:
          b.terms.target = f.uint(1, "target");
          b.terms.min = f.uint(2, "min");
          b.terms.max = f.uint(3, "max");
          b.terms.deadline = f.uint(4, "deadline");
          b.terms.symbol = f.text(5, "symbol", max_symbol);
          b.terms.mode = static_cast<rate_mode>(f.uint(6, "rate mode", rate_mode_count - 1));
          b.terms.rate = f.uint(7, "rate");
          break;
        case op_kind::issue:
          b.value = f.uint(1, "amount");
          break;
        case op_kind::liquidate: {
          const auto ph = f.uint(1, "phase", 2);
          if (f.ok() && ph == 0)
            return make_error(errc::malformed, "ds_liquidate: phase 1 (start) or 2 (finish)");
          b.phase = static_cast<liquidation_phase>(ph);
          break;
        }
      }
      if (!f.ok())
        return f.err();
      return b;
    },
    [](const op_body& b, bytes& out) { out = encode_op(b); });
}

} // namespace bfd::ds
